package linalg

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// stanValues reads testdata/stan_values.txt: lines "key rows cols v1 v2 ...", matrices row-major,
// written by bench/stan/linalg_values.R from Stan's own functions (rstan 2.21).
func stanValues(t *testing.T) map[string][]float64 {
	f, err := os.Open("testdata/stan_values.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]float64{}
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		fs := strings.Fields(s.Text())
		if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		r, err1 := strconv.Atoi(fs[1])
		c, err2 := strconv.Atoi(fs[2])
		if err1 != nil || err2 != nil || len(fs) != 3+r*c {
			t.Fatalf("bad line for %s", fs[0])
		}
		v := make([]float64, r*c)
		for i := range v {
			if v[i], err = strconv.ParseFloat(fs[3+i], 64); err != nil {
				t.Fatal(err)
			}
		}
		out[fs[0]] = v
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStanValues compares every function with Stan's value on the same inputs to 1e-10
// (relative, absolute below 1), and the gradient of lkj_corr_cholesky_lpdf(L(u) | η) plus the CPC
// transform's log-Jacobian in the unconstrained u with Stan's reverse mode (grad_log_prob).
func TestStanValues(t *testing.T) {
	ref := stanValues(t)
	get := func(key string) []float64 {
		t.Helper()
		v, ok := ref[key]
		if !ok {
			t.Fatalf("no %s in testdata/stan_values.txt", key)
		}
		return v
	}
	compared := 0
	near := func(what string, got, want []float64, tol float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, Stan has %d", what, len(got), len(want))
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
				t.Errorf("%s[%d]: %.17g, Stan %.17g", what, i, got[i], want[i])
			}
		}
		compared += len(want)
	}
	etas := []float64{1, 0.7, 2.5}
	for _, K := range []int{1, 2, 3, 5, 10} {
		p := fmt.Sprintf("K%d.", K)
		L := []float64{1}
		if K > 1 {
			u := get(p + "corr.u")
			L = make([]float64, K*K)
			lj := make([]float64, 1)
			CorrCholesky(1, K, u, L, lj)
			near(p+"corr.L", L, get(p+"corr.L"), 1e-10)
			back := make([]float64, len(u))
			CorrCholeskyFree(K, get(p+"corr.L"), back)
			near(p+"cholesky_corr_free", back, u, 1e-10)
			for _, eta := range etas {
				e := fmt.Sprintf("%scorr.eta%g.", p, eta)
				near(e+"logjac", lj, get(e+"logjac"), 1e-10)
				out, gl := make([]float64, 1), make([]float64, K*K)
				LKJCorrCholesky(1, K, L, []float64{eta}, out, gl, nil)
				near(e+"lkj", out, get(e+"lkj"), 1e-10)
				gu := make([]float64, len(u))
				CorrCholeskyRev(1, K, u, gl, []float64{1}, gu, nil)
				near(e+"grad", gu, get(e+"grad"), 1e-9)
			}
			L = get(p + "corr.L")
		}
		for _, eta := range etas {
			out := make([]float64, 1)
			LKJCorrCholesky(1, K, L, []float64{eta}, out, nil, nil)
			near(fmt.Sprintf("%slkj.eta%g", p, eta), out, get(fmt.Sprintf("%slkj.eta%g", p, eta)), 1e-10)
		}

		Lc, Y, Mu, S := get(p+"mvn.L"), get(p+"mvn.Y"), get(p+"mvn.Mu"), get(p+"mvn.Sigma")
		N := len(Y) / K
		out := make([]float64, 1)
		MultiNormalCholesky(1, K, 1, 1, Y[:K], Mu[:K], Lc, out, nil, nil, nil, nil)
		near(p+"mvnc.one", out, get(p+"mvnc.one"), 1e-10)
		MultiNormalCholesky(1, K, N, 1, Y, Mu[:K], Lc, out, nil, nil, nil, nil)
		near(p+"mvnc.rows", out, get(p+"mvnc.rows"), 1e-10)
		MultiNormalCholesky(1, K, N, N, Y, Mu, Lc, out, nil, nil, nil, nil)
		near(p+"mvnc.rowsmu", out, get(p+"mvnc.rowsmu"), 1e-10)
		MultiNormal(1, K, 1, 1, Y[:K], Mu[:K], S, out, nil, nil, nil, nil)
		near(p+"mvn.one", out, get(p+"mvn.one"), 1e-10)
		MultiNormal(1, K, N, 1, Y, Mu[:K], S, out, nil, nil, nil, nil)
		near(p+"mvn.rows", out, get(p+"mvn.rows"), 1e-10)
		chol := make([]float64, K*K)
		Cholesky(1, K, S, chol, nil)
		near(p+"chol", chol, get(p+"chol"), 1e-10)

		m := get(p + "dpm.m")
		dpm := make([]float64, len(m))
		DiagPreMultiply(1, K, len(m)/K, get(p+"dpm.v"), m, dpm)
		near(p+"dpm", dpm, get(p+"dpm"), 1e-10)
	}
	x := get("gp1.x")
	N := len(x)
	for _, ar := range [][2]float64{{1.3, 0.8}, {0.4, 2.5}} {
		out := make([]float64, N*N)
		GPExpQuadCov(1, N, 1, x, ar[:1], ar[1:], out)
		key := fmt.Sprintf("gp1.a%g.r%g", ar[0], ar[1])
		near(key, out, get(key), 1e-10)
	}
	X := get("gpv.X")
	out := make([]float64, 25)
	GPExpQuadCov(1, 5, 2, X, []float64{1.3}, []float64{0.8}, out)
	near("gpv", out, get("gpv.a1.3.r0.8"), 1e-10)
	if compared < 500 {
		t.Fatalf("compared only %d values", compared)
	}
	t.Logf("%d values compared with Stan's", compared)
}

// TestStanValuesRegenerate reruns bench/stan/linalg_values.R (minutes: it compiles Stan's C++)
// and requires it to reproduce the committed testdata exactly, so the file cannot drift from the
// script. It compiles two Stan programs (several minutes on two cores), so CI, which already
// checks hmcc's densities against rstan's in compiler's TestLPMatchesStan, leaves it out: it runs
// only with HMCC_STAN_REGENERATE=1 (after changing the script or the kernels' Stan conventions).
func TestStanValuesRegenerate(t *testing.T) {
	if os.Getenv("HMCC_STAN_REGENERATE") != "1" || testing.Short() {
		t.Skip("set HMCC_STAN_REGENERATE=1 (and not -short) to rerun the R script")
	}
	if _, err := exec.LookPath("Rscript"); err != nil {
		t.Fatal("Rscript not found; scripts/test.sh installs r-cran-rstan")
	}
	out := filepath.Join(t.TempDir(), "stan_values.txt")
	cmd := exec.Command("Rscript", "bench/stan/linalg_values.R")
	cmd.Dir = "../.."
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cmd.Env = append(os.Environ(), "HMCC_LINALG_OUT="+out, "HMCC_RSTAN_CACHE="+filepath.Join(cache, "hmcc-rstan"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Rscript: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/stan_values.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("bench/stan/linalg_values.R no longer writes testdata/stan_values.txt: rerun it and commit the file")
	}
}
