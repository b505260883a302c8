package cmdstan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeChain writes an hmcc chain file of the given run with draws rows over columns.
func writeChain(t *testing.T, dir, name, runID string, draws int, columns ...string) {
	t.Helper()
	cfg := Config{Model: "m.model", DataFile: "d.csv", Chain: 1, Seed: 3, Warmup: 10, Draws: draws, TargetAccept: 0.8,
		Version: "test", Engine: "nuts", MaxDepth: 10, RunID: runID}
	w, err := Create(filepath.Join(dir, name), cfg, columns)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Adaptation(0.5, make([]float64, len(columns))); err != nil {
		t.Fatal(err)
	}
	for i := range draws {
		if err := w.Row(-1, 0.9, 0.5, 2, 3, false, 1.5, make([]float64, len(columns))); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if err := w.Close(time.Second, time.Second); err != nil {
		t.Fatal(err)
	}
}

// A whole run reads back in chain order (output_2 before output_10), with the CSVs beside it
// (summary.csv, a data file) left out.
func TestReadChainDirWholeRun(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"output_10.csv", "output_2.csv", "output_1.csv"} {
		writeChain(t, dir, n, "R1", 4, "a", "b")
	}
	for i := 3; i <= 9; i++ {
		writeChain(t, dir, "output_"+string(rune('0'+i))+".csv", "R1", 4, "a", "b")
	}
	for _, n := range []string{"summary.csv", "data.csv"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x\n1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := ReadChainDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Paths) != 10 || len(set.Files) != 10 || set.Draws != 4 {
		t.Fatalf("%d paths, %d files, %d draws; want 10, 10, 4", len(set.Paths), len(set.Files), set.Draws)
	}
	for i, p := range set.Paths {
		if ChainNumber(p) != i+1 {
			t.Errorf("chain %d is %s", i+1, filepath.Base(p))
		}
	}
}

// CmdStan's own file names are read when there is no output_N.csv; its chains of one run share
// the model and seed, and files of two seeds are refused naming both.
func TestReadChainDirCmdStanNames(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"fit-2.csv", "fit-1.csv", "summary.csv"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(cmdstanOutput), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := ReadChainDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Files) != 2 || filepath.Base(set.Paths[0]) != "fit-1.csv" || set.Draws != 3 {
		t.Errorf("read %v, %d draws", set.Paths, set.Draws)
	}
	other := strings.Replace(cmdstanOutput, "seed = 1234", "seed = 99", 1)
	if other == cmdstanOutput {
		t.Fatal("the test's CmdStan output has no seed = 1234 line")
	}
	if err := os.WriteFile(filepath.Join(dir, "fit-2.csv"), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadChainDir(dir)
	if err == nil || !strings.Contains(err.Error(), "mixes the chains of 2 runs (fit-1.csv are from model bernoulli_model, seed 1234; fit-2.csv are from model bernoulli_model, seed 99)") {
		t.Errorf("two seeds: %v", err)
	}
}

// Each kind of mixture is refused with a message that says what is wrong.
func TestReadChainDirRefusesMixtures(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(t *testing.T, dir string)
		want  string
	}{
		{"empty", func(t *testing.T, dir string) {}, "holds no chain CSVs"},
		{"missing chain", func(t *testing.T, dir string) {
			writeChain(t, dir, "output_1.csv", "R1", 2, "a")
			writeChain(t, dir, "output_3.csv", "R1", 2, "a")
		}, "has output_1.csv, output_3.csv but no output_2.csv: a chain is missing"},
		{"two runs", func(t *testing.T, dir string) {
			writeChain(t, dir, "output_1.csv", "R1", 2, "a")
			writeChain(t, dir, "output_2.csv", "R2", 2, "a")
		}, "mixes the chains of 2 runs (output_1.csv are from run R1; output_2.csv are from run R2)"},
		{"no run id", func(t *testing.T, dir string) {
			writeChain(t, dir, "output_1.csv", "R1", 2, "a")
			writeChain(t, dir, "output_2.csv", "", 2, "a")
		}, "output_2.csv are from an hmcc run without a run id"},
		{"columns", func(t *testing.T, dir string) {
			writeChain(t, dir, "output_1.csv", "R1", 2, "a")
			writeChain(t, dir, "output_2.csv", "R1", 2, "b")
		}, "output_2.csv has other columns than "},
		{"lengths", func(t *testing.T, dir string) {
			writeChain(t, dir, "output_1.csv", "R1", 3, "a")
			writeChain(t, dir, "output_2.csv", "R1", 1, "a")
		}, "have different numbers of draws (output_1.csv 3, output_2.csv 1)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.write(t, dir)
			if _, err := ReadChainDir(dir); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// drawCounts names at most six files, then an ellipsis.
func TestDrawCountsShortens(t *testing.T) {
	var paths []string
	var files []*File
	for i := 1; i <= 8; i++ {
		paths = append(paths, filepath.Join("d", "output_"+string(rune('0'+i))+".csv"))
		files = append(files, &File{Draws: make([][]float64, i)})
	}
	want := "output_1.csv 1, output_2.csv 2, output_3.csv 3, output_4.csv 4, output_5.csv 5, output_6.csv 6, …"
	if got := drawCounts(paths, files); got != want {
		t.Errorf("drawCounts = %q, want %q", got, want)
	}
}
