package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"
	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/runtime"
)

// warmup is --warmup: a number of iterations, or auto (at most autoWarmupCap).
type warmup struct {
	N    int
	Auto bool
}

// autoWarmupCap is --warmup auto's most iterations: Stan's default length, so auto never warms
// up for longer than a fixed default would.
const autoWarmupCap = 1000

// Decode reads --warmup's value (kong.MapperValue).
func (w *warmup) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("warmup", &s); err != nil {
		return err
	}
	if strings.TrimSpace(s) == "auto" {
		*w = warmup{N: autoWarmupCap, Auto: true}
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("expected a whole number of iterations or auto but got %q", s)
	}
	*w = warmup{N: n}
	return nil
}

// warmupAutoLine says how --warmup auto went: where adaptation settled, or that it ran to the cap.
func warmupAutoLine(res *runtime.Result) string {
	var b strings.Builder
	if res.WarmupSettled {
		fmt.Fprintf(&b, "auto: settled, %d iterations", res.WarmupDone)
	} else {
		fmt.Fprintf(&b, "auto: did not settle, ran the cap of %d iterations", res.WarmupDone)
	}
	b.WriteString(" (at each metric window's end: largest split R-hat over the window, step size / previous window's")
	for _, c := range res.WarmupChecks {
		fmt.Fprintf(&b, "; %d: %.3f, %.2f", c.Iter, c.Rhat, c.StepRatio)
		if c.Strays {
			b.WriteString(" stray chains")
		}
	}
	b.WriteString(")")
	return b.String()
}

// targetLine says how --target-ess went: the rounds, and whether the target was reached.
func targetLine(target int, fit *hmcclib.Fit) string {
	var b strings.Builder
	last := hmcclib.Round{}
	if n := len(fit.Rounds); n > 0 {
		last = fit.Rounds[n-1]
	}
	switch {
	case fit.TargetReached:
		fmt.Fprintf(&b, "target ESS %d: reached after %d draws per chain in %d round(s)", target, last.Draws, len(fit.Rounds))
	case last.Stuck(target):
		fmt.Fprintf(&b, "target ESS %d: ESS reached after %d draws per chain in %d round(s), but the verdict is not clean: %d problem(s) that more draws do not fix (the verdict above says what to do)", target, last.Draws, len(fit.Rounds), last.Persistent)
	default:
		fmt.Fprintf(&b, "target ESS %d: NOT reached: stopped at %d draws per chain (--max-draws, or interrupted) after %d round(s)", target, last.Draws, len(fit.Rounds))
	}
	for _, r := range fit.Rounds {
		fmt.Fprintf(&b, "; %d draws: min bulk-ESS %.0f, tail-ESS %.0f, %d problem(s)", r.Draws, r.MinBulk, r.MinTail, r.Problems)
	}
	b.WriteString(" (the criterion above)")
	return b.String()
}

// pathfinderMinDim is the fewest unconstrained coordinates for which hmcc run starts from
// Pathfinder draws by default. Pathfinder costs a few thousand log density evaluations whatever
// the model: on the small bundled models (4–10 coordinates) that was 4–33 % of a default run and
// uniform starts needed fewer gradients per ESS in 7 of 8 runs; from 27 coordinates up the
// gradients per ESS were about the same on average (geometric mean of the ratio 1.08 over 11 runs,
// scattering 0.69–2.6) and 21 % fewer on German credit (bench/init_compare.sh, docs/samplers.md).
const pathfinderMinDim = 20

// defaultInit is hmcc run's start when --init is not given: "pathfinder" from pathfinderMinDim
// coordinates, otherwise "uniform" (the header's init says which; a line on every small model's
// run would only repeat the documented rule).
func defaultInit(dim int) string {
	if dim >= pathfinderMinDim {
		return "pathfinder"
	}
	return "uniform"
}
