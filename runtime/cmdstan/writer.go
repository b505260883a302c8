// Package cmdstan writes draws in CmdStan's CSV format, which rstan's read_stan_csv, the posterior
// and ArviZ packages, and CmdStanPy read. One file per chain.
package cmdstan

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SamplerColumns are CmdStan's per-iteration sampler diagnostics, in its order.
var SamplerColumns = []string{"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"}

// Config is what the header comment records about the run.
type Config struct {
	Model        string
	DataFile     string
	Chain        int // 1-based
	Seed         uint64
	Warmup       int
	Draws        int
	TargetAccept float64
	PathLength   float64
	Version      string
	// Engine is CmdStan's name for the sampler: "nuts", or "static" for fixed-length
	// trajectories (hmc and chees); MaxDepth is NUTS's maximum tree depth.
	Engine   string
	MaxDepth int
	// RunID names the run the file belongs to, the same in every chain's file, so that readers
	// can tell one run's chains from another's left in the same directory. Written as the
	// comment "# hmcc_run_id = ID" at the end of the header (omitted when empty).
	RunID string
}

// Writer appends one chain's draws to a CSV file.
type Writer struct {
	f       *os.File
	out     *countingFile
	w       *bufio.Writer
	buf     []byte
	path    string // the file's name once published
	pending string // the hidden name it is written under until Publish; "" when none
}

// countingFile counts the bytes that reached the file, so that a failed write can be cut back
// to the end of the last whole row.
type countingFile struct {
	f *os.File
	n int64
}

func (c *countingFile) Write(p []byte) (int, error) {
	n, err := c.f.Write(p)
	c.n += int64(n)
	return n, err
}

// Create opens path and writes the configuration header and the column names.
func Create(path string, cfg Config, columns []string) (*Writer, error) {
	return create(path, path, cfg, columns)
}

// CreatePending is Create writing under a hidden name beside path (".output_1.csv.new" for
// output_1.csv) until Publish renames it to path: a run can prepare every chain's file before
// it replaces anything an earlier run left.
func CreatePending(path string, cfg Config, columns []string) (*Writer, error) {
	w, err := create(PendingName(path), path, cfg, columns)
	if w != nil {
		w.pending = PendingName(path)
	}
	return w, err
}

// PendingName is the hidden name CreatePending writes path's content under.
func PendingName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".new")
}

// Publish gives a file made by CreatePending its real name, replacing any file of that name.
func (w *Writer) Publish() error {
	if w.pending == "" {
		return nil
	}
	if err := os.Rename(w.pending, w.path); err != nil {
		return err
	}
	w.pending = ""
	return nil
}

// Discard closes the file and removes it if it was never published.
func (w *Writer) Discard() {
	w.f.Close()
	if w.pending != "" {
		os.Remove(w.pending)
	}
}

// Path is the file's published name.
func (w *Writer) Path() string { return w.path }

// Written is the number of bytes that reached the file; after a successful Flush it is the
// length of the file.
func (w *Writer) Written() int64 { return w.out.n }

// CutTo truncates the file to its first size bytes and closes it, dropping whatever a failed
// write left after the last whole row (size is a Written value taken after a successful Flush).
func (w *Writer) CutTo(size int64) error {
	err := w.f.Truncate(size)
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func create(name, path string, cfg Config, columns []string) (*Writer, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	// Rows are flushed every iteration, so the buffer only ever holds one; 8 KiB keeps the
	// writers of 1024 chains at 8 MB (a larger row is written through directly).
	out := &countingFile{f: f}
	w := &Writer{f: f, out: out, w: bufio.NewWriterSize(out, 8<<10), path: path}
	fmt.Fprintf(w.w, `# stan_version_major = 2
# stan_version_minor = 21
# stan_version_patch = 0
# hmcc_version = %s
# model = %s
# method = sample (Default)
#   sample
#     num_samples = %d
#     num_warmup = %d
#     save_warmup = 0 (Default)
#     thin = 1 (Default)
#     adapt
#       engaged = 1 (Default)
#       gamma = 0.050000000000000003 (Default)
#       delta = %g
#       kappa = 0.75 (Default)
#       t0 = 10 (Default)
#       init_buffer = 75 (Default)
#       term_buffer = 50 (Default)
#       window = 25 (Default)
#     algorithm = hmc (Default)
#       hmc
%s#         metric = diag_e (Default)
#         stepsize = 1 (Default)
#         stepsize_jitter = 0 (Default)
# id = %d
# data
#   file = %s
# init = 2 (Default)
# random
#   seed = %d
# output
#   file = %s
`, cfg.Version, cfg.Model, cfg.Draws, cfg.Warmup, cfg.TargetAccept, engineBlock(cfg), cfg.Chain, cfg.DataFile, cfg.Seed, path)
	if cfg.RunID != "" {
		fmt.Fprintf(w.w, "# hmcc_run_id = %s\n", cfg.RunID)
	}
	w.w.WriteString(strings.Join(append(append([]string(nil), SamplerColumns...), columns...), ","))
	w.w.WriteByte('\n')
	return w, w.Flush()
}

func engineBlock(cfg Config) string {
	if cfg.Engine == "nuts" {
		return fmt.Sprintf("#         engine = nuts (Default)\n#           nuts\n#             max_depth = %d\n", cfg.MaxDepth)
	}
	return fmt.Sprintf("#         engine = static\n#           static\n#             int_time = %g\n", cfg.PathLength)
}

// Adaptation records the tuned step size and inverse metric, as CmdStan does after warmup.
func (w *Writer) Adaptation(stepSize float64, invMetric []float64) error {
	fmt.Fprintf(w.w, "# Adaptation terminated\n# Step size = %s\n# Diagonal elements of inverse mass matrix:\n# ", formatFloat(stepSize))
	for i, v := range invMetric {
		if i > 0 {
			w.w.WriteString(", ")
		}
		w.w.WriteString(formatFloat(v))
	}
	w.w.WriteByte('\n')
	return w.Flush()
}

// Row appends one draw: the sampler columns then the values.
func (w *Writer) Row(lp, accept, stepSize float64, treeDepth, nLeapfrog int, divergent bool, energy float64, values []float64) error {
	b := w.buf[:0]
	b = appendFloat(b, lp)
	b = append(b, ',')
	b = appendFloat(b, accept)
	b = append(b, ',')
	b = appendFloat(b, stepSize)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(treeDepth), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(nLeapfrog), 10)
	b = append(b, ',')
	if divergent {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	b = append(b, ',')
	b = appendFloat(b, energy)
	for _, v := range values {
		b = append(b, ',')
		b = appendFloat(b, v)
	}
	b = append(b, '\n')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// Flush pushes buffered rows to the file so that an interrupted run keeps them.
func (w *Writer) Flush() error { return w.w.Flush() }

// Close writes CmdStan's timing trailer and closes the file.
func (w *Writer) Close(warmup, sampling time.Duration) error {
	fmt.Fprintf(w.w, "# \n#  Elapsed Time: %.3f seconds (Warm-up)\n#                %.3f seconds (Sampling)\n#                %.3f seconds (Total)\n# \n",
		warmup.Seconds(), sampling.Seconds(), (warmup + sampling).Seconds())
	if err := w.w.Flush(); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}

// appendFloat writes the shortest representation that reads back to the same float64, so
// draws survive a write/read round trip exactly.
func appendFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'g', -1, 64) }

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
