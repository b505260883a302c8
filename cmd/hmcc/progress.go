package main

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows the phase, the iteration and an ETA on stderr.
type progress struct {
	w     io.Writer
	quiet bool
	phase string
	bar   *progressbar.ProgressBar
}

func newProgress(w io.Writer, quiet bool) *progress { return &progress{w: w, quiet: quiet} }

func (p *progress) update(phase string, iter, total int) {
	if p.quiet {
		return
	}
	if phase != p.phase {
		if p.bar != nil {
			p.bar.Finish()
		}
		p.phase = phase
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(phase),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionOnCompletion(func() { io.WriteString(p.w, "\n") }))
	}
	p.bar.Set(iter)
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
