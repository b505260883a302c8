package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// --init pathfinder: with no warmup and one draw, every chain's first draw is one transition from
// a Pathfinder draw, near the posterior (sigma about 18, posterior sd 0.6), not from uniform(−2, 2)
// on the log scale (sigma between 0.14 and 7.4).
func TestRunInitPathfinder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pf")
	code, stdout, stderr := hmcc(t, "run", "../../models/kidiq.model", "../../models/kidiq.csv", "--init", "pathfinder",
		"--warmup", "0", "--draws", "1", "--output-dir", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "--init pathfinder") {
		t.Errorf("unexpected fallback: %s", stderr)
	}
	for c, v := range readChainDraws(t, out)["sigma"] {
		if v[0] < 14 || v[0] > 23 {
			t.Errorf("chain %d: sigma %g one transition from a Pathfinder start", c+1, v[0])
		}
	}
}
