package ir

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/diag"
)

// Recur is a vector defined by its own past: its first K elements are Init (a scalar, K = 1,
// or a vector [K]), and element t, for t = K+1 … N, is Step evaluated with the index at t. In
// Step, At reads another vector at t + offset, Lag reads this vector's own element t − lag
// (1 ≤ lag ≤ K, so only elements already computed), and Index is t itself.
type Recur struct {
	span
	Name string // the let it defines, for messages
	Init Expr
	Step Expr
	shp  Shape
	// Dep says whether the recurrence depends on the parameters, through Init or Step; the
	// checker sets it once Step is built (Lag nodes inside Step read it).
	Dep bool
}

// At is X[t + Off] inside a recurrence's step: X is a vector that is not the recurrence.
type At struct {
	span
	X   Expr
	Off Affine
	R   *Recur
}

// Lag is the recurrence's own element t − K, K ≥ 1.
type Lag struct {
	span
	K int
	R *Recur
}

// RecurIndex is the index t of a recurrence's step, as a number.
type RecurIndex struct {
	span
	R *Recur
}

// NewRecur makes a recurrence of the given shape; set Init, Step and Dep afterwards (Step
// refers back to it).
func NewRecur(s span, name string, shp Shape) *Recur { return &Recur{span: s, Name: name, shp: shp} }
func NewAt(s span, x Expr, off Affine, r *Recur) *At { return &At{s, x, off, r} }
func NewLag(s span, k int, r *Recur) *Lag            { return &Lag{s, k, r} }
func NewRecurIndex(s span, r *Recur) *RecurIndex     { return &RecurIndex{s, r} }

func (e *Recur) Shape() Shape      { return e.shp }
func (e *At) Shape() Shape         { return nil }
func (e *Lag) Shape() Shape        { return nil }
func (e *RecurIndex) Shape() Shape { return nil }

func (e *Recur) DependsOnParams() bool      { return e.Dep }
func (e *At) DependsOnParams() bool         { return e.X.DependsOnParams() }
func (e *Lag) DependsOnParams() bool        { return e.R.Dep }
func (e *RecurIndex) DependsOnParams() bool { return false }

// InStep reports whether e reads the step's index (an At, Lag or RecurIndex inside it), and so
// has a value per t rather than one value.
func InStep(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		switch x.(type) {
		case *At, *Lag, *RecurIndex:
			found = true
		}
		return !found
	})
	return found
}

// recurFrame is the state of a recurrence being evaluated: its elements so far and the index.
type recurFrame struct {
	t    int
	vals []float64
}

func evalRecur(e *Recur, env *Env) (*Tensor, error) {
	init, err := Eval(e.Init, env)
	if err != nil {
		return nil, err
	}
	n := env.Sizes.Len(e.shp)
	k := len(init.Data)
	if k > n {
		return nil, fmt.Errorf("%s has %d elements but %d initial values", e.Name, n, k)
	}
	out := NewTensor(n)
	copy(out.Data, init.Data)
	if env.recur == nil {
		env.recur = map[*Recur]*recurFrame{}
	}
	f := &recurFrame{vals: out.Data}
	env.recur[e] = f
	defer delete(env.recur, e)
	for f.t = k + 1; f.t <= n; f.t++ {
		v, err := Eval(e.Step, env)
		if err != nil {
			return nil, err
		}
		out.Data[f.t-1] = v.Data[0]
	}
	return out, nil
}

func (env *Env) frame(r *Recur) (*recurFrame, error) {
	f, ok := env.recur[r]
	if !ok {
		return nil, diag.Internalf("the step of %s evaluated outside it", r.Name)
	}
	return f, nil
}

func evalInStep(e Expr, env *Env) (*Tensor, error) {
	switch e := e.(type) {
	case *At:
		f, err := env.frame(e.R)
		if err != nil {
			return nil, err
		}
		x, err := Eval(e.X, env)
		if err != nil {
			return nil, err
		}
		i := f.t + e.Off.Resolve(env.Sizes)
		if i < 1 || i > len(x.Data) {
			return nil, fmt.Errorf("index %d is outside 1…%d in the step of %s at t = %d", i, len(x.Data), e.R.Name, f.t)
		}
		return Scalar(x.Data[i-1]), nil
	case *Lag:
		f, err := env.frame(e.R)
		if err != nil {
			return nil, err
		}
		if f.t-e.K < 1 {
			return nil, fmt.Errorf("%s[t-%d] at t = %d is before the first element", e.R.Name, e.K, f.t)
		}
		return Scalar(f.vals[f.t-e.K-1]), nil
	case *RecurIndex:
		f, err := env.frame(e.R)
		if err != nil {
			return nil, err
		}
		return Scalar(float64(f.t)), nil
	}
	return nil, fmt.Errorf("ir: cannot evaluate %T", e)
}
