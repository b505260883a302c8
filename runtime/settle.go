package runtime

import (
	"math"
	"slices"

	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
)

// Automatic warmup length (Config.WarmupAuto).
//
// Stan's windowed adaptation lays out a fixed schedule: metric windows of 25, 50, 100, …
// iterations between a 75-iteration initial buffer and a 50-iteration terminal buffer. Most of a
// 1000-iteration warmup is spent in the last, longest window, refining a metric that earlier
// windows often estimated well enough already, while on hard posteriors even 1000 iterations
// may not suffice. --warmup auto keeps Stan's doubling windows, laid out up to the cap, and after
// each metric window from the second on asks whether adaptation has settled. If it has, that
// window's estimate becomes the final metric and warmup ends after the terminal buffer; if it
// never does, warmup runs the cap's full schedule.
//
// Settled means all of:
//   - the chains agree: rank-normalised split R-hat (Vehtari et al. 2021) of the draws of the
//     window's second half (thinned to a memory budget) is at most settleRhat for the log density
//     and every unconstrained coordinate. This is the between-chain check Margossian et al. (2023, nested
//     R-hat) propose for deciding when many short chains are past warmup, applied to the chains
//     of a window; its draws are few, so the bar is looser than the 1.01 the final verdict
//     applies to the post-warmup draws, which remains the judge of the answer;
//   - no chain was stray (far below the others' log density) or moved during the window;
//   - the step size has stopped moving: the window's dual-averaged step size (the median over
//     the chains, or ChEES's shared one) is within a factor settleStep of the previous window's.
//     The step size is what the metric buys (with a metric that whitens the posterior, the
//     leapfrog steps per unit of integration time go as 1/ε, as in --metric auto's rule), so a
//     stable step size says the metric's change between windows no longer changes the cost of
//     sampling. (Hoffman & Sountsov's ChEES warmup likewise judges adaptation by the shared step
//     size and trajectory length reaching a steady state across many chains.)
const (
	settleRhat = 1.05
	settleStep = 1.25
)

// WarmupCheck is one --warmup auto check, at the end of a metric window.
type WarmupCheck struct {
	Iter      int     // 1-based iteration that ended the window
	Rhat      float64 // largest split R-hat over the window (log density and every coordinate)
	StepRatio float64 // the window's step size over the previous window's (0 at the first window)
	Strays    bool    // a chain was stray or moved during the window
	Settled   bool
}

// settler keeps the current metric window's draws of the log density and every coordinate,
// thinned so that at most settleBudget values are held, for rank-normalised split R-hat.
type settler struct {
	n, c     int
	stride   int         // keep every stride-th iteration of the window
	draws    [][]float64 // [coordinate 0..n-1, log density at n][chain*kept + k]
	kept     int         // iterations kept so far in this window
	strays   bool
	prevEps  float64
	checks   []WarmupCheck
	settleAt int // 0-based iteration whose window settled; -1 while none has
}

// settleBudget bounds the values a settler holds (8 bytes each): 512 chains of 1000 coordinates
// keep 8 iterations of a window, 4 chains of 50 all of them.
const settleBudget = 4 << 20

func newSettler(c, n int) *settler {
	return &settler{n: n, c: c, draws: make([][]float64, n+1), settleAt: -1}
}

func (s *settler) reset() {
	s.kept = 0
	s.strays = false
}

// add takes the positions and log densities of the iteration at place pos of a window of
// length size.
func (s *settler) add(pos, size int, st *State, good []bool) {
	if strays(good) > 0 {
		s.strays = true
	}
	// Only the window's second half is judged: its first iterations follow the step size's
	// re-initialisation after the metric update (dual averaging restarts from ten times the
	// heuristic's step size), a transient that says nothing about whether the chains agree.
	skip := size / 2
	if pos < skip {
		return
	}
	pos -= skip
	size -= skip
	if pos == 0 {
		per := s.c * (s.n + 1)
		keep := max(4, min(size, settleBudget/per))
		s.stride = (size + keep - 1) / keep
		keep = (size + s.stride - 1) / s.stride
		for j := range s.draws {
			if cap(s.draws[j]) < s.c*keep {
				s.draws[j] = make([]float64, s.c*keep)
			}
			s.draws[j] = s.draws[j][:s.c*keep]
		}
		s.kept = 0
	}
	if s.stride == 0 || pos%s.stride != 0 {
		return
	}
	keep := len(s.draws[0]) / s.c
	k := s.kept
	if k >= keep {
		return
	}
	for c := 0; c < s.c; c++ {
		for j := 0; j < s.n; j++ {
			s.draws[j][c*keep+k] = st.Pos[c*s.n+j]
		}
		s.draws[s.n][c*keep+k] = st.LogP[c]
	}
	s.kept++
}

// rhat is the largest rank-normalised split R-hat (Vehtari et al. 2021) over the coordinates
// and the log density, of the window's kept draws.
func (s *settler) rhat() float64 {
	if s.kept < 4 {
		return math.Inf(1)
	}
	keep := len(s.draws[0]) / s.c
	chains := make([][]float64, s.c)
	worst := 0.0
	for j := range s.draws {
		for c := range chains {
			chains[c] = s.draws[j][c*keep : c*keep+s.kept]
		}
		r := diagnostics.Rhat(chains)
		if math.IsNaN(r) {
			if constant(s.draws[j]) {
				continue // a coordinate no chain moved in: nothing to judge
			}
			return math.Inf(1)
		}
		worst = math.Max(worst, r)
	}
	return worst
}

func constant(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return true
}

// windowEnd judges the window that iteration it ended, given its adapted step size eps, and
// records the check.
func (s *settler) windowEnd(it int, eps float64) bool {
	chk := WarmupCheck{Iter: it + 1, Rhat: s.rhat(), Strays: s.strays}
	if s.prevEps > 0 && eps > 0 {
		chk.StepRatio = eps / s.prevEps
	}
	chk.Settled = !chk.Strays && chk.Rhat <= settleRhat && chk.StepRatio > 0 &&
		chk.StepRatio <= settleStep && chk.StepRatio >= 1/settleStep
	s.prevEps = eps
	s.checks = append(s.checks, chk)
	s.reset()
	return chk.Settled
}

// truncateAfter ends the schedule after the window that iteration it ended: that window becomes
// the last, and a terminal buffer of term iterations follows.
func truncateAfter(sched []phase, it, term int) []phase {
	end := min(len(sched), it+1+term)
	sched = sched[:end]
	sched[it].lastWindow = true
	for k := it + 1; k < end; k++ {
		sched[k] = phase{}
	}
	return sched
}

// windowStep is the step size adaptation reached in the window just ended: ChEES's shared
// dual-averaged one, or the median over the good chains of their own.
func (a *adaptation) windowStep(tu *Tuning) float64 {
	if r, ok := a.rule.(*cheesRule); ok && r.shared != nil {
		return r.shared.final()
	}
	eps := make([]float64, 0, len(a.perChain))
	for i, d := range a.perChain {
		if a.good[i] {
			eps = append(eps, d.final())
		}
	}
	if len(eps) == 0 {
		return math.NaN()
	}
	slices.Sort(eps)
	return eps[len(eps)/2]
}
