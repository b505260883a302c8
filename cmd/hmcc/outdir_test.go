package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

const (
	schoolsModel = "../../models/eight_schools.model"
	schoolsData  = "../../models/eight_schools.csv"
)

// dirContents maps every file under dir (relative name) to its bytes.
func dirContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func quickRun(dir string, chains int, extra ...string) []string {
	return append([]string{"run", schoolsModel, schoolsData, "--chains", strconv.Itoa(chains), "--warmup", "30", "--draws", "20",
		"--output-dir", dir, "--quiet"}, extra...)
}

// TestOutputDirIsATransaction: a run that fails before its first draw leaves an earlier run's
// files as they were; a directory holding a run is refused without --overwrite; with it, every
// file of the earlier run goes (also chains beyond the new count), so one run's files remain.
func TestOutputDirIsATransaction(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if code, _, errs := hmcc(t, quickRun(dir, 8)...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	if err := os.MkdirAll(filepath.Join(dir, "plots"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plots", "mu.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := dirContents(t, dir)
	if len(before) != 11 { // 8 chains, summary.csv, hmcc_checkpoint.json and the plot
		t.Fatalf("first run wrote %v", slices.Sorted(maps.Keys(before)))
	}
	bad := filepath.Join(t.TempDir(), "bad.model")
	os.WriteFile(bad, []byte("data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, exp(mu + 800))\n"), 0o644)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no finite starting point", []string{"run", bad, schoolsData, "--output-dir", dir, "--overwrite", "--quiet"}, "could not find an initial point"},
		{"no --overwrite", quickRun(dir, 4), "holds the files of an earlier run (output_1.csv … output_8.csv, summary.csv, plots/mu.png); pass --overwrite"},
		{"bad flag", quickRun(dir, 4, "--overwrite", "--target-accept", "NaN"), "--target-accept must be a number strictly between 0 and 1, got NaN; e.g. --target-accept 0.9"},
		{"syntax error", []string{"run", write(t, "s.model", "param mu ~ Normal(0 1)\n"), schoolsData, "--output-dir", dir, "--overwrite"}, "syntax"},
	} {
		code, _, errs := hmcc(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, want 2 and %q:\n%s", c.name, code, c.want, errs)
		}
		if after := dirContents(t, dir); !maps.Equal(after, before) {
			t.Errorf("%s changed the directory: %v", c.name, slices.Sorted(maps.Keys(after)))
		}
	}
	if code, _, errs := hmcc(t, quickRun(dir, 4, "--overwrite")...); code != 0 {
		t.Fatalf("--overwrite: exit %d: %s", code, errs)
	}
	after := dirContents(t, dir)
	if got := slices.Sorted(maps.Keys(after)); !slices.Equal(got, []string{"hmcc_checkpoint.json", "output_1.csv", "output_2.csv", "output_3.csv", "output_4.csv", "summary.csv"}) {
		t.Errorf("after --overwrite the directory holds %v", got)
	}
	if after["output_1.csv"] == before["output_1.csv"] {
		t.Error("output_1.csv was not rewritten")
	}
	// summary.csv gets the chains' mode.
	chain, err1 := os.Stat(filepath.Join(dir, "output_1.csv"))
	sum, err2 := os.Stat(filepath.Join(dir, "summary.csv"))
	if err1 != nil || err2 != nil || chain.Mode() != sum.Mode() {
		t.Errorf("summary.csv mode %v, chains %v (%v, %v)", sum.Mode(), chain.Mode(), err1, err2)
	}
	// A run that fails into a directory it had to create removes it again.
	fresh := filepath.Join(t.TempDir(), "new")
	if code, _, _ := hmcc(t, "run", bad, schoolsData, "--output-dir", fresh, "--quiet"); code != 2 {
		t.Errorf("bad model: exit %d", code)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed run left %s behind (%v)", fresh, err)
	}
}

// write writes text to a file called name in a fresh temporary directory.
func write(t *testing.T, name, text string) string {
	t.Helper()
	return writeIn(t, t.TempDir(), name, text)
}

// writeIn writes text to dir/name and returns the path.
func writeIn(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSummaryRefusesMixtures: hmcc summary reads one run's chains and says why it will not read
// others: chains of two runs, a missing chain, chains of different lengths, no draws at all.
func TestSummaryRefusesMixtures(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, d := range []string{a, b} {
		if code, _, errs := hmcc(t, quickRun(d, 4)...); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
	}
	mixed := t.TempDir()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for c := 1; c <= 4; c++ {
		copyFile(filepath.Join(a, "output_"+strconv.Itoa(c)+".csv"), filepath.Join(mixed, "output_"+strconv.Itoa(c)+".csv"))
		copyFile(filepath.Join(b, "output_"+strconv.Itoa(c)+".csv"), filepath.Join(mixed, "output_"+strconv.Itoa(c+4)+".csv"))
	}
	check := func(what, dir, want string) {
		t.Helper()
		code, out, errs := hmcc(t, "summary", dir)
		if code != 2 || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, want 2 and %q\nstdout: %s\nstderr: %s", what, code, want, out, errs)
		}
		if strings.Contains(out, "rhat") {
			t.Errorf("%s: printed a table:\n%s", what, out)
		}
	}
	check("two runs", mixed, "mixes the chains of 2 runs (output_1.csv … output_4.csv are from run ")
	os.Remove(filepath.Join(mixed, "output_3.csv"))
	check("missing chain", mixed, "but no output_3.csv: a chain is missing")
	// Chains of one run cut to different lengths.
	p := filepath.Join(a, "output_2.csv")
	text, _ := os.ReadFile(p)
	lines := strings.SplitAfter(string(text), "\n")
	var keep []string
	rows := 0
	for _, l := range lines {
		if l != "" && !strings.HasPrefix(l, "#") {
			rows++
			if rows > 11 { // the header and 10 draws
				continue
			}
		}
		keep = append(keep, l)
	}
	os.WriteFile(p, []byte(strings.Join(keep, "")), 0o644)
	check("different lengths", a, "have different numbers of draws (output_1.csv 20, output_2.csv 10, output_3.csv 20, output_4.csv 20)")
	// No draws in any chain.
	for c := 1; c <= 4; c++ {
		p := filepath.Join(b, "output_"+strconv.Itoa(c)+".csv")
		text, _ := os.ReadFile(p)
		var head []string
		for _, l := range strings.SplitAfter(string(text), "\n") {
			head = append(head, l)
			if strings.HasPrefix(l, "lp__") {
				break
			}
		}
		os.WriteFile(p, []byte(strings.Join(head, "")), 0o644)
	}
	check("no draws", b, "no draws: the chain files in "+b+" hold no draws")
	if code, _, errs := hmcc(t, "plot", b); code != 2 || !strings.Contains(errs, "no draws") {
		t.Errorf("plot of no draws: exit %d: %s", code, errs)
	}
}

// buildHmcc builds the command into a temporary directory.
func buildHmcc(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "hmcc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs the built hmcc through sh (for ulimit) and returns its exit status and output.
func runBinary(t *testing.T, shell string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", shell, "sh"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// TestSecondRunIntoALiveDirectoryIsRefused: while one hmcc process samples into a directory, a
// second run into it exits 2 saying so, and the first one's files stay whole.
func TestSecondRunIntoALiveDirectoryIsRefused(t *testing.T) {
	cmd, outDir, stdout, stderr := startSampling(t, schoolsModel, schoolsData, "--chains", "2", "--warmup", "20", "--quiet")
	defer cmd.Process.Kill()
	bin := filepath.Join(filepath.Dir(outDir), "hmcc")
	for _, extra := range [][]string{nil, {"--overwrite"}} {
		code, _, errs := runBinary(t, `exec "$@"`, append([]string{bin, "run", schoolsModel, schoolsData, "--output-dir", outDir, "--quiet"}, extra...)...)
		if code != 2 || !strings.Contains(errs, "another hmcc run is writing into "+outDir+" right now") {
			t.Errorf("second run %v: exit %d: %s", extra, code, errs)
		}
	}
	code, _, errs := runBinary(t, `exec "$@"`, bin, "summary", outDir)
	if code != 2 || !strings.Contains(errs, "another hmcc run is writing into") {
		t.Errorf("summary of a live run: exit %d: %s", code, errs)
	}
	cmd.Process.Signal(syscall.SIGINT)
	waitExit130(t, cmd, stdout, stderr)
	n := drawRows(filepath.Join(outDir, "output_1.csv"))
	if m := drawRows(filepath.Join(outDir, "output_2.csv")); n == 0 || m != n {
		t.Errorf("chains hold %d and %d draws", n, m)
	}
}

// TestDiskFull fills a small tmpfs (needs root to mount it): the run exits 1 naming the file,
// the cause and the fix; every chain is cut back to the same whole iterations; those are
// summarised; and rstan and hmcc summary read the files. With 128 chains the rows and flushes
// of an iteration run on several goroutines (the sink's writeRows), so several files fail in
// the same iteration.
func TestDiskFull(t *testing.T) {
	bin := buildHmcc(t)
	for _, tc := range []struct {
		chains int
		size   string
	}{{4, "200k"}, {128, "2m"}} {
		t.Run(fmt.Sprintf("chains=%d", tc.chains), func(t *testing.T) {
			mnt := t.TempDir()
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+tc.size, "tmpfs", mnt).CombinedOutput(); err != nil {
				t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
			}
			defer exec.Command("umount", mnt).Run()
			diskFull(t, bin, mnt, tc.chains)
		})
	}
}

func diskFull(t *testing.T, bin, mnt string, chains int) {
	out := filepath.Join(mnt, "out")
	code, stdout, errs := runBinary(t, `exec "$@"`, bin, "run", schoolsModel, schoolsData, "--chains", strconv.Itoa(chains), "--warmup", "50",
		"--draws", "2000", "--output-dir", out, "--quiet")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, errs)
	}
	n := drawRows(filepath.Join(out, "output_1.csv"))
	for _, want := range []string{"no space left on device; every chain file in " + out + " was cut back to its first " + strconv.Itoa(n) + " draws, all whole rows",
		"free space on the disk holding " + out} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if n == 0 || !strings.Contains(stdout, "PARTIAL RESULTS: writing stopped after "+strconv.Itoa(n)+" of 2000 draws") ||
		!strings.Contains(stdout, strconv.Itoa(chains)+" chains, "+strconv.Itoa(n)+" draws each") {
		t.Errorf("no summary of the %d draws kept:\n%s", n, stdout)
	}
	for c := 1; c <= chains; c++ {
		p := filepath.Join(out, "output_"+strconv.Itoa(c)+".csv")
		b, _ := os.ReadFile(p)
		if len(b) == 0 || b[len(b)-1] != '\n' {
			t.Errorf("%s ends inside a line", p)
		}
		if got := drawRows(p); got != n {
			t.Errorf("%s holds %d draws, output_1.csv %d", p, got, n)
		}
	}
	if code, _, errs := hmcc(t, "summary", out); code != 0 {
		t.Errorf("hmcc summary: exit %d: %s", code, errs)
	}
	// Warmup ended before the disk filled: the header has what ChEES learned.
	f, err := cmdstan.ReadFile(filepath.Join(out, "output_1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if T, err := strconv.ParseFloat(f.Config["int_time"], 64); err != nil || !(T > 0) || f.Config["hmcc_trajectory_length"] != f.Config["int_time"] {
		t.Errorf("header int_time %q, hmcc_trajectory_length %q; want the learned length in both", f.Config["int_time"], f.Config["hmcc_trajectory_length"])
	}
	if chains <= 4 { // rstan takes seconds a chain
		checkRstanReads(t, out, chains, n, []string{"mu", "tau"})
	}
}

// TestChainsBeyondTheFileLimit: a chain count that cannot fit in the open-file limit is refused
// before anything is written, saying how to fix it.
func TestChainsBeyondTheFileLimit(t *testing.T) {
	bin := buildHmcc(t)
	out := filepath.Join(t.TempDir(), "out")
	code, _, errs := runBinary(t, `ulimit -n 64 && exec "$@"`, bin, "run", schoolsModel, schoolsData, "--chains", "100", "--output-dir", out)
	want := "--chains 100 needs 116 open files (one CSV per chain, kept open while sampling), but this process may open only 64 (ulimit -n); raise the limit (ulimit -n 116"
	if code != 2 || !strings.Contains(errs, want) || !strings.Contains(errs, "or use at most --chains 48") {
		t.Errorf("exit %d, want 2 and %q:\n%s", code, want, errs)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused run made %s (%v)", out, err)
	}
	// The soft limit is raised to the hard one, so a low soft limit alone does not refuse.
	code, _, errs = runBinary(t, `ulimit -Sn 32 && ulimit -Hn 256 && exec "$@"`, bin, "run", schoolsModel, schoolsData, "--chains", "100",
		"--warmup", "5", "--draws", "5", "--output-dir", out, "--quiet")
	if code != 0 {
		t.Errorf("100 chains under a soft limit of 32 and a hard one of 256: exit %d: %s", code, errs)
	}
}

// TestInterruptBeforeTheFirstDrawChangesNothing: SIGINT in warmup reports no draws, exits 130
// and leaves an earlier run's files as they were.
func TestInterruptBeforeTheFirstDrawChangesNothing(t *testing.T) {
	bin := buildHmcc(t)
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errs := runBinary(t, `exec "$@"`, append([]string{bin}, quickRun(out, 2)...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	before := dirContents(t, out)
	cmd := exec.Command(bin, "run", "../../models/sparse_logistic.model", "../../models/german_credit.csv", "--sampler", "nuts",
		"--chains", "2", "--warmup", "100000", "--output-dir", out, "--overwrite")
	var stdout bytes.Buffer
	stderr := new(lockedBuffer)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), "warmup") { // the progress bar: into warmup, signals handled
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no warmup progress after 60 s:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	waitExit130(t, cmd, &stdout, stderr)
	if !strings.Contains(stdout.String(), "no draws: interrupted during warmup, before the first draw; "+out+" was left as it was") {
		t.Errorf("stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String(), "rhat") {
		t.Errorf("a table of no draws:\n%s", stdout.String())
	}
	if after := dirContents(t, out); !maps.Equal(after, before) {
		t.Errorf("the interrupted run changed %v", slices.Sorted(maps.Keys(after)))
	}
}

// TestInterruptDuringTheSummaryExits130: once every draw is written, a SIGINT stops the summary
// at once and exits 130, leaving every chain's file complete. The model has
// 1500 quantities so that the summary takes seconds.
func TestInterruptDuringTheSummaryExits130(t *testing.T) {
	bin := buildHmcc(t)
	out := filepath.Join(t.TempDir(), "out")
	model := write(t, "wide.model", "param a[1500] ~ Normal(0, 1)\n")
	cmd := exec.Command(bin, "run", model, schoolsData, "--chains", "4", "--warmup", "20", "--draws", "2000", "--output-dir", out, "--quiet")
	var stdout bytes.Buffer
	stderr := new(lockedBuffer)
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(out, "output_4.csv")
	deadline := time.Now().Add(2 * time.Minute)
	for b, _ := os.ReadFile(last); !bytes.Contains(b, []byte("Elapsed Time")); b, _ = os.ReadFile(last) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("sampling did not finish:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	waitExit130(t, cmd, &stdout, stderr)
	if !strings.Contains(stderr.String(), "interrupted: every draw is written; stopped without the summary (hmcc summary "+out+" prints it)") {
		t.Errorf("stderr: %s", stderr.String())
	}
	for c := 1; c <= 4; c++ {
		if n := drawRows(filepath.Join(out, "output_"+strconv.Itoa(c)+".csv")); n != 2000 {
			t.Errorf("chain %d holds %d draws, want all 2000", c, n)
		}
	}
}

// TestNumericFlagsAreValidated: NaN, ±Inf, wrong signs, out-of-range and unparsable values of
// every numeric flag exit 2 before anything is read or written, with a working form of the flag.
func TestNumericFlagsAreValidated(t *testing.T) {
	cases := []struct {
		flag, value, want string
	}{
		{"--target-accept", "NaN", "--target-accept must be a number strictly between 0 and 1, got NaN; e.g. --target-accept 0.9"},
		{"--target-accept", "Inf", "got +Inf; e.g. --target-accept 0.9"},
		{"--target-accept", "1", "got 1; e.g."},
		{"--target-accept", "-0.5", "got -0.5; e.g."},
		{"--path-length", "NaN", "--path-length must be a positive number of posterior standard deviations, at most 1e6, got NaN; e.g. --path-length 3"},
		{"--path-length", "Inf", "got +Inf; e.g. --path-length 3"},
		{"--path-length", "-Inf", "got -Inf; e.g. --path-length 3"},
		{"--path-length", "0", "got 0; e.g."},
		{"--chains", "-1", "--chains must be a whole number from 1 to 2147483647, got -1; e.g. --chains 4"},
		{"--chains", "0", "got 0; e.g. --chains 4"},
		{"--chains", "99999999999999999999", `--chains: expected a valid 64 bit int but got "99999999999999999999"; --chains takes a whole number written out in digits, e.g. --chains 4`},
		{"--chains", "3.5", "e.g. --chains 4"},
		{"--draws", "1e10", "--draws takes a whole number written out in digits, e.g. --draws 1000"},
		{"--draws", "0", "--draws must be a whole number from 1 to 1000000000, got 0; e.g. --draws 1000"},
		{"--draws", "2000000000", "--draws must be a whole number from 1 to 1000000000, got 2000000000"},
		{"--warmup", "-5", "--warmup must be a whole number from 0 to 1000000000, got -5; e.g. --warmup 1000"},
		{"--threads", "0", "--threads must be a whole number from 1 to 4096, got 0; e.g. --threads 2"},
		{"--threads", "100000", "got 100000; e.g. --threads 2"},
		{"--max-treedepth", "31", "--max-treedepth must be a whole number from 1 to 30, got 31"},
		{"--max-steps", "-3", "--max-steps must be a whole number from 1 to 1048576, got -3; e.g. --max-steps 1024"},
		{"--seed", "-1", "--seed takes a whole number written out in digits, e.g. --seed 1"},
		{"--target-accept", "abc", `expected a float but got "abc"`},
		{"--output-dir", "", "--output-dir is empty; name a directory, e.g. --output-dir output"},
		{"--output-dir", " ", "--output-dir is empty"},
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.flag+"="+c.value, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir) // the default --output-dir would land here
			code, _, errs := hmcc(t, "run", filepath.Join(wd, schoolsModel), filepath.Join(wd, schoolsData), c.flag, c.value)
			if code != 2 || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, want 2 and %q:\n%s", code, c.want, errs)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("the refused run wrote %v", entries)
			}
		})
	}
}

// TestDiskFullDuringSavedWarmup: with --save-warmup the disk can fill before the first draw;
// the message then says the files keep the warmup rows written (whole rows), not "headers only".
func TestDiskFullDuringSavedWarmup(t *testing.T) {
	bin := buildHmcc(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	out := filepath.Join(mnt, "out")
	code, stdout, errs := runBinary(t, `exec "$@"`, bin, "run", schoolsModel, schoolsData, "--chains", "4", "--warmup", "5000",
		"--draws", "10", "--save-warmup", "--output-dir", out, "--quiet")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, errs)
	}
	f, err := cmdstan.ReadFile(filepath.Join(out, "output_1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warmup) == 0 || strings.Contains(errs, "headers only") || !strings.Contains(errs, "the warmup rows") {
		t.Errorf("%d warmup rows kept; stderr:\n%s", len(f.Warmup), errs)
	}
}
