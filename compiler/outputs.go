package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// OutputNames lists the quantities reported per draw, CmdStan-style: every parameter on its
// natural scale, then every let that depends on parameters, in declaration order, then every
// generated quantity.
func OutputNames(m *ir.Model) []string {
	names := m.ParamNames()
	for _, l := range m.Lets {
		if l.Reported {
			names = append(names, ir.ElementNames(l.Name, m.Sizes.Resolve(l.Value.Shape()))...)
		}
	}
	for _, g := range m.Generated {
		names = append(names, ir.ElementNames(g.Name, m.Sizes.Resolve(g.Shape))...)
	}
	return names
}

// Outputs maps one chain's unconstrained θ to the reported quantities, writing len(OutputNames)
// values into out. A model that draws generated quantities (generate NAME ~ Dist) needs
// OutputsRand.
func Outputs(m *ir.Model, theta []float64, out []float64) error {
	return OutputsRand(m, theta, nil, out)
}

// OutputsRand is Outputs with the random source for generated draws; rng may be nil when the
// model draws none. Give each chain its own source. It evaluates the model's compiled outputs
// (CompileOutputs), compiled once per bound model.
func OutputsRand(m *ir.Model, theta []float64, rng *rand.Rand, out []float64) error {
	o, err := compiledOutputs(m)
	if err != nil {
		return err
	}
	return o.Quantities(theta, rng, out)
}

// CompiledOutputs computes a bound model's reported quantities and pointwise log-likelihood
// with the graph lowering that computes its log density: the same ops (autodiff's fused
// kernels, recurrences included) for one chain, forward only, with draws of generated
// quantities as ops of the graph. ir.Eval is not involved; it is the tests' reference.
// A CompiledOutputs is safe for concurrent use; evaluations are serialised.
type CompiledOutputs struct {
	m      *ir.Model
	mu     sync.Mutex
	quant  *autodiff.Forward // the reported lets, then the generated quantities
	nQuant int
	logLik *autodiff.Forward // built on the first LogLik: one output per likelihood term
	l      *lowering         // the graph both are built in, so the data are placed in it once
	draws  bool
	rngs   []*rand.Rand // scratch: the one chain's stream
	// shapes are the quantities' resolved shapes: a matrix is written column by column.
	shapes  [][]int
	scratch []float64
}

// CompileOutputs builds the programs that compute m's reported quantities and its pointwise
// log-likelihood. m must be bound.
func CompileOutputs(m *ir.Model) (*CompiledOutputs, error) {
	if m.Sizes == nil {
		return nil, diag.Internalf("computing the outputs of a model with no data bound")
	}
	o := &CompiledOutputs{m: m, draws: Draws(m), rngs: make([]*rand.Rand, 1)}
	l, err := newLowering(m, 1, Options{})
	if err != nil {
		return nil, err
	}
	var outs []autodiff.Node
	for _, lv := range m.Lets {
		if !lv.Reported {
			continue
		}
		n, err := l.expr(ir.NewLetRef(ir.NewSpan(lv.Pos, lv.Pos), lv))
		if err != nil {
			return nil, diag.Internalf("computing %s: %w", lv.Name, err)
		}
		outs = append(outs, n)
		o.shapes = append(o.shapes, m.Sizes.Resolve(lv.Value.Shape()))
	}
	for _, g := range m.Generated {
		n, err := l.generated(g)
		if err != nil {
			return nil, diag.Internalf("computing %s: %w", g.Name, err)
		}
		outs = append(outs, n)
		o.shapes = append(o.shapes, m.Sizes.Resolve(g.Shape))
	}
	o.nQuant = len(outs)
	o.l = l
	if len(outs) > 0 {
		if o.quant, err = l.b.CompileForward(outs); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Quantities writes the reported quantities at one chain's unconstrained θ into out
// (len(OutputNames(m)) values): the parameters on their natural scale, the reported lets and
// the generated quantities, drawn from rng (nil when the model draws none). It may be called
// from several goroutines at once (the programs run one call at a time).
func (o *CompiledOutputs) Quantities(theta []float64, rng *rand.Rand, out []float64) error {
	m := o.m
	k := 0
	for _, p := range m.Params {
		n := m.Sizes.Len(p.Shape)
		if len(p.Shape) == 2 { // written column by column, as CmdStan names them
			o.mu.Lock() // the scratch is shared: the sink writes chains in parallel
			if len(o.scratch) < n {
				o.scratch = make([]float64, n)
			}
			p.Constraint.ConstrainAll(theta[p.Offset:p.Offset+p.Len], o.scratch[:n])
			for j, i := range ir.ColumnMajor(m.Sizes.Resolve(p.Shape)) {
				out[k+j] = o.scratch[i]
			}
			o.mu.Unlock()
		} else {
			p.Constraint.ConstrainAll(theta[p.Offset:p.Offset+p.Len], out[k:k+n])
		}
		k += n
	}
	if o.quant == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var rngs []*rand.Rand
	if o.draws {
		if rng == nil {
			return diag.Internalf("the model draws generated quantities, but there is no random source")
		}
		o.rngs[0] = rng
		rngs = o.rngs
		defer func() { o.rngs[0] = nil }()
	}
	if err := o.quant.Eval(theta, rngs); err != nil {
		return err
	}
	for i := 0; i < o.nQuant; i++ {
		v, _, _ := o.quant.Output(i)
		if shape := o.shapes[i]; len(shape) == 2 {
			for j, r := range ir.ColumnMajor(shape) {
				out[k+j] = v[r]
			}
			k += len(v)
			continue
		}
		k += copy(out[k:], v)
	}
	return nil
}

// LogLik writes the pointwise log-likelihood at one chain's unconstrained θ into out
// (len(LogLikNames(m)) values), as the package function LogLik describes.
func (o *CompiledOutputs) LogLik(theta []float64, out []float64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.logLik == nil {
		if len(o.m.Terms) == 0 {
			return nil
		}
		outs := make([]autodiff.Node, len(o.m.Terms))
		var err error
		for i, t := range o.m.Terms {
			if outs[i], err = o.l.pointwise(t); err != nil {
				return diag.InternalAt(t.Pos, "computing the log-likelihood: %w", err)
			}
		}
		if o.logLik, err = o.l.b.CompileForward(outs); err != nil {
			return err
		}
	}
	if err := o.logLik.Eval(theta, nil); err != nil {
		return err
	}
	k := 0
	for i := range o.m.Terms {
		v, _, _ := o.logLik.Output(i)
		k += copy(out[k:], v)
	}
	return nil
}

// outputsCache holds the compiled outputs of the models OutputsRand and LogLik were called
// with, so that the per-draw calls compile once. An entry is used only while the model's data
// are the ones it was compiled with (Bind sets them).
var outputsCache struct {
	sync.Mutex
	m map[*ir.Model]*cachedOutputs
}

type cachedOutputs struct {
	o    *CompiledOutputs
	data []*ir.Tensor
}

func compiledOutputs(m *ir.Model) (*CompiledOutputs, error) {
	outputsCache.Lock()
	defer outputsCache.Unlock()
	if c, ok := outputsCache.m[m]; ok && sameData(c.data, m) {
		return c.o, nil
	}
	o, err := CompileOutputs(m)
	if err != nil {
		return nil, err
	}
	if outputsCache.m == nil || len(outputsCache.m) >= 16 { // tests compile many models
		outputsCache.m = map[*ir.Model]*cachedOutputs{}
	}
	c := &cachedOutputs{o: o}
	for _, d := range m.Data {
		c.data = append(c.data, d.Value)
	}
	outputsCache.m[m] = c
	return o, nil
}

func sameData(data []*ir.Tensor, m *ir.Model) bool {
	if len(data) != len(m.Data) {
		return false
	}
	for i, d := range m.Data {
		if data[i] != d.Value {
			return false
		}
	}
	return true
}

// Draws reports whether the model draws generated quantities, and so needs a random source.
func Draws(m *ir.Model) bool {
	for _, g := range m.Generated {
		if g.Term != nil {
			return true
		}
	}
	return false
}

// Unconstrain maps values on the natural scale, keyed by parameter name, to θ. Missing
// parameters are left at 0; values outside a parameter's support are an error. A matrix's
// values are given row by row.
func Unconstrain(m *ir.Model, values map[string][]float64, theta []float64) error {
	for _, p := range m.Params {
		v, ok := values[p.Name]
		if !ok {
			continue
		}
		if n := m.Sizes.Len(p.Shape); len(v) != n {
			return fmt.Errorf("parameter %s has %d elements, but %d values were given", p.Name, n, len(v))
		}
		if k := p.Constraint.Kind; k == ir.Simplex || k == ir.Ordered || k == ir.CorrCholesky {
			if err := p.Constraint.UnconstrainAll(v, theta[p.Offset:p.Offset+p.Len]); err != nil {
				return fmt.Errorf("parameter %s: %w", p.Name, err)
			}
			continue
		}
		for i, y := range v {
			x, err := p.Constraint.Unconstrain(y)
			if err != nil {
				return fmt.Errorf("parameter %s: %w", ElementName(m, p, i), err)
			}
			theta[p.Offset+i] = x
		}
	}
	return nil
}

// ElementName names element i of parameter p (row by row for a matrix).
func ElementName(m *ir.Model, p *ir.ParamVar, i int) string {
	return ir.RowMajorNames(p.Name, m.Sizes.Resolve(p.Shape))[i]
}

// NonFiniteTerm names the first log-density term (priors in declaration order, then the
// likelihood terms) that is not finite at θ, for the message when no chain can start; "" when
// every term is finite. The terms and their subexpressions are computed by the compiled graph.
func NonFiniteTerm(m *ir.Model, theta []float64) string {
	terms := make([]*ir.Term, 0, len(m.Params)+len(m.Terms))
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	terms = append(terms, m.Terms...)
	// One program for every term's density per element and, for each term, every
	// subexpression of its arguments in post-order (innermost first).
	l, err := newLowering(m, 1, Options{})
	if err != nil {
		return ""
	}
	var outs []autodiff.Node
	termOut := make([]int, len(terms))
	subs := make([][]exprOut, len(terms))
	for i, t := range terms {
		termOut[i] = -1
		if n, err := l.pointwise(t); err == nil {
			termOut[i] = len(outs)
			outs = append(outs, n)
		}
		for _, a := range t.Args {
			subs[i] = l.postOrder(a, subs[i], &outs)
		}
	}
	prog, err := l.b.CompileForward(outs)
	if err != nil || prog.Eval(theta, nil) != nil {
		return ""
	}
	for i, t := range terms {
		lp := 0.0
		if termOut[i] >= 0 {
			v, _, _ := prog.Output(termOut[i])
			for _, x := range v {
				lp += x
			}
		}
		if termOut[i] < 0 || math.IsNaN(lp) || math.IsInf(lp, 0) {
			what := "the likelihood"
			if _, isParam := t.Variate.(*ir.ParamRef); isParam {
				what = "the prior"
			}
			return fmt.Sprintf("%s %s ~ %s at %s is %v there%s", what, variateName(t), t.Dist.Name, t.Pos, lp, nonFiniteSource(subs[i], prog))
		}
	}
	return ""
}

// exprOut is a subexpression and the index of its value among a program's outputs.
type exprOut struct {
	e   ir.Expr
	out int
}

// postOrder lowers e's subexpressions and then e as outputs of the graph, appending them to
// list; one the lowering does not take (an operand of a recurrence's step, outside it) is left
// out.
func (l *lowering) postOrder(e ir.Expr, list []exprOut, outs *[]autodiff.Node) []exprOut {
	for _, c := range ir.Children(e) {
		list = l.postOrder(c, list, outs)
	}
	if n, err := l.expr(e); err == nil {
		list = append(list, exprOut{e, len(*outs)})
		*outs = append(*outs, n)
	}
	return list
}

// nonFiniteSource points at where a term's non-finite density comes from: the innermost
// subexpression of its arguments whose value is NaN or infinite although every operand is
// finite (a log of a negative number, 0/0, an exp that overflows); "" when the arguments are
// finite and the density itself is what fails. subs are the arguments' subexpressions in
// post-order, so the first non-finite one is the innermost.
func nonFiniteSource(subs []exprOut, prog *autodiff.Forward) string {
	for _, s := range subs {
		v, _, _ := prog.Output(s.out)
		for _, x := range v {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				continue
			}
			start, _ := s.e.Span()
			what := "the expression"
			switch y := s.e.(type) {
			case *ir.Unary:
				what = y.Func.Name + "(…)"
			case *ir.Binary:
				what = "the " + y.Op.Symbol
			case *ir.Folded:
				what = "the constant expression"
			}
			return fmt.Sprintf(", because %s at %s is %v", what, start, x)
		}
	}
	return ""
}

// valuesAt evaluates expressions of a bound model at each of thetas (one chain's unconstrained
// coordinates each) with the compiled graph: vals[k][i] is expression i at thetas[k], its
// elements in row-major order, nil where the lowering does not take the expression.
func valuesAt(m *ir.Model, exprs []ir.Expr, thetas ...[]float64) ([][][]float64, error) {
	l, err := newLowering(m, 1, Options{})
	if err != nil {
		return nil, err
	}
	var outs []autodiff.Node
	slot := make([]int, len(exprs))
	for i, e := range exprs {
		slot[i] = -1
		if n, err := l.expr(e); err == nil {
			slot[i] = len(outs)
			outs = append(outs, n)
		}
	}
	vals := make([][][]float64, len(thetas))
	for k := range vals {
		vals[k] = make([][]float64, len(exprs))
	}
	if len(outs) == 0 {
		return vals, nil
	}
	prog, err := l.b.CompileForward(outs)
	if err != nil {
		return nil, err
	}
	for k, th := range thetas {
		if err := prog.Eval(th, nil); err != nil {
			return nil, err
		}
		for i, s := range slot {
			if s >= 0 {
				v, _, _ := prog.Output(s)
				vals[k][i] = append([]float64(nil), v...)
			}
		}
	}
	return vals, nil
}

func variateName(t *ir.Term) string {
	switch v := t.Variate.(type) {
	case *ir.ParamRef:
		return v.Var.Name
	case *ir.DataRef:
		return v.Var.Name
	case *ir.Slice:
		return exprName(v.X) + "[" + v.Lo.String() + ":" + v.Hi.String() + "]"
	}
	return source(t.Variate) // an observed expression
}
