package cudagen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
)

// TestGPUCoverage: every distribution and every function and operator of ir's tables has either
// a CUDA lowering or an explicit CPU-only mark with a reason, and its mark agrees with this
// package: a row marked dist.OnGPU has its CUDA here (a device function taking as many
// parameters as the row has), a row marked CPU-only has none, and nothing here lacks a row.
func TestGPUCoverage(t *testing.T) {
	for _, p := range gpuCoverage() {
		t.Error(p)
	}
}

// gpuCoverage returns what TestGPUCoverage reports, one line a problem.
func gpuCoverage() []string {
	var problems []string
	errorf := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	check := func(what string, g dist.GPU, lowered bool) {
		switch {
		case g.CUDA && g.CPUOnly != "":
			errorf("%s is marked both on the GPU and CPU-only (%q)", what, g.CPUOnly)
		case !g.CUDA && g.CPUOnly == "":
			errorf("%s has neither a GPU lowering nor a CPU-only mark with a reason", what)
		case g.CUDA && !lowered:
			errorf("%s is marked on the GPU but compiler/cudagen has no lowering of it", what)
		case !g.CUDA && lowered:
			errorf("%s is marked CPU-only (%q) but compiler/cudagen has a lowering of it; mark it dist.OnGPU", what, g.CPUOnly)
		}
	}
	for _, name := range dist.Names() {
		d, _ := dist.Lookup(name)
		dc, ok := distributions[name]
		check("the distribution "+name, d.GPU, ok)
		if ok && dc.params != len(d.Params) {
			errorf("the CUDA of %s takes %d parameters, the row has %d", name, dc.params, len(d.Params))
		}
		if ok && !strings.Contains(dc.src, "hmcc_lpdf_"+name+"(") {
			errorf("the CUDA of %s does not define hmcc_lpdf_%s", name, name)
		}
	}
	for n := range distributions {
		if _, ok := dist.Lookup(n); !ok {
			errorf("compiler/cudagen has CUDA for %s, which is no distribution", n)
		}
	}
	unary := map[string]*ir.UnaryFunc{ir.Negate.Name: ir.Negate}
	for n, f := range ir.Funcs {
		unary[n] = f
	}
	for n, f := range unary {
		_, ok := unaryC[n]
		check("the function "+n, f.GPU, ok)
	}
	for n := range unaryC {
		if unary[n] == nil {
			errorf("compiler/cudagen lowers a function %s that ir has no row for", n)
		}
	}
	binary := map[string]*ir.BinaryOp{ir.LogSumExp2.Symbol: ir.LogSumExp2}
	for s, op := range ir.BinaryOps {
		binary[s] = op
	}
	for s, op := range binary {
		_, ok := binaryC[s]
		check("the operator "+s, op.GPU, ok)
	}
	for s := range binaryC {
		if binary[s] == nil {
			errorf("compiler/cudagen lowers an operator %s that ir has no row for", s)
		}
	}
	// The docs' list names every row.
	listed := map[string]bool{}
	for _, f := range supportFuncs() {
		listed[f.name] = true
	}
	for n := range ir.Funcs {
		if !listed["`"+n+"(x)`"] {
			errorf("docs/gpu.md's list has no row for the function %s", n)
		}
	}
	for s := range ir.BinaryOps {
		if !listed["`a "+s+" b`"] {
			errorf("docs/gpu.md's list has no row for the operator %s", s)
		}
	}
	return problems
}

// TestGPUCoverageFails: the check above is not vacuous. A row without a mark, one claiming a
// lowering that is missing, and one marked CPU-only that is lowered are each reported.
func TestGPUCoverageFails(t *testing.T) {
	d, _ := dist.Lookup("Normal")
	saved := *d
	defer func() { *d = saved }()
	for _, c := range []struct {
		name string
		gpu  dist.GPU
		drop bool
		want string
	}{
		{"no mark", dist.GPU{}, false, "the distribution Normal has neither a GPU lowering nor a CPU-only mark with a reason"},
		{"missing lowering", dist.OnGPU, true, "the distribution Normal is marked on the GPU but compiler/cudagen has no lowering of it"},
		{"lowered but CPU-only", dist.CPUOnly("test"), false, `the distribution Normal is marked CPU-only ("test") but compiler/cudagen has a lowering of it; mark it dist.OnGPU`},
	} {
		d.GPU = c.gpu
		src := distributions["Normal"]
		if c.drop {
			delete(distributions, "Normal")
		}
		got := gpuCoverage()
		distributions["Normal"] = src
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	*d = saved
	if got := gpuCoverage(); len(got) != 0 {
		t.Errorf("restored, still %q", got)
	}
}

// The support list in docs/gpu.md lies between these lines.
const (
	supportBegin = "<!-- the support list: generated from the dist and ir rows by compiler/cudagen.SupportMarkdown; HMCC_UPDATE_GOLDEN=1 go test -run TestGPUDoc ./compiler/cudagen/ rewrites it -->\n"
	supportEnd   = "<!-- end of the support list -->\n"
)

// TestGPUDoc holds docs/gpu.md's support list equal to the one the rows produce.
// HMCC_UPDATE_GOLDEN=1 rewrites it; review the diff.
func TestGPUDoc(t *testing.T) {
	const path = "../../docs/gpu.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, supportBegin), strings.Index(doc, supportEnd)
	if start < 0 || end < start {
		t.Fatalf("docs/gpu.md has no support list between\n%s and\n%s", supportBegin, supportEnd)
	}
	start += len(supportBegin)
	want := "\n" + SupportMarkdown() + "\n"
	if got := doc[start:end]; got != want {
		if os.Getenv("HMCC_UPDATE_GOLDEN") == "1" {
			if err := os.WriteFile(path, []byte(doc[:start]+want+doc[end:]), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Log("rewrote the support list of docs/gpu.md")
			return
		}
		t.Errorf("docs/gpu.md's support list is not the rows'; run\n"+
			"  HMCC_UPDATE_GOLDEN=1 go test -run TestGPUDoc ./compiler/cudagen/\ngot\n%s\nwant\n%s", got, want)
	}
}

// TestGPUMarksGenerate holds each function's and operator's mark to what Generate does with a
// model that calls it on a parameter: marked on the GPU, the CUDA is generated; marked CPU-only,
// Generate refuses it as Unsupported.
func TestGPUMarksGenerate(t *testing.T) {
	type use struct {
		stmt string
		gpu  dist.GPU
	}
	var uses []use
	for n, f := range ir.Funcs {
		uses = append(uses, use{"y ~ Normal(" + n + "(mu), 1)", f.GPU})
	}
	uses = append(uses, use{"y ~ Normal(-mu, 1)", ir.Negate.GPU})
	for s, op := range ir.BinaryOps {
		uses = append(uses, use{"y ~ Normal(mu " + s + " 2, 1)", op.GPU})
	}
	uses = append(uses, use{"y ~ Normal(log_sum_exp(mu, 1), 1)", ir.LogSumExp2.GPU})
	reductions := map[string]string{
		"sum":         "y ~ Normal(mu + sum(b), 1)",
		"mean":        "y ~ Normal(mu + mean(b), 1)",
		"dot":         "y ~ Normal(mu + dot(b, b), 1)",
		"transpose":   "y ~ Normal(mu + sum(transpose(X) @ (y * mu)), 1)",
		"ifelse":      "y ~ Normal(ifelse(y > 0, mu, 0), 1)",
		"log_sum_exp": "y ~ Normal(log_sum_exp(b), 1)",
		// the matrix functions, of parameters (of data they are folded when the data are bound)
		"diag_pre_multiply":  "y ~ Normal(X @ b + transpose(diag_pre_multiply(b, transpose(X))) @ b, 1)",
		"add_diag":           "y ~ Normal(add_diag(gp_exp_quad_cov(y, 1, 1), mu) @ y, 1)",
		"gp_exp_quad_cov":    "y ~ Normal(gp_exp_quad_cov(y, exp(mu), 1) @ y, 1)",
		"cholesky_decompose": "y ~ Normal(cholesky_decompose(add_diag(gp_exp_quad_cov(y, exp(mu), 1), 1)) @ y, 1)",
	}
	for n, r := range ir.Reductions {
		stmt, ok := reductions[n]
		if !ok {
			t.Errorf("no model calls %s here; add one to this test", n)
			continue
		}
		uses = append(uses, use{stmt, r.GPU})
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(data, []byte("y,x2\n1,0.5\n-2,1\n3,-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, u := range uses {
		model := filepath.Join(dir, "m.model")
		src := "data y[N] = column \"y\"\ndata X[N, 2] = columns \"y\", \"x2\"\nparam mu ~ Normal(0, 1)\nparam b[2] ~ Normal(0, 1)\n" + u.stmt + "\n"
		if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Generate(cudagentest.Load(t, model, data), Float64)
		var unsupported *Unsupported
		switch {
		case u.gpu.CUDA && err != nil:
			t.Errorf("%s: marked on the GPU, but %v", u.stmt, err)
		case !u.gpu.CUDA && !errors.As(err, &unsupported):
			t.Errorf("%s: marked CPU-only (%q), but Generate gave %v", u.stmt, u.gpu.CPUOnly, err)
		}
	}
}
