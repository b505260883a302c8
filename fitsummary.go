package hmcc

import (
	"time"

	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// Summary computes the fit's summary table and what the verdict needs (summary.Print), from
// the rows kept (thinned) as hmcc summary computes them reading the files back. chains is the
// run's Target.Chains; elapsed, the time the caller reports the run took.
func (f *Fit) Summary(chains int, elapsed time.Duration) ([]summary.Row, summary.Run, error) {
	n := f.Result.DrawsDone
	rows, err := summary.Compute(f.store, n, f.names, SuperchainIDs(chains, f.Superchains))
	if err != nil {
		return nil, summary.Run{}, err
	}
	energies, err := f.store.Energies(n)
	if err != nil {
		return nil, summary.Run{}, err
	}
	return rows, summary.Run{Result: f.Result, Chains: chains, Superchains: f.Superchains, Energies: energies, Elapsed: elapsed}, nil
}
