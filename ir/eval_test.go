package ir

import (
	"math"
	"reflect"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
)

var sp = NewSpan(diag.Pos{}, diag.Pos{})

// A small model by hand: X is data [N, K] with N = 3, K = 2; b is a parameter [K]; s a scalar.
func evalFixture() (Sizes, *DataVar, *ParamVar, *ParamVar) {
	sizes := Sizes{"N": 3, "K": 2}
	X := &DataVar{Name: "X", Shape: Shape{{Name: "N"}, {Name: "K"}},
		Value: &Tensor{Shape: []int{3, 2}, Data: []float64{1, 2, 3, 4, 5, 6}}}
	b := &ParamVar{Name: "b", Shape: Shape{{Name: "K"}}, Len: 2}
	s := &ParamVar{Name: "s", Len: 1}
	return sizes, X, b, s
}

func TestEval(t *testing.T) {
	sizes, X, b, s := evalFixture()
	env := NewEnv(sizes, map[*ParamVar][]float64{b: {0.5, -1}, s: {2}})
	xb := NewMatVec(sp, NewDataRef(sp, X), NewParamRef(sp, b)) // [1*.5-2, 3*.5-4, 5*.5-6] = [-1.5, -2.5, -3.5]
	// s * (X @ b) + 1
	lin := NewBinary(sp, BinaryOps["+"], NewBinary(sp, BinaryOps["*"], NewParamRef(sp, s), xb, Shape{{Name: "N"}}),
		NewConst(sp, 1), Shape{{Name: "N"}})
	got, err := Eval(lin, env)
	if err != nil {
		t.Fatal(err)
	}
	want := &Tensor{Shape: []int{3}, Data: []float64{-2, -4, -6}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("s * (X @ b) + 1 = %+v, want %+v", got, want)
	}
	// sum(exp(b)) - 2^-1 is a scalar
	e := NewBinary(sp, BinaryOps["-"], NewSum(sp, NewUnary(sp, Funcs["exp"], NewParamRef(sp, b))),
		NewBinary(sp, BinaryOps["^"], NewConst(sp, 2), NewUnary(sp, Negate, NewConst(sp, 1)), nil), nil)
	got, err = Eval(e, env)
	if err != nil {
		t.Fatal(err)
	}
	if w := math.Exp(0.5) + math.Exp(-1) - 0.5; len(got.Data) != 1 || math.Abs(got.Data[0]-w) > 1e-15 || len(got.Shape) != 0 {
		t.Errorf("sum(exp(b)) - 2^-1 = %+v, want scalar %v", got, w)
	}
	// a parameter reads as its resolved shape
	got, _ = Eval(NewParamRef(sp, b), env)
	if !reflect.DeepEqual(got.Shape, []int{2}) {
		t.Errorf("b has shape %v", got.Shape)
	}
	if e.DependsOnParams() != true || NewSum(sp, NewDataRef(sp, X)).DependsOnParams() {
		t.Error("DependsOnParams is wrong")
	}
}

func TestEvalLetIsCachedPerEnv(t *testing.T) {
	sizes, _, b, _ := evalFixture()
	let := &LetVar{Name: "w", Value: NewUnary(sp, Funcs["exp"], NewParamRef(sp, b))}
	ref := NewLetRef(sp, let)
	params := map[*ParamVar][]float64{b: {0, 1}}
	env := NewEnv(sizes, params)
	first, err := Eval(ref, env)
	if err != nil {
		t.Fatal(err)
	}
	params[b][0] = 5 // a new env sees new values; the same env keeps its cached let
	again, _ := Eval(ref, env)
	if again != first || again.Data[0] != 1 {
		t.Errorf("let not cached within an env: %v then %v", first.Data, again.Data)
	}
	fresh, _ := Eval(ref, NewEnv(sizes, params))
	if fresh.Data[0] != math.Exp(5) || fresh.Data[1] != math.E {
		t.Errorf("fresh env: %v", fresh.Data)
	}
}

func TestEvalErrors(t *testing.T) {
	sizes, X, b, _ := evalFixture()
	if _, err := Eval(NewParamRef(sp, b), NewEnv(sizes, nil)); err == nil || err.Error() != "parameter b has no value" {
		t.Errorf("unbound parameter: %v", err)
	}
	X.Value = nil
	if _, err := Eval(NewDataRef(sp, X), NewEnv(sizes, nil)); err == nil || err.Error() != "data X is not bound" {
		t.Errorf("unbound data: %v", err)
	}
}

func TestTermLogDensity(t *testing.T) {
	sizes, _, b, s := evalFixture()
	y := &DataVar{Name: "y", Shape: Shape{{Name: "K"}}, Value: &Tensor{Shape: []int{2}, Data: []float64{1, -2}}}
	normal, _ := dist.Lookup("Normal")
	// y ~ Normal(b, s): the scalar s broadcasts over both elements
	term := &Term{Dist: normal, Variate: NewDataRef(sp, y), Args: []Expr{NewParamRef(sp, b), NewParamRef(sp, s)}}
	got, err := term.LogDensity(NewEnv(sizes, map[*ParamVar][]float64{b: {0.5, 0}, s: {2}}))
	if err != nil {
		t.Fatal(err)
	}
	// −log(2π) − 2 log 2 − ½((0.5/2)² + (2/2)²)
	want := -math.Log(2*math.Pi) - 2*math.Log(2) - 0.5*(0.0625+1)
	if math.Abs(got-want) > 1e-14 {
		t.Errorf("log density %v, want %v", got, want)
	}
}

func TestShapesAndNames(t *testing.T) {
	sizes := Sizes{"N": 4, "D": 3}
	sh := Shape{{Name: "N"}, {Size: 2}}
	if sh.String() != "[N, 2]" || Shape(nil).String() != "scalar" {
		t.Errorf("String: %s %s", sh, Shape(nil))
	}
	if !reflect.DeepEqual(sizes.Resolve(sh), []int{4, 2}) || sizes.Len(sh) != 8 || sizes.Len(nil) != 1 {
		t.Errorf("Resolve/Len: %v %d", sizes.Resolve(sh), sizes.Len(sh))
	}
	if sh.Equal(Shape{{Name: "N"}, {Name: "D"}}) || !sh.Equal(Shape{{Name: "N"}, {Size: 2}}) || sh.Equal(Shape{{Name: "N"}}) {
		t.Error("Equal is wrong")
	}
	want := []string{"w.1.1", "w.1.2", "w.1.3", "w.2.1", "w.2.2", "w.2.3"}
	if got := RowMajorNames("w", []int{2, 3}); !reflect.DeepEqual(got, want) {
		t.Errorf("RowMajorNames = %v", got)
	}
	// CmdStan names a matrix column by column (Stan's column-major order)
	want = []string{"w.1.1", "w.2.1", "w.1.2", "w.2.2", "w.1.3", "w.2.3"}
	if got := ElementNames("w", []int{2, 3}); !reflect.DeepEqual(got, want) {
		t.Errorf("ElementNames = %v", got)
	}
	if got := ColumnMajor([]int{2, 3}); !reflect.DeepEqual(got, []int{0, 3, 1, 4, 2, 5}) {
		t.Errorf("ColumnMajor = %v", got)
	}
	if got := ElementNames("tau", nil); !reflect.DeepEqual(got, []string{"tau"}) {
		t.Errorf("ElementNames scalar = %v", got)
	}
}

func TestEvalGather(t *testing.T) {
	sizes := Sizes{"N": 5, "J": 3}
	g := &DataVar{Name: "g", Shape: Shape{{Name: "N"}}, Source: Source{Kind: FromLevels, LevelsSize: "J"},
		Value: &Tensor{Shape: []int{5}, Data: []float64{2, 1, 3, 2, 2}}}
	a := &ParamVar{Name: "a", Shape: Shape{{Name: "J"}}, Len: 3}
	env := NewEnv(sizes, map[*ParamVar][]float64{a: {10, 20, 30}})
	e := NewGather(sp, NewParamRef(sp, a), g)
	got, err := Eval(e, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{20, 10, 30, 20, 20}; !reflect.DeepEqual(got.Data, want) || !reflect.DeepEqual(got.Shape, []int{5}) {
		t.Errorf("a[g] = %+v, want %v", got, want)
	}
	if !e.Shape().Equal(Shape{{Name: "N"}}) || !e.DependsOnParams() {
		t.Errorf("a[g] has shape %v, depends on params %v", e.Shape(), e.DependsOnParams())
	}
	g.Value.Data[0] = 4
	if _, err := Eval(e, env); err == nil {
		t.Error("a group beyond J evaluated")
	}
}

// TestEvalMeanDotTranspose checks the reductions and transpose by hand: X = [[1 2] [3 4] [5 6]].
func TestEvalMeanDotTranspose(t *testing.T) {
	sizes, X, b, _ := evalFixture()
	env := NewEnv(sizes, map[*ParamVar][]float64{b: {0.5, -1}})
	xt := NewTranspose(sp, NewDataRef(sp, X))
	if got := xt.Shape().String(); got != "[K, N]" {
		t.Errorf("transpose(X) has shape %s, want [K, N]", got)
	}
	got, err := Eval(xt, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&Tensor{Shape: []int{2, 3}, Data: []float64{1, 3, 5, 2, 4, 6}}); !reflect.DeepEqual(got, want) {
		t.Errorf("transpose(X) = %+v, want %+v", got, want)
	}
	// transpose(X) @ [1, 0, -1] = [1-5, 2-6]
	v := NewFolded(sp, &Tensor{Shape: []int{3}, Data: []float64{1, 0, -1}}, Shape{{Name: "N"}})
	got, err = Eval(NewMatVec(sp, xt, v), env)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{-4, -4}; !reflect.DeepEqual(got.Data, want) {
		t.Errorf("transpose(X) @ v = %v, want %v", got.Data, want)
	}
	for _, c := range []struct {
		name string
		e    Expr
		want float64
	}{
		{"mean(b)", NewMean(sp, NewParamRef(sp, b)), -0.25},
		{"mean(X @ b)", NewMean(sp, NewMatVec(sp, NewDataRef(sp, X), NewParamRef(sp, b))), -2.5},
		{"dot(b, b)", NewDot(sp, NewParamRef(sp, b), NewParamRef(sp, b)), 1.25},
		{"dot(v, v)", NewDot(sp, v, v), 2},
	} {
		got, err := Eval(c.e, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Shape) != 0 || got.Data[0] != c.want {
			t.Errorf("%s = %+v, want scalar %v", c.name, got, c.want)
		}
	}
	if NewDot(sp, v, v).DependsOnParams() || !NewDot(sp, v, NewParamRef(sp, b)).DependsOnParams() || xt.DependsOnParams() {
		t.Error("DependsOnParams is wrong")
	}
}
