package cmdstan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A file reopened at a recorded length loses what came after it (rows, part of one, the
// trailer) and goes on as one never closed: the same bytes as a file written in one go, with
// the learned values still fillable in the header. A file whose header is not the run's is
// refused and left alone.
func TestReopenContinuesAFileAsIfNeverClosed(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Model: "m.model", DataFile: "d.csv", Chain: 2, Seed: 9, Warmup: 10, Draws: 3, TargetAccept: 0.8,
		PathLength: 3, Version: "test", Sampler: "chees", RunID: "r1"}
	cols := []string{"a"}
	write := func(path string, rows int) (*Writer, int64) {
		w, err := Create(path, cfg, cols)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Adaptation(0.5, []float64{2}); err != nil {
			t.Fatal(err)
		}
		var mark int64
		for i := 0; i < rows; i++ {
			if err := w.Row(-1, 0.9, 0.5, 0, 3, false, 2, []float64{float64(i) / 3}); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				mark = w.Written()
			}
		}
		return w, mark
	}
	finish := func(w *Writer) {
		if err := w.Fill("int_time", 1.25); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(time.Second, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	whole := filepath.Join(dir, "whole.csv")
	w, _ := write(whole, 3)
	finish(w)

	path := filepath.Join(dir, "output_2.csv")
	w, mark := write(path, 2)
	w.w.WriteString("-1,0.9,0.") // a row cut short by a kill
	w.Flush()
	w.f.Close()
	r, err := Reopen(path, path, cfg, cols, "diag_e", mark)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if err := r.Row(-1, 0.9, 0.5, 0, 3, false, 2, []float64{float64(i) / 3}); err != nil {
			t.Fatal(err)
		}
	}
	finish(r)
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(path)
	if strings.Replace(string(a), whole, path, 1) != string(b) { // the header names each file
		t.Errorf("reopened file:\n%s\nwritten in one go:\n%s", b, a)
	}

	edited := strings.Replace(string(b), "seed = 9", "seed = 8", 1)
	os.WriteFile(path, []byte(edited), 0o644)
	if _, err := Reopen(path, path, cfg, cols, "diag_e", mark); err == nil || !strings.Contains(err.Error(), "is not the one this run wrote") {
		t.Errorf("an edited header: %v", err)
	}
	if _, err := Reopen(path, path, cfg, cols, "diag_e", int64(len(edited)+1)); err == nil || !strings.Contains(err.Error(), "the checkpoint describes") {
		t.Errorf("a file shorter than recorded: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != edited {
		t.Error("a refused Reopen changed the file")
	}
}
