package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startSampling builds hmcc, starts a real process running args with far more draws than it
// will finish, and returns once chain 1's CSV holds at least 5 draws.
func startSampling(t *testing.T, args ...string) (cmd *exec.Cmd, outDir string, stdout *bytes.Buffer, stderr *lockedBuffer) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hmcc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	outDir = filepath.Join(dir, "out")
	cmd = exec.Command(bin, append(append([]string{"run"}, args...), "--draws", "100000000", "--output-dir", outDir)...)
	stdout, stderr = new(bytes.Buffer), new(lockedBuffer)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for drawRows(filepath.Join(outDir, "output_1.csv")) < 5 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no draws after 60s\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cmd, outDir, stdout, stderr
}

// waitExit130 waits for the process and fails unless it exited with status 130.
func waitExit130(t *testing.T, cmd *exec.Cmd, stdout *bytes.Buffer, stderr *lockedBuffer) {
	t.Helper()
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit %v, want status 130\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
}

// TestInterruptKeepsDraws sends SIGINT (Ctrl-C), and SIGTERM (what a batch scheduler sends at
// the end of a job), to a real sampling process and checks that it exits with 130 after writing
// complete, readable CSVs of the draws made so far and a summary marked partial.
func TestInterruptKeepsDraws(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, outDir, stdout, stderr := startSampling(t, "../../models/eight_schools.model", "../../models/eight_schools.csv",
				"--chains", "3", "--warmup", "200")
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waitExit130(t, cmd, stdout, stderr)
			if !strings.Contains(stdout.String(), "PARTIAL RESULTS: interrupted after") {
				t.Errorf("no partial-results notice:\n%s", stdout.String())
			}
			n := drawRows(filepath.Join(outDir, "output_1.csv"))
			if !strings.Contains(stdout.String(), "interrupted after "+strconv.Itoa(n)+" of") {
				t.Errorf("summary does not report the %d draws in the files:\n%s", n, stdout.String())
			}
			for c := 1; c <= 3; c++ {
				path := filepath.Join(outDir, "output_"+strconv.Itoa(c)+".csv")
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), "Elapsed Time") {
					t.Errorf("%s has no trailer", path)
				}
				if got := drawRows(path); got != n {
					t.Errorf("%s has %d draws, chain 1 has %d", path, got, n)
				}
			}
			if _, err := os.Stat(filepath.Join(outDir, "summary.csv")); err != nil {
				t.Error(err)
			}
			checkRstanReads(t, outDir, 3, n, []string{"mu", "tau", "theta[8]"})
		})
	}
}

// TestSecondInterruptExitsAtOnce interrupts a run whose iterations are slow (lockstep NUTS on
// German credit, barely adapted, about 0.3 s an iteration here), waits until hmcc acknowledges the
// first SIGINT, and sends a second while the current iteration is still running. The process
// must end at once, before writing the summary, and still leave every chain's CSV whole: the
// same number of complete rows in each, readable by rstan.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	const chains = 64
	cmd, outDir, stdout, stderr := startSampling(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv",
		"--sampler", "nuts", "--chains", strconv.Itoa(chains), "--warmup", "20", "--quiet")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "interrupted: finishing the current iteration") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the first SIGINT was not acknowledged:\n%s", stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitExit130(t, cmd, stdout, stderr)
	if !strings.Contains(stderr.String(), "second interrupt: stopped without the summary") {
		t.Fatalf("the second SIGINT did not stop the process at once:\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(outDir, "summary.csv")); !os.IsNotExist(err) {
		t.Errorf("summary.csv exists after an immediate exit (stat: %v)", err)
	}
	n := drawRows(filepath.Join(outDir, "output_1.csv"))
	for c := 1; c <= chains; c++ {
		path := filepath.Join(outDir, "output_"+strconv.Itoa(c)+".csv")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || b[len(b)-1] != '\n' {
			t.Errorf("%s ends inside a line", path)
		}
		if got := drawRows(path); got != n {
			t.Errorf("%s has %d draws, chain 1 has %d", path, got, n)
		}
	}
	checkRstanReads(t, outDir, chains, n, []string{"tau", "beta[24]"})
}

// lockedBuffer collects a child's stderr while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// drawRows counts the data rows of a CmdStan CSV (lines that are neither comments nor the header).
func drawRows(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n := -1 // the header
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	return max(n, 0)
}

// TestInterruptWithThinCountsRows: with --thin the partial-results notice counts kept rows
// against the rows the run would have kept (ceil(draws/thin)), not against --draws' iterations.
func TestInterruptWithThinCountsRows(t *testing.T) {
	cmd, outDir, stdout, stderr := startSampling(t, "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "2", "--warmup", "100", "--thin", "4")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitExit130(t, cmd, stdout, stderr)
	n := drawRows(filepath.Join(outDir, "output_1.csv"))
	if want := "PARTIAL RESULTS: interrupted after " + strconv.Itoa(n) + " of 25000000 draws per chain"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
	}
}
