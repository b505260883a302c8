// Package cmdstan writes draws in CmdStan's CSV format, which rstan's read_stan_csv, the posterior
// and ArviZ packages, and CmdStanPy read. One file per chain.
package cmdstan

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SamplerColumns are CmdStan's per-iteration sampler diagnostics, in its order.
var SamplerColumns = []string{"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"}

// Config is what the header comment records about the run.
//
// The header follows CmdStan's sampler CSV closely enough for the readers people use (rstan's
// read_stan_csv, cmdstanr, CmdStanPy, ArviZ's from_cmdstan): CmdStanPy 1.2's parser
// (cmdstanpy/utils/stancsv.py: scan_config, scan_hmc_params, scan_sampling_iters, scan_time)
// requires method, num_samples, num_warmup, save_warmup, thin, metric and max_depth among the
// header's key = value lines, then "# Adaptation terminated", "# Step size = …", the metric's
// heading and values, the draws, and nothing but the timing lines after them. What hmcc did that
// CmdStan has no key for is said in hmcc_* lines (README.md, "What hmcc run writes").
type Config struct {
	Model        string
	DataFile     string
	Chain        int // 1-based
	Seed         uint64
	Warmup       int
	Draws        int // iterations after warmup (CmdStan's num_samples); ceil(Draws/Thin) rows are kept
	Thin         int // keep every Thin-th iteration; 0 means 1
	SaveWarmup   bool
	TargetAccept float64
	PathLength   float64
	Version      string
	// Engine is CmdStan's name for the sampler: "nuts", or "static" for fixed-length
	// trajectories (hmc and chees); MaxDepth is NUTS's maximum tree depth.
	Engine   string
	MaxDepth int
	// Sampler is hmcc's name for the kernel (chees, nuts, hmc); MaxSteps caps leapfrog steps.
	Sampler  string
	MaxSteps int
	// Metric is CmdStan's name for the metric: "diag_e" (the default) or "dense_e"; MetricFile
	// is the file the initial inverse metric came from, if any.
	Metric     string
	MetricFile string
	// Init is the file of initial values (CmdStan's init = path); "" for the default.
	Init    string
	Chains  int
	Threads int
	// Superchains is the number of superchains sharing initial points (0: none).
	Superchains int
	Device      string
	Precision   string
	// LogDensity says what lp__ holds, e.g. "stan_convention" or "fully_normalised".
	LogDensity string
	// Bounds lists the parameters with a bounded support, "name:lo:hi;…", for plots that keep
	// densities inside them.
	Bounds string
	// RunID names the run the file belongs to, the same in every chain's file, so that readers
	// can tell one run's chains from another's left in the same directory. Written as the
	// comment "# hmcc_run_id = ID" at the end of the header (omitted when empty).
	RunID string
	// LogLik is the number of pointwise log-likelihood columns (log_lik.1 …) after the model's
	// quantities, 0 for none: "# hmcc_log_lik = M" tells hmcc summary to leave them out, as
	// hmcc run's own summary does, and not a quantity of the model's that is named log_lik.
	LogLik int
	// Shard is the shard the file's chain belongs to, "i/n" (hmcc run --shard; "1/1" when the
	// run was not split): "# hmcc_shard = i/n". Chain is then the global chain id + 1.
	Shard string
	// ModelHash and DataHash identify the inputs, "sha256:HEX" ("# hmcc_model_hash",
	// "# hmcc_data_hash"), so that shards of one run can be told from shards of another.
	ModelHash, DataHash string
	// RNG names the random number generator the draws came from ("# hmcc_rng"), e.g.
	// "philox4x32-10"; omitted when empty.
	RNG string
}

// slotWidth is the room kept in the header for a value learned during the run (a float64 in
// its shortest form takes at most 24 characters); Fill writes the value there in place.
const slotWidth = 24

// pending is what a slot holds until Fill writes it: a run stopped before adaptation ended
// learned nothing.
const pending = "not_learned"

// Writer appends one chain's draws to a CSV file.
type Writer struct {
	f       *os.File
	out     *countingFile
	w       *bufio.Writer
	buf     []byte
	metric  string
	slots   map[string]int64 // header offset of each learned value's slot
	path    string           // the file's name once published
	pending string           // the hidden name it is written under until Publish; "" when none
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
	w := &Writer{f: f, out: out, w: bufio.NewWriterSize(out, 8<<10), metric: cfg.metric(), path: path}
	header, slots := cfg.header(path)
	w.slots = slots
	w.w.WriteString(header)
	if cfg.RunID != "" {
		fmt.Fprintf(w.w, "# hmcc_run_id = %s\n", cfg.RunID)
	}
	w.w.WriteString(strings.Join(append(append([]string(nil), SamplerColumns...), columns...), ","))
	w.w.WriteByte('\n')
	return w, w.Flush()
}

func (cfg Config) metric() string {
	if cfg.Metric == "" {
		return "diag_e"
	}
	return cfg.Metric
}

// header returns the comment lines before the column names and where each learned value's
// slot begins.
func (cfg Config) header(path string) (string, map[string]int64) {
	var b strings.Builder
	slots := map[string]int64{}
	line := func(indent int, key string, value any) {
		fmt.Fprintf(&b, "#%s%s = %v\n", strings.Repeat(" ", indent), key, value)
	}
	section := func(indent int, name string) { fmt.Fprintf(&b, "#%s%s\n", strings.Repeat(" ", indent), name) }
	slot := func(indent int, key string) {
		fmt.Fprintf(&b, "#%s%s = ", strings.Repeat(" ", indent), key)
		slots[key] = int64(b.Len())
		fmt.Fprintf(&b, "%-*s\n", slotWidth, pending)
	}
	flag := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	thin := max(cfg.Thin, 1)
	// The stan_version lines name the CmdStan CSV layout these files follow (readers key on
	// them); no Stan code ran, which hmcc_version and hmcc_sampler say.
	line(1, "stan_version_major", 2)
	line(1, "stan_version_minor", 21)
	line(1, "stan_version_patch", 0)
	line(1, "hmcc_version", cfg.Version)
	line(1, "model", cfg.Model)
	line(1, "method", "sample (Default)")
	section(3, "sample")
	// num_samples and num_warmup are slots: --target-ess and --warmup auto learn them during
	// the run, and FillCount writes the final counts in place (readers trim the padding).
	count := func(indent int, key string, value int) {
		fmt.Fprintf(&b, "#%s%s = ", strings.Repeat(" ", indent), key)
		slots[key] = int64(b.Len())
		fmt.Fprintf(&b, "%-*d\n", countWidth, value)
	}
	count(5, "num_samples", cfg.Draws)
	count(5, "num_warmup", cfg.Warmup)
	line(5, "save_warmup", flag(cfg.SaveWarmup))
	line(5, "thin", thin)
	section(5, "adapt")
	line(7, "engaged", flag(cfg.Warmup > 0))
	line(7, "gamma", "0.050000000000000003 (Default)")
	line(7, "delta", strconv.FormatFloat(cfg.TargetAccept, 'g', -1, 64))
	line(7, "kappa", "0.75 (Default)")
	line(7, "t0", "10 (Default)")
	line(7, "init_buffer", "75 (Default)")
	line(7, "term_buffer", "50 (Default)")
	line(7, "window", "25 (Default)")
	line(5, "algorithm", "hmc (Default)")
	section(7, "hmc")
	if cfg.Engine == "nuts" {
		line(9, "engine", "nuts (Default)")
		section(11, "nuts")
		line(13, "max_depth", cfg.MaxDepth)
	} else {
		// ChEES and hmc integrate trajectories of a set length, CmdStan's static engine;
		// int_time is the mean integration time (learned by ChEES). No tree is built, so
		// treedepth__ is 0; max_depth, which CmdStanPy requires, is the depth of a NUTS tree of
		// as many leapfrog steps as --max-steps allows.
		line(9, "engine", "static")
		section(11, "static")
		if cfg.Sampler == "chees" {
			slot(13, "int_time")
		} else {
			line(13, "int_time", strconv.FormatFloat(cfg.PathLength, 'g', -1, 64))
		}
		line(13, "max_depth", depthOf(cfg.MaxSteps))
	}
	// The metric is a slot too: with save_warmup the header is written before warmup has
	// chosen it (--metric auto), and SetMetric corrects it in place.
	fmt.Fprintf(&b, "#%smetric = ", strings.Repeat(" ", 9))
	slots["metric"] = int64(b.Len())
	fmt.Fprintf(&b, "%-*s\n", len("dense_e"), cfg.metric())
	if cfg.MetricFile != "" {
		line(9, "metric_file", cfg.MetricFile)
	}
	line(9, "stepsize", "1 (Default)")
	line(9, "stepsize_jitter", "0 (Default)")
	line(1, "id", cfg.Chain)
	section(1, "data")
	line(3, "file", cfg.DataFile)
	if cfg.Init != "" {
		line(1, "init", cfg.Init)
	} else {
		line(1, "init", "2 (Default)")
	}
	section(1, "random")
	line(3, "seed", cfg.Seed)
	section(1, "output")
	line(3, "file", path)
	// What hmcc ran, in keys CmdStan does not have.
	line(1, "hmcc_sampler", cfg.Sampler)
	line(1, "hmcc_chains", cfg.Chains)
	line(1, "hmcc_threads", cfg.Threads)
	line(1, "hmcc_superchains", cfg.Superchains)
	for _, kv := range [][2]string{{"hmcc_shard", cfg.Shard}, {"hmcc_model_hash", cfg.ModelHash}, {"hmcc_data_hash", cfg.DataHash}, {"hmcc_rng", cfg.RNG}} {
		if kv[1] != "" {
			line(1, kv[0], kv[1])
		}
	}
	if cfg.Device != "" {
		line(1, "hmcc_device", cfg.Device)
	}
	if cfg.Precision != "" {
		line(1, "hmcc_precision", cfg.Precision)
	}
	if cfg.Sampler != "nuts" {
		line(1, "hmcc_max_steps", cfg.MaxSteps)
	}
	slot(1, "hmcc_step_size")
	switch cfg.Sampler {
	case "chees":
		slot(1, "hmcc_trajectory_length")
	case "hmc":
		line(1, "hmcc_trajectory_length", strconv.FormatFloat(cfg.PathLength, 'g', -1, 64))
	}
	if cfg.LogDensity != "" {
		line(1, "hmcc_lp", cfg.LogDensity)
	}
	if cfg.Bounds != "" {
		line(1, "hmcc_bounds", cfg.Bounds)
	}
	if cfg.LogLik > 0 {
		line(1, "hmcc_log_lik", cfg.LogLik)
	}
	return b.String(), slots
}

// depthOf is the depth of a NUTS tree with at least steps leapfrog steps: ⌈log2 steps⌉.
func depthOf(steps int) int {
	d := 0
	for (1 << d) < steps {
		d++
	}
	return d
}

// Fill writes a value learned during the run into its slot in the header, in place (a chees
// run's int_time and hmcc_trajectory_length, every run's hmcc_step_size). A key the header
// has no slot for is ignored.
func (w *Writer) Fill(key string, value float64) error {
	at, ok := w.slots[key]
	if !ok {
		return nil
	}
	s := formatFloat(value)
	if len(s) > slotWidth {
		return fmt.Errorf("cmdstan: %s = %s does not fit its header slot", key, s)
	}
	_, err := w.f.WriteAt([]byte(fmt.Sprintf("%-*s", slotWidth, s)), at)
	return err
}

// countWidth is the room kept for num_samples and num_warmup: any count up to 10¹⁰ − 1.
const countWidth = 10

// FillCount writes a count learned during the run (num_samples, num_warmup) into its slot in
// the header, in place.
func (w *Writer) FillCount(key string, n int) error {
	at, ok := w.slots[key]
	if !ok || (key != "num_samples" && key != "num_warmup") {
		return fmt.Errorf("cmdstan: no count slot %q", key)
	}
	s := strconv.Itoa(n)
	if n < 0 || len(s) > countWidth {
		return fmt.Errorf("cmdstan: %s = %s does not fit its header slot", key, s)
	}
	_, err := w.f.WriteAt([]byte(fmt.Sprintf("%-*s", countWidth, s)), at)
	return err
}

// SetMetric makes the header's metric, and the form Adaptation writes, CmdStan's name for the
// metric sampling uses: "diag_e" or "dense_e".
func (w *Writer) SetMetric(name string) error {
	if name != "diag_e" && name != "dense_e" {
		return fmt.Errorf("cmdstan: unknown metric %q", name)
	}
	w.metric = name
	at, ok := w.slots["metric"]
	if !ok {
		return nil
	}
	_, err := w.f.WriteAt([]byte(fmt.Sprintf("%-*s", len("dense_e"), name)), at)
	return err
}

// Adaptation records the tuned step size and inverse metric where CmdStan does, after the
// warmup rows and before the draws (a dense metric, len(invMetric) = n², one row per line), and
// fills the header's hmcc_step_size.
func (w *Writer) Adaptation(stepSize float64, invMetric []float64) error {
	if err := w.Fill("hmcc_step_size", stepSize); err != nil {
		return err
	}
	fmt.Fprintf(w.w, "# Adaptation terminated\n# Step size = %s\n", formatFloat(stepSize))
	rows := [][]float64{invMetric}
	if w.metric == "dense_e" {
		fmt.Fprintf(w.w, "# Elements of inverse mass matrix:\n")
		n := int(math.Round(math.Sqrt(float64(len(invMetric)))))
		if n*n != len(invMetric) {
			return fmt.Errorf("cmdstan: a dense inverse metric of %d elements is not square", len(invMetric))
		}
		rows = rows[:0]
		for i := range n {
			rows = append(rows, invMetric[i*n:(i+1)*n])
		}
	} else {
		fmt.Fprintf(w.w, "# Diagonal elements of inverse mass matrix:\n")
	}
	for _, row := range rows {
		w.w.WriteString("# ")
		for i, v := range row {
			if i > 0 {
				w.w.WriteString(", ")
			}
			w.w.WriteString(formatFloat(v))
		}
		w.w.WriteByte('\n')
	}
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
