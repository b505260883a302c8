package hmcc_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// --target-ess samples in rounds until the smallest bulk- and tail-ESS reach the target with a
// clean verdict; the chain files' headers then say how many draws were made (num_samples) and
// how long warmup was (num_warmup, chosen by auto warmup here), as CmdStan readers check, with
// the warmup rows written before warmup's length was known (SaveWarmup) or not.
func TestTargetESSRounds(t *testing.T) {
	m, err := hmcc.Compile("normal.model", `
data y[N] = column "y"
param mu ~ Normal(0, 10)
param sigma ~ Gamma(2, 1)
y ~ Normal(mu, sigma)
`, hmcc.Values("obs", map[string]any{"y": []float64{2.1, 3.4, 2.8, 3.9, 2.2, 1.7, 3.1}}))
	if err != nil {
		t.Fatal(err)
	}
	const target, chains = 1500, 4
	for _, saveWarmup := range []bool{false, true} {
		dir := t.TempDir()
		out, err := hmcc.OpenOutputDir(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		cfg := hmcc.Config{WarmupAuto: true, Draws: 100, TargetESS: target, MaxDraws: 5000, Seed: 2,
			Output: &hmcc.Output{Dir: out, SaveWarmup: saveWarmup}}
		fit, err := m.Sample(context.Background(), hmcc.Target{Chains: chains, Threads: 1}, cfg)
		out.Close()
		if err != nil {
			t.Fatal(err)
		}
		res := fit.Result
		last := fit.Rounds[len(fit.Rounds)-1]
		if !fit.TargetReached || len(fit.Rounds) < 2 || last.MinBulk < target || last.MinTail < target || last.Problems != 0 || res.DrawsDone != last.Draws {
			t.Fatalf("save warmup %v: reached %v after %d draws per chain; rounds %+v", saveWarmup, fit.TargetReached, res.DrawsDone, fit.Rounds)
		}
		for _, r := range fit.Rounds[:len(fit.Rounds)-1] {
			if r.Reached {
				t.Errorf("a round before the last reached the target: %+v", fit.Rounds)
			}
		}
		for c := 0; c < chains; c++ {
			f, err := cmdstan.ReadFile(filepath.Join(dir, fmt.Sprintf("output_%d.csv", c+1)))
			if err != nil {
				t.Fatal(err)
			}
			ns, _ := strconv.Atoi(strings.TrimSpace(f.Config["num_samples"]))
			nw, _ := strconv.Atoi(strings.TrimSpace(f.Config["num_warmup"]))
			if ns != len(f.Draws) || ns != res.DrawsDone || nw != res.WarmupDone {
				t.Errorf("save warmup %v, chain %d: num_samples %q, num_warmup %q; %d rows, %d draws, %d warmup iterations", saveWarmup, c+1, f.Config["num_samples"], f.Config["num_warmup"], len(f.Draws), res.DrawsDone, res.WarmupDone)
			}
			if saveWarmup && len(f.Warmup) != res.WarmupDone {
				t.Errorf("chain %d: %d warmup rows for a warmup of %d", c+1, len(f.Warmup), res.WarmupDone)
			}
		}
		fit.Close()
	}
}

// A target out of reach stops at MaxDraws and says it was not reached.
func TestTargetESSStopsAtTheCap(t *testing.T) {
	m, err := hmcc.CompileFile(schoolsModel, hmcc.File(schoolsData))
	if err != nil {
		t.Fatal(err)
	}
	fit, err := m.Sample(context.Background(), hmcc.Target{Chains: 2, Threads: 1},
		hmcc.Config{Warmup: 200, Draws: 50, TargetESS: 1e6, MaxDraws: 130, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fit.Close()
	if fit.TargetReached || fit.Result.DrawsDone != 130 || fit.Rounds[len(fit.Rounds)-1].Draws != 130 {
		t.Errorf("reached %v after %d draws, rounds %+v; want not reached at the cap of 130", fit.TargetReached, fit.Result.DrawsDone, fit.Rounds)
	}
	if d, err := fit.Draws("mu"); err != nil || len(d[0]) != 130 {
		t.Errorf("mu: %v draws per chain (%v); want 130", len(d[0]), err)
	}
}

// Divergences only accumulate as draws are added, so a target-ESS run whose ESS has reached the
// target with divergences as its only problems stops there and says so, rather than drawing on
// to --max-draws (before: German credit drew 10 × --draws at hmcc's defaults, 199 s, for its
// few divergences). Centred eight schools diverges in its funnel at every seed tried.
func TestTargetESSStopsWhenOnlyDivergencesAreLeft(t *testing.T) {
	m, err := hmcc.CompileFile("cmd/hmcc/testdata/eight_schools_centered.model", hmcc.File(schoolsData))
	if err != nil {
		t.Fatal(err)
	}
	const target, maxDraws = 300, 20000
	fit, err := m.Sample(context.Background(), hmcc.Target{Chains: 4, Threads: 1},
		hmcc.Config{Warmup: 500, Draws: 500, TargetESS: target, MaxDraws: maxDraws, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer fit.Close()
	last := fit.Rounds[len(fit.Rounds)-1]
	if fit.TargetReached || !last.Stuck(target) || last.Persistent == 0 || fit.Result.DrawsDone >= maxDraws {
		t.Fatalf("reached %v after %d draws per chain; rounds %+v; want stopped before %d with only divergences left", fit.TargetReached, fit.Result.DrawsDone, fit.Rounds, maxDraws)
	}
	t.Logf("rounds %+v", fit.Rounds)
	div := 0
	for _, d := range fit.Result.Divergences {
		div += d
	}
	if div == 0 {
		t.Errorf("stuck with %d persistent problems but no divergences", last.Persistent)
	}
}
