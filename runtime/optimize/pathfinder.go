package optimize

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Normal is one of Pathfinder's Gaussian approximations N(μ, Σ) at an iterate of the L-BFGS path,
// with Σ the L-BFGS inverse Hessian in compact form (Byrd, Nocedal and Schnabel 1994):
// Σ = diag(α) + β γ βᵀ, β = [S, diag(α) Y] (D × 2m) from the last m accepted (s, y) pairs.
// Sampling uses the thin QR of diag(α)^(−½) β = Q R and the Cholesky factor L of I + R γ Rᵀ, so a
// draw costs O(D m) after an O(D m²) set-up, as in the Pathfinder paper.
type Normal struct {
	Mean   []float64
	alpha  []float64  // diagonal part
	q      *mat.Dense // D × k, k = 2m (nil when m = 0)
	lMinus *mat.Dense // L − I, k × k
	logDet float64    // log |Σ|
}

// Draw writes one draw into dst and returns its log density under the approximation.
func (n *Normal) Draw(rng *rand.Rand, dst []float64) float64 {
	d := len(n.Mean)
	u := make([]float64, d)
	uu := 0.0
	for i := range u {
		u[i] = rng.NormFloat64()
		uu += u[i] * u[i]
	}
	v := append([]float64(nil), u...)
	if n.q != nil { // v = u + Q (L − I) Qᵀ u
		k := n.lMinus.RawMatrix().Rows
		qtu := mat.NewVecDense(k, nil)
		qtu.MulVec(n.q.T(), mat.NewVecDense(d, u))
		lq := mat.NewVecDense(k, nil)
		lq.MulVec(n.lMinus, qtu)
		add := mat.NewVecDense(d, nil)
		add.MulVec(n.q, lq)
		for i := range v {
			v[i] += add.AtVec(i)
		}
	}
	for i := range dst {
		dst[i] = n.Mean[i] + math.Sqrt(n.alpha[i])*v[i]
	}
	return -0.5 * (n.logDet + uu + float64(d)*math.Log(2*math.Pi))
}

// newNormal builds the approximation at x with gradient g of log p from the diagonal alpha and
// the accepted pairs S, Y (s = Δθ, y = −Δ∇log p, so that sᵀy > 0). It returns an error when the
// factor I + R γ Rᵀ is not positive definite (rounding in a badly scaled history).
func newNormal(x, g, alpha []float64, S, Y [][]float64) (*Normal, error) {
	d, m := len(x), len(S)
	n := &Normal{Mean: make([]float64, d), alpha: alpha}
	for i := range alpha {
		n.logDet += math.Log(alpha[i])
	}
	if m == 0 {
		for i := range x {
			n.Mean[i] = x[i] + alpha[i]*g[i]
		}
		return n, nil
	}
	// Rinv = R⁻¹ with R upper triangular, R[i][j] = sᵢᵀyⱼ (i ≤ j).
	R := mat.NewTriDense(m, mat.Upper, nil)
	Dm := make([]float64, m)
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			R.SetTri(i, j, dot(S[i], Y[j]))
		}
		Dm[i] = R.At(i, i)
	}
	var Rinv mat.TriDense
	if err := Rinv.InverseTri(R); err != nil {
		return nil, fmt.Errorf("the L-BFGS history is singular: %v", err)
	}
	// YᵀΛY with Λ = diag(α).
	yay := mat.NewDense(m, m, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			s := 0.0
			for k := 0; k < d; k++ {
				s += Y[i][k] * alpha[k] * Y[j][k]
			}
			yay.Set(i, j, s)
		}
	}
	for i := 0; i < m; i++ {
		yay.Set(i, i, yay.At(i, i)+Dm[i])
	}
	// γ = [[R⁻ᵀ(D + YᵀΛY)R⁻¹, −R⁻ᵀ], [−R⁻¹, 0]] for β = [S, ΛY].
	var top0, top mat.Dense
	top0.Mul(Rinv.T(), yay)
	top.Mul(&top0, &Rinv)
	k := 2 * m
	gamma := mat.NewDense(k, k, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			gamma.Set(i, j, top.At(i, j))
			gamma.Set(i, m+j, -Rinv.At(j, i))
			gamma.Set(m+i, j, -Rinv.At(i, j))
		}
	}
	beta := mat.NewDense(d, k, nil)
	for i := 0; i < m; i++ {
		for r := 0; r < d; r++ {
			beta.Set(r, i, S[i][r])
			beta.Set(r, m+i, alpha[r]*Y[i][r])
		}
	}
	// Mean: x + Σ g.
	bg := mat.NewVecDense(k, nil)
	bg.MulVec(beta.T(), mat.NewVecDense(d, g))
	gbg := mat.NewVecDense(k, nil)
	gbg.MulVec(gamma, bg)
	sg := mat.NewVecDense(d, nil)
	sg.MulVec(beta, gbg)
	for i := range x {
		n.Mean[i] = x[i] + alpha[i]*g[i] + sg.AtVec(i)
	}
	if d < k { // thin QR needs at least as many rows as columns: factor Σ densely instead
		return denseNormal(n, beta, gamma)
	}
	b := mat.NewDense(d, k, nil)
	for r := 0; r < d; r++ {
		for c := 0; c < k; c++ {
			b.Set(r, c, beta.At(r, c)/math.Sqrt(alpha[r]))
		}
	}
	var qr mat.QR
	qr.Factorize(b)
	var Q, Rq mat.Dense
	qr.QTo(&Q)
	qr.RTo(&Rq)
	Qthin := mat.DenseCopyOf(Q.Slice(0, d, 0, k))
	Rthin := Rq.Slice(0, k, 0, k)
	var inner0, inner mat.Dense
	inner0.Mul(Rthin, gamma)
	inner.Mul(&inner0, Rthin.T())
	if err := n.setFactor(&inner, k, func(i, j int) float64 { return 1 }); err != nil {
		return nil, err
	}
	n.q = Qthin
	return n, nil
}

// setFactor sets n's L − I and log det from the Cholesky factor L of I + S, S the k×k matrix
// (inner + innerᵀ)/2 with each element (i, j) divided by div(i, j), and refuses an S
// for which I + S is not positive definite.
func (n *Normal) setFactor(inner *mat.Dense, k int, div func(i, j int) float64) error {
	sym := mat.NewSymDense(k, nil)
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			v := (inner.At(i, j) + inner.At(j, i)) / 2 / div(i, j)
			if i == j {
				v++
			}
			sym.SetSym(i, j, v)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(sym) {
		return errors.New("the L-BFGS inverse Hessian estimate is not positive definite")
	}
	var L mat.TriDense
	ch.LTo(&L)
	n.lMinus = mat.NewDense(k, k, nil)
	for i := 0; i < k; i++ {
		for j := 0; j <= i; j++ {
			v := L.At(i, j)
			if i == j {
				n.logDet += 2 * math.Log(v)
				v--
			}
			n.lMinus.Set(i, j, v)
		}
	}
	return nil
}

// denseNormal handles D < 2m: Σ = Λ + βγβᵀ = Λ^½ (I + B γ Bᵀ) Λ^½ with B = Λ^(−½)β, and
// I + BγBᵀ = L Lᵀ; the draw u + Q(L − I)Qᵀu with Q = I is then L u.
func denseNormal(n *Normal, beta, gamma *mat.Dense) (*Normal, error) {
	d := len(n.Mean)
	var inner0, inner mat.Dense
	inner0.Mul(beta, gamma)
	inner.Mul(&inner0, beta.T())
	// Each element of BγBᵀ is βγβᵀ's divided by √(αᵢαⱼ) (Λ = diag α).
	if err := n.setFactor(&inner, d, func(i, j int) float64 { return math.Sqrt(n.alpha[i] * n.alpha[j]) }); err != nil {
		return nil, err
	}
	n.q = mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		n.q.Set(i, i, 1)
	}
	return n, nil
}

// Covariance returns Σ as a dense matrix (for tests and small problems).
func (n *Normal) Covariance() *mat.SymDense {
	d := len(n.Mean)
	// Σ = Λ^½ (I + Q(L−I)Qᵀ)(I + Q(L−I)Qᵀ)ᵀ Λ^½
	A := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		A.Set(i, i, 1)
	}
	if n.q != nil {
		var t1, t2 mat.Dense
		t1.Mul(n.q, n.lMinus)
		t2.Mul(&t1, n.q.T())
		A.Add(A, &t2)
	}
	var AAt mat.Dense
	AAt.Mul(A, A.T())
	out := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			out.SetSym(i, j, math.Sqrt(n.alpha[i]*n.alpha[j])*AAt.At(i, j))
		}
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// PathfinderSettings configure Pathfinder. Zero values take Stan's defaults.
type PathfinderSettings struct {
	Settings           // the L-BFGS run (MaxIterations default 1000 here, as Stan's pathfinder)
	ELBODraws  int     // draws per approximation to estimate the ELBO, default 25
	Draws      int     // draws from the chosen approximation of one path, default 1000
	Paths      int     // single paths of a multi-path run, default 4
	InitRadius float64 // inits uniform in (−r, r), default 2
	// ELBOPatience stops a path's L-BFGS run once the ELBO has not improved for this many
	// iterations (default 10; negative: run L-BFGS to convergence as Stan does). The ELBO of
	// the approximations along a path typically peaks within a few dozen iterations while
	// L-BFGS goes on for hundreds, converging on the mode; the approximations past the peak
	// are not chosen, so their ELBO draws, most of Pathfinder's cost, are wasted.
	ELBOPatience int
	// Batch, when set, evaluates log p at many points at once (lps[i] at points[i]; −Inf or NaN
	// outside the support): the ELBO and final draws, 25 and 1000 a path against a few hundred
	// L-BFGS evaluations, are then one batched call each instead of a call per point.
	Batch func(points [][]float64, lps []float64) error
	// Distinct resamples without replacement, so that the n draws are n different points: what
	// starting points for chains need. With replacement, a large Pareto k-hat lets one draw's
	// weight dominate (breast cancer, k-hat 3.8: 96 of 100 draws were one point), every chain
	// then starts at the same point, and ChEES, which adapts from the spread of the chains,
	// learned a trajectory of 0.16 (two leapfrog steps) and a min bulk-ESS of 6 in 10,000 draws.
	Distinct bool
}

func (s PathfinderSettings) withDefaults() PathfinderSettings {
	if s.MaxIterations <= 0 {
		s.MaxIterations = 1000
	}
	s.Settings = s.Settings.withDefaults()
	if s.ELBODraws <= 0 {
		s.ELBODraws = 25
	}
	if s.Draws <= 0 {
		s.Draws = 1000
	}
	if s.Paths <= 0 {
		s.Paths = 4
	}
	if s.InitRadius <= 0 {
		s.InitRadius = 2
	}
	if s.ELBOPatience == 0 {
		s.ELBOPatience = 10
	}
	return s
}

// Path is the result of single-path Pathfinder.
type Path struct {
	Approx     *Normal // the approximation of largest ELBO along the path
	ELBO       float64 // its estimated ELBO
	Iteration  int     // the iterate it belongs to (0 = the initial point)
	Iterations int     // L-BFGS iterations of the path
	Draws      [][]float64
	LogP       []float64 // log p of each draw (−Inf outside the support)
	LogQ       []float64 // log q of each draw under Approx
	Evals      int       // log density evaluations, L-BFGS and ELBO and draws together
}

// SinglePath runs one Pathfinder path from init: the L-BFGS trace of log p, a Gaussian
// approximation at every iterate with the diagonal-plus-low-rank inverse Hessian estimate, the
// ELBO of each by Monte Carlo, and Draws draws from the best.
func SinglePath(f LogDensity, init []float64, s PathfinderSettings, rng *rand.Rand) (*Path, error) {
	s = s.withDefaults()
	d := len(init)
	alpha := make([]float64, d)
	for i := range alpha {
		alpha[i] = 1
	}
	var S, Y [][]float64
	best := &Path{ELBO: math.Inf(-1)}
	grad := make([]float64, d)
	elboDraws := make([][]float64, s.ELBODraws)
	for k := range elboDraws {
		elboDraws[k] = make([]float64, d)
	}
	elboLP, elboLQ := make([]float64, s.ELBODraws), make([]float64, s.ELBODraws)
	evals := 0
	rec := &traceRecorder{}
	var evalErr error
	// Each iterate's approximation and ELBO are made as L-BFGS records it, so that the run can
	// stop once the ELBO has stopped improving (ELBOPatience).
	rec.after = func(l int) error {
		if l > 0 {
			sv := make([]float64, d)
			y := make([]float64, d)
			for i := range sv {
				sv[i] = rec.xs[l][i] - rec.xs[l-1][i]
				y[i] = -(rec.gs[l][i] - rec.gs[l-1][i])
			}
			// Keep pairs with positive curvature (sᵀy > ε‖y‖²), as the paper does.
			if sy := dot(sv, y); sy > 2.2e-16*dot(y, y) && !math.IsNaN(sy) {
				updateAlpha(alpha, sv, y)
				S, Y = append(S, sv), append(Y, y)
				if len(S) > s.History {
					S, Y = S[1:], Y[1:]
				}
			}
		}
		approx, err := newNormal(rec.xs[l], rec.gs[l], append([]float64(nil), alpha...), S, Y)
		if err == nil {
			for k := range elboDraws {
				elboLQ[k] = approx.Draw(rng, elboDraws[k])
			}
			if evalErr = evalAll(f, s.Batch, elboDraws, elboLP, grad); evalErr != nil {
				return evalErr
			}
			evals += s.ELBODraws
			elbo := 0.0
			for k, lp := range elboLP {
				elbo += (lp - elboLQ[k]) / float64(s.ELBODraws)
			}
			if elbo > best.ELBO || best.Approx == nil && !math.IsNaN(elbo) {
				best.Approx, best.ELBO, best.Iteration = approx, elbo, l
			}
		}
		if s.ELBOPatience > 0 && best.Approx != nil && l-best.Iteration >= s.ELBOPatience {
			return errELBOPeaked
		}
		return nil
	}
	_, p, err := runLBFGS(f, init, s.Settings, rec)
	if evalErr != nil {
		return nil, evalErr
	}
	if p.unbound {
		return nil, fmt.Errorf("%w: the log density reached +Inf", ErrNoMode)
	}
	if err != nil && !errors.Is(err, errELBOPeaked) && len(rec.xs) < 2 {
		return nil, err
	}
	if len(rec.xs) == 0 {
		return nil, errors.New("the L-BFGS path is empty")
	}
	best.Iterations = len(rec.xs) - 1
	evals += p.evals
	if best.Approx == nil || math.IsInf(best.ELBO, -1) || math.IsNaN(best.ELBO) {
		return nil, errors.New("no approximation along the path has a finite ELBO (every draw fell outside the support)")
	}
	best.Draws = make([][]float64, s.Draws)
	best.LogP = make([]float64, s.Draws)
	best.LogQ = make([]float64, s.Draws)
	for k := range best.Draws {
		best.Draws[k] = make([]float64, d)
		best.LogQ[k] = best.Approx.Draw(rng, best.Draws[k])
	}
	if err := evalAll(f, s.Batch, best.Draws, best.LogP, grad); err != nil {
		return nil, err
	}
	best.Evals = evals + s.Draws
	return best, nil
}

// errELBOPeaked stops a path's L-BFGS run once the ELBO has not improved for ELBOPatience
// iterations.
var errELBOPeaked = errors.New("the ELBO has stopped improving")

// evalAll writes log p of every point into lps (NaN as −Inf), by batch when given.
func evalAll(f LogDensity, batch func([][]float64, []float64) error, points [][]float64, lps, grad []float64) error {
	if batch != nil {
		if err := batch(points, lps); err != nil {
			return err
		}
	} else {
		for k, x := range points {
			lp, err := f(x, grad)
			if err != nil {
				return err
			}
			lps[k] = lp
		}
	}
	for k, lp := range lps {
		if math.IsNaN(lp) {
			lps[k] = math.Inf(-1)
		}
	}
	return nil
}

// updateAlpha applies the diagonal inverse-Hessian update of the Pathfinder paper (after Gilbert
// and Lemaréchal 1989): with a = yᵀΛy, b = yᵀs, c = sᵀΛ⁻¹s,
// 1/αₙₑ𝓌,ᵢ = a/(b αᵢ) + yᵢ²/b − a sᵢ²/(b c αᵢ²). In one dimension it gives α = s/y, the secant.
func updateAlpha(alpha, s, y []float64) {
	a, b, c := 0.0, dot(y, s), 0.0
	for i := range alpha {
		a += y[i] * alpha[i] * y[i]
		c += s[i] * s[i] / alpha[i]
	}
	next := make([]float64, len(alpha))
	for i, al := range alpha {
		inv := a/(b*al) + y[i]*y[i]/b - a*s[i]*s[i]/(b*c*al*al)
		if !(inv > 0) || math.IsInf(inv, 0) {
			return // keep the previous diagonal rather than a non-positive one
		}
		next[i] = 1 / inv
	}
	copy(alpha, next)
}

// Result is multi-path Pathfinder's output: Draws resampled by PSIS from every path's draws.
type Result struct {
	Draws      [][]float64
	LogP, LogQ []float64 // of each resampled draw; LogQ under the path it came from
	ParetoK    float64   // PSIS k̂ of the pooled importance weights (NaN for one path)
	Paths      []*Path   // the paths that succeeded
	Failed     []error   // why the others failed
}

// Pathfinder runs s.Paths single paths from inits uniform in (−r, r) and, with more than one
// path, importance-resamples n draws (with replacement, or without with s.Distinct) from the pooled draws with PSIS weights
// log p − log q. One path returns that path's draws unweighted, as Stan does.
func Pathfinder(f LogDensity, dim, n int, s PathfinderSettings, rng *rand.Rand) (*Result, error) {
	s = s.withDefaults()
	res := &Result{ParetoK: math.NaN()}
	grad := make([]float64, dim)
	for p := 0; p < s.Paths; p++ {
		init := make([]float64, dim)
		ok := false
		for try := 0; try < 100 && !ok; try++ { // Stan's 100 tries for a finite start
			for i := range init {
				init[i] = s.InitRadius * (2*rng.Float64() - 1)
			}
			lp, err := f(init, grad)
			if err != nil {
				return nil, err
			}
			ok = !math.IsNaN(lp) && !math.IsInf(lp, 0) && finite(grad)
		}
		if !ok {
			res.Failed = append(res.Failed, fmt.Errorf("path %d: no initial point in (−%g, %g) with a finite log density and gradient after 100 tries", p+1, s.InitRadius, s.InitRadius))
			continue
		}
		path, err := SinglePath(f, init, s, rng)
		if err != nil {
			res.Failed = append(res.Failed, fmt.Errorf("path %d: %w", p+1, err))
			continue
		}
		res.Paths = append(res.Paths, path)
	}
	if len(res.Paths) == 0 {
		if len(res.Failed) > 0 {
			return nil, fmt.Errorf("every Pathfinder path failed; the first: %w", res.Failed[0])
		}
		return nil, errors.New("no Pathfinder paths were run")
	}
	var draws [][]float64
	var lps, lqs []float64
	for _, p := range res.Paths {
		draws = append(draws, p.Draws...)
		lps = append(lps, p.LogP...)
		lqs = append(lqs, p.LogQ...)
	}
	if s.Paths == 1 {
		res.Draws, res.LogP, res.LogQ = draws, lps, lqs
		return res, nil
	}
	lw := make([]float64, len(draws))
	for i := range lw {
		lw[i] = lps[i] - lqs[i]
	}
	w, k := PSIS(lw)
	res.ParetoK = k
	cum := make([]float64, len(w))
	acc := 0.0
	for i, v := range w {
		acc += v
		cum[i] = acc
	}
	pick := func(i int) {
		res.Draws = append(res.Draws, draws[i])
		res.LogP = append(res.LogP, lps[i])
		res.LogQ = append(res.LogQ, lqs[i])
	}
	if s.Distinct && n <= len(draws) {
		for _, i := range withoutReplacement(w, n, rng) {
			pick(i)
		}
		return res, nil
	}
	for j := 0; j < n; j++ {
		pick(searchCum(cum, rng.Float64()*acc))
	}
	return res, nil
}

// withoutReplacement draws n different indices, each in turn with probability proportional to
// its weight among those not yet drawn (successive sampling); once the weight left is zero, the
// rest uniformly among those not yet drawn. n ≤ len(w).
func withoutReplacement(w []float64, n int, rng *rand.Rand) []int {
	left := append([]float64(nil), w...)
	taken := make([]bool, len(w))
	out := make([]int, 0, n)
	for len(out) < n {
		total := 0.0
		for _, v := range left {
			total += v
		}
		i := -1
		if total > 0 {
			u := rng.Float64() * total
			for j, v := range left {
				if v > 0 {
					i = j
					if u -= v; u < 0 {
						break
					}
				}
			}
		} else {
			k := rng.IntN(len(w) - len(out)) // the k-th index not yet taken
			for j := range taken {
				if !taken[j] {
					if k == 0 {
						i = j
						break
					}
					k--
				}
			}
		}
		taken[i], left[i] = true, 0
		out = append(out, i)
	}
	return out
}

func searchCum(cum []float64, u float64) int {
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
