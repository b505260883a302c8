// Package philox is the counter-based generator Philox4x32-10 (Salmon, Moraes, Dror and Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC11, 2011) and the streams of normal and
// uniform draws the GPU's HMC transition takes from it. compiler/cudagen emits the same functions
// in CUDA C (hmcc_philox, hmcc_hmc_draw), so a draw depends only on (seed, chain, iteration,
// coordinate): the device draws momenta inside its kernels with no state and no host work, and
// the host computes exactly the same numbers when it needs them.
package philox

import "math"

// Block is one Philox4x32-10 block: ten rounds of the counter under the key, the key bumped by the
// Weyl constants between rounds.
func Block(ctr [4]uint32, key [2]uint32) [4]uint32 {
	const m0, m1, w0, w1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
	for r := 0; r < 10; r++ {
		if r > 0 {
			key[0] += w0
			key[1] += w1
		}
		p0 := uint64(m0) * uint64(ctr[0])
		p1 := uint64(m1) * uint64(ctr[2])
		ctr = [4]uint32{uint32(p1>>32) ^ ctr[1] ^ key[0], uint32(p1), uint32(p0>>32) ^ ctr[3] ^ key[1], uint32(p0)}
	}
	return ctr
}

// UniformBlock is the block index of the Metropolis uniform; blocks 0, 1, … hold the momenta.
const UniformBlock = 0xFFFFFFFF

// counter lays out block b of chain c at iteration it.
func counter(b, chain uint32, it uint64) [4]uint32 {
	return [4]uint32{b, chain, uint32(it), uint32(it >> 32)}
}

// Key is a run's seed as a Philox key.
func Key(seed uint64) [2]uint32 { return [2]uint32{uint32(seed), uint32(seed >> 32)} }

// unit maps two words to (0, 1): 52 bits, offset by half a step so neither end is reached.
func unit(hi, lo uint32) float64 {
	return (float64(uint64(hi)<<20|uint64(lo>>12)) + 0.5) * 0x1p-52
}

// Normals writes the standard normal draws of chain at iteration it to out: coordinates 2b and
// 2b+1 are the Box–Muller pair of block b.
func Normals(seed uint64, chain uint32, it uint64, out []float64) {
	key := Key(seed)
	for b := 0; 2*b < len(out); b++ {
		x := Block(counter(uint32(b), chain, it), key)
		r := math.Sqrt(-2 * math.Log(unit(x[0], x[1])))
		a := 2 * math.Pi * unit(x[2], x[3])
		out[2*b] = r * math.Cos(a)
		if 2*b+1 < len(out) {
			out[2*b+1] = r * math.Sin(a)
		}
	}
}

// Uniform is chain's Metropolis uniform at iteration it, in (0, 1).
func Uniform(seed uint64, chain uint32, it uint64) float64 {
	x := Block(counter(UniformBlock, chain, it), Key(seed))
	return unit(x[0], x[1])
}
