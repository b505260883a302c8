package main

import (
	"io"

	runprogress "github.com/hmcc-dev/hmcc/internal/progress"
)

// progress adapts package progress's Display to the run's calls.
type progress struct{ *runprogress.Display }

func newProgress(w io.Writer, quiet bool) *progress { return &progress{runprogress.New(w, quiet)} }

func (p *progress) observe(phase string, divergent int, stepSize float64) {
	p.Observe(phase, divergent, stepSize)
}
func (p *progress) update(phase string, iter, total int) { p.Update(phase, iter, total) }
func (p *progress) done()                                { p.Done() }
