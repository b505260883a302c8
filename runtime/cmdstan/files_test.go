package cmdstan

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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
	if err := WriteMetricFile(path, 0.5, []float64{1.5, 2}, 2); err != nil {
		t.Fatal(err)
	}
	got, eps, err := ReadMetricFile(path, 2)
	if err != nil || !reflect.DeepEqual(got, []float64{1.5, 2}) || eps != 0.5 {
		t.Errorf("ReadMetricFile = %v, %v, %v", got, eps, err)
	}
	if _, _, err := ReadMetricFile(path, 3); err == nil || !strings.Contains(err.Error(), "has 2 elements") {
		t.Errorf("wrong length: %v", err)
	}
	// A dense metric is written as the matrix (dense_e) and read back row-major.
	dense := []float64{2, 0.5, 0.5, 1}
	if err := WriteMetricFile(path, 0.25, dense, 2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mustReadFile(t, path)), `"dense_e"`) {
		t.Errorf("dense metric file:\n%s", mustReadFile(t, path))
	}
	if got, eps, err := ReadMetricFile(path, 2); err != nil || !reflect.DeepEqual(got, dense) || eps != 0.25 {
		t.Errorf("dense ReadMetricFile = %v, %v, %v", got, eps, err)
	}
	// CmdStan's own metric files may hold only the metric: no step size, 0.
	os.WriteFile(path, []byte(`{"inv_metric": [1, 2]}`), 0o644)
	if _, eps, err := ReadMetricFile(path, 2); err != nil || eps != 0 {
		t.Errorf("no stepsize entry: %v, %v", eps, err)
	}
	os.WriteFile(path, []byte(`{"stepsize": -1, "inv_metric": [1, 2]}`), 0o644)
	if _, _, err := ReadMetricFile(path, 2); err == nil || !strings.Contains(err.Error(), `"stepsize" is -1`) {
		t.Errorf("negative stepsize: %v", err)
	}
}

// DescribeFiles names the first and last chain in numeric order and a few other files.
func TestDescribeFiles(t *testing.T) {
	got := DescribeFiles([]string{"d/output_10.csv", "d/output_2.csv", "d/output_1.csv", "d/summary.csv", "d/plots/trace.png"})
	if want := "output_1.csv … output_10.csv, summary.csv, plots/trace.png"; got != want {
		t.Errorf("DescribeFiles = %q, want %q", got, want)
	}
	if got := DescribeFiles([]string{"d/output_1.csv", "d/a.json", "d/b.json", "d/c.json", "d/e.json"}); got != "output_1.csv, a.json, b.json, c.json, 1 more" {
		t.Errorf("DescribeFiles = %q", got)
	}
	if id := NewRunID(); !regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$`).MatchString(id) || id == NewRunID() {
		t.Errorf("NewRunID = %q, want a time and 32 random bits, new each call", id)
	}
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
