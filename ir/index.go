package ir

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Affine is a whole-number expression of sizes, Σ coef·size + Const: the bounds of a slice
// (y[2:N-1]) and an element's index (beta[K]) are written with it, so their values are known
// once the data bind the sizes and their shapes can be compared before that.
type Affine struct {
	Terms []AffineTerm // sorted by Sym, no zero coefficients
	Const int
}

// AffineTerm is coef·Sym.
type AffineTerm struct {
	Sym  string
	Coef int
}

// AffineConst is the affine expression with no sizes.
func AffineConst(c int) Affine { return Affine{Const: c} }

// AffineSize is the affine expression of one size.
func AffineSize(sym string) Affine { return Affine{Terms: []AffineTerm{{sym, 1}}} }

// Add returns a + s·b.
func (a Affine) Add(b Affine, s int) Affine {
	coef := map[string]int{}
	for _, t := range a.Terms {
		coef[t.Sym] += t.Coef
	}
	for _, t := range b.Terms {
		coef[t.Sym] += s * t.Coef
	}
	out := Affine{Const: a.Const + s*b.Const}
	for sym, c := range coef {
		if c != 0 {
			out.Terms = append(out.Terms, AffineTerm{sym, c})
		}
	}
	sort.Slice(out.Terms, func(i, j int) bool { return out.Terms[i].Sym < out.Terms[j].Sym })
	return out
}

// Scale returns k·a.
func (a Affine) Scale(k int) Affine { return Affine{}.Add(a, k) }

// IsConst reports whether a has no sizes.
func (a Affine) IsConst() bool { return len(a.Terms) == 0 }

// Resolve is a's value once the sizes are bound.
func (a Affine) Resolve(z Sizes) int {
	v := a.Const
	for _, t := range a.Terms {
		v += t.Coef * z[t.Sym]
	}
	return v
}

// symbolic renders the sizes part: "N", "N-K", "2*N".
func (a Affine) symbolic() string {
	var b strings.Builder
	for i, t := range a.Terms {
		c := t.Coef
		switch {
		case c < 0:
			b.WriteByte('-')
			c = -c
		case i > 0:
			b.WriteByte('+')
		}
		if c != 1 {
			b.WriteString(strconv.Itoa(c) + "*")
		}
		b.WriteString(t.Sym)
	}
	return b.String()
}

func (a Affine) String() string { return Dim(a.Dim()).String() }

// Dim is a as an axis size: a literal, a size symbol, or a canonical affine form such as
// Dim{Name: "N-K", Size: 1} for N-K+1, which compares equal to every other spelling of it.
func (a Affine) Dim() Dim { return Dim{Name: a.symbolic(), Size: a.Const} }

// affineOfDim parses a Dim's canonical form back; Dim.Name is a size symbol, "" or what
// Affine.symbolic wrote.
func affineOfDim(d Dim) Affine {
	a := AffineConst(d.Size)
	name := d.Name
	for name != "" {
		sign := 1
		switch name[0] {
		case '-':
			sign, name = -1, name[1:]
		case '+':
			name = name[1:]
		}
		end := strings.IndexAny(name, "+-")
		if end < 0 {
			end = len(name)
		}
		term := name[:end]
		name = name[end:]
		coef := 1
		if star := strings.IndexByte(term, '*'); star >= 0 {
			coef, _ = strconv.Atoi(term[:star])
			term = term[star+1:]
		}
		a = a.Add(AffineSize(term), sign*coef)
	}
	return a
}

// dimValue resolves one axis; symbols plain or affine.
func (z Sizes) dimValue(d Dim) int {
	if d.Name == "" {
		return d.Size
	}
	if v, ok := z[d.Name]; ok {
		return v + d.Size
	}
	return affineOfDim(d).Resolve(z)
}

// SizeVal is a size used as a value (N, or N - 1 written with sizes only): a number once the data
// are bound.
type SizeVal struct {
	span
	A Affine
}

// Slice takes elements Lo … Hi (1-based, inclusive) of the vector X; with Elem it takes the one
// element Lo and is a scalar.
type Slice struct {
	span
	X      Expr
	Lo, Hi Affine
	Elem   bool
}

// Select is ifelse(c, a, b): a where c is not 0, b where it is, elementwise with broadcasting.
// Its gradient flows to the branch taken; c gets none.
type Select struct {
	span
	C, A, B Expr
	shp     Shape
}

func NewSizeVal(s span, a Affine) *SizeVal { return &SizeVal{s, a} }
func NewSlice(s span, x Expr, lo, hi Affine, elem bool) *Slice {
	return &Slice{s, x, lo, hi, elem}
}
func NewSelect(s span, c, a, b Expr, shp Shape) *Select { return &Select{s, c, a, b, shp} }

func (e *SizeVal) Shape() Shape { return nil }
func (e *Slice) Shape() Shape {
	if e.Elem {
		return nil
	}
	return Shape{e.Hi.Add(e.Lo, -1).Add(AffineConst(1), 1).Dim()}
}
func (e *Select) Shape() Shape { return e.shp }

func (e *SizeVal) DependsOnParams() bool { return false }
func (e *Slice) DependsOnParams() bool   { return e.X.DependsOnParams() }
func (e *Select) DependsOnParams() bool {
	return e.C.DependsOnParams() || e.A.DependsOnParams() || e.B.DependsOnParams()
}

// Range returns the 0-based first index and the count of a slice or element once sizes are bound,
// or an error naming the bounds when they fall outside a vector of n elements.
func (e *Slice) Range(z Sizes, n int) (first, count int, err error) {
	lo, hi := e.Lo.Resolve(z), e.Hi.Resolve(z)
	if e.Elem {
		hi = lo
	}
	switch {
	case lo < 1 || lo > n:
		return 0, 0, fmt.Errorf("index %d is outside 1…%d", lo, n)
	case hi > n:
		return 0, 0, fmt.Errorf("the slice %d:%d is outside 1…%d", lo, hi, n)
	case hi < lo:
		return 0, 0, fmt.Errorf("the slice %d:%d is empty", lo, hi)
	}
	return lo - 1, hi - lo + 1, nil
}
