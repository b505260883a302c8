// Package progress shows a run's progress on a writer (hmcc run's stderr): a bar per phase on a
// terminal, plain lines elsewhere.
package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Display reports the run on stderr: on a terminal, a bar per phase with the iteration, an
// ETA, the divergences so far and the current step size; anywhere else (a batch log, a pipe),
// one plain line at every tenth of each phase, so the log holds ten lines a phase and no
// carriage returns.
type Display struct {
	w     io.Writer
	quiet bool
	tty   bool
	phase string
	bar   *progressbar.ProgressBar
	start time.Time
	// divergences counts the divergent transitions so far in this phase; stepSize is the mean
	// step size of the last iteration (the sink reports both before Update is called).
	divergences int
	stepSize    float64
	observed    string // the phase divergences counts
	nextLine    int    // the plain-line mode's next tenth
}

// New makes a Display on w; quiet shows nothing.
func New(w io.Writer, quiet bool) *Display {
	return &Display{w: w, quiet: quiet, tty: isTerminal(w), stepSize: math.NaN()}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Observe records one iteration's divergences and mean step size, for the next update.
func (p *Display) Observe(phase string, divergent int, stepSize float64) {
	if phase != p.observed {
		p.observed, p.divergences = phase, 0
	}
	p.divergences += divergent
	p.stepSize = stepSize
}

func (p *Display) status() string {
	return fmt.Sprintf("%d divergences, step size %.3g", p.divergences, p.stepSize)
}

// Update shows iteration iter of total in phase (warmup or sampling); a new phase ends the last.
func (p *Display) Update(phase string, iter, total int) {
	if p.quiet {
		return
	}
	if phase != p.phase {
		p.Done()
		p.phase, p.start, p.nextLine = phase, time.Now(), 1
		if p.tty {
			p.bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(phase),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetWidth(30),
				progressbar.OptionOnCompletion(func() { io.WriteString(p.w, "\n") }))
		}
	}
	if p.tty {
		p.bar.Describe(fmt.Sprintf("%s (%s)", phase, p.status()))
		p.bar.Set(iter)
		return
	}
	// Plain lines: at iterations ⌈k·total/10⌉, k = 1 … 10 (fewer when total < 10).
	if p.nextLine > 10 || iter < (p.nextLine*total+9)/10 {
		return
	}
	for p.nextLine <= 10 && iter >= (p.nextLine*total+9)/10 {
		p.nextLine++
	}
	elapsed := time.Since(p.start)
	eta := time.Duration(float64(elapsed) * float64(total-iter) / float64(iter))
	fmt.Fprintf(p.w, "%s %d/%d (%d%%), %s, %s elapsed, %s left\n", phase, iter, total, 100*iter/total,
		p.status(), elapsed.Round(100*time.Millisecond), eta.Round(100*time.Millisecond))
}

// Done ends the current phase's bar.
func (p *Display) Done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
