package hmcc

import (
	"context"
	"testing"
)

// Breast cancer's horseshoe at the defaults (4 chains, ChEES, Pathfinder starts, --metric auto)
// with seed 1: auto's trial found the dense estimate's step size twice the diagonal's in the
// last metric window only (gains by window 1, 2, 2, 1, 2), took the dense metric, and the chains
// then diverged and hardly moved (min bulk-ESS 12 in 4,000 draws, R-hat 1.28); with the
// diagonal metric min bulk-ESS is 600 to 860 (docs/samplers.md). Auto now wants a gain of more
// than one doubling (2.5×) in two windows in a row. The check is min bulk-ESS over every quantity in 4 × 400 draws: about 240
// expected when the chains mix as with the diagonal metric, about 5 as they did.
func TestAutoMetricBreastCancerMixes(t *testing.T) {
	if testing.Short() {
		t.Skip("samples breast cancer for ~10 s")
	}
	m, err := CompileFile("models/sparse_logistic.model", File("models/breast_cancer.csv"))
	if err != nil {
		t.Fatal(err)
	}
	const chains, draws = 4, 400
	fit, err := m.Sample(context.Background(), Target{Chains: chains}, Config{Seed: 1, Draws: draws, InitPathfinder: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fit.Close()
	rows, _, err := fit.Summary(chains, 0)
	if err != nil {
		t.Fatal(err)
	}
	worst := rows[0]
	for _, r := range rows {
		if r.EssBulk < worst.EssBulk {
			worst = r
		}
	}
	t.Logf("min bulk-ESS %.0f (%s), dense metric %v, trials %v, %d gradients", worst.EssBulk, worst.Name,
		fit.Result.DenseInvMetric != nil, fit.Result.MetricTrials, fit.Result.Gradients)
	if worst.EssBulk < 100 {
		t.Errorf("min bulk-ESS %.0f (%s) in %d×%d draws; dense metric %v, auto's trials (diag, dense step size) %v",
			worst.EssBulk, worst.Name, chains, draws, fit.Result.DenseInvMetric != nil, fit.Result.MetricTrials)
	}
}
