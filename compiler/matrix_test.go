package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/ir"
)

// matrixCSV is a small table with a grouping of three groups, a predictor and a GP input.
func matrixCSV() string {
	rng := rand.New(rand.NewPCG(7, 15))
	var b strings.Builder
	b.WriteString("y,x,g,y1,y2,y3,count\n")
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "%.4f,%.3f,%d,%.4f,%.4f,%.4f,%d\n", rng.NormFloat64(), float64(i)/3, 1+i%3,
			rng.NormFloat64(), 1+rng.NormFloat64(), -1+rng.NormFloat64(), rng.IntN(6))
	}
	return b.String()
}

// TestMatrixModelsMatchEvalAndFiniteDifferences compiles models with every matrix operation and
// distribution of vectors and matrices and holds the graph's log density to the reference
// evaluator (ir.Eval with the dist rows) and its gradient to central finite differences,
// including the Cholesky backward pass, the correlation-Cholesky transform's Jacobian and the
// gradients of MultiNormal and MultiNormalCholesky in every argument.
func TestMatrixModelsMatchEvalAndFiniteDifferences(t *testing.T) {
	models := map[string]string{
		// correlated intercepts and slopes, non-centred through the Cholesky factor (K = 3: a
		// third, unused effect makes the LKJ factor 3×3)
		"correlated": `data y[N] = column "y"
data x[N] = column "x"
data g[N] = levels "g" as J
param mu[3]    ~ Normal(0, 2)
param tau[3]   ~ HalfNormal(1)
param L[3, 3]  ~ LKJCorrCholesky(1.5)
param z[3, J]  ~ Normal(0, 1)
param sigma    ~ HalfNormal(1)
let ab = diag_pre_multiply(tau, L) @ z
y ~ Normal(mu[1] + ab[1, g] + (mu[2] + ab[2, g]) * x + ab[3, 1] + sum(ab[, 2]), sigma)`,
		// a latent GP through the Cholesky factor of its covariance, Poisson counts
		"gp": `data x[N] = column "x"
data count[N] = column "count"
param rho   ~ InverseGamma(5, 5)
param alpha ~ HalfNormal(1)
param a     ~ Normal(0, 1)
param eta[N] ~ Normal(0, 1)
let f = cholesky_decompose(add_diag(gp_exp_quad_cov(x, alpha, rho), 1e-6)) @ eta
count ~ PoissonLog(a + f)`,
		// rows of a data matrix from a multivariate normal with unknown covariance
		"mvn_cholesky": `data Y[N, 3] = columns "y1", "y2", "y3"
param mu[3]   ~ Normal(0, 5)
param tau[3]  ~ HalfNormal(2)
param L[3, 3] ~ LKJCorrCholesky(2)
Y ~ MultiNormalCholesky(mu, diag_pre_multiply(tau, L))`,
		// the same through the covariance itself, built with transpose of a matrix of parameters
		"mvn": `data Y[N, 3] = columns "y1", "y2", "y3"
param mu[3]   ~ Normal(0, 5)
param tau[3]  ~ HalfNormal(2)
param L[3, 3] ~ LKJCorrCholesky(2)
let S = diag_pre_multiply(tau, L)
Y ~ MultiNormal(mu, S @ transpose(S))`,
		// whole-matrix arithmetic: matrices of parameters and of data element by element, with
		// scalars, negation and functions, feeding a product, a covariance and a likelihood
		"arithmetic": `data y[N] = column "y"
data Y[N, 3] = columns "y1", "y2", "y3"
param A[3, 3] ~ Normal(0, 1)
param B[3, 3] ~ Normal(0, 1)
param Z[N, 3] ~ Normal(Y / 2, 1 + A[1, 1]^2)
param s       ~ HalfNormal(1)
param mu[3]   ~ Normal(0, 2)
let C = A + B * s - A / (2 + exp(B)) - 0.5 * -B ^ 2
let R = (Y - Z) * s + 0.5 + 2 * Y / (1 + s)
let v = C @ mu
Y ~ MultiNormal(mu, add_diag(C @ transpose(C), 1 + s))
y ~ Normal(v[1] + R[, 2] + sum(R[, 1]) / 10, 1 + s)`,
		// MultiNormal as a prior, with a column of a data matrix and a vector likelihood
		"mvn_prior": `data y[N] = column "y"
data x[N] = column "x"
param tau[2]  ~ HalfNormal(1)
param L[2, 2] ~ LKJCorrCholesky(3)
param b[2]    ~ MultiNormalCholesky(0, diag_pre_multiply(tau, L))
param s       ~ HalfNormal(1)
y ~ Normal(b[1] + b[2] * x, s)`,
	}
	for name, src := range models {
		t.Run(name, func(t *testing.T) {
			m, prog := compileSrc(t, src+"\n", matrixCSV(), 3)
			checkCompiled(t, m, prog, 3, 0.8, 11)
		})
	}
}

// TestCorrCholeskyTransform: the transform gives a lower-triangular factor with unit rows, the
// inverse recovers the coordinates, and the log-Jacobian's gradient (forward tangents) agrees
// with central differences of the log-Jacobian.
func TestCorrCholeskyTransform(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, K := range []int{2, 3, 5} {
		m := K * (K - 1) / 2
		x := make([]float64, m)
		for i := range x {
			x[i] = 1.5 * rng.NormFloat64()
		}
		c := irCorrCholesky()
		L := make([]float64, K*K)
		lj := c.ConstrainAll(x, L)
		for i := 0; i < K; i++ {
			row := 0.0
			for j := 0; j < K; j++ {
				if j > i && L[i*K+j] != 0 {
					t.Fatalf("K=%d: L[%d,%d] = %v above the diagonal", K, i, j, L[i*K+j])
				}
				row += L[i*K+j] * L[i*K+j]
			}
			if math.Abs(row-1) > 1e-12 || L[i*K+i] <= 0 {
				t.Errorf("K=%d: row %d has squared length %v, diagonal %v", K, i, row, L[i*K+i])
			}
		}
		back := make([]float64, m)
		if err := c.UnconstrainAll(L, back); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			if math.Abs(back[i]-x[i]) > 1e-9 {
				t.Errorf("K=%d: coordinate %d: %v back as %v", K, i, x[i], back[i])
			}
		}
		g := make([]float64, m)
		if got := logJacobianOf(c, x, g); math.Abs(got-lj) > 1e-12 {
			t.Errorf("K=%d: log-Jacobian %v and %v", K, got, lj)
		}
		for i := range x {
			h := 1e-6
			x0 := x[i]
			x[i] = x0 + h
			up := logJacobianOf(c, x, nil)
			x[i] = x0 - h
			down := logJacobianOf(c, x, nil)
			x[i] = x0
			if fd := (up - down) / (2 * h); math.Abs(fd-g[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
				t.Errorf("K=%d: ∂ log J/∂x%d = %v, finite difference %v", K, i, g[i], fd)
			}
		}
	}
}

func irCorrCholesky() ir.Constraint { return ir.Constraint{Kind: ir.CorrCholesky} }

// logJacobianOf is the log-Jacobian of one parameter with constraint c at x, its gradient added
// into g (when not nil), through a model holding that parameter alone.
func logJacobianOf(c ir.Constraint, x, g []float64) float64 {
	K := 1
	for K*(K-1)/2 < len(x) {
		K++
	}
	m := &ir.Model{Params: []*ir.ParamVar{{Name: "L", Constraint: c, Len: len(x)}}, Sizes: ir.Sizes{}}
	if g != nil {
		clear(g)
	}
	return m.LogJacobian(x, g)
}
