package cmdstan

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ChainFiles lists the chains in their numeric order (output_2 before output_10), and falls back
// to every CSV but summary.csv for a directory written by another tool.
func TestChainFilesOrder(t *testing.T) {
	touch := func(dir string, names ...string) {
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := t.TempDir()
	touch(dir, "output_10.csv", "output_2.csv", "output_1.csv", "summary.csv", "other.csv")
	got, err := ChainFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"output_1.csv", "output_2.csv", "output_10.csv"}
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChainFiles = %v, want %v", got, want)
	}
	other := t.TempDir()
	touch(other, "fit-2.csv", "fit-1.csv", "summary.csv")
	got, err = ChainFiles(other)
	if err != nil || len(got) != 2 || filepath.Base(got[0]) != "fit-1.csv" {
		t.Errorf("another tool's files: %v, %v", got, err)
	}
	if _, err := ChainFiles(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no chain CSVs") {
		t.Errorf("empty directory: %v", err)
	}
}

// A metric file round-trips, and one of the wrong length is refused with the count.
func TestMetricFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.json")
	if err := WriteMetricFile(path, 0.5, []float64{1.5, 2}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMetricFile(path, 2)
	if err != nil || !reflect.DeepEqual(got, []float64{1.5, 2}) {
		t.Errorf("ReadMetricFile = %v, %v", got, err)
	}
	if _, err := ReadMetricFile(path, 3); err == nil || !strings.Contains(err.Error(), "has 2 elements") {
		t.Errorf("wrong length: %v", err)
	}
}
