package progress

import (
	"bytes"
	"strings"
	"testing"
)

// feed drives a progress display as a run does: each iteration's statistics, then the update.
func feed(p *Display, phase string, total int, divergentAt map[int]bool) {
	for it := 1; it <= total; it++ {
		div := 0
		if divergentAt[it] {
			div = 1
		}
		p.Observe(phase, div, 0.25)
		p.Update(phase, it, total)
	}
}

// Not on a terminal (a batch log): ten plain lines a phase, no carriage returns, each with the
// divergences so far and the step size.
func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p := &Display{w: &buf, tty: false}
	feed(p, "warmup", 1000, map[int]bool{5: true, 450: true})
	feed(p, "sampling", 7, map[int]bool{2: true})
	p.Done()
	out := buf.String()
	if strings.Contains(out, "\r") {
		t.Errorf("carriage returns in a log:\n%q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 10+7 {
		t.Fatalf("%d lines, want 10 for 1000 warmup iterations and 7 for 7 draws:\n%s", len(lines), out)
	}
	for k, want := range map[int]string{0: "warmup 100/1000 (10%), 1 divergences, step size 0.25", 3: "warmup 400/1000 (40%), 1 divergences",
		4: "warmup 500/1000 (50%), 2 divergences", 9: "warmup 1000/1000 (100%), 2 divergences", 10: "sampling 1/7 (14%), 0 divergences",
		16: "sampling 7/7 (100%), 1 divergences"} {
		if !strings.HasPrefix(lines[k], want) {
			t.Errorf("line %d = %q, want it to start %q", k+1, lines[k], want)
		}
	}
}

// On a terminal: a bar redrawn in place, showing the divergences and the step size.
func TestProgressBarOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &Display{w: &buf, tty: true}
	feed(p, "warmup", 50, map[int]bool{3: true, 4: true})
	p.Done()
	out := buf.String()
	if !strings.Contains(out, "\r") || !strings.Contains(out, "warmup (2 divergences, step size 0.25)") || !strings.Contains(out, "50/50") {
		t.Errorf("terminal output %q", out)
	}
	buf.Reset()
	feed(&Display{w: &buf, quiet: true}, "warmup", 10, nil)
	if buf.Len() != 0 {
		t.Errorf("--quiet wrote %q", buf.String())
	}
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
}
