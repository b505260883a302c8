package summary

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
)

func TestStanName(t *testing.T) {
	for in, want := range map[string]string{"mu": "mu", "theta.1": "theta[1]", "X.2.3": "X[2,3]", "lp__": "lp__"} {
		if got := StanName(in); got != want {
			t.Errorf("StanName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The verdict names every problem with its numbers: here R-hat, divergences, low ESS, low E-BFMI
// and tree-depth hits at once, each computed by hand from the inputs.
func TestVerdictNamesEveryProblem(t *testing.T) {
	rows := []Row{
		{Name: "lp__", Summary: diagnostics.Summary{SD: 1, Rhat: 1.0, EssBulk: 50, EssTail: 900}},
		{Name: "mu", Summary: diagnostics.Summary{SD: 1, Rhat: 1.05, EssBulk: 300, EssTail: 900}},
		{Name: "tau", Summary: diagnostics.Summary{SD: 1, Rhat: 1.001, EssBulk: 800, EssTail: 800}},
	}
	res := &runtime.Result{DrawsDone: 100, Divergences: []int{3, 1}, MaxTreeDepthHits: []int{0, 2},
		StepSizes: []float64{0.5, 0.25}, WarmupTime: time.Second, SamplingTime: time.Second}
	// Chain 1's energy alternates (E-BFMI 3); chain 2's rises steadily: E-BFMI 12/(n(n+1)), about 0.001.
	rise := make([]float64, 100)
	for i := range rise {
		rise[i] = float64(i)
	}
	var b strings.Builder
	Print(&b, rows, Run{Result: res, Chains: 2, Energies: [][]float64{{1, -1, 1, -1}, rise}, Elapsed: 3 * time.Second})
	low := diagnostics.EBFMI(rise)
	for _, want := range []string{
		"2 chains, 100 draws each; step sizes 0.25 to 0.5; warmup 1.00s, sampling 1.00s (total 3.00s)\n",
		"min bulk-ESS 300, 150.0 per second of sampling and warmup\n", // lp__ is left out of the minimum
		"divergences: 4 of 200 post-warmup transitions\n",
		"criterion: split R-hat ≤ 1.01, bulk- and tail-ESS ≥ 100 per chain\n",
		"verdict: 5 problem(s)",
		"  - R-hat > 1.01 for [mu] (largest 1.050)",
		"  - 4 divergent transitions (2.00% of 200)",
		"  - bulk- or tail-ESS below 100 per chain (200) for [lp__] (smallest bulk-ESS 300)",
		fmt.Sprintf("  - E-BFMI below 0.3 in chains [2] (lowest %.2f)", low),
		"  - 2 transitions hit the maximum tree depth",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	if low >= 0.3 {
		t.Fatalf("the rising energy's E-BFMI is %g, not low", low)
	}
}

// With superchains the verdict judges nested R-hat and the ESS floor per superchain, and shows
// split R-hat without judging it.
func TestVerdictWithSuperchains(t *testing.T) {
	rows := []Row{{Name: "mu", Summary: diagnostics.Summary{SD: 1, Rhat: 1.2, EssBulk: 500, EssTail: 500}, RhatNested: 1.002}}
	res := &runtime.Result{DrawsDone: 50, Divergences: make([]int, 8), StepSizes: []float64{1}}
	var b strings.Builder
	Print(&b, rows, Run{Result: res, Chains: 8, Superchains: 2})
	for _, want := range []string{" rhat_nested\n", "       1.002\n",
		"criterion: nested R-hat ≤ 1.01 over 2 superchains of 4 chains started together",
		"verdict: no problems found: every nested R-hat ≤ 1.01"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
}

// Resummarize reads back what Compute gives for the same draws, leaves out the sampler and
// log_lik columns, and counts divergences and tree-depth hits from the sampler columns.
func TestResummarize(t *testing.T) {
	const draws = 40
	cols := []string{"lp__", "divergent__", "treedepth__", "energy__", "mu", "log_lik.1"}
	files := make([]*cmdstan.File, 2)
	want := make([][][]float64, 2) // [quantity][chain][iteration]: lp__, mu
	for q := range want {
		want[q] = make([][]float64, len(files))
	}
	for ch := range files {
		f := &cmdstan.File{Config: map[string]string{"hmcc_log_lik": "1", "max_depth": "3"}, Columns: cols,
			StepSize: 0.1 * float64(ch+1), WarmupSeconds: 2, SamplingSeconds: 4}
		for it := range draws {
			x := math.Sin(float64(it*(ch+2))) + float64(ch)/10
			row := []float64{-x * x, float64(b2f(it%10 == ch)), float64(1 + it%4), float64(it % 7), x, 0}
			f.Draws = append(f.Draws, row)
			want[0][ch] = append(want[0][ch], row[0])
			want[1][ch] = append(want[1][ch], row[4])
		}
		files[ch] = f
	}
	rows, run, err := Resummarize(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Name != "lp__" || rows[1].Name != "mu" {
		t.Fatalf("rows %v, want lp__ and mu", rows)
	}
	for q, r := range rows {
		if s := diagnostics.Summarize(want[q]); !reflect.DeepEqual(r.Summary, s) && !(math.IsNaN(s.Rhat) && math.IsNaN(r.Rhat)) {
			t.Errorf("%s: %+v, want %+v", r.Name, r.Summary, s)
		}
	}
	if !reflect.DeepEqual(run.Divergences, []int{4, 4}) || !reflect.DeepEqual(run.MaxTreeDepthHits, []int{20, 20}) {
		t.Errorf("divergences %v, tree-depth hits %v; want 4 and 20 per chain", run.Divergences, run.MaxTreeDepthHits)
	}
	if run.DrawsDone != draws || run.Chains != 2 || run.WarmupTime != 2*time.Second || run.SamplingTime != 4*time.Second ||
		!reflect.DeepEqual(run.StepSizes, []float64{0.1, 0.2}) || len(run.Energies) != 2 || run.Energies[1][8] != 1 {
		t.Errorf("run %+v", run)
	}
	// Two superchains of one chain each: Print is told 2, and each row has nested R-hat.
	rows, run, _ = Resummarize(files, []int{0, 1})
	nested := diagnostics.RhatNested(want[1], []int{0, 1})
	if run.Superchains != 2 || rows[1].RhatNested != nested || nested == 0 || math.IsNaN(nested) {
		t.Errorf("superchains %d, nested R-hat %v; want 2 and %v", run.Superchains, rows[1].RhatNested, nested)
	}
}

func b2f(b bool) int {
	if b {
		return 1
	}
	return 0
}
