package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/hmcc-dev/hmcc/autodiff"
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
	m        *ir.Model
	mu       sync.Mutex
	quant    *autodiff.Forward // the reported lets, then the generated quantities
	nQuant   int
	logLik   *autodiff.Forward // built on the first LogLik: one output per likelihood term
	draws    bool
	rngs     []*rand.Rand // scratch: the one chain's stream
	compiled bool
}

// CompileOutputs builds the programs that compute m's reported quantities and its pointwise
// log-likelihood. m must be bound.
func CompileOutputs(m *ir.Model) (*CompiledOutputs, error) {
	if m.Sizes == nil {
		return nil, fmt.Errorf("internal error: computing the outputs of a model with no data bound")
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
			return nil, fmt.Errorf("computing %s: %w", lv.Name, err)
		}
		outs = append(outs, n)
	}
	for _, g := range m.Generated {
		n, err := l.generated(g)
		if err != nil {
			return nil, fmt.Errorf("computing %s: %w", g.Name, err)
		}
		outs = append(outs, n)
	}
	o.nQuant = len(outs)
	if len(outs) > 0 {
		if o.quant, err = l.b.CompileForward(outs); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// Quantities writes the reported quantities at one chain's unconstrained θ into out
// (len(OutputNames(m)) values): the parameters on their natural scale, the reported lets and
// the generated quantities, drawn from rng (nil when the model draws none).
func (o *CompiledOutputs) Quantities(theta []float64, rng *rand.Rand, out []float64) error {
	m := o.m
	k := 0
	for _, p := range m.Params {
		n := m.Sizes.Len(p.Shape)
		p.Constraint.ConstrainAll(theta[p.Offset:p.Offset+p.Len], out[k:k+n])
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
			return fmt.Errorf("internal error: the model draws generated quantities, but there is no random source")
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
		l, err := newLowering(o.m, 1, Options{})
		if err != nil {
			return err
		}
		outs := make([]autodiff.Node, len(o.m.Terms))
		for i, t := range o.m.Terms {
			if outs[i], err = l.pointwise(t); err != nil {
				return fmt.Errorf("internal error computing the log-likelihood of %s: %w", t.Pos, err)
			}
		}
		if len(outs) == 0 {
			return nil
		}
		if o.logLik, err = l.b.CompileForward(outs); err != nil {
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
// parameters are left at 0; values outside a parameter's support are an error.
func Unconstrain(m *ir.Model, values map[string][]float64, theta []float64) error {
	for _, p := range m.Params {
		v, ok := values[p.Name]
		if !ok {
			continue
		}
		if n := m.Sizes.Len(p.Shape); len(v) != n {
			return fmt.Errorf("parameter %s has %d elements, but %d values were given", p.Name, n, len(v))
		}
		if p.Constraint.Kind == ir.Simplex || p.Constraint.Kind == ir.Ordered {
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

// ElementName names element i of parameter p.
func ElementName(m *ir.Model, p *ir.ParamVar, i int) string {
	return ir.ElementNames(p.Name, m.Sizes.Resolve(p.Shape))[i]
}

// NonFiniteTerm names the first log-density term (priors in declaration order, then the
// likelihood terms) that is not finite at θ, for the message when no chain can start; "" when
// every term is finite.
func NonFiniteTerm(m *ir.Model, theta []float64) string {
	env := constrainedEnv(m, theta, make([]float64, naturalLen(m)))
	terms := make([]*ir.Term, 0, len(m.Params)+len(m.Terms))
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	terms = append(terms, m.Terms...)
	for _, t := range terms {
		lp, err := t.LogDensity(env)
		if err != nil || math.IsNaN(lp) || math.IsInf(lp, 0) {
			what := "the likelihood"
			if _, isParam := t.Variate.(*ir.ParamRef); isParam {
				what = "the prior"
			}
			return fmt.Sprintf("%s %s ~ %s at %s is %v there%s", what, variateName(t), t.Dist.Name, t.Pos, lp, nonFiniteSource(t, env))
		}
	}
	return ""
}

// nonFiniteSource points at where a term's non-finite density comes from: the innermost
// subexpression of its arguments whose value is NaN or infinite although every operand is
// finite (a log of a negative number, 0/0, an exp that overflows); "" when the arguments are
// finite and the density itself is what fails.
func nonFiniteSource(t *ir.Term, env *ir.Env) string {
	for _, a := range t.Args {
		if e, v := innermostNonFinite(a, env); e != nil {
			start, _ := e.Span()
			what := "the expression"
			switch x := e.(type) {
			case *ir.Unary:
				what = x.Func.Name + "(…)"
			case *ir.Binary:
				what = "the " + x.Op.Symbol
			case *ir.Folded:
				what = "the constant expression"
			}
			return fmt.Sprintf(", because %s at %s is %v", what, start, v)
		}
	}
	return ""
}

func innermostNonFinite(e ir.Expr, env *ir.Env) (ir.Expr, float64) {
	for _, c := range ir.Children(e) {
		if f, v := innermostNonFinite(c, env); f != nil {
			return f, v
		}
	}
	val, err := ir.Eval(e, env)
	if err != nil {
		return nil, 0
	}
	for _, x := range val.Data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return e, x
		}
	}
	return nil, 0
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

// constrainedEnv maps θ to every parameter's natural scale, writing the values into dst
// (naturalLen(m) long, in declaration order), and returns an evaluation environment over them.
func constrainedEnv(m *ir.Model, theta, dst []float64) *ir.Env {
	params := make(map[*ir.ParamVar][]float64, len(m.Params))
	k := 0
	for _, p := range m.Params {
		n := m.Sizes.Len(p.Shape)
		v := dst[k : k+n]
		p.Constraint.ConstrainAll(theta[p.Offset:p.Offset+p.Len], v)
		params[p] = v
		k += n
	}
	return ir.NewEnv(m.Sizes, params)
}

// naturalLen is the number of parameter values on the natural scale: m.Dim() plus one for each
// simplex (K values from K − 1 coordinates).
func naturalLen(m *ir.Model) int {
	n := 0
	for _, p := range m.Params {
		n += m.Sizes.Len(p.Shape)
	}
	return n
}
