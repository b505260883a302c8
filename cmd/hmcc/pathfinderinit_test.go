package main

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/optimize"
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

// When Pathfinder fails the run goes on from uniform(−2, 2) starts and says why.
func TestRunInitPathfinderFallsBack(t *testing.T) {
	saved := runPathfinder
	defer func() { runPathfinder = saved }()
	runPathfinder = func(optimize.LogDensity, int, int, optimize.PathfinderSettings, *rand.Rand) (*optimize.Result, error) {
		return nil, errors.New("every Pathfinder path failed; the first: path 1: test failure")
	}
	out := filepath.Join(t.TempDir(), "pf")
	code, stdout, stderr := hmcc(t, "run", "../../models/kidiq.model", "../../models/kidiq.csv", "--init", "pathfinder",
		"--warmup", "0", "--draws", "1", "--output-dir", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := "--init pathfinder: every Pathfinder path failed; the first: path 1: test failure; the chains start uniform(-2, 2)"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}
