package main

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// schoolsRep is eight schools with a replicated data set, so that resuming must also restore
// the generated quantities' random streams.
const schoolsRep = `data y[J]     = column "y"
data sigma[J] = column "sigma"
param mu           ~ Normal(0, 5)
param tau          ~ HalfCauchy(5)
param theta_raw[J] ~ Normal(0, 1)
let theta = mu + tau * theta_raw
y ~ Normal(theta, sigma)
generate y_rep ~ Normal(theta, sigma)
`

// startPaused starts the built hmcc with args and HMCC_TEST_PAUSE=pause, and returns once the
// process has stopped itself there (pause_unix.go): at a known iteration, with its rows
// written, whatever the machine's speed.
func startPaused(t *testing.T, bin, pause string, args ...string) (*exec.Cmd, *bytes.Buffer, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HMCC_TEST_PAUSE="+pause)
	stdout, stderr := new(bytes.Buffer), new(lockedBuffer)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stat := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/stat"
	deadline := time.Now().Add(3 * time.Minute)
	for {
		b, err := os.ReadFile(stat)
		// The state follows the command name in parentheses: "T" is stopped.
		if i := bytes.LastIndexByte(b, ')'); err == nil && i > 0 && len(b) > i+2 && b[i+2] == 'T' {
			return cmd, stdout, stderr
		}
		if err != nil || time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the run did not reach %s: %v\n%s", pause, err, stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rowsAndComments splits a chain file into its non-comment lines (column names and draws) and
// its comment lines.
func rowsAndComments(t *testing.T, path string) (rows, comments []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			comments = append(comments, line)
		} else if line != "" {
			rows = append(rows, line)
		}
	}
	return rows, comments
}

// sameAsReference holds a resumed run's files to an uninterrupted run's: every chain file's
// rows (the draws, and with --save-warmup the warmup rows) bytewise, its comment lines apart
// from the run id, the output path and the elapsed times, and summary.csv bytewise.
func sameAsReference(t *testing.T, ref, dir string, first, chains int) {
	t.Helper()
	differs := func(line string) bool { // the comment lines a resumed run may write differently
		return strings.Contains(line, "hmcc_run_id =") || strings.Contains(line, "file = ") && strings.Contains(line, "output_") ||
			strings.Contains(line, "seconds (")
	}
	for c := first + 1; c <= first+chains; c++ {
		name := "output_" + strconv.Itoa(c) + ".csv"
		wantRows, wantComments := rowsAndComments(t, filepath.Join(ref, name))
		rows, comments := rowsAndComments(t, filepath.Join(dir, name))
		if len(rows) != len(wantRows) {
			t.Fatalf("%s: %d rows, the uninterrupted run's has %d", name, len(rows), len(wantRows))
		}
		for i := range rows {
			if rows[i] != wantRows[i] {
				t.Fatalf("%s: row %d is\n%s, the uninterrupted run's\n%s", name, i, rows[i], wantRows[i])
			}
		}
		if len(comments) != len(wantComments) {
			t.Fatalf("%s: %d comment lines, the uninterrupted run's has %d", name, len(comments), len(wantComments))
		}
		for i := range comments {
			if comments[i] != wantComments[i] && !differs(wantComments[i]) {
				t.Errorf("%s: comment line %q, the uninterrupted run's %q", name, comments[i], wantComments[i])
			}
		}
	}
	a, errA := os.ReadFile(filepath.Join(ref, "summary.csv"))
	b, errB := os.ReadFile(filepath.Join(dir, "summary.csv"))
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		t.Errorf("summary.csv differs from the uninterrupted run's (%v, %v)", errA, errB)
	}
}

// TestResumeAfterAStopIsBitwise stops real runs (SIGKILL, SIGTERM, SIGINT) in warmup, early in
// sampling and late in sampling, resumes them with hmcc run --resume (sometimes with other
// --threads) and holds the finished files to those of the same run left uninterrupted.
func TestResumeAfterAStopIsBitwise(t *testing.T) {
	bin := buildHmcc(t)
	model := write(t, "schools_rep.model", schoolsRep)
	for _, c := range []struct {
		name  string
		pause string
		sig   syscall.Signal
		rows  int // the draws the resumed run reports as kept (at least, after SIGINT or SIGTERM); -1: restarted in warmup
		extra []string
		more  []string // flags of the resume
		again string   // if set, the resume is killed here too and resumed once more
	}{
		// The first checkpoint comes with the first draw and the next not for an hour, so the
		// rows written after it are cut off and drawn again; so does the resumed run's, whose
		// first checkpoint is after draw 2.
		{"chees/SIGKILL/early/twice", "sampling:6", syscall.SIGKILL, 2, []string{"--threads", "1", "--checkpoint-every", "1h"}, []string{"--threads", "2", "--checkpoint-every", "1h"}, "sampling:120"},
		// The signal must take effect before the last draw: under a loaded go test ./... the
		// watcher lagged by more than 50 of eight schools' fast iterations (CI, 18:28 UTC; the run
		// finished sampling and was interrupted in the summary), so this stop leaves 140 to go.
		{"chees/SIGTERM/mid", "sampling:60", syscall.SIGTERM, 60, []string{"--threads", "2"}, nil, ""},
		{"nuts/SIGINT/thinned", "sampling:100", syscall.SIGINT, 34, []string{"--sampler", "nuts", "--thin", "3", "--threads", "2"}, []string{"--threads", "1"}, ""},
		// A checkpoint after every draw: the one of the last draw written is not yet there.
		{"nuts/SIGKILL/late", "sampling:170", syscall.SIGKILL, 169, []string{"--sampler", "nuts", "--checkpoint-every", "0"}, nil, ""},
		{"hmc/SIGKILL/warmup", "warmup:60", syscall.SIGKILL, -1, []string{"--sampler", "hmc", "--metric", "dense", "--save-warmup"}, nil, ""},
		// Shard 2 of 3: global chains 5 to 8, in output_5.csv … output_8.csv.
		{"chees/SIGKILL/shard", "sampling:90", syscall.SIGKILL, 1, []string{"--shard", "2/3", "--checkpoint-every", "1h"}, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"run", model, schoolsData, "--chains", "4", "--warmup", "150", "--draws", "200", "--seed", "5", "--quiet"}, c.extra...)
			ref, dir := filepath.Join(t.TempDir(), "ref"), filepath.Join(t.TempDir(), "out")
			if code, _, errs := runBinary(t, `exec "$@"`, append([]string{bin}, append(args, "--output-dir", ref)...)...); code != 0 {
				t.Fatalf("uninterrupted run: exit %d: %s", code, errs)
			}
			cmd, stdout, stderr := startPaused(t, bin, c.pause, append(args, "--output-dir", dir)...)
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			kept := c.rows
			if c.sig != syscall.SIGKILL {
				cmd.Process.Signal(syscall.SIGCONT)
				waitExit130(t, cmd, stdout, stderr)
				// The process goes on until the signal's watcher has cancelled sampling: the
				// draws it reports are the ones its last checkpoint counts.
				m := regexp.MustCompile(`interrupted after (\d+) of \d+ draws per chain; hmcc run --resume (.*) continues the run`).FindStringSubmatch(stdout.String())
				if m == nil || m[2] != dir {
					t.Fatalf("the interrupted run does not say how to resume it:\n%s", stdout.String())
				}
				if kept, _ = strconv.Atoi(m[1]); kept < c.rows {
					t.Fatalf("interrupted after %d draws, paused after %d", kept, c.rows)
				}
			} else if err := cmd.Wait(); err == nil {
				t.Fatal("the killed run exited 0")
			}
			if c.again != "" {
				cmd, _, _ := startPaused(t, bin, c.again, append([]string{"run", "--resume", dir, "--quiet"}, c.more...)...)
				cmd.Process.Kill()
				cmd.Wait()
			}
			code, out, errs := runBinary(t, `exec "$@"`, append([]string{bin, "run", "--resume", dir, "--quiet"}, c.more...)...)
			if code != 0 {
				t.Fatalf("resume: exit %d\n%s%s", code, out, errs)
			}
			if c.rows < 0 {
				if !strings.Contains(errs, "it stopped during warmup, which is not checkpointed, so warmup starts again from its beginning") {
					t.Errorf("the resume does not say warmup starts again:\n%s", errs)
				}
			} else if want := "RESUMED: draws 1 to " + strconv.Itoa(kept) + " per chain were written before the run stopped"; !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s\n%s", want, out, errs)
			}
			first := 0
			if slices.Contains(c.extra, "2/3") {
				first = 4
			}
			sameAsReference(t, ref, dir, first, 4)
			// Once finished, the run is not resumed again.
			if code, _, errs := hmcc(t, "run", "--resume", dir); code != 2 || !strings.Contains(errs, "already finished") {
				t.Errorf("resume of a finished run: exit %d: %s", code, errs)
			}
		})
	}
}

// TestResumeRefusesBadInput: a directory that is not a stopped hmcc run, a resume with another
// model or data, and flags that contradict the run's settings exit with status 2 and a message,
// and leave the stopped run as it was, still resumable.
func TestResumeRefusesBadInput(t *testing.T) {
	bin := buildHmcc(t)
	work := t.TempDir()
	model := write(t, "schools_rep.model", schoolsRep)
	data := filepath.Join(work, "schools.csv")
	b, err := os.ReadFile(schoolsData)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(data, b, 0o644)
	dir := filepath.Join(work, "out")
	cmd, _, _ := startPaused(t, bin, "sampling:20", "run", model, data, "--chains", "4", "--warmup", "100", "--draws", "50", "--output-dir", dir, "--quiet")
	cmd.Process.Kill()
	cmd.Wait()
	before := dirContents(t, dir)

	other := write(t, "other.model", strings.Replace(schoolsRep, "Normal(0, 5)", "Normal(0, 10)", 1))
	changed := filepath.Join(work, "changed.csv")
	os.WriteFile(changed, bytes.Replace(b, []byte("28"), []byte("29"), 1), 0o644)
	empty := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no such directory", []string{"run", "--resume", filepath.Join(work, "nowhere")}, "no such directory; name the --output-dir of the run to continue"},
		{"not a run", []string{"run", "--resume", empty}, "is not an hmcc run that can be resumed: it holds no hmcc_checkpoint.json"},
		{"other model", []string{"run", "--resume", dir, other, data}, "is not the one the run in " + dir + " started with"},
		{"other data", []string{"run", "--resume", dir, model, changed}, "the data file " + changed + " is not the one the run in " + dir + " started with"},
		{"conflicting flag", []string{"run", "--resume", dir, "--chains", "8"}, "--chains 8 conflicts with the run in " + dir + ", which was started with --chains 4"},
		{"conflicting sampler", []string{"run", "--resume", dir, "--sampler", "nuts"}, "--sampler nuts conflicts with the run in " + dir + ", which was started with --sampler chees"},
		{"overwrite", []string{"run", "--resume", dir, "--overwrite"}, "--overwrite would replace it"},
		{"model without data", []string{"run", "--resume", dir, model}, "give the run's model and data files both"},
		{"no model", []string{"run"}, "hmcc run needs a model and its data: hmcc run MODEL DATA (or hmcc run --resume DIR to continue a stopped run)"},
	} {
		code, _, errs := hmcc(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, want 2 with %q:\n%s", c.name, code, c.want, errs)
		}
	}
	if after := dirContents(t, dir); !maps.Equal(after, before) {
		t.Errorf("a refused resume changed the stopped run's files")
	}
	// The data edited in place: the run's own file no longer hashes as it did.
	os.WriteFile(data, bytes.Replace(b, []byte("28"), []byte("29"), 1), 0o644)
	if code, _, errs := hmcc(t, "run", "--resume", dir); code != 2 || !strings.Contains(errs, "the data file "+data+" is not the one") {
		t.Errorf("data changed in place: exit %d: %s", code, errs)
	}
	os.WriteFile(data, b, 0o644)
	// A flag equal to the run's is accepted, as are MODEL and DATA given again.
	if code, out, errs := hmcc(t, "run", "--resume", dir, model, data, "--chains", "4", "--quiet"); code != 0 || !strings.Contains(out, "RESUMED: draws 1 to ") {
		t.Fatalf("resume: exit %d\n%s%s", code, out, errs)
	}
	// Runs whose length is decided as they go, checkpointed by an hmcc that did not record the
	// decisions (format 1), cannot be continued exactly.
	for _, flags := range [][]string{{"--warmup", "auto"}, {"--target-ess", "400"}} {
		d := filepath.Join(work, "adaptive"+flags[0])
		args := append([]string{"run", model, data, "--chains", "4", "--draws", "50", "--output-dir", d, "--quiet"}, flags...)
		cmd, _, _ := startPaused(t, bin, "sampling:20", args...)
		cmd.Process.Kill()
		cmd.Wait()
		ckPath := filepath.Join(d, "hmcc_checkpoint.json")
		ck := mustRead(t, ckPath)
		os.WriteFile(ckPath, bytes.Replace(ck, []byte(`"hmcc checkpoint 2"`), []byte(`"hmcc checkpoint 1"`), 1), 0o644)
		if code, _, errs := hmcc(t, "run", "--resume", d); code != 2 || !strings.Contains(errs, "by an earlier hmcc, whose checkpoint does not record the warmup length and sampling rounds") || !strings.Contains(errs, flags[0]) {
			t.Errorf("resume of a %s run from a format 1 checkpoint: exit %d: %s", flags[0], code, errs)
		}
	}
	// A run stopped in warmup before writing anything (no --save-warmup) left nothing to resume.
	dir2 := filepath.Join(work, "out2")
	cmd, _, _ = startPaused(t, bin, "warmup:20", "run", model, data, "--chains", "4", "--warmup", "100", "--draws", "50", "--output-dir", dir2, "--quiet")
	cmd.Process.Kill()
	cmd.Wait()
	if code, _, errs := hmcc(t, "run", "--resume", dir2); code != 2 || !strings.Contains(errs, "a run stopped before then left nothing to resume, so start it again") {
		t.Errorf("resume of a run killed in warmup: exit %d: %s", code, errs)
	}
}
