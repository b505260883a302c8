package hmcc_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// Fit.Summary, computed from the draws in memory, is the summary hmcc summary computes from the
// chain files written (the same rows, thinned, and the same superchains and energies).
func TestFitSummaryMatchesTheFiles(t *testing.T) {
	m, err := hmcc.CompileFile(schoolsModel, hmcc.File(schoolsData))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := hmcc.OpenOutputDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cfg := hmcc.Config{Warmup: 100, Draws: 40, Seed: 3, Sampler: "nuts", Thin: 2, Superchains: 2,
		Output: &hmcc.Output{Dir: out, Header: cmdstan.Config{Model: "eight_schools.model"}}}
	fit, err := m.Sample(context.Background(), hmcc.Target{Chains: 4, Threads: 1}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fit.Close()
	rows, run, err := fit.Summary(4, 0)
	if err != nil {
		t.Fatal(err)
	}
	set, err := cmdstan.ReadChainDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, wantRun, err := summary.Resummarize(set.Files, hmcc.SuperchainIDs(4, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || !reflect.DeepEqual(rows, want) {
		t.Errorf("rows from memory %v\nfrom the files %v", rows, want)
	}
	if run.Chains != 4 || run.Superchains != 2 || run.DrawsDone != 20 || !reflect.DeepEqual(run.Energies, wantRun.Energies) {
		t.Errorf("run %d chains, %d superchains, %d draws; energies equal %v", run.Chains, run.Superchains, run.DrawsDone, reflect.DeepEqual(run.Energies, wantRun.Energies))
	}
}
