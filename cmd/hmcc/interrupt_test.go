package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptKeepsDraws starts a real hmcc process, sends SIGINT while it samples, and checks
// that it exits with 130 after writing complete, readable CSVs of the draws made so far.
func TestInterruptKeepsDraws(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hmcc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	outDir := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "3", "--warmup", "200", "--draws", "100000000", "--output-dir", outDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for drawRows(filepath.Join(outDir, "output_1.csv")) < 50 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no draws after 60s\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit %v, want status 130\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
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
