package main

import (
	"io"
	"time"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// The run's summary, verdict and summary.csv are package report's; these adapt the draw store.

func summarize(d *drawStore, n int, names []string, superchains []int) ([]summary.Row, error) {
	return summary.Compute(d, n, names, superchains)
}

func writeSummaryCSV(path string, rows []summary.Row) error { return summary.WriteCSV(path, rows) }

func printSummary(w io.Writer, rows []summary.Row, res *runtime.Result, d *drawStore, elapsed time.Duration) error {
	energies, err := d.energies(res.DrawsDone)
	if err != nil {
		return err
	}
	summary.Print(w, rows, summary.Run{Result: res, Chains: d.chains, Superchains: d.superchains, Energies: energies, Elapsed: elapsed})
	return nil
}
