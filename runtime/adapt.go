package runtime

import "math"

// dualAveraging tunes the step size towards a target acceptance statistic (Nesterov's dual
// averaging as in Hoffman & Gelman 2014, with Stan's constants).
type dualAveraging struct {
	target, gamma, t0, kappa float64
	mu, sBar, xBar           float64
	counter                  float64
}

func newDualAveraging(target, eps float64) *dualAveraging {
	d := &dualAveraging{target: target, gamma: 0.05, t0: 10, kappa: 0.75}
	d.restart(eps)
	return d
}

// restart begins a new adaptation phase around eps, as Stan does after each metric update.
func (d *dualAveraging) restart(eps float64) {
	d.mu = math.Log(10 * eps)
	d.sBar, d.xBar, d.counter = 0, 0, 0
}

// update takes the mean acceptance statistic of the last iteration and returns the next step size.
func (d *dualAveraging) update(accept float64) float64 {
	if math.IsNaN(accept) {
		accept = 0
	}
	accept = math.Min(1, accept)
	d.counter++
	eta := 1 / (d.counter + d.t0)
	d.sBar = (1-eta)*d.sBar + eta*(d.target-accept)
	x := d.mu - d.sBar*math.Sqrt(d.counter)/d.gamma
	w := math.Pow(d.counter, -d.kappa)
	d.xBar = (1-w)*d.xBar + w*x
	return math.Exp(x)
}

// final is the step size used after warmup: the averaged iterate.
func (d *dualAveraging) final() float64 { return math.Exp(d.xBar) }

// welford accumulates per-coordinate means and variances of draws pooled over all chains and,
// when cov is set, their full co-moment matrix.
type welford struct {
	n    float64
	mean []float64
	m2   []float64
	cov  []float64 // dim×dim co-moments, or nil
	d    []float64
}

func newWelford(dim int) *welford {
	return &welford{mean: make([]float64, dim), m2: make([]float64, dim), d: make([]float64, dim)}
}

// newDenseWelford also keeps the co-moments for a dense metric.
func newDenseWelford(dim int) *welford {
	w := newWelford(dim)
	w.cov = make([]float64, dim*dim)
	return w
}

func (w *welford) reset() {
	w.n = 0
	for i := range w.mean {
		w.mean[i], w.m2[i] = 0, 0
	}
	for i := range w.cov {
		w.cov[i] = 0
	}
}

func (w *welford) add(x []float64) {
	w.n++
	for i, v := range x {
		w.d[i] = v - w.mean[i]
		w.mean[i] += w.d[i] / w.n
		w.m2[i] += w.d[i] * (v - w.mean[i])
	}
	if w.cov == nil {
		return
	}
	n := len(x)
	for i := 0; i < n; i++ {
		row := w.cov[i*n : (i+1)*n]
		di := w.d[i]
		for k := 0; k <= i; k++ {
			row[k] += di * (x[k] - w.mean[k])
		}
	}
}

// covariance returns Stan's regularised dense estimate (n/(n+5))·S + 1e-3·(5/(n+5))·I, S the
// sample covariance, in out (dim×dim).
func (w *welford) covariance(out []float64) {
	n := len(w.mean)
	for i := 0; i < n; i++ {
		for k := 0; k <= i; k++ {
			v := (w.n / (w.n + 5)) * w.cov[i*n+k] / (w.n - 1)
			if i == k {
				v += 1e-3 * (5 / (w.n + 5))
			}
			out[i*n+k], out[k*n+i] = v, v
		}
	}
}

// variance returns Stan's regularised estimate: shrunk towards 1e-3 with weight 5/(n+5).
func (w *welford) variance(out []float64) {
	for i := range out {
		v := w.m2[i] / (w.n - 1)
		out[i] = (w.n/(w.n+5))*v + 1e-3*(5/(w.n+5))
	}
}

// windows is Stan's warmup schedule: a fast initial buffer for the step size, slow windows
// doubling in length where the metric is estimated, and a terminal buffer for the final step size.
type windows struct {
	warmup, initBuffer, termBuffer, base int
	ends                                 []int // iteration (0-based, exclusive) at which each metric window ends
}

func newWindows(warmup int) windows {
	w := windows{warmup: warmup, initBuffer: 75, termBuffer: 50, base: 25}
	if warmup < 20 {
		return windows{warmup: warmup} // too short to adapt the metric
	}
	if w.initBuffer+w.base+w.termBuffer > warmup {
		w.initBuffer = int(0.15 * float64(warmup))
		w.termBuffer = int(0.1 * float64(warmup))
		w.base = warmup - (w.initBuffer + w.termBuffer)
	}
	end := warmup - w.termBuffer
	start, size := w.initBuffer, w.base
	for start < end {
		next := start + size
		// stretch the last window to the terminal buffer rather than leave a short one
		if next+2*size > end {
			next = end
		}
		w.ends = append(w.ends, next)
		start, size = next, 2*size
	}
	return w
}

// inSlow reports whether iteration i collects draws for the metric.
func (w windows) inSlow(i int) bool {
	return len(w.ends) > 0 && i >= w.initBuffer && i < w.ends[len(w.ends)-1]
}

// endsWindow reports whether iteration i is the last of a metric window.
func (w windows) endsWindow(i int) bool {
	for _, e := range w.ends {
		if i == e-1 {
			return true
		}
	}
	return false
}
