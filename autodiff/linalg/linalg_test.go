package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

var (
	sizes  = []int{1, 2, 3, 5, 10}
	chains = []int{1, 3, 8}
)

// fdCheck compares an analytic gradient with central finite differences of f in every element of
// x: |analytic − fd| ≤ 1e-6 · max(1, |fd|). The difference is Richardson-extrapolated from steps
// h and h/2 (error O(h⁴)), so that h can be large enough for rounding in an objective of a few
// hundred not to matter; h is 1e-3, 1e-4 or 1e-5 times max(1, |x|), whichever agrees best (a
// small h for an input near a singularity such as log lᵢᵢ at lᵢᵢ = 0.01). x is perturbed in place
// and restored.
func fdCheck(t *testing.T, what string, x, analytic []float64, f func() float64) {
	t.Helper()
	bad := 0
	for i := range x {
		v := x[i]
		central := func(h float64) float64 {
			x[i] = v + h
			fp := f()
			x[i] = v - h
			fm := f()
			x[i] = v
			return (fp - fm) / (2 * h)
		}
		fd, d := 0.0, math.Inf(1)
		for _, step := range []float64{1e-3, 1e-4, 1e-5} {
			h := step * math.Max(1, math.Abs(v))
			e := (4*central(h/2) - central(h)) / 3
			if math.Abs(analytic[i]-e) < d || math.IsInf(d, 1) {
				fd, d = e, math.Abs(analytic[i]-e)
			}
		}
		if !(d <= 1e-6*math.Max(1, math.Abs(fd))) {
			if bad < 5 {
				t.Errorf("%s: element %d: analytic %.12g, finite difference %.12g", what, i, analytic[i], fd)
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d elements in all differ", what, bad)
	}
}

func randn(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

// randSPD returns C symmetric positive-definite K×K matrices B Bᵀ + K·I/2.
func randSPD(r *rand.Rand, C, K int) []float64 {
	a := make([]float64, C*K*K)
	for c := 0; c < C; c++ {
		b := randn(r, K*K)
		ac := a[c*K*K:]
		for i := 0; i < K; i++ {
			for j := 0; j < K; j++ {
				s := 0.0
				for k := 0; k < K; k++ {
					s += b[i*K+k] * b[j*K+k]
				}
				if i == j {
					s += float64(K) / 2
				}
				ac[i*K+j] = s
			}
		}
	}
	return a
}

// randFactor returns C lower-triangular K×K matrices with positive diagonals.
func randFactor(r *rand.Rand, C, K int) []float64 {
	l := make([]float64, C*K*K)
	for c := 0; c < C; c++ {
		for i := 0; i < K; i++ {
			for j := 0; j < i; j++ {
				l[c*K*K+i*K+j] = 0.5 * r.NormFloat64()
			}
			l[c*K*K+i*K+i] = math.Exp(0.3 * r.NormFloat64())
		}
	}
	return l
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func each(t *testing.T, f func(t *testing.T, r *rand.Rand, C, K int)) {
	for _, K := range sizes {
		for _, C := range chains {
			t.Run(fmt.Sprintf("K%d_C%d", K, C), func(t *testing.T) {
				f(t, rand.New(rand.NewPCG(uint64(K), uint64(C))), C, K)
			})
		}
	}
}

func TestCholesky(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		a := randSPD(r, C, K)
		l := make([]float64, C*K*K)
		ok := make([]bool, C)
		Cholesky(C, K, a, l, ok)
		for c := 0; c < C; c++ {
			if !ok[c] {
				t.Fatalf("chain %d: a positive-definite matrix was refused", c)
			}
			lc, ac := l[c*K*K:], a[c*K*K:]
			for i := 0; i < K; i++ {
				for j := 0; j < K; j++ {
					if j > i && lc[i*K+j] != 0 {
						t.Fatalf("upper triangle not zero")
					}
					s := 0.0
					for k := 0; k < K; k++ {
						s += lc[i*K+k] * lc[j*K+k]
					}
					if math.Abs(s-ac[i*K+j]) > 1e-12*math.Max(1, math.Abs(ac[i*K+j])) {
						t.Fatalf("chain %d: (L Lᵀ)[%d,%d] = %g, want %g", c, i, j, s, ac[i*K+j])
					}
				}
			}
		}
		gl := randn(r, C*K*K)
		ga := make([]float64, C*K*K)
		CholeskyRev(C, K, l, gl, ga, &Scratch{})
		fdCheck(t, "d/dA", a, ga, func() float64 {
			Cholesky(C, K, a, l, nil)
			s := 0.0
			for c := 0; c < C; c++ { // only the lower triangle of L is an output
				for i := 0; i < K; i++ {
					for j := 0; j <= i; j++ {
						s += gl[c*K*K+i*K+j] * l[c*K*K+i*K+j]
					}
				}
			}
			return s
		})
		// A shared input's gradient sums over the chains.
		shared := a[:K*K]
		gs := make([]float64, K*K)
		Cholesky(C, K, shared, l, nil)
		CholeskyRev(C, K, l, gl, gs, nil)
		want := make([]float64, K*K)
		for c := 0; c < C; c++ {
			CholeskyRev(1, K, l[c*K*K:(c+1)*K*K], gl[c*K*K:(c+1)*K*K], want, nil)
		}
		for i := range want {
			if math.Abs(want[i]-gs[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
				t.Fatalf("shared gradient %d: %g, want %g", i, gs[i], want[i])
			}
		}
	})
}

func TestCholeskyNotPositiveDefinite(t *testing.T) {
	a := []float64{1, 2, 2, 1 /* chain 2 */, 4, 0, 0, 9 /* chain 3 */, 1, 0, 0, math.NaN()}
	l := make([]float64, 12)
	ok := make([]bool, 3)
	Cholesky(3, 2, a, l, ok)
	if ok[0] || !ok[1] || ok[2] {
		t.Fatalf("ok = %v, want [false true false]", ok)
	}
	if !math.IsNaN(l[0]) || l[4] != 2 || l[7] != 3 {
		t.Fatalf("l = %v", l)
	}
	out := make([]float64, 3)
	y, mu := []float64{0.5, 0.5}, []float64{0, 0}
	gy := make([]float64, 6)
	MultiNormalCholesky(3, 2, 1, 1, y, mu, l, out, gy, nil, nil, nil)
	if !math.IsInf(out[0], -1) || math.IsInf(out[1], 0) || !math.IsInf(out[2], -1) {
		t.Fatalf("log densities %v, want -Inf, finite, -Inf", out)
	}
	if gy[0] != 0 || gy[1] != 0 || gy[2] == 0 {
		t.Fatalf("partials %v: want zero for the failed chain", gy)
	}
	MultiNormal(3, 2, 1, 1, y, mu, a, out, gy, nil, nil, nil)
	if !math.IsInf(out[0], -1) || math.IsInf(out[1], 0) || !math.IsInf(out[2], -1) {
		t.Fatalf("MultiNormal log densities %v, want -Inf, finite, -Inf", out)
	}
	lkj := make([]float64, 3)
	LKJCorrCholesky(3, 2, l, []float64{2}, lkj, nil, nil)
	if !math.IsInf(lkj[0], -1) || !math.IsInf(lkj[2], -1) {
		t.Fatalf("LKJ of a failed factor: %v", lkj)
	}
	LKJCorrCholesky(1, 2, []float64{1, 0, 0.6, 0.8}, []float64{0}, lkj[:1], nil, nil)
	if !math.IsInf(lkj[0], -1) {
		t.Fatalf("LKJ with eta 0: %v", lkj[0])
	}
}

func TestSolveLower(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		const M = 3
		l := randFactor(r, C, K)
		b := randn(r, C*K*M)
		x := make([]float64, C*K*M)
		gx := randn(r, C*K*M)
		for _, trans := range []bool{false, true} {
			solve, rev := SolveLower, SolveLowerRev
			if trans {
				solve, rev = SolveLowerT, SolveLowerTRev
			}
			solve(C, K, M, l, b, x)
			// residual: L x = b (or Lᵀ x = b)
			for c := 0; c < C; c++ {
				for i := 0; i < K; i++ {
					for m := 0; m < M; m++ {
						s := 0.0
						for k := 0; k < K; k++ {
							lik := l[c*K*K+i*K+k]
							if trans {
								lik = l[c*K*K+k*K+i]
							}
							s += lik * x[c*K*M+k*M+m]
						}
						if math.Abs(s-b[c*K*M+i*M+m]) > 1e-10 {
							t.Fatalf("trans %v: residual %g", trans, s-b[c*K*M+i*M+m])
						}
					}
				}
			}
			gl, gb := make([]float64, C*K*K), make([]float64, C*K*M)
			rev(C, K, M, l, x, gx, gl, gb, &Scratch{})
			f := func() float64 { solve(C, K, M, l, b, x); return dot(gx, x) }
			fdCheck(t, fmt.Sprintf("trans %v d/dB", trans), b, gb, f)
			// the strict upper triangle of l is never read: compare on the lower triangle only
			fdLower(t, fmt.Sprintf("trans %v d/dL", trans), C, K, l, gl, f)
		}
	})
}

// fdLower is fdCheck over the lower triangles of C K×K matrices.
func fdLower(t *testing.T, what string, C, K int, l, g []float64, f func() float64) {
	t.Helper()
	var xs, gs []float64
	var idx []int
	for c := 0; c < C; c++ {
		for i := 0; i < K; i++ {
			for j := 0; j <= i; j++ {
				idx = append(idx, c*K*K+i*K+j)
			}
		}
	}
	xs, gs = make([]float64, len(idx)), make([]float64, len(idx))
	for n, i := range idx {
		xs[n], gs[n] = l[i], g[i]
	}
	fdCheck(t, what, xs, gs, func() float64 {
		for n, i := range idx {
			l[i] = xs[n]
		}
		return f()
	})
	for n, i := range idx {
		l[i] = xs[n]
	}
}

func TestLogDetCholesky(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		l := randFactor(r, C, K)
		out, g := make([]float64, C), randn(r, C)
		gl := make([]float64, C*K*K)
		LogDetCholeskyRev(C, K, l, g, gl)
		fdCheck(t, "d/dL", l, gl, func() float64 { LogDetCholesky(C, K, l, out); return dot(g, out) })
	})
}

func TestMultiNormalCholesky(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		const N = 4
		for _, muRows := range []int{1, N} {
			for _, shared := range []bool{false, true} {
				rows := C
				if shared {
					rows = 1
				}
				y, mu, l := randn(r, rows*N*K), randn(r, C*muRows*K), randFactor(r, C, K)
				out, g := make([]float64, C), randn(r, C)
				gy, gmu, gl := make([]float64, C*N*K), make([]float64, C*muRows*K), make([]float64, C*K*K)
				MultiNormalCholesky(C, K, N, muRows, y, mu, l, out, gy, gmu, gl, &Scratch{})
				// direct value: Σ log N via the explicit inverse-free formula for chain 0
				f := func() float64 {
					MultiNormalCholesky(C, K, N, muRows, y, mu, l, out, nil, nil, nil, nil)
					return dot(g, out)
				}
				name := fmt.Sprintf("muRows %d shared y %v", muRows, shared)
				fdCheck(t, name+" d/dy", y, scaleSum(C, N*K, rows == 1, g, gy), f)
				fdCheck(t, name+" d/dmu", mu, scaleSum(C, muRows*K, false, g, gmu), f)
				fdLower(t, name+" d/dL", C, K, l, scaleSum(C, K*K, false, g, gl), f)
			}
		}
	})
}

// scaleSum turns per-chain partials p (C·n) into the gradient of Σ_c g[c]·out[c] with respect to
// an input that is per chain or, with shared, one value for all chains.
func scaleSum(C, n int, shared bool, g, p []float64) []float64 {
	out := make([]float64, C*n)
	if shared {
		out = out[:n]
	}
	for c := 0; c < C; c++ {
		for i := 0; i < n; i++ {
			out[(c*n+i)%len(out)] += g[c] * p[c*n+i]
		}
	}
	return out
}

func TestMultiNormal(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		const N = 3
		for _, muRows := range []int{1, N} {
			y, mu, sigma := randn(r, C*N*K), randn(r, muRows*K), randSPD(r, C, K)
			out, ref, g := make([]float64, C), make([]float64, C), randn(r, C)
			gy, gmu, gs := make([]float64, C*N*K), make([]float64, C*muRows*K), make([]float64, C*K*K)
			MultiNormal(C, K, N, muRows, y, mu, sigma, out, gy, gmu, gs, &Scratch{})
			l := make([]float64, C*K*K)
			Cholesky(C, K, sigma, l, nil)
			MultiNormalCholesky(C, K, N, muRows, y, mu, l, ref, nil, nil, nil, nil)
			for c := range out {
				if math.Abs(out[c]-ref[c]) > 1e-12*math.Abs(ref[c]) {
					t.Fatalf("chain %d: %g, through the factor %g", c, out[c], ref[c])
				}
			}
			f := func() float64 {
				MultiNormal(C, K, N, muRows, y, mu, sigma, out, nil, nil, nil, nil)
				return dot(g, out)
			}
			fdCheck(t, "d/dy", y, scaleSum(C, N*K, false, g, gy), f)
			fdCheck(t, "d/dmu", mu, scaleSum(C, muRows*K, true, g, gmu), f)
			fdCheck(t, "d/dSigma", sigma, scaleSum(C, K*K, false, g, gs), f)
			// The same gradient through Cholesky's reverse mode and the factor's partials.
			gl := make([]float64, C*K*K)
			MultiNormalCholesky(C, K, N, muRows, y, mu, l, ref, nil, nil, gl, nil)
			for c := 0; c < C; c++ {
				for i := 0; i < K*K; i++ {
					gl[c*K*K+i] *= g[c]
				}
			}
			via := make([]float64, C*K*K)
			CholeskyRev(C, K, l, gl, via, nil)
			want := scaleSum(C, K*K, false, g, gs)
			for i := range via {
				if math.Abs(via[i]-want[i]) > 1e-9*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("element %d: through CholeskyRev %g, closed form %g", i, via[i], want[i])
				}
			}
		}
	})
}

func TestLKJCorrCholesky(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		u := randn(r, C*NumCorrFree(K))
		l := make([]float64, C*K*K)
		CorrCholesky(C, K, u, l, nil)
		eta := make([]float64, C)
		for c := range eta {
			eta[c] = 0.3 + 3*r.Float64()
		}
		out, g := make([]float64, C), randn(r, C)
		gl, geta := make([]float64, C*K*K), make([]float64, C)
		LKJCorrCholesky(C, K, l, eta, out, gl, geta)
		f := func() float64 { LKJCorrCholesky(C, K, l, eta, out, nil, nil); return dot(g, out) }
		fdCheck(t, "d/deta", eta, scaleSum(C, 1, false, g, geta), f)
		fdLower(t, "d/dL", C, K, l, scaleSum(C, K*K, false, g, gl), f)
	})
}

// TestLKJConstantBranches: Stan's closed form of the normalising constant at η = 1 and its
// general formula agree there (so the η = 1 branch is a faster path, not another density).
func TestLKJConstantBranches(t *testing.T) {
	for K := 1; K <= 30; K++ {
		general := float64(K-1) * lgamma(1+0.5*float64(K-1))
		for k := 1; k <= K-1; k++ {
			general -= 0.5*float64(k)*logPi + lgamma(1+0.5*float64(K-1-k))
		}
		if c := lkjConstant(1, K); math.Abs(c-general) > 1e-9*math.Max(1, math.Abs(general)) {
			t.Errorf("K=%d: closed form %.15g, general formula %.15g", K, c, general)
		}
	}
}

func TestCorrCholesky(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		m := NumCorrFree(K)
		u := randn(r, C*m)
		l, lj := make([]float64, C*K*K), make([]float64, C)
		CorrCholesky(C, K, u, l, lj)
		for c := 0; c < C; c++ {
			lc := l[c*K*K : (c+1)*K*K]
			for i := 0; i < K; i++ {
				s := 0.0
				for j := 0; j < K; j++ {
					s += lc[i*K+j] * lc[i*K+j]
					if j > i && lc[i*K+j] != 0 {
						t.Fatal("upper triangle not zero")
					}
				}
				if math.Abs(s-1) > 1e-12 || !(lc[i*K+i] > 0) {
					t.Fatalf("row %d: squared norm %g, diagonal %g", i, s, lc[i*K+i])
				}
			}
			back := make([]float64, m)
			CorrCholeskyFree(K, lc, back)
			for i, v := range back {
				if math.Abs(v-u[c*m+i]) > 1e-9*math.Max(1, math.Abs(v)) {
					t.Fatalf("free transform %d: %g, want %g", i, v, u[c*m+i])
				}
			}
		}
		gl, glj := randn(r, C*K*K), randn(r, C)
		for i := range gl { // the upper triangle is not an output
			if i%K > (i/K)%K {
				gl[i] = 0
			}
		}
		gu := make([]float64, C*m)
		CorrCholeskyRev(C, K, u, gl, glj, gu, &Scratch{})
		fdCheck(t, "d/du", u, gu, func() float64 { CorrCholesky(C, K, u, l, lj); return dot(gl, l) + dot(glj, lj) })
		// the log-Jacobian is that of the map from u to the strict lower triangle: compare it with
		// the log-determinant of the finite-difference Jacobian for one chain
		if K > 1 && C == 1 {
			jac := make([]float64, m*m)
			for k := 0; k < m; k++ {
				v := u[k]
				h := 1e-6
				u[k] = v + h
				CorrCholesky(1, K, u, l, nil)
				plus := strictLower(K, l)
				u[k] = v - h
				CorrCholesky(1, K, u, l, nil)
				minus := strictLower(K, l)
				u[k] = v
				for q := range plus {
					jac[q*m+k] = (plus[q] - minus[q]) / (2 * h)
				}
			}
			CorrCholesky(1, K, u, l, lj)
			if ld := logAbsDet(m, jac); math.Abs(ld-lj[0]) > 1e-6*math.Max(1, math.Abs(ld)) {
				t.Fatalf("log-Jacobian %.10g, log |det| of the finite-difference Jacobian %.10g", lj[0], ld)
			}
		}
	})
}

func strictLower(K int, l []float64) []float64 {
	var out []float64
	for i := 1; i < K; i++ {
		out = append(out, l[i*K:i*K+i]...)
	}
	return out
}

// logAbsDet is log |det a| of an n×n matrix by Gaussian elimination with partial pivoting.
func logAbsDet(n int, a []float64) float64 {
	a = append([]float64(nil), a...)
	s := 0.0
	for j := 0; j < n; j++ {
		p := j
		for i := j + 1; i < n; i++ {
			if math.Abs(a[i*n+j]) > math.Abs(a[p*n+j]) {
				p = i
			}
		}
		for k := 0; k < n; k++ {
			a[j*n+k], a[p*n+k] = a[p*n+k], a[j*n+k]
		}
		s += math.Log(math.Abs(a[j*n+j]))
		for i := j + 1; i < n; i++ {
			f := a[i*n+j] / a[j*n+j]
			for k := j; k < n; k++ {
				a[i*n+k] -= f * a[j*n+k]
			}
		}
	}
	return s
}

func TestGPExpQuadCov(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, N int) {
		for _, D := range []int{1, 2} {
			x, alpha, rho := randn(r, C*N*D), []float64{1.3}, make([]float64, C)
			for c := range rho {
				rho[c] = 0.5 + r.Float64()
			}
			out, g := make([]float64, C*N*N), randn(r, C*N*N)
			GPExpQuadCov(C, N, D, x, alpha, rho, out)
			gx, ga, gr := make([]float64, C*N*D), make([]float64, 1), make([]float64, C)
			GPExpQuadCovRev(C, N, D, x, alpha, rho, out, g, gx, ga, gr)
			f := func() float64 { GPExpQuadCov(C, N, D, x, alpha, rho, out); return dot(g, out) }
			fdCheck(t, "d/dx", x, gx, f)
			fdCheck(t, "d/dalpha", alpha, ga, f)
			fdCheck(t, "d/drho", rho, gr, f)
		}
	})
}

func TestAddDiagDiagPreMultiplyMatMulTranspose(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		for _, dn := range []int{1, K} {
			a, d := randn(r, C*K*K), randn(r, dn)
			out, g := make([]float64, C*K*K), randn(r, C*K*K)
			ga, gd := make([]float64, C*K*K), make([]float64, dn)
			AddDiagRev(C, K, dn, g, ga, gd)
			f := func() float64 { AddDiag(C, K, dn, a, d, out); return dot(g, out) }
			fdCheck(t, "add_diag d/da", a, ga, f)
			fdCheck(t, "add_diag d/dd", d, gd, f)
		}
		const M = 3
		v, m := randn(r, C*K), randn(r, K*M)
		out, g := make([]float64, C*K*M), randn(r, C*K*M)
		gv, gm := make([]float64, C*K), make([]float64, K*M)
		DiagPreMultiplyRev(C, K, M, v, m, g, gv, gm)
		f := func() float64 { DiagPreMultiply(C, K, M, v, m, out); return dot(g, out) }
		fdCheck(t, "diag_pre_multiply d/dv", v, gv, f)
		fdCheck(t, "diag_pre_multiply d/dm", m, gm, f)

		tr, gt := make([]float64, C*K*M), randn(r, C*K*M)
		mm := randn(r, C*K*M)
		gmm := make([]float64, C*K*M)
		TransposeRev(C, K, M, gt, gmm)
		fdCheck(t, "transpose", mm, gmm, func() float64 { Transpose(C, K, M, mm, tr); return dot(gt, tr) })

		for _, cols := range []int{1, M} {
			for _, sharedA := range []bool{true, false} {
				const R = 4
				na := C
				if sharedA {
					na = 1
				}
				a, b := randn(r, na*R*K), randn(r, C*K*cols)
				out, g := make([]float64, C*R*cols), randn(r, C*R*cols)
				ga, gb := make([]float64, na*R*K), make([]float64, C*K*cols)
				MatMul(C, R, K, cols, a, b, out)
				for c := 0; c < C; c++ { // against the definition
					ac := at(a, R*K, c)
					for i := 0; i < R; i++ {
						for j := 0; j < cols; j++ {
							s := 0.0
							for k := 0; k < K; k++ {
								s += ac[i*K+k] * b[c*K*cols+k*cols+j]
							}
							if math.Abs(s-out[c*R*cols+i*cols+j]) > 1e-12*math.Max(1, math.Abs(s)) {
								t.Fatalf("product (%d,%d) of chain %d: %g, want %g", i, j, c, out[c*R*cols+i*cols+j], s)
							}
						}
					}
				}
				MatMulRev(C, R, K, cols, a, b, g, ga, gb)
				f := func() float64 { MatMul(C, R, K, cols, a, b, out); return dot(g, out) }
				fdCheck(t, fmt.Sprintf("matmul M=%d shared %v d/da", cols, sharedA), a, ga, f)
				fdCheck(t, fmt.Sprintf("matmul M=%d shared %v d/db", cols, sharedA), b, gb, f)
			}
		}
	})
}

// TestLAPACKPaths: OpenBLAS's dpotrf and the BLAS reverse mode give the pure-Go kernels' numbers
// to rounding (in a build without cgo they are the same functions).
func TestLAPACKPaths(t *testing.T) {
	each(t, func(t *testing.T, r *rand.Rand, C, K int) {
		a := randSPD(r, C, K)
		a[0] = -1 // chain 0 is not positive definite
		if C > 1 {
			a[K*K+K*K-1] = math.NaN() // nor is chain 1
		}
		l1, l2 := make([]float64, C*K*K), make([]float64, C*K*K)
		ok1, ok2 := make([]bool, C), make([]bool, C)
		choleskyGo(C, K, a, l1, ok1)
		CholeskyLAPACK(C, K, a, l2, ok2)
		for c := range ok1 {
			if ok1[c] != ok2[c] {
				t.Fatalf("chain %d: ok %v, LAPACK %v", c, ok1[c], ok2[c])
			}
		}
		for i := range l1 {
			if !(math.Abs(l1[i]-l2[i]) <= 1e-12*math.Max(1, math.Abs(l1[i]))) && !(math.IsNaN(l1[i]) && math.IsNaN(l2[i])) {
				t.Fatalf("element %d: %g, LAPACK %g", i, l1[i], l2[i])
			}
		}
		gl := randn(r, C*K*K)
		g1, g2 := make([]float64, C*K*K), make([]float64, C*K*K)
		choleskyRevGo(C, K, l1, gl, g1, nil)
		CholeskyRevLAPACK(C, K, l1, gl, g2, nil)
		for i := range g1 {
			if math.Abs(g1[i]-g2[i]) > 1e-10*math.Max(1, math.Abs(g1[i])) {
				t.Fatalf("gradient element %d: %g, BLAS %g", i, g1[i], g2[i])
			}
		}
	})
}

// TestLargeK runs the sizes where the exported functions switch to OpenBLAS (K ≥ 16 where cgo is
// on): Cholesky's and MultiNormal's gradients against finite differences at K = 20, and the
// inverse from dpotri against the triangular solves.
func TestLargeK(t *testing.T) {
	const C, K, N = 2, 20, 2
	r := rand.New(rand.NewPCG(20, 2))
	a := randSPD(r, C, K)
	l := make([]float64, C*K*K)
	ok := make([]bool, C)
	Cholesky(C, K, a, l, ok)
	if !ok[0] || !ok[1] {
		t.Fatal("refused a positive-definite matrix")
	}
	gl, ga := randn(r, C*K*K), make([]float64, C*K*K)
	for i := range gl {
		if i%K > (i/K)%K {
			gl[i] = 0
		}
	}
	CholeskyRev(C, K, l, gl, ga, nil)
	fdCheck(t, "Cholesky d/dA", a, ga, func() float64 { Cholesky(C, K, a, l, nil); return dot(gl, l) })

	inv, want := make([]float64, K*K), make([]float64, K*K)
	spdInverse(K, l[:K*K], inv)
	spdInverseGo(K, l[:K*K], want)
	for i := range inv {
		if math.Abs(inv[i]-want[i]) > 1e-10*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("inverse element %d: %g, by solves %g", i, inv[i], want[i])
		}
	}

	y, mu := randn(r, C*N*K), randn(r, K)
	out, g := make([]float64, C), randn(r, C)
	gs := make([]float64, C*K*K)
	MultiNormal(C, K, N, 1, y, mu, a, out, nil, nil, gs, &Scratch{})
	fdCheck(t, "MultiNormal d/dSigma", a, scaleSum(C, K*K, false, g, gs), func() float64 {
		MultiNormal(C, K, N, 1, y, mu, a, out, nil, nil, nil, nil)
		return dot(g, out)
	})
}

// TestTanhLog1mSq: the one-expm1 tanh and log(1 − tanh²) agree with math.Tanh and with the
// direct formula where that is accurate, and stay finite where 1 − tanh² rounds to 0.
func TestTanhLog1mSq(t *testing.T) {
	for _, u := range []float64{-30, -5, -1.3, -1e-3, -1e-9, 0, 1e-12, 1e-6, 0.2, 0.9, 2, 7, 25} {
		z, l := tanhLog1mSq(u)
		if math.Abs(z-math.Tanh(u)) > 2e-16*math.Max(1e-300, math.Abs(math.Tanh(u)))+1e-300 && math.Abs(z-math.Tanh(u)) > 4e-16*math.Abs(z) {
			t.Errorf("tanh(%g): %.17g, math.Tanh %.17g", u, z, math.Tanh(u))
		}
		if tanhOf(u) != z {
			t.Errorf("tanhOf(%g) differs from tanhLog1mSq's", u)
		}
		if math.Abs(u) < 3 {
			if d := math.Log1p(-math.Tanh(u) * math.Tanh(u)); math.Abs(l-d) > 1e-13*math.Max(1, math.Abs(d)) {
				t.Errorf("log(1 - tanh²(%g)): %.17g, direct %.17g", u, l, d)
			}
		} else if want := 2 * (math.Ln2 - math.Abs(u) - math.Log1p(math.Exp(-2*math.Abs(u)))); math.IsInf(l, 0) || math.Abs(l-want) > 1e-14*math.Abs(want) {
			t.Errorf("log(1 - tanh²(%g)): %g, want about %g", u, l, want)
		}
	}
}

// TestCholeskyGPBundled: the Cholesky factor of models/gp_poisson.model's covariance on its own
// data (40 inputs, two as close as 0.003; jitter 1e-9) at length scales its posterior visits
// reproduces the covariance to rounding, L Lᵀ = K + E with |E| ≤ 1e-14 max|K|, through both the
// pure-Go loops and LAPACK. The condition number there is 1e9 to 1e11, so factors that are each
// right to rounding (ours, Eigen's in Stan, R's) still differ by ~1e-7 in f = L η: that, not a
// wrong factor, is why cmd/hmcc's TestLPMatchesStan compares this model's lp__ on the bundled
// data only to 1e-5 and checks it to 1e-10 on better-conditioned inputs.
func TestCholeskyGPBundled(t *testing.T) {
	b, err := os.ReadFile("../../models/gp_poisson.csv")
	if err != nil {
		t.Fatal(err)
	}
	var x []float64
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		if i == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			t.Fatal(err)
		}
		x = append(x, v)
	}
	N := len(x)
	if N != 40 {
		t.Fatalf("%d inputs, want 40", N)
	}
	eta := randn(rand.New(rand.NewPCG(15, 40)), N)
	for _, ar := range [][2]float64{{1.05, 2.94}, {0.9, 1.5}, {0.6, 0.8}} {
		k := make([]float64, N*N)
		GPExpQuadCov(1, N, 1, x, ar[:1], ar[1:], k)
		AddDiag(1, N, 1, k, []float64{1e-9}, k)
		var fs [][]float64
		for _, path := range []struct {
			name string
			chol func(C, K int, a, l []float64, ok []bool)
		}{{"go", choleskyGo}, {"Cholesky", Cholesky}} {
			l := make([]float64, N*N)
			ok := []bool{false}
			path.chol(1, N, k, l, ok)
			if !ok[0] {
				t.Fatalf("%s α=%g ρ=%g: refused", path.name, ar[0], ar[1])
			}
			worst := 0.0
			for i := 0; i < N; i++ {
				for j := 0; j <= i; j++ {
					worst = math.Max(worst, math.Abs(dot(l[i*N:i*N+j+1], l[j*N:j*N+j+1])-k[i*N+j]))
				}
			}
			// max|K| is α², on the diagonal
			if worst > 1e-14*ar[0]*ar[0] {
				t.Errorf("%s α=%g ρ=%g: max |L Lᵀ − K| = %.3g, want ≤ 1e-14 α²", path.name, ar[0], ar[1], worst)
			}
			f := make([]float64, N)
			for i := range f {
				f[i] = dot(l[i*N:i*N+i+1], eta[:i+1])
			}
			fs = append(fs, f)
		}
		d := 0.0
		for i := range fs[0] {
			d = math.Max(d, math.Abs(fs[0][i]-fs[1][i]))
		}
		t.Logf("α=%g ρ=%g: the two factors' f = L η differ by up to %.2g", ar[0], ar[1], d)
	}
}
