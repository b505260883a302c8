package philox

import (
	"math"
	"testing"
)

// TestKnownAnswers: the three philox4x32-10 lines of Random123's kat_vectors file
// (counter, key → output).
func TestKnownAnswers(t *testing.T) {
	for _, c := range []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	} {
		if got := Block(c.ctr, c.key); got != c.want {
			t.Errorf("Block(%08x, %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
}

// TestNormalsMoments: 200,000 draws over chains and iterations have the standard normal's mean,
// variance and fourth moment within five standard errors, and the uniforms mean 1/2; draws of
// different chains, iterations or seeds differ.
func TestNormalsMoments(t *testing.T) {
	const chains, iters, dim = 100, 100, 20
	var s1, s2, s4, u float64
	n := 0.0
	z := make([]float64, dim)
	for c := uint32(0); c < chains; c++ {
		for it := uint64(0); it < iters; it++ {
			Normals(42, c, it, z)
			for _, v := range z {
				s1, s2, s4 = s1+v, s2+v*v, s4+v*v*v*v
				n++
			}
			u += Uniform(42, c, it)
		}
	}
	if m := s1 / n; math.Abs(m) > 5/math.Sqrt(n) {
		t.Errorf("mean %g", m)
	}
	if v := s2 / n; math.Abs(v-1) > 5*math.Sqrt(2/n) {
		t.Errorf("variance %g", v)
	}
	if k := s4 / n; math.Abs(k-3) > 5*math.Sqrt(96/n) {
		t.Errorf("fourth moment %g", k)
	}
	if m := u / (chains * iters); math.Abs(m-0.5) > 5*math.Sqrt(1.0/12/(chains*iters)) {
		t.Errorf("uniform mean %g", m)
	}
	a, b := make([]float64, 3), make([]float64, 3)
	Normals(1, 0, 0, a)
	for _, other := range []func(){func() { Normals(1, 1, 0, b) }, func() { Normals(1, 0, 1, b) }, func() { Normals(2, 0, 0, b) }} {
		other()
		if a[0] == b[0] {
			t.Error("two streams share a draw")
		}
	}
}
