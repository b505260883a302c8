package rng

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Known-answer vectors of Philox4x32-10 from the Random123 distribution's
// tests/kat_vectors (Salmon et al. 2011).
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0},
			[4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := Philox4x32(c.ctr, c.key); got != c.want {
			t.Errorf("Philox4x32(%#x, %#x) = %#x, want %#x", c.ctr, c.key, got, c.want)
		}
	}
}

func TestUniformIsOpen(t *testing.T) {
	if u := Uniform(0); u <= 0 || math.IsInf(math.Log(u), 0) {
		t.Errorf("Uniform(0) = %g", u)
	}
	if u := Uniform(math.MaxUint64); u >= 1 {
		t.Errorf("Uniform(max) = %g", u)
	}
}

// The normals' first four moments against N(0,1)'s (0, 1, 0, 3), with
// tolerances of five standard errors of each sample moment for n draws.
func TestNormalsMoments(t *testing.T) {
	const n = 200000
	k := KeyOf(12345)
	z := make([]float64, n)
	k.Normals(z, 7, 3, Momentum)
	var m1, m2, m3, m4 float64
	for _, v := range z {
		m1 += v
		m2 += v * v
		m3 += v * v * v
		m4 += v * v * v * v
	}
	m1, m2, m3, m4 = m1/n, m2/n, m3/n, m4/n
	se := func(v float64) float64 { return 5 * math.Sqrt(v/n) }
	// Var of the sample moments of N(0,1): E z^2=1, E z^4-1=2, E z^6=15, E z^8-9=96.
	if math.Abs(m1) > se(1) || math.Abs(m2-1) > se(2) || math.Abs(m3) > se(15) || math.Abs(m4-3) > se(96) {
		t.Errorf("moments %.4f %.4f %.4f %.4f", m1, m2, m3, m4)
	}
}

// Element j of a stream depends only on its address: a shorter fill is a
// prefix of a longer one, and other chains, iterations or purposes differ.
func TestNormalsAddressing(t *testing.T) {
	k := KeyOf(1)
	long := make([]float64, 9)
	short := make([]float64, 4)
	k.Normals(long, 5, 10, Momentum)
	k.Normals(short, 5, 10, Momentum)
	for i := range short {
		if short[i] != long[i] {
			t.Fatalf("element %d: %g (fill of 4) vs %g (fill of 9)", i, short[i], long[i])
		}
	}
	other := make([]float64, 9)
	for _, addr := range [][3]uint32{{6, 10, uint32(Momentum)}, {5, 11, uint32(Momentum)}, {5, 10, uint32(Accept)}} {
		k.Normals(other, addr[0], addr[1], Purpose(addr[2]))
		if other[0] == long[0] || other[8] == long[8] {
			t.Errorf("stream %v repeats stream (5, 10, Momentum)", addr)
		}
	}
	k2 := KeyOf(2)
	k2.Normals(other, 5, 10, Momentum)
	if other[0] == long[0] {
		t.Error("seed 2 repeats seed 1")
	}
}

func TestStreamIsRestartable(t *testing.T) {
	k := KeyOf(99)
	a := rand.New(k.Stream(3, 4, Trajectory))
	var first []float64
	for range 7 {
		first = append(first, a.Float64())
	}
	var s Stream
	s.Reset(k, 3, 4, Trajectory)
	b := rand.New(&s)
	for i := range first {
		if v := b.Float64(); v != first[i] {
			t.Fatalf("draw %d after Reset: %g, want %g", i, v, first[i])
		}
	}
	// Uint64 halves come from the stream's blocks in order.
	s.Reset(k, 3, 4, Trajectory)
	blk := k.Block(3, 4, Trajectory, 0)
	if got, want := s.Uint64(), uint64(blk[0])<<32|uint64(blk[1]); got != want {
		t.Errorf("first Uint64 %#x, want %#x", got, want)
	}
	if got, want := s.Uint64(), uint64(blk[2])<<32|uint64(blk[3]); got != want {
		t.Errorf("second Uint64 %#x, want %#x", got, want)
	}
}

// A chi-square test of the stream's uniforms over 64 equal bins: with 63
// degrees of freedom the statistic exceeds 110 with probability below 1e-4.
func TestStreamUniformity(t *testing.T) {
	const n, bins = 640000, 64
	var counts [bins]float64
	s := KeyOf(2026).Stream(0, 0, Other)
	for range n {
		counts[int(Uniform(s.Uint64())*bins)]++
	}
	chi := 0.0
	e := float64(n) / bins
	for _, c := range counts {
		chi += (c - e) * (c - e) / e
	}
	if chi > 110 {
		t.Errorf("chi-square %.1f over %d bins", chi, bins)
	}
}

func BenchmarkNormals(b *testing.B) {
	k := KeyOf(1)
	z := make([]float64, 1024)
	for i := 0; i < b.N; i++ {
		k.Normals(z, uint32(i), 0, Momentum)
	}
}
