// Package rng gives hmcc's random numbers: counter-based streams addressed by
// (seed, chain, iteration, purpose), so that a chain's draws depend only on the
// seed and its global chain id — not on how many chains run beside it, how they
// are split among threads, shards or machines, or where a run was resumed.
//
// The generator is Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel
// random numbers: as easy as 1, 2, 3", SC 2011). It is a keyed bijection of a
// 128-bit counter, so any number in any stream can be computed directly, on the
// CPU or inside a GPU kernel, without carrying generator state.
//
// How hmcc addresses its streams (runtime.Streams has the details per purpose):
//   - The chain is the global chain id, 0-based: shard i of n running C chains holds global
//     chains (i−1)·C … i·C−1.
//   - The iteration is one count over the whole run, warmup then sampling (State.Iter before
//     the transition), so a resumed run addresses iteration t directly. Initialisation uses
//     purpose Init with the attempt number (0, then each redraw) as its iteration.
//   - Population streams, shared by a batch of chains (hmc's jittered integration time,
//     warmup's relocation of stray chains), use the chain value Population − g, where g is the
//     global id of the batch's first chain: a run of one shard uses Population itself, and two
//     shards never share a population stream (chain ids stay below 2³¹, so none collides).
//   - Generated quantities of global chain g at run iteration t draw from (g, t, Generate);
//     hmcc generate uses (file index, draw index, Generate).
package rng

import "math/bits"

// Philox4x32-10 constants from Salmon et al. (2011), table 2: the round
// multipliers and the Weyl sequence that bumps the key between rounds.
const (
	mul0   = 0xD2511F53
	mul1   = 0xCD9E8D57
	weyl0  = 0x9E3779B9
	weyl1  = 0xBB67AE85
	rounds = 10
)

// Philox4x32 returns the Philox4x32-10 block for counter ctr under key.
func Philox4x32(ctr [4]uint32, key [2]uint32) [4]uint32 {
	c0, c1, c2, c3 := ctr[0], ctr[1], ctr[2], ctr[3]
	k0, k1 := key[0], key[1]
	for r := 0; r < rounds; r++ {
		hi0, lo0 := bits.Mul32(mul0, c0)
		hi1, lo1 := bits.Mul32(mul1, c2)
		c0, c1, c2, c3 = hi1^c1^k0, lo1, hi0^c3^k1, lo0
		k0 += weyl0
		k1 += weyl1
	}
	return [4]uint32{c0, c1, c2, c3}
}
