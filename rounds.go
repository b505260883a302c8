package hmcc

import (
	"math"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// Round is one --target-ess check: after Draws iterations per chain, the smallest bulk- and
// tail-ESS over every quantity, how many problems the verdict found and how many of those more
// draws cannot clear (Persistent: divergences, low E-BFMI, tree-depth hits), and whether the
// target was reached with a clean verdict.
type Round struct {
	Draws            int
	MinBulk, MinTail float64
	Problems         int
	Persistent       int
	Reached          bool
}

// Stuck says the round reached the ESS target with no problem left that more draws could clear,
// but with persistent ones: the rounds stop there instead of drawing on to the cap, since
// divergences only accumulate. The verdict then reports them.
func (r Round) Stuck(target int) bool {
	t := float64(target)
	return !r.Reached && r.MinBulk >= t && r.MinTail >= t && r.Problems == r.Persistent
}

// roundGrowth caps how much one round may multiply the draws made so far, so that an ESS
// estimated from few draws is checked again before the run commits to a long round.
const roundGrowth = 4

// more judges the draws so far (done iterations per chain, the rows kept) as the end of the
// run would: it returns 0 when the minimum bulk- and tail-ESS reach the target with a clean
// verdict (R-hat, or nested R-hat with superchains; divergences; E-BFMI; tree depth), when they
// reach it and only problems that more draws cannot clear are left (Round.Stuck), or when the cap
// is reached, and otherwise how many iterations the next round makes: enough for the target at
// the ESS per draw seen so far, plus 10%, or half the draws so far when only the verdict (not
// the ESS) is short, within the cap.
func (s *sink) more(done int) int {
	names := append([]string{"lp__"}, s.names...)
	rows, err := summary.Compute(s.store, s.kept, names, SuperchainIDs(s.chains, s.superchains))
	if err != nil {
		return 0
	}
	energies, err := s.store.Energies(s.kept)
	if err != nil {
		return 0
	}
	res := &runtime.Result{DrawsDone: s.kept, Divergences: s.divergences}
	if s.nuts {
		res.MaxTreeDepthHits = s.depthHits
	}
	problems, persistent := summary.ProblemsPersistent(rows, summary.Run{Result: res, Chains: s.chains, Superchains: s.superchains, Energies: energies})
	bulk, tail := summary.MinESS(rows)
	target := float64(s.target)
	r := Round{Draws: done, MinBulk: bulk, MinTail: tail, Problems: len(problems), Persistent: persistent}
	r.Reached = len(problems) == 0 && bulk >= target && tail >= target
	s.rounds = append(s.rounds, r)
	if r.Reached || r.Stuck(s.target) || done >= s.maxDraws {
		return 0
	}
	factor := 1.5
	if m := math.Min(bulk, tail); m < target {
		factor = math.Max(factor, 1.1*target/math.Max(m, 1))
	}
	factor = math.Min(factor, roundGrowth)
	extra := int(math.Ceil(float64(done) * (factor - 1)))
	return max(min(extra, s.maxDraws-done), 0)
}
