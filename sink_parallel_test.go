package hmcc_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// TestParallelRowsEqualSerial: with a hundred chains or more the sink formats and writes the chains'
// rows from several goroutines; the chain files' rows are the ones one goroutine writes, byte
// for byte — a model with a matrix parameter, a reported let and the log-likelihood columns,
// and one drawing generated quantities from each chain's stream.
func TestParallelRowsEqualSerial(t *testing.T) {
	for _, tc := range []struct{ model, data string }{
		{"models/mvn.model", "models/mvn.csv"},
		{"cmd/hmcc/testdata/kidiq_ppc.model", "models/kidiq.csv"},
	} {
		t.Run(filepath.Base(tc.model), func(t *testing.T) {
			m, err := hmcc.CompileFile(tc.model, hmcc.File(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			const chains, warmup, draws = 128, 10, 3
			run := func(procs int) string {
				defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(procs))
				dir := t.TempDir()
				out, err := hmcc.OpenOutputDir(dir, true)
				if err != nil {
					t.Fatal(err)
				}
				defer out.Close()
				cfg := hmcc.Config{Warmup: warmup, Draws: draws, Seed: 3, Sampler: "hmc", LogLik: true,
					StepSize: 0.1, PathLength: 0.2, MaxSteps: 4, // the rows are under test, not the sampler: short trajectories
					Output: &hmcc.Output{Dir: out, SaveWarmup: true, Header: cmdstan.Config{Model: "m"}}}
				fit, err := m.Sample(context.Background(), hmcc.Target{Chains: chains, Threads: 1}, cfg)
				if err != nil {
					t.Fatal(err)
				}
				fit.Close()
				return dir
			}
			serial, parallel := run(1), run(4)
			for c := 1; c <= chains; c++ {
				name := fmt.Sprintf("output_%d.csv", c)
				want, got := csvRows(t, filepath.Join(serial, name)), csvRows(t, filepath.Join(parallel, name))
				if len(want) != 1+warmup+draws {
					t.Fatalf("%s: %d rows with the header, want %d", name, len(want), 1+warmup+draws)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s: the rows written in parallel differ from the serial ones", name)
				}
			}
		})
	}
}

// csvRows is a chain file's lines that are not comments.
func csvRows(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "#") {
			rows = append(rows, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}
