// Package optimize finds the mode of a log density over the unconstrained vector θ and builds
// Gaussian approximations of it: a Laplace approximation at the mode and (multi-path) Pathfinder
// (Zhang, Carpenter, Gelman and Vehtari 2022, JMLR 23(306)). It works on any log density and
// gradient given as a Go function, so it knows nothing of the compiler.
package optimize

import (
	"errors"
	"fmt"
	"math"

	gopt "gonum.org/v1/gonum/optimize"
)

// LogDensity returns log p(θ) and writes its gradient with respect to θ into grad. A point
// outside the support returns -Inf (or NaN); an error stops the computation.
type LogDensity func(theta, grad []float64) (float64, error)

// Settings bound an L-BFGS run. Zero values take the defaults noted.
type Settings struct {
	MaxIterations int     // major iterations, default 2000 (Stan's optimize default)
	History       int     // L-BFGS memory, default 5 (Stan's history_size)
	GradTol       float64 // stop when the gradient's largest element is below this, default 1e-8
	RelObjTol     float64 // stop when |Δ log p| < RelObjTol·|log p| over 10 iterations, default 1e-12
}

func (s Settings) withDefaults() Settings {
	if s.MaxIterations <= 0 {
		s.MaxIterations = 2000
	}
	if s.History <= 0 {
		s.History = 5
	}
	if s.GradTol <= 0 {
		s.GradTol = 1e-8
	}
	if s.RelObjTol <= 0 {
		s.RelObjTol = 1e-12
	}
	return s
}

// Mode is the result of an L-BFGS run.
type Mode struct {
	Theta      []float64 // the mode on the unconstrained scale
	LogDensity float64   // log p at Theta
	Gradient   []float64 // ∇ log p at Theta
	Iterations int
	Evals      int    // log density evaluations
	Status     string // gonum's stopping reason
	Converged  bool   // stopped by a convergence test, not by the iteration limit
}

// ErrNoMode reports a log density whose maximum the optimizer could not find: it grows without
// bound, or the iterates run off to infinity (an improper posterior).
var ErrNoMode = errors.New("no mode found")

// traceRecorder keeps every major iterate (θ, log p, ∇ log p) for Pathfinder.
type traceRecorder struct {
	p      *problem
	xs, gs [][]float64 // gradients of log p (not of the objective)
	lps    []float64
	// after, if set, is called with each iterate's index once it is recorded; an error from it
	// stops the L-BFGS run (Pathfinder's early stop).
	after func(l int) error
}

func (r *traceRecorder) Init() error { return nil }
func (r *traceRecorder) Record(loc *gopt.Location, op gopt.Operation, _ *gopt.Stats) error {
	if op != gopt.InitIteration && op != gopt.MajorIteration {
		return nil
	}
	// The location may come without its gradient (the initial one does): the cache has it.
	r.p.eval(loc.X)
	r.xs = append(r.xs, append([]float64(nil), loc.X...))
	r.gs = append(r.gs, append([]float64(nil), r.p.lastG...))
	r.lps = append(r.lps, r.p.lastLP)
	if r.after != nil {
		return r.after(len(r.xs) - 1)
	}
	return nil
}

// problem wraps f as gonum's minimisation of −log p, evaluating f once per point even though
// gonum asks for the value and the gradient separately.
type problem struct {
	f       LogDensity
	lastX   []float64
	lastLP  float64
	lastG   []float64
	evals   int
	err     error
	unbound bool // log p reached +Inf
}

func (p *problem) eval(x []float64) {
	if p.lastX != nil && equal(p.lastX, x) {
		return
	}
	if p.lastX == nil {
		p.lastX = make([]float64, len(x))
		p.lastG = make([]float64, len(x))
	}
	copy(p.lastX, x)
	p.evals++
	lp, err := p.f(p.lastX, p.lastG)
	if err != nil && p.err == nil {
		p.err = err
	}
	if math.IsInf(lp, 1) {
		p.unbound = true
	}
	if math.IsNaN(lp) || err != nil {
		lp = math.Inf(-1)
	}
	p.lastLP = lp
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (p *problem) gonum() gopt.Problem {
	return gopt.Problem{
		Func: func(x []float64) float64 { p.eval(x); return -p.lastLP },
		Grad: func(grad, x []float64) {
			p.eval(x)
			for i, v := range p.lastG {
				if math.IsInf(p.lastLP, -1) || math.IsNaN(v) {
					v = 0 // gonum's line search backs off on the +Inf objective; keep the gradient finite
				}
				grad[i] = -v
			}
		},
		Status: func() (gopt.Status, error) {
			if p.err != nil {
				return gopt.Failure, p.err
			}
			return gopt.NotTerminated, nil
		},
	}
}

// runLBFGS minimises −log p from init and returns gonum's result, the trace of iterates when rec
// is non-nil, and the number of evaluations.
func runLBFGS(f LogDensity, init []float64, s Settings, rec *traceRecorder) (*gopt.Result, *problem, error) {
	s = s.withDefaults()
	p := &problem{f: f}
	p.eval(init)
	if p.err != nil {
		return nil, p, p.err
	}
	if math.IsInf(p.lastLP, 0) || math.IsNaN(p.lastLP) {
		return nil, p, fmt.Errorf("the log density at the initial point is %v", p.lastLP)
	}
	for _, g := range p.lastG {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return nil, p, fmt.Errorf("the gradient at the initial point is not finite")
		}
	}
	settings := &gopt.Settings{
		GradientThreshold: s.GradTol,
		MajorIterations:   s.MaxIterations,
		Converger:         &gopt.FunctionConverge{Absolute: 1e-12, Relative: s.RelObjTol, Iterations: 10},
	}
	if rec != nil {
		rec.p = p
		settings.Recorder = rec
	}
	res, err := gopt.Minimize(p.gonum(), init, settings, &gopt.LBFGS{Store: s.History})
	if p.err != nil {
		return res, p, p.err
	}
	if res == nil {
		return nil, p, err
	}
	// A failed final line search at a point where the gradient is already tiny is convergence
	// in all but name; other errors are kept in Status.
	return res, p, nil
}

// FindMode maximises f by L-BFGS from init. It returns ErrNoMode (wrapped, with the reason)
// when log p grows without bound or the iterates run off towards infinity.
func FindMode(f LogDensity, init []float64, s Settings) (*Mode, error) {
	res, p, err := runLBFGS(f, init, s, nil)
	if p.unbound {
		return nil, fmt.Errorf("%w: the log density reached +Inf, so it has no maximum (an improper posterior, or a scale that can shrink to 0 around the data)", ErrNoMode)
	}
	if err != nil && res == nil {
		return nil, err
	}
	m := &Mode{Theta: append([]float64(nil), res.X...), LogDensity: -res.F, Evals: p.evals,
		Iterations: res.MajorIterations, Status: res.Status.String()}
	m.Gradient = make([]float64, len(m.Theta))
	lp, ferr := f(m.Theta, m.Gradient)
	if ferr != nil {
		return nil, ferr
	}
	m.LogDensity = lp
	norm, gmax := 0.0, 0.0
	for i, v := range m.Theta {
		norm = math.Max(norm, math.Abs(v))
		gmax = math.Max(gmax, math.Abs(m.Gradient[i]))
	}
	if math.IsNaN(lp) || math.IsInf(lp, 0) || math.IsNaN(norm) || norm > 1e8 {
		return nil, fmt.Errorf("%w: the iterates ran off to |θ| = %.3g with log density %v; the posterior is probably improper (a parameter without a proper prior that the data do not pin down)", ErrNoMode, norm, lp)
	}
	// Convergence: gonum's own tests, or a gradient small relative to the scale of log p (a final
	// line search that cannot improve further at such a point has converged in all but name).
	tol := s.withDefaults().GradTol
	m.Converged = res.Status == gopt.GradientThreshold || res.Status == gopt.FunctionConvergence ||
		gmax <= math.Max(tol, 1e-6*math.Max(1, math.Abs(lp)))
	if !m.Converged && res.Status == gopt.IterationLimit && norm > 1e4 {
		return nil, fmt.Errorf("%w: after %d iterations |θ| is %.3g and still growing; the posterior is probably improper", ErrNoMode, res.MajorIterations, norm)
	}
	return m, nil
}
