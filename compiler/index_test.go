package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/ir"
)

// seriesCSV writes columns y and x of n rows, a simulated AR(1) path and a covariate.
func seriesCSV(n int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("y,x\n")
	y := 0.0
	for i := 0; i < n; i++ {
		y = 0.3 + 0.6*y + 0.5*rng.NormFloat64()
		fmt.Fprintf(&b, "%.6f,%.4f\n", y, rng.Float64()*2-1)
	}
	return b.String()
}

// TestIndexingEndToEnd compiles elements of parameters and data, slices with size arithmetic,
// sizes as values, comparisons and ifelse, and checks the log density against the reference
// evaluator and the gradient (a scatter into the sliced parameter) against finite differences.
func TestIndexingEndToEnd(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data x[N] = column "x"`,
		"param beta[3] ~ Normal(0, 1)",
		"param u[N] ~ Normal(0, 1)",
		"param sigma ~ HalfNormal(1)",
		"param v ~ Uniform(0, N)", // a bound from a size: known once the data are bound
		"const n = N",
		"let pos = ifelse(x > 0, beta[2] * x, beta[3] * x)",
		"let w = u[2:N] - u[1:N-1]",
		"y[3:N] ~ Normal(beta[1] + beta[2] * y[2:N-1] + beta[3] * y[1:N-2] + w[2:N-1] / n, sigma)",
		"y[1] ~ Normal(u[N] + (x[1] <= 0) + (N - 1) / 10, sigma)",
		"x ~ Normal(pos / 2 + (y != y[1]) + v / 10, 3)")
	const chains = 3
	m, prog := compileSrc(t, src, seriesCSV(12, 1), chains)
	if got := m.Params[3].Constraint.String(); got != "(0, 12)" {
		t.Errorf("v has constraint %s, want (0, 12)", got)
	}
	checkCompiled(t, m, prog, chains, 0.7, 5)
}

// TestRecurrencesEndToEnd compiles an ARMA(1,1), a GARCH(1,1), a random walk driven by a
// parameter vector, and a recurrence two elements back with a vector of first values; the
// log density must equal the reference evaluator's (which runs the step one t at a time) and
// the gradient (the kernel's backward sweep) finite differences.
func TestRecurrencesEndToEnd(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data x[N] = column "x"`,
		"param mu ~ Normal(0, 1)",
		"param phi ~ Normal(0, 0.5)",
		"param theta ~ Normal(0, 0.5)",
		"param sigma ~ HalfNormal(1)",
		"param a0 ~ HalfNormal(1)",
		"param a1 ~ Beta(2, 5)",
		"param b1 ~ Beta(2, 5)",
		"param s1 ~ HalfNormal(1)",
		"param z[N] ~ Normal(0, 1)",
		"param r[2] ~ Normal(0, 1)",
		"let err[N] = recur(y[1] - mu - phi * mu, t: y[t] - mu - phi * y[t-1] - theta * err[t-1])",
		"let s2[N] = recur(s1, t: a0 + a1 * (y[t-1] - mu)^2 + b1 * s2[t-1])",
		"let walk[N] = recur(0, t: walk[t-1] + 0.3 * z[t] + ifelse(x[t] > 0, phi, 0) * sqrt(t))",
		"let fib[N] = recur(r, t: 0.5 * fib[t-1] - 0.25 * fib[t-2] + exp(-mu^2) / N)",
		"x ~ Normal(y - err, sigma)",
		"y ~ Normal(mu + walk / 10 + fib, sqrt(s2))")
	const chains = 4
	m, prog := compileSrc(t, src, seriesCSV(15, 2), chains)
	checkCompiled(t, m, prog, chains, 0.5, 9)
}

// TestARMAMatchesHandWritten checks the ARMA(1,1) recurrence against the log density written
// out with package math (the Stan User's Guide's ARMA(1,1) model, "Time-Series Models":
// nu[1] = mu + phi·mu, err[1] = y[1] − nu[1], nu[t] = mu + phi·y[t−1] + theta·err[t−1],
// err[t] = y[t] − nu[t], y ~ normal(nu, sigma)); here the recurrence is on nu, with
// err[t−1] = y[t−1] − nu[t−1].
func TestARMAMatchesHandWritten(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		"param mu ~ Normal(0, 10)",
		"param phi ~ Normal(0, 2)",
		"param theta ~ Normal(0, 2)",
		"param sigma ~ HalfCauchy(5)",
		"let nu[N] = recur(mu + phi * mu, t: mu + phi * y[t-1] + theta * (y[t-1] - nu[t-1]))",
		"y ~ Normal(nu, sigma)")
	csv := seriesCSV(40, 3)
	m, prog := compileSrc(t, src, csv, 1)
	var y []float64
	for _, line := range strings.Split(strings.TrimSpace(csv), "\n")[1:] {
		var v, x float64
		fmt.Sscanf(line, "%g,%g", &v, &x)
		y = append(y, v)
	}
	theta := []float64{0.2, 0.5, -0.3, math.Log(0.7)}
	lp, g := []float64{0}, make([]float64, 4)
	if err := prog.LogDensityGrad(theta, lp, g); err != nil {
		t.Fatal(err)
	}
	mu, phi, th, sigma := theta[0], theta[1], theta[2], 0.7
	normal := func(x, m, s float64) float64 { return -0.5*math.Log(2*math.Pi) - math.Log(s) - 0.5*(x-m)*(x-m)/(s*s) }
	want := normal(mu, 0, 10) + normal(phi, 0, 2) + normal(th, 0, 2) +
		math.Log(2) - math.Log(math.Pi*5) - math.Log1p(sigma*sigma/25) + math.Log(sigma) // half-Cauchy with its Jacobian
	e := y[0] - (mu + phi*mu)
	want += normal(e, 0, sigma)
	for i := 1; i < len(y); i++ {
		e = y[i] - (mu + phi*y[i-1] + th*e)
		want += normal(e, 0, sigma)
	}
	if !relClose(lp[0], want, 1e-12) {
		t.Errorf("log density %.15g, hand-written %.15g", lp[0], want)
	}
	_ = m
}

// TestRecurrenceOutputs checks that a recurrence depending on parameters is reported, element
// by element, with the values the reference evaluator gives.
func TestRecurrenceOutputs(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		"param rho ~ Normal(0, 1)",
		"let x[N] = recur(1, t: rho * x[t-1] + y[t])",
		"y ~ Normal(x, 1)")
	m, _ := compileSrc(t, src, "y,z\n1,0\n2,0\n3,0\n", 1)
	names := OutputNames(m)
	if got := strings.Join(names, ","); got != "rho,x.1,x.2,x.3" {
		t.Fatalf("outputs %s", got)
	}
	out := make([]float64, len(names))
	if err := Outputs(m, []float64{0.5}, out); err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, 1, 0.5*1 + 2, 0.5*2.5 + 3}
	for i := range want {
		if math.Abs(out[i]-want[i]) > 1e-15 {
			t.Errorf("%s = %g, want %g", names[i], out[i], want[i])
		}
	}
	_ = ir.Sizes{}
}

// TestRecurrenceChainsIndependent: splitting the chains of the GARCH(1,1) model across
// goroutines (each with its own recurrence kernel) gives every chain the log density and
// gradient of one graph for all chains, to rounding (the density kernels may group their sums
// by batch), twice in a row: the kernel keeps no state across chains or calls.
func TestRecurrenceChainsIndependent(t *testing.T) {
	const chains = 7
	m, single := compile(t, "../models/garch11.model", "../models/garch11.csv", chains)
	par, err := LowerParallel(m, chains, 3)
	if err != nil {
		t.Fatal(err)
	}
	dim := m.Dim()
	rng := rand.New(rand.NewPCG(5, 6))
	for point := 0; point < 4; point++ {
		theta := randomTheta(rng, chains, dim, 0.5)
		if point == 3 {
			theta = randomTheta(rand.New(rand.NewPCG(5, 6)), chains, dim, 0.5) // the first again
		}
		lp1, g1 := make([]float64, chains), make([]float64, chains*dim)
		lp2, g2 := make([]float64, chains), make([]float64, chains*dim)
		if err := single.LogDensityGrad(theta, lp1, g1); err != nil {
			t.Fatal(err)
		}
		if err := par.LogDensityGrad(theta, lp2, g2); err != nil {
			t.Fatal(err)
		}
		for c := range lp1 {
			if math.Abs(lp1[c]-lp2[c]) > 1e-13*math.Abs(lp1[c]) || math.IsInf(lp1[c], 0) {
				t.Errorf("point %d chain %d: log density %v in one graph, %v split", point, c, lp1[c], lp2[c])
			}
		}
		for i := range g1 {
			if math.Abs(g1[i]-g2[i]) > 1e-12*(1+math.Abs(g1[i])) {
				t.Errorf("point %d gradient %d: %v in one graph, %v split", point, i, g1[i], g2[i])
			}
		}
	}
}

// TestTimeSeriesMatchStanGradients compares the compiled AR(2), ARMA(1,1) and GARCH(1,1) with
// Stan's own log density of bench/stan/ar2.stan, arma11.stan and garch11.stan
// (testdata/reference/gradients.csv, written by bench/stan/gradients.R with rstan's
// grad_log_prob at two unconstrained points): the gradients at each point, and the difference of
// the log densities between the points (Stan's `~` drops constants, which cancel there).
func TestTimeSeriesMatchStanGradients(t *testing.T) {
	tab := readRefTable(t, "../testdata/reference/gradients.csv")
	points := [][]float64{{0.1, -0.5, 0.3, -0.2}, {-0.4, 0.8, -1.1, 0.6}}
	stan := map[string][][]float64{} // model -> point -> lp, gradient...
	for i, model := range tab.cols["model"] {
		p, _ := strconv.Atoi(tab.cols["point"][i])
		v, err := strconv.ParseFloat(tab.cols["value"][i], 64)
		if err != nil {
			t.Fatal(err)
		}
		for len(stan[model]) < p {
			stan[model] = append(stan[model], nil)
		}
		stan[model][p-1] = append(stan[model][p-1], v)
	}
	for _, name := range []string{"ar2", "arma11", "garch11"} {
		m, prog := compile(t, "../models/"+name+".model", "../models/"+name+".csv", 1)
		if m.Dim() != 4 || len(stan[name]) != 2 {
			t.Fatalf("%s: %d coordinates, %d Stan points", name, m.Dim(), len(stan[name]))
		}
		var lp [2]float64
		for p, theta := range points {
			got, g := []float64{0}, make([]float64, 4)
			if err := prog.LogDensityGrad(theta, got, g); err != nil {
				t.Fatal(err)
			}
			lp[p] = got[0]
			for k := range g {
				if want := stan[name][p][1+k]; math.Abs(g[k]-want) > 1e-9*(1+math.Abs(want)) {
					t.Errorf("%s point %d: gradient %d is %.12g, Stan's %.12g", name, p+1, k, g[k], want)
				}
			}
		}
		got, want := lp[1]-lp[0], stan[name][1][0]-stan[name][0][0]
		if math.Abs(got-want) > 1e-9*(1+math.Abs(want)) {
			t.Errorf("%s: log density difference %.12g, Stan's %.12g", name, got, want)
		}
	}
}
