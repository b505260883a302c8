package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	hmcclib "github.com/hmcc-dev/hmcc"
)

// Bounds on the numeric flags beyond which a run cannot be meant: chains × draws × quantities
// then overflows counters long before any machine could hold the output.
const (
	maxIterations = 1_000_000_000
	maxThreads    = 4096
	maxSteps      = 1 << 20
)

// validateNumbers checks every numeric flag of hmcc run before anything is read or written: NaN
// and ±Inf slip through "x <= 0" style tests, so each bound is written as "must hold", and every
// message shows a form of the flag that works.
func (r *runCmd) validateNumbers() error {
	for _, f := range []struct {
		flag    string
		v, lo   int
		hi      int
		example string
	}{
		{"--chains", r.Chains, 1, math.MaxInt32, "--chains 4"},
		{"--warmup", r.Warmup.N, 0, maxIterations, "--warmup 1000"},
		{"--target-ess", r.TargetESS, 0, maxIterations, "--target-ess 1000"},
		{"--draws", r.Draws, 1, maxIterations, "--draws 1000"},
		{"--max-steps", r.MaxSteps, 1, maxSteps, "--max-steps 1024"},
		{"--max-treedepth", r.MaxTreedepth, 1, 30, "--max-treedepth 10"},
		{"--threads", r.Threads, 1, maxThreads, "--threads 2"},
	} {
		if f.v < f.lo || f.v > f.hi {
			return fmt.Errorf("%s must be a whole number from %d to %d, got %d; e.g. %s", f.flag, f.lo, f.hi, f.v, f.example)
		}
	}
	if r.MaxDraws != 0 && (r.TargetESS == 0 || r.MaxDraws < r.Draws || r.MaxDraws > maxIterations) {
		return fmt.Errorf("--max-draws caps --target-ess's rounds: give it with --target-ess, from --draws (%d) to %d, got %d; e.g. --target-ess 1000 --max-draws 10000", r.Draws, maxIterations, r.MaxDraws)
	}
	if !(r.TargetAccept > 0 && r.TargetAccept < 1) {
		return fmt.Errorf("--target-accept must be a number strictly between 0 and 1, got %g; e.g. --target-accept 0.9", r.TargetAccept)
	}
	if !(r.PathLength > 0 && r.PathLength <= 1e6) {
		return fmt.Errorf("--path-length must be a positive number of posterior standard deviations, at most 1e6, got %g; e.g. --path-length 3", r.PathLength)
	}
	return hmcclib.CheckFileLimit(r.Chains)
}

// flagExamples are working forms of the numeric flags, shown when a value cannot be parsed.
var flagExamples = map[string]string{
	"chains": "--chains 4", "warmup": "--warmup 1000 or --warmup auto", "target-ess": "--target-ess 1000", "max-draws": "--max-draws 10000", "draws": "--draws 1000", "seed": "--seed 1",
	"target-accept": "--target-accept 0.9", "path-length": "--path-length 3", "max-steps": "--max-steps 1024",
	"max-treedepth": "--max-treedepth 10", "threads": "--threads 2", "superchains": "--superchains 4",
}

// parseErrorHint adds a working form to the parser's "--draws: expected a valid 64 bit int but
// got "1e10"" (whole numbers are written out, e.g. --draws 1000).
func parseErrorHint(msg string) string {
	flag, _, ok := strings.Cut(strings.TrimPrefix(msg, "--"), ":")
	ex, known := flagExamples[flag]
	if !strings.HasPrefix(msg, "--") || !ok || !known {
		return ""
	}
	if strings.Contains(msg, " int ") || strings.Contains(msg, " uint ") {
		return fmt.Sprintf("; %s takes a whole number written out in digits, e.g. %s", "--"+flag, ex)
	}
	return fmt.Sprintf("; e.g. %s", ex)
}

// joinNegativeValues rewrites "--flag -3" as "--flag=-3" so that a negative number given to a
// numeric flag reaches the flag's own check ("--chains must be ... got -3; e.g. --chains 4")
// instead of the parser's "expected int value but got "-3" (short flag)".
func joinNegativeValues(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if strings.HasPrefix(a, "--") && !strings.Contains(a, "=") && i+1 < len(args) && strings.HasPrefix(args[i+1], "-") {
			// --shard -1/4 likewise reaches --shard's own message.
			if _, err := strconv.ParseFloat(args[i+1], 64); err == nil || strings.EqualFold(args[i+1], "-inf") || a == "--shard" && args[i+1] != "-" && !strings.HasPrefix(args[i+1], "--") {
				out = append(out, a+"="+args[i+1])
				i++
				continue
			}
		}
		out = append(out, a)
	}
	return out
}
