// Package summary turns a run's draws into what hmcc prints at its end and writes to summary.csv:
// one row of posterior summary and convergence diagnostics per quantity (package diagnostics
// computes them), and a verdict that names each problem found with what to do about it. The
// same functions serve a run that has just finished and a run read back from its chain CSVs
// (Resummarize).
package summary

import (
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
	"golang.org/x/sync/errgroup"
)

// Row is one quantity's line of the summary.
type Row struct {
	Name string // as Stan names the element: theta[1]
	diagnostics.Summary
	RhatNested float64 // 0 unless the run used superchains
}

// Draws gives the first n draws of quantity q, indexed [chain][iteration] (package draws' Store
// is one).
type Draws interface {
	Quantity(q, n int) ([][]float64, error)
}

// Compute computes the posterior summary of the first n draws of every quantity; superchains,
// when set, gives each chain's superchain for nested R-hat. Quantities are summarised on every
// core at once: the rank-normalised diagnostics of 64 chains × 1000 draws take about 0.1 s per
// quantity, which for a model with 70 quantities is seconds at the end of a run. Each worker holds
// one quantity's draws, so memory stays bounded by the number of cores.
func Compute(d Draws, n int, names []string, superchains []int) ([]Row, error) {
	rows := make([]Row, len(names))
	var next atomic.Int64
	var g errgroup.Group
	for range min(goruntime.GOMAXPROCS(0), len(names)) {
		g.Go(func() error {
			for q := int(next.Add(1) - 1); q < len(names); q = int(next.Add(1) - 1) {
				chains, err := d.Quantity(q, n)
				if err != nil {
					return err
				}
				rows[q] = Row{Name: StanName(names[q])}
				if n > 0 {
					rows[q].Summary = diagnostics.Summarize(chains)
					if superchains != nil {
						rows[q].RhatNested = diagnostics.RhatNested(chains, superchains)
					}
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return rows, nil
}

// StanName writes a CSV column's name as Stan, posterior and stansummary name the element:
// theta.1 → theta[1], X.2.3 → X[2,3].
func StanName(column string) string {
	base, idx, ok := strings.Cut(column, ".")
	if !ok {
		return column
	}
	return base + "[" + strings.ReplaceAll(idx, ".", ",") + "]"
}

// Run is what the verdict needs besides the rows: the sampler's result, how the chains were
// grouped, and each chain's energy__ draws for E-BFMI.
type Run struct {
	*runtime.Result
	Chains      int
	Superchains int         // 0: none; else the verdict judges nested R-hat
	Energies    [][]float64 // each chain's energy__ draws (nil when there are none)
	Elapsed     time.Duration
	// Shards is the number of shards of a merged run (hmcc summary DIR...) whose chains the
	// rows' nested R-hat groups as superchains, 0 otherwise. With Superchains 0 the verdict
	// judges split R-hat over all chains and nested R-hat over the shards; with Superchains set
	// (to Shards) it judges nested R-hat alone, as for many short chains.
	Shards int
	// Problems are found outside the draws (shards missing from a merge); the verdict lists
	// them first.
	Problems []string
}

// Print writes the summary table, a line on the run, and the verdict.
func Print(w io.Writer, rows []Row, run Run) {
	res, chains := run.Result, run.Chains
	nested := len(rows) > 0 && !math.IsNaN(rows[0].RhatNested) && rows[0].RhatNested != 0
	fmt.Fprintf(w, "%-16s %10s %9s %10s %10s %10s %6s %8s %8s %9s", "", "mean", "sd", "5%", "50%", "95%", "rhat", "ess_bulk", "ess_tail", "mcse_mean")
	if nested {
		fmt.Fprintf(w, " %11s", "rhat_nested")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "%-16s %10.4g %9.3g %10.4g %10.4g %10.4g %6.3f %8.0f %8.0f %9.2g",
			r.Name, r.Mean, r.SD, r.Q5, r.Q50, r.Q95, r.Rhat, r.EssBulk, r.EssTail, r.McseMean)
		if nested {
			fmt.Fprintf(w, " %11.3f", r.RhatNested)
		}
		fmt.Fprintln(w)
	}
	total := res.WarmupTime + res.SamplingTime
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, e := range res.StepSizes {
		lo, hi = math.Min(lo, e), math.Max(hi, e)
	}
	fmt.Fprintf(w, "\n%d chains, %d draws each; step sizes %.3g to %.3g", chains, res.DrawsDone, lo, hi)
	if res.TrajectoryLength > 0 {
		fmt.Fprintf(w, "; trajectory length %.3g", res.TrajectoryLength)
	}
	if res.DenseInvMetric != nil {
		fmt.Fprint(w, "; dense metric")
	}
	if res.Gradients > 0 {
		fmt.Fprintf(w, "; %d gradient evaluations", res.Gradients)
	}
	if res.MaskedFraction > 0 {
		fmt.Fprintf(w, " (%.1f%% spent on chains waiting for the batch)", 100*res.MaskedFraction)
	}
	fmt.Fprintf(w, "; warmup %.2fs, sampling %.2fs (total %.2fs)\n", res.WarmupTime.Seconds(), res.SamplingTime.Seconds(), run.Elapsed.Seconds())
	v := judge(rows, run)
	if !math.IsInf(v.minBulk, 1) && total > 0 {
		fmt.Fprintf(w, "min bulk-ESS %.0f, %.1f per second of sampling and warmup\n", v.minBulk, v.minBulk/total.Seconds())
	}
	fmt.Fprintf(w, "divergences: %d of %d post-warmup transitions\n", v.divergences, chains*res.DrawsDone)
	if k := run.Superchains; k > 0 && run.Shards > 0 {
		fmt.Fprintf(w, "criterion: nested R-hat ≤ 1.01 over the %d shards as superchains of %d chains (split R-hat is shown, not judged), bulk- and tail-ESS ≥ 100 per superchain\n", k, chains/k)
	} else if k > 0 {
		fmt.Fprintf(w, "criterion: nested R-hat ≤ 1.01 over %d superchains of %d chains started together (split R-hat is shown, not judged), bulk- and tail-ESS ≥ 100 per superchain\n", k, chains/k)
	} else if run.Shards > 0 {
		fmt.Fprintf(w, "criterion: split R-hat ≤ 1.01 over all %d chains and nested R-hat ≤ 1.01 over the %d shards as superchains of %d chains, bulk- and tail-ESS ≥ 100 per chain\n", chains, run.Shards, chains/run.Shards)
	} else {
		fmt.Fprintf(w, "criterion: split R-hat ≤ 1.01, bulk- and tail-ESS ≥ 100 per chain\n")
	}
	if len(v.problems) == 0 {
		if run.Superchains > 0 {
			fmt.Fprintf(w, "verdict: no problems found: every nested R-hat ≤ 1.01, bulk- and tail-ESS ≥ 100 per superchain, no divergences, E-BFMI ≥ 0.3 in every chain\n")
			return
		}
		if run.Shards > 0 {
			fmt.Fprintf(w, "verdict: no problems found: every R-hat and nested R-hat ≤ 1.01, bulk- and tail-ESS ≥ 100 per chain, no divergences, E-BFMI ≥ 0.3 in every chain\n")
			return
		}
		fmt.Fprintf(w, "verdict: no problems found: every R-hat ≤ 1.01, bulk- and tail-ESS ≥ 100 per chain, no divergences, E-BFMI ≥ 0.3 in every chain\n")
		return
	}
	fmt.Fprintf(w, "verdict: %d problem(s); do not trust these estimates until they are fixed:\n", len(v.problems))
	for _, p := range v.problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
}

// verdict is what the end of a run tells a person: the problems, with the numbers behind them
// and what to do.
type verdict struct {
	problems    []string
	minBulk     float64
	divergences int
	// persistent counts the problems that more draws of the same run cannot clear: the run's
	// own (Run.Problems), divergences, low E-BFMI and tree-depth hits are properties of the
	// sampler on this posterior, whereas R-hat and ESS problems shrink as draws accumulate.
	persistent int
}

func judge(rows []Row, run Run) verdict {
	res := run.Result
	v := verdict{minBulk: math.Inf(1), problems: append([]string(nil), run.Problems...), persistent: len(run.Problems)}
	chains := run.Chains
	// With superchains (many short chains) nested R-hat is the convergence criterion and the
	// ESS floor is per superchain; split R-hat of chains this short is shown but not judged.
	nested := run.Superchains > 0
	units := chains
	if nested {
		units = run.Superchains
	}
	var highRhat, lowESS, highNested []string
	maxRhat, maxNested := 0.0, 0.0
	for _, r := range rows {
		if r.Name != "lp__" && !math.IsNaN(r.EssBulk) {
			v.minBulk = math.Min(v.minBulk, r.EssBulk)
		}
		if !nested && (r.Rhat > 1.01 || math.IsNaN(r.Rhat) && r.SD > 0) {
			highRhat = append(highRhat, r.Name)
			maxRhat = math.Max(maxRhat, r.Rhat)
		}
		if r.EssBulk < 100*float64(units) || r.EssTail < 100*float64(units) {
			lowESS = append(lowESS, r.Name)
		}
		if r.RhatNested > 1.01 || nested && math.IsNaN(r.RhatNested) && r.SD > 0 {
			highNested = append(highNested, r.Name)
			maxNested = math.Max(maxNested, r.RhatNested)
		}
	}
	for _, n := range res.Divergences {
		v.divergences += n
	}
	if len(highRhat) > 0 {
		v.problems = append(v.problems, fmt.Sprintf("R-hat > 1.01 for %s (largest %.3f): the chains disagree, so they have not converged; run longer (--warmup, --draws) or reparameterise", list(highRhat), maxRhat))
	}
	if len(highNested) > 0 {
		if run.Shards > 0 {
			v.problems = append(v.problems, fmt.Sprintf("nested R-hat > 1.01 for %s (largest %.3f): the shards disagree, each having adapted on its own; run a longer warmup (--warmup) in every shard", list(highNested), maxNested))
		} else {
			v.problems = append(v.problems, fmt.Sprintf("nested R-hat > 1.01 for %s (largest %.3f): the superchains disagree; run a longer warmup", list(highNested), maxNested))
		}
	}
	if v.divergences > 0 {
		frac := float64(v.divergences) / float64(chains*res.DrawsDone)
		v.persistent++
		v.problems = append(v.problems, fmt.Sprintf("%d divergent transitions (%.2f%% of %d): the sampler met curvature it cannot follow and the draws may be biased there; reparameterise (a hierarchy with few data per group usually wants the non-centred form) or raise --target-accept (e.g. 0.95)", v.divergences, 100*frac, chains*res.DrawsDone))
	}
	if len(lowESS) > 0 {
		per := "chain"
		if nested {
			per = "superchain"
		}
		v.problems = append(v.problems, fmt.Sprintf("bulk- or tail-ESS below 100 per %s (%d) for %s (smallest bulk-ESS %.0f): estimates of these are noisy; draw more or use more chains", per, 100*units, list(lowESS), v.minBulk))
	}
	if low, min := lowEBFMI(run.Energies); len(low) > 0 {
		v.persistent++
		v.problems = append(v.problems, fmt.Sprintf("E-BFMI below 0.3 in chains %v (lowest %.2f): momentum resampling explores the energy distribution poorly, typical of heavy tails or funnels; reparameterise", low, min))
	}
	hits := 0
	for _, h := range res.MaxTreeDepthHits {
		hits += h
	}
	if hits > 0 {
		v.persistent++
		v.problems = append(v.problems, fmt.Sprintf("%d transitions hit the maximum tree depth: trajectories were cut short; raise --max-treedepth or reparameterise to reduce correlations", hits))
	}
	return v
}

// lowEBFMI returns the 1-based chains whose E-BFMI is below 0.3, and the smallest value.
func lowEBFMI(energies [][]float64) ([]int, float64) {
	var low []int
	min := math.Inf(1)
	for c, e := range energies {
		v := diagnostics.EBFMI(e)
		if math.IsNaN(v) {
			continue
		}
		min = math.Min(min, v)
		if v < 0.3 {
			low = append(low, c+1)
		}
	}
	return low, min
}

func list(names []string) string {
	const show = 8
	if len(names) <= show {
		return fmt.Sprint(names)
	}
	return fmt.Sprintf("%v and %d more", names[:show], len(names)-show)
}

// Problems lists what the verdict would name (none: the run is clean), as Print words them.
func Problems(rows []Row, run Run) []string { return judge(rows, run).problems }

// ProblemsPersistent is Problems with the number of them that more draws of the same run cannot
// clear (divergences, low E-BFMI, tree-depth hits and the run's own problems): --target-ess stops
// drawing once only those are left, since drawing on would change nothing but the run's length.
func ProblemsPersistent(rows []Row, run Run) ([]string, int) {
	v := judge(rows, run)
	return v.problems, v.persistent
}

// MinESS returns the smallest bulk- and tail-ESS over every quantity but lp__ (NaN ESS, of a
// quantity that does not vary, is left out), as --target-ess judges them.
func MinESS(rows []Row) (bulk, tail float64) {
	bulk, tail = math.Inf(1), math.Inf(1)
	for _, r := range rows {
		if r.Name == "lp__" {
			continue
		}
		if !math.IsNaN(r.EssBulk) {
			bulk = math.Min(bulk, r.EssBulk)
		}
		if !math.IsNaN(r.EssTail) {
			tail = math.Min(tail, r.EssTail)
		}
	}
	return bulk, tail
}
