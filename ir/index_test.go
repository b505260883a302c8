package ir

import "testing"

// TestAffineDims: an affine size prints canonically, compares equal however it was written, and
// resolves to its value once the sizes are bound.
func TestAffineDims(t *testing.T) {
	z := Sizes{"N": 10, "K": 3}
	n, k := AffineSize("N"), AffineSize("K")
	cases := []struct {
		a     Affine
		str   string
		value int
	}{
		{n, "N", 10},
		{AffineConst(4), "4", 4},
		{n.Add(AffineConst(1), -1), "N-1", 9},
		{n.Add(k, -1).Add(AffineConst(1), 1), "-K+N+1", 8},
		{n.Scale(2).Add(k, 1), "K+2*N", 23},
		{k.Add(k, -1).Add(AffineConst(2), 1), "2", 2},
		{n.Scale(-1), "-N", -10},
	}
	for _, c := range cases {
		if got := c.a.String(); got != c.str {
			t.Errorf("%+v prints %q, want %q", c.a, got, c.str)
		}
		if got := c.a.Resolve(z); got != c.value {
			t.Errorf("%s resolves to %d, want %d", c.str, got, c.value)
		}
		if got := z.Resolve(Shape{c.a.Dim()}); got[0] != c.value {
			t.Errorf("the dim %s resolves to %d, want %d", c.str, got[0], c.value)
		}
	}
	// y[3:N] and y[2:N-1] have one length, written two ways
	a := NewSlice(Span{}, nil, AffineConst(3), n, false).Shape()
	b := NewSlice(Span{}, nil, AffineConst(2), n.Add(AffineConst(1), -1), false).Shape()
	if !a.Equal(b) || a.String() != "[N-2]" {
		t.Errorf("shapes %s and %s, want both [N-2]", a, b)
	}
	if c := NewSlice(Span{}, nil, AffineConst(1), n, false).Shape(); !c.Equal(Shape{{Name: "N"}}) {
		t.Errorf("y[1:N] has shape %s, want the size N itself", c)
	}
}

func TestSliceRange(t *testing.T) {
	z := Sizes{"N": 5}
	n := AffineSize("N")
	for _, c := range []struct {
		lo, hi       Affine
		elem         bool
		first, count int
		bad          bool
	}{
		{AffineConst(2), n, false, 1, 4, false},
		{AffineConst(1), n.Add(AffineConst(2), -1), false, 0, 3, false},
		{n, n, true, 4, 1, false},
		{AffineConst(0), n, false, 0, 0, true},
		{AffineConst(2), n.Add(AffineConst(1), 1), false, 0, 0, true},
		{AffineConst(4), AffineConst(3), false, 0, 0, true},
		{n.Add(AffineConst(1), 1), n, true, 0, 0, true},
	} {
		s := NewSlice(Span{}, nil, c.lo, c.hi, c.elem)
		first, count, err := s.Range(z, 5)
		if (err != nil) != c.bad || (!c.bad && (first != c.first || count != c.count)) {
			t.Errorf("%s:%s (element %v): %d, %d, %v", c.lo, c.hi, c.elem, first, count, err)
		}
	}
}
