package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	hmcclib "github.com/hmcc-dev/hmcc"
)

// TestResumeDecidedLengthsIsBitwise: runs whose lengths are decided as they go — --warmup auto
// (the warmup length, and so where generated quantities' streams count from) and --target-ess
// (the sampling rounds) — stopped in sampling and resumed, give the files of the same run left
// uninterrupted, and say the same about warmup and the rounds. The round-end case kills a
// target-ESS run whose last checkpoint is of the last draw of its first round, which is written
// before the round is judged: the resumed run judges it.
func TestResumeDecidedLengthsIsBitwise(t *testing.T) {
	if testing.Short() {
		t.Skip("runs eight schools to --warmup auto's end and to an ESS target, several times")
	}
	bin := buildHmcc(t)
	model := write(t, "schools_rep.model", schoolsRep)
	for _, c := range []struct {
		name  string
		pause string
		sig   syscall.Signal
		args  []string
	}{
		{"auto/chees/SIGKILL", "sampling:120", syscall.SIGKILL, []string{"--warmup", "auto", "--draws", "200", "--checkpoint-every", "1h"}},
		{"auto/nuts/save-warmup/SIGTERM", "sampling:60", syscall.SIGTERM, []string{"--warmup", "auto", "--draws", "150", "--sampler", "nuts", "--save-warmup"}},
		{"target-ess/nuts/SIGKILL/round 2", "sampling:80", syscall.SIGKILL, []string{"--warmup", "150", "--draws", "50", "--target-ess", "400", "--max-draws", "600", "--sampler", "nuts", "--checkpoint-every", "0"}},
		// Paused in draw 51 before its checkpoint: the last is draw 50's, the first round's end.
		{"target-ess/chees/SIGKILL/round end", "sampling:51", syscall.SIGKILL, []string{"--warmup", "150", "--draws", "50", "--target-ess", "400", "--max-draws", "600", "--thin", "2", "--checkpoint-every", "0"}},
		{"auto+target-ess/SIGKILL", "sampling:70", syscall.SIGKILL, []string{"--warmup", "auto", "--draws", "50", "--target-ess", "300", "--max-draws", "600", "--checkpoint-every", "0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"run", model, schoolsData, "--chains", "4", "--seed", "3", "--quiet"}, c.args...)
			ref, dir := filepath.Join(t.TempDir(), "ref"), filepath.Join(t.TempDir(), "out")
			code, refOut, refErr := runBinary(t, `exec "$@"`, append([]string{bin}, append(args, "--output-dir", ref)...)...)
			if code != 0 {
				t.Fatalf("uninterrupted run: exit %d: %s", code, refErr)
			}
			cmd, stdout, stderr := startPaused(t, bin, c.pause, append(args, "--output-dir", dir)...)
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			if c.sig != syscall.SIGKILL {
				cmd.Process.Signal(syscall.SIGCONT)
				waitExit130(t, cmd, stdout, stderr)
			} else if err := cmd.Wait(); err == nil {
				t.Fatal("the killed run exited 0")
			}
			if strings.HasSuffix(c.name, "round end") {
				var ck hmcclib.Checkpoint
				if err := json.Unmarshal(mustRead(t, filepath.Join(dir, hmcclib.CheckpointName)), &ck); err != nil || ck.Iterations != 50 {
					t.Fatalf("the checkpoint is after %d iterations, not the first round's 50 (%v)", ck.Iterations, err)
				}
			}
			code, out, errs := runBinary(t, `exec "$@"`, bin, "run", "--resume", dir, "--quiet", "--threads", "1")
			if code != 0 {
				t.Fatalf("resume: exit %d\n%s%s", code, out, errs)
			}
			if !strings.Contains(out, "RESUMED: draws 1 to ") {
				t.Errorf("the resume does not say where it picked up:\n%s\n%s", out, errs)
			}
			sameAsReference(t, ref, dir, 0, 4)
			// What the run says about its decisions: the warmup line (stderr), the rounds (stdout).
			line := func(text, prefix string) string {
				return regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(prefix) + `.*$`).FindString(text)
			}
			for _, p := range []struct{ got, want, prefix string }{{errs, refErr, "warmup: auto:"}, {out, refOut, "target ESS "}} {
				if w := line(p.want, p.prefix); line(p.got, p.prefix) != w {
					t.Errorf("the resumed run says %q, the uninterrupted one %q", line(p.got, p.prefix), w)
				}
			}
			if strings.Contains(strings.Join(c.args, " "), "target-ess") && !regexp.MustCompile(` ([2-9]|\d\d+) round\(s\)`).MatchString(refOut) {
				t.Errorf("the reference run made one round, so the resume crossed none:\n%s", refOut)
			}
		})
	}
}
