package hmcc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// OutputDir is the output directory of one run (hmcc's --output-dir), used as a transaction (README.md, "What hmcc run
// writes"):
//   - OpenOutputDir takes an exclusive lock on the directory for the whole run, so a second run into it
//     is refused instead of interleaving rows with the first;
//   - it refuses a directory that holds an earlier run's files unless --overwrite, so two runs'
//     chains never stand side by side;
//   - nothing in the directory changes until the run is about to write its first draw: the
//     chain files are prepared under hidden names and Commit then removes every file of the
//     earlier run (all of its output_N.csv, its summary.csv and plots/) and publishes them;
//   - a run that stops before that (bad model, no starting point, interrupted in warmup)
//     leaves the directory as it was, and removes it again if it created it.
type OutputDir struct {
	path      string
	runID     string
	mu        sync.Mutex // held while rows are written (Lock)
	complete  bool       // every row of the run is written
	created   bool       // the run made the directory
	lock      *os.File   // the directory itself, flock'ed
	old       []string   // the earlier run's files, removed by commit (only with --overwrite)
	committed bool
}

// metricFile matches the adapted metrics hmcc run --save-metric writes beside them.
var savedMetricFile = regexp.MustCompile(`^output_([0-9]+)_metric\.json$`)

// OpenOutputDir validates and locks dir before anything else of the run touches it; overwrite
// allows replacing an earlier run's files.
func OpenOutputDir(dir string, overwrite bool) (*OutputDir, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, UserError{errors.New(`--output-dir is empty; name a directory, e.g. --output-dir output (or --output-dir . for the current one)`)}
	}
	o := &OutputDir{path: dir, runID: cmdstan.NewRunID()}
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, UserError{fmt.Errorf("cannot create the output directory %s: %w; choose another --output-dir", dir, err)}
		}
		o.created = true
	case err != nil:
		return nil, UserError{fmt.Errorf("cannot use the output directory: %w", err)}
	case !fi.IsDir():
		return nil, UserError{fmt.Errorf("--output-dir %s is a file, not a directory; name a directory, e.g. --output-dir %s", dir, suggestDir(dir))}
	}
	if err := writable(dir); err != nil {
		return nil, UserError{fmt.Errorf("cannot write into the output directory %s: %w; choose another --output-dir", dir, err)}
	}
	lock, err := LockDir(dir, true)
	if err != nil {
		o.abandon()
		return nil, err
	}
	o.lock = lock
	old, err := runFiles(dir)
	if err != nil {
		o.abandon()
		return nil, fmt.Errorf("reading the output directory: %w", err)
	}
	if len(old) > 0 && !overwrite {
		o.abandon()
		return nil, UserError{fmt.Errorf("the output directory %s holds the files of an earlier run (%s); pass --overwrite to replace them all, or choose another --output-dir", dir, cmdstan.DescribeFiles(withoutCheckpoint(old)))}
	}
	o.old = old
	return o, nil
}

// Path is the directory.
func (o *OutputDir) Path() string { return o.path }

// RunID names the run, as the chain files' headers record it.
func (o *OutputDir) RunID() string { return o.runID }

// Lock holds off the run's writes: Sample writes every row with the lock held, so a process
// that exits while holding it leaves no row split. Complete (read with the lock held) reports
// that every row of the run is written.
func (o *OutputDir) Lock() { o.mu.Lock() }

// Unlock releases Lock.
func (o *OutputDir) Unlock() { o.mu.Unlock() }

// Complete reports that the run has written every row (call it holding Lock).
func (o *OutputDir) Complete() bool { return o.complete }

// Commit removes the earlier run's files; the caller then publishes the new chain files.
func (o *OutputDir) Commit() error {
	for _, p := range o.old {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the earlier run's %s: %w", p, err)
		}
	}
	os.Remove(filepath.Join(o.path, "plots")) // only once empty: a plots/ with other files stays
	o.committed = true
	return nil
}

// Close releases the lock and, when the run never committed and made the directory, removes it
// again (only if it is still empty).
func (o *OutputDir) Close() {
	if o.lock != nil {
		o.lock.Close() // closing the descriptor releases the flock
		o.lock = nil
	}
	if !o.committed && o.created {
		os.Remove(o.path)
	}
}

// abandon is close for a directory that was never locked.
func (o *OutputDir) abandon() { o.Close() }

// runFiles lists what an earlier hmcc run (and hmcc plot) wrote into dir: every output_N.csv,
// output_N_metric.json, summary.csv, the hidden files of a run that was killed while preparing or summarising, and
// the images of plots/.
func runFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		hidden := strings.HasPrefix(name, ".output_") && strings.HasSuffix(name, ".csv.new") ||
			strings.HasPrefix(name, ".summary-") && strings.HasSuffix(name, ".csv")
		hidden = hidden || name == "."+CheckpointName+".tmp"
		if !e.IsDir() && (cmdstan.ChainFile.MatchString(name) || savedMetricFile.MatchString(name) || name == "summary.csv" || name == CheckpointName || hidden) {
			files = append(files, filepath.Join(dir, name))
		}
	}
	plots, err := os.ReadDir(filepath.Join(dir, "plots"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, e := range plots {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".png" || ext == ".svg") {
			files = append(files, filepath.Join(dir, "plots", e.Name()))
		}
	}
	return files, nil
}

// suggestDir proposes a directory name next to a file that was given as --output-dir.
func suggestDir(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if base == "" || base == "." {
		base = "output"
	}
	return filepath.Join(filepath.Dir(path), base+"_out")
}

// WatchSignals is for command-line programs (hmcc run): it turns the first SIGINT or SIGTERM into
// cancel, which stops sampling at the next iteration boundary and still writes the trailers and
// the summary. A second signal exits the process at once with status 130: the user asked twice.
// It takes the directory's lock first, so no chain's CSV is left holding half a row; the files
// then lack only the timing trailer, which readers of CmdStan CSVs treat as optional. The
// returned function stops watching.
func (o *OutputDir) WatchSignals(cancel context.CancelFunc, stderr io.Writer) (stop func()) {
	finished := make(chan struct{})
	// Notify before the watcher starts: a signal that comes before the goroutine first runs must
	// still reach it, not kill the process without closing the chain files.
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go o.watch(sig, cancel, finished, stderr)
	return func() {
		signal.Stop(sig)
		close(finished)
	}
}

func (o *OutputDir) watch(sig <-chan os.Signal, cancel context.CancelFunc, finished <-chan struct{}, stderr io.Writer) {
	for first := true; ; first = false {
		select {
		case <-sig:
		case <-finished:
			return
		}
		o.Lock()
		if o.Complete() {
			fmt.Fprintf(stderr, "\ninterrupted: every draw is written; stopped without the summary (hmcc summary %s prints it)\n", o.Path())
			os.Exit(130)
		}
		o.Unlock()
		if first {
			fmt.Fprintln(stderr, "\ninterrupted: finishing the current iteration and writing what was drawn (interrupt again to stop at once)")
			cancel()
			continue
		}
		o.Lock()
		fmt.Fprintln(stderr, "second interrupt: stopped without the summary; every draw written so far is complete in the chain CSVs")
		os.Exit(130)
	}
}
