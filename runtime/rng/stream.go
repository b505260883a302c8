package rng

import "math"

// Purpose separates the streams one chain uses in one iteration, so that
// adding a use of randomness never shifts the numbers another use sees.
type Purpose uint32

// The purposes hmcc's samplers draw for. Values are part of the draws'
// reproducibility contract (and of the GPU kernels): never renumber them.
const (
	Init       Purpose = 1 // initial positions
	Momentum   Purpose = 2 // the momentum refreshed at the start of an iteration
	Accept     Purpose = 3 // Metropolis acceptance and multinomial choices
	Trajectory Purpose = 4 // NUTS: directions and in-tree choices
	Jitter     Purpose = 5 // step counts and trajectory-length jitter
	Adapt      Purpose = 6 // warmup's population moves (relocating stray chains)
	Generate   Purpose = 7 // generated quantities
	Other      Purpose = 8 // anything else a kernel needs
)

// Name is the generator's name as chain files record it (# hmcc_rng).
const Name = "philox4x32-10"

// Population is the chain id of streams shared by every chain of a run (for
// example one jittered trajectory length per iteration for all chains).
const Population = math.MaxUint32

// Key is the Philox key of a run: its seed.
type Key [2]uint32

// KeyOf returns the key for a 64-bit seed.
func KeyOf(seed uint64) Key { return Key{uint32(seed), uint32(seed >> 32)} }

// Block returns the index'th Philox block of the stream (chain, iter, p).
// The counter layout is [index, iteration, chain, purpose].
func (k Key) Block(chain, iter uint32, p Purpose, index uint32) [4]uint32 {
	return Philox4x32([4]uint32{index, iter, chain, uint32(p)}, k)
}

// Uniform maps 64 random bits to the open interval (0, 1): the top 52 bits
// plus half a unit in the last place, exact in float64, so that neither log(u)
// nor log(1-u) is ever infinite.
func Uniform(x uint64) float64 {
	return (float64(x>>12) + 0.5) * (1.0 / (1 << 52))
}

// Normals fills dst with independent standard normals of stream (chain, iter,
// p): dst[2i] and dst[2i+1] come from block i by the Box–Muller transform
// (u1 from its first two words, u2 from its last two). Element j therefore
// depends only on (key, chain, iter, p, j), which is what lets a GPU kernel
// draw the same momenta as the CPU, one thread per coordinate.
func (k Key) Normals(dst []float64, chain, iter uint32, p Purpose) {
	for i := 0; 2*i < len(dst); i++ {
		z0, z1 := k.NormalPair(chain, iter, p, uint32(i))
		dst[2*i] = z0
		if 2*i+1 < len(dst) {
			dst[2*i+1] = z1
		}
	}
}

// NormalPair returns the two normals of block index of stream (chain, iter, p).
func (k Key) NormalPair(chain, iter uint32, p Purpose, index uint32) (float64, float64) {
	b := k.Block(chain, iter, p, index)
	u1 := Uniform(uint64(b[0])<<32 | uint64(b[1]))
	u2 := Uniform(uint64(b[2])<<32 | uint64(b[3]))
	r := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	return r * c, r * s
}

// Stream is a sequential source over one (chain, iteration, purpose) address,
// for code that needs an unknown number of draws (NUTS's tree building).
// It implements math/rand/v2's Source; its zero value is not usable.
type Stream struct {
	key   Key
	chain uint32
	iter  uint32
	p     Purpose
	index uint32 // next block
	buf   [4]uint32
	used  int // uint64 halves of buf already returned (0, 1 or 2)
}

// Stream returns a sequential source positioned at the start of the stream.
func (k Key) Stream(chain, iter uint32, p Purpose) *Stream {
	s := &Stream{}
	s.Reset(k, chain, iter, p)
	return s
}

// Reset repositions s at the start of stream (chain, iter, p) under key k,
// so a kernel can reuse one Stream per chain without allocating.
func (s *Stream) Reset(k Key, chain, iter uint32, p Purpose) {
	*s = Stream{key: k, chain: chain, iter: iter, p: p, used: 2}
}

// Uint64 returns the next 64 random bits of the stream.
func (s *Stream) Uint64() uint64 {
	if s.used == 2 {
		s.buf = s.key.Block(s.chain, s.iter, s.p, s.index)
		s.index++
		s.used = 0
	}
	h := 2 * s.used
	s.used++
	return uint64(s.buf[h])<<32 | uint64(s.buf[h+1])
}
