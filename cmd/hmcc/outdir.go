package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// outputDir is the --output-dir of one run, used as a transaction (README.md, "What hmcc run
// writes"):
//   - open takes an exclusive lock on the directory for the whole run, so a second run into it
//     is refused instead of interleaving rows with the first;
//   - it refuses a directory that holds an earlier run's files unless --overwrite, so two runs'
//     chains never stand side by side;
//   - nothing in the directory changes until the run is about to write its first draw: the
//     chain files are prepared under hidden names and commit then removes every file of the
//     earlier run (all of its output_N.csv, its summary.csv and plots/) and publishes them;
//   - a run that stops before that (bad model, no starting point, interrupted in warmup)
//     leaves the directory as it was, and removes it again if it created it.
type outputDir struct {
	path      string
	runID     string
	created   bool     // the run made the directory
	lock      *os.File // the directory itself, flock'ed
	old       []string // the earlier run's files, removed by commit (only with --overwrite)
	committed bool
}

// chainFile matches the chain CSVs hmcc run writes.
var chainFile = regexp.MustCompile(`^output_([0-9]+)\.csv$`)

// metricFile matches the adapted metrics hmcc run --save-metric writes beside them.
var savedMetricFile = regexp.MustCompile(`^output_([0-9]+)_metric\.json$`)

// openOutputDir validates and locks dir before anything else of the run touches it.
func openOutputDir(dir string, overwrite bool) (*outputDir, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, userError{errors.New(`--output-dir is empty; name a directory, e.g. --output-dir output (or --output-dir . for the current one)`)}
	}
	o := &outputDir{path: dir, runID: newRunID()}
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, userError{fmt.Errorf("cannot create the output directory %s: %w; choose another --output-dir", dir, err)}
		}
		o.created = true
	case err != nil:
		return nil, userError{fmt.Errorf("cannot use the output directory: %w", err)}
	case !fi.IsDir():
		return nil, userError{fmt.Errorf("--output-dir %s is a file, not a directory; name a directory, e.g. --output-dir %s", dir, suggestDir(dir))}
	}
	if err := writable(dir); err != nil {
		return nil, userError{fmt.Errorf("cannot write into the output directory %s: %w; choose another --output-dir", dir, err)}
	}
	lock, err := lockDir(dir, true)
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
		return nil, userError{fmt.Errorf("the output directory %s holds the files of an earlier run (%s); pass --overwrite to replace them all, or choose another --output-dir", dir, describeFiles(old))}
	}
	o.old = old
	return o, nil
}

// commit removes the earlier run's files; the caller then publishes the new chain files.
func (o *outputDir) commit() error {
	for _, p := range o.old {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the earlier run's %s: %w", p, err)
		}
	}
	os.Remove(filepath.Join(o.path, "plots")) // only once empty: a plots/ with other files stays
	o.committed = true
	return nil
}

// close releases the lock and, when the run never committed and made the directory, removes it
// again (only if it is still empty).
func (o *outputDir) close() {
	if o.lock != nil {
		o.lock.Close() // closing the descriptor releases the flock
		o.lock = nil
	}
	if !o.committed && o.created {
		os.Remove(o.path)
	}
}

// abandon is close for a directory that was never locked.
func (o *outputDir) abandon() { o.close() }

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
		if !e.IsDir() && (chainFile.MatchString(name) || savedMetricFile.MatchString(name) || name == "summary.csv" || hidden) {
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

// describeFiles names a few of the files, "output_1.csv … output_8.csv, summary.csv".
func describeFiles(paths []string) string {
	var chains, rest []string
	for _, p := range paths {
		rel := p
		if b := filepath.Base(filepath.Dir(p)); b == "plots" {
			rel = "plots/" + filepath.Base(p)
		} else {
			rel = filepath.Base(p)
		}
		if chainFile.MatchString(rel) {
			chains = append(chains, rel)
		} else {
			rest = append(rest, rel)
		}
	}
	slices.SortFunc(chains, func(a, b string) int { return chainIndex(a) - chainIndex(b) })
	var parts []string
	switch len(chains) {
	case 0:
	case 1, 2:
		parts = append(parts, chains...)
	default:
		parts = append(parts, chains[0]+" … "+chains[len(chains)-1])
	}
	if len(rest) > 3 {
		rest = append(rest[:3], fmt.Sprintf("%d more", len(rest)-3))
	}
	return strings.Join(append(parts, rest...), ", ")
}

// newRunID names a run: its start time and 32 random bits, e.g. 20261201T095741Z-3f9a1c2b.
func newRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// suggestDir proposes a directory name next to a file that was given as --output-dir.
func suggestDir(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if base == "" || base == "." {
		base = "output"
	}
	return filepath.Join(filepath.Dir(path), base+"_out")
}
