package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The draws depend on the seed, the chain count, the model and the data only: --threads 1 and
// --threads 2 give byte-identical chain CSVs
// apart from the header comments, for every sampler. 12 chains are two blocks of 6.
func TestDrawsDoNotDependOnThreads(t *testing.T) {
	for _, sampler := range []string{"chees", "nuts", "hmc"} {
		t.Run(sampler, func(t *testing.T) {
			var first []string
			for _, threads := range []string{"1", "2"} {
				dir := t.TempDir()
				code, out, errs := hmcc(t, "run", "../../models/kidiq.model", "../../models/kidiq.csv", "--chains", "12",
					"--warmup", "100", "--draws", "20", "--seed", "5", "--sampler", sampler, "--threads", threads,
					"--output-dir", dir, "--quiet")
				if code != 0 {
					t.Fatalf("exit %d\n%s\n%s", code, out, errs)
				}
				var rows []string
				for c := 1; c <= 12; c++ {
					b, err := os.ReadFile(filepath.Join(dir, "output_"+strconv.Itoa(c)+".csv"))
					if err != nil {
						t.Fatal(err)
					}
					for _, line := range strings.Split(string(b), "\n") {
						if !strings.HasPrefix(line, "#") {
							rows = append(rows, line)
						}
					}
				}
				if first == nil {
					first = rows
					continue
				}
				if len(rows) != len(first) {
					t.Fatalf("threads %s: %d rows, threads 1: %d", threads, len(rows), len(first))
				}
				for i := range rows {
					if rows[i] != first[i] {
						t.Fatalf("threads %s differs from threads 1 at row %d:\n%s\n%s", threads, i, rows[i], first[i])
					}
				}
			}
		})
	}
}
