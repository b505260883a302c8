package cudagen

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
)

// TestNotOnGPUYet checks that ordered parameters, mixtures and log_sum_exp, which have no CUDA
// lowering yet, are refused by name when the GPU program is generated (docs/gpu.md lists them).
func TestNotOnGPUYet(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data := write("d.csv", "y\n0.5\n-1\n2\n")
	cases := []struct{ model, want string }{
		{"data y[N] = column \"y\"\nparam w[2] ~ Dirichlet(2)\nparam mu[2] ~ Normal(0, 5)\ny ~ Mixture(w, Normal(mu, 1))\n",
			"the GPU backend does not support the mixture at m.model:4:1 (Mixture(...)) yet; run this model on the CPU (--device cpu)"},
		{"data y[N] = column \"y\"\nparam mu[2] ~ Ordered(Normal(0, 5))\ny ~ Normal(sum(mu), 1)\n",
			"the GPU backend does not support the ordered parameter mu (Ordered(...)) yet; run this model on the CPU (--device cpu)"},
		{"data y[N] = column \"y\"\nparam a ~ Normal(0, 5)\nlet b = log_sum_exp(a, y)\ny ~ Normal(b, 1)\n",
			"the GPU backend does not support log_sum_exp yet; run this model on the CPU (--device cpu)"},
		{"data y[N] = column \"y\"\nparam tau[2] ~ HalfNormal(1)\nparam L[2, 2] ~ LKJCorrCholesky(2)\nparam b[2] ~ MultiNormalCholesky(0, diag_pre_multiply(tau, L))\ny ~ Normal(b[1], 1)\n",
			"the GPU backend does not support the correlation Cholesky factor L (LKJCorrCholesky) yet; run this model on the CPU (--device cpu)"},
		{"data y[N] = column \"y\"\nparam z[2, N] ~ Normal(0, 1)\ny ~ Normal(z[1, ], 1)\n",
			"the GPU backend does not support the matrix parameter z yet; run this model on the CPU (--device cpu)"},
		{"data y[N] = column \"y\"\nparam s ~ HalfNormal(1)\ny ~ MultiNormal(0, add_diag(gp_exp_quad_cov(y, 1, 1), s))\n",
			"the GPU backend does not support MultiNormal at m.model:3:1 yet; run this model on the CPU (--device cpu)"},
		{"data y[N] = column \"y\"\nparam a ~ HalfNormal(1)\ny ~ Normal(gp_exp_quad_cov(y, a, 1) @ y, 1)\n",
			"the GPU backend does not support @ of a matrix of parameters yet; run this model on the CPU (--device cpu)"},
		// whole-matrix arithmetic that depends on parameters, read by a column
		{"data y[N] = column \"y\"\nparam a ~ HalfNormal(1)\nlet M = a * gp_exp_quad_cov(y, 1, 1) - 1\ny ~ Normal(M[, 1], 1)\n",
			"the GPU backend does not support col of a matrix of parameters yet; run this model on the CPU (--device cpu)"},
	}
	for _, c := range cases {
		m := cudagentest.Load(t, write("m.model", c.model), data)
		_, err := Generate(m, Float64)
		var u *Unsupported
		if !errors.As(err, &u) || err.Error() != c.want {
			t.Errorf("got %v\nwant %s", err, c.want)
		}
	}
}

// TestObservedExpressionOnGPU: an observed expression of data is folded when the data are bound,
// so the GPU program is generated for it as for a data vector.
func TestObservedExpressionOnGPU(t *testing.T) {
	dir := t.TempDir()
	model, data := filepath.Join(dir, "m.model"), filepath.Join(dir, "d.csv")
	os.WriteFile(model, []byte("data y[N] = column \"y\"\nparam mu ~ Normal(0, 5)\nlog(y) ~ Normal(mu, 1)\n"), 0o644)
	os.WriteFile(data, []byte("y\n0.5\n1\n2\n"), 0o644)
	m := cudagentest.Load(t, model, data)
	if _, err := Generate(m, Float64); err != nil {
		t.Fatal(err)
	}
}
