package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
)

type summaryRow struct {
	Name string
	diagnostics.Summary
}

// summarize computes the posterior summary of the first n draws of every quantity.
func summarize(d *drawStore, n int, names []string) []summaryRow {
	rows := make([]summaryRow, len(names))
	for q, name := range names {
		chains := make([][]float64, d.chains)
		for c := range chains {
			chains[c] = d.data[q][c][:n]
		}
		rows[q] = summaryRow{Name: name}
		if n > 0 {
			rows[q].Summary = diagnostics.Summarize(chains)
		}
	}
	return rows
}

var summaryHeader = []string{"name", "mean", "sd", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail", "mcse_mean"}

func (r summaryRow) values() []float64 {
	return []float64{r.Mean, r.SD, r.Q5, r.Q50, r.Q95, r.Rhat, r.EssBulk, r.EssTail, r.McseMean}
}

// writeSummaryCSV writes to a temporary file and renames it, so a crash leaves either the old
// summary or the new one, never half of one.
func writeSummaryCSV(path string, rows []summaryRow) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".summary-*.csv")
	if err != nil {
		return err
	}
	w := csv.NewWriter(tmp)
	w.Write(summaryHeader)
	for _, r := range rows {
		rec := []string{r.Name}
		for _, v := range r.values() {
			rec = append(rec, strconv.FormatFloat(v, 'g', 8, 64))
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func printSummary(w io.Writer, rows []summaryRow, res *runtime.Result, chains int, elapsed time.Duration) {
	fmt.Fprintf(w, "%-16s %10s %9s %10s %10s %10s %6s %8s %8s %9s\n",
		"", "mean", "sd", "5%", "50%", "95%", "rhat", "ess_bulk", "ess_tail", "mcse_mean")
	var notConverged, lowESS []string
	minBulk := math.Inf(1)
	for _, r := range rows {
		fmt.Fprintf(w, "%-16s %10.4g %9.3g %10.4g %10.4g %10.4g %6.3f %8.0f %8.0f %9.2g\n",
			r.Name, r.Mean, r.SD, r.Q5, r.Q50, r.Q95, r.Rhat, r.EssBulk, r.EssTail, r.McseMean)
		if r.Rhat > 1.01 {
			notConverged = append(notConverged, r.Name)
		}
		if r.EssBulk < 100*float64(chains) || r.EssTail < 100*float64(chains) {
			lowESS = append(lowESS, r.Name)
		}
		if r.Name != "lp__" && !math.IsNaN(r.EssBulk) {
			minBulk = math.Min(minBulk, r.EssBulk)
		}
	}
	div := 0
	for _, d := range res.Divergences {
		div += d
	}
	total := time.Duration(res.WarmupTime + res.SamplingTime)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, e := range res.StepSizes {
		lo, hi = math.Min(lo, e), math.Max(hi, e)
	}
	fmt.Fprintf(w, "\n%d chains, %d draws each; step sizes %.3g to %.3g; %d gradient evaluations; warmup %.2fs, sampling %.2fs (total %.2fs)\n",
		chains, res.DrawsDone, lo, hi, res.Gradients, res.WarmupTime.Seconds(), res.SamplingTime.Seconds(), elapsed.Seconds())
	if !math.IsInf(minBulk, 1) && total > 0 {
		fmt.Fprintf(w, "min bulk-ESS %.0f, %.1f per second of sampling and warmup\n", minBulk, minBulk/total.Seconds())
	}
	fmt.Fprintf(w, "divergences: %d of %d post-warmup transitions", div, chains*res.DrawsDone)
	if div > 0 {
		fmt.Fprintf(w, " (%.1f%%): the posterior has regions the sampler cannot follow; reparameterise (e.g. non-centred) or raise --target-accept", 100*float64(div)/float64(chains*res.DrawsDone))
	}
	fmt.Fprintln(w)
	if len(notConverged) > 0 {
		fmt.Fprintf(w, "warning: R-hat > 1.01 for %s: chains disagree; run longer or reparameterise\n", list(notConverged))
	}
	if len(lowESS) > 0 {
		fmt.Fprintf(w, "warning: ESS below 100 per chain for %s: estimates of these are noisy; draw more\n", list(lowESS))
	}
}

func list(names []string) string {
	const show = 8
	if len(names) <= show {
		return fmt.Sprint(names)
	}
	return fmt.Sprintf("%v and %d more", names[:show], len(names)-show)
}
