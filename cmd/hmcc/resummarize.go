package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

type summaryCmd struct {
	Dir         string `arg:"" help:"Directory with one CmdStan CSV per chain (hmcc's output_N.csv, or CmdStan's own)." type:"existingdir"`
	Superchains int    `help:"Treat the chains as K consecutive superchains and judge nested R-hat (default, as in hmcc run: superchains of 4 when there are 16 or more chains of at most 250 draws)."`
}

var chainNumber = regexp.MustCompile(`(\d+)\.csv$`)

// Run re-summarises a finished (or interrupted) run from its CSVs: the same table and verdict
// `hmcc run` prints, without rewriting anything.
func (c *summaryCmd) Run(e *env) error {
	set, err := readChainDir(c.Dir)
	if err != nil {
		return err
	}
	files, draws := set.files, set.draws
	cols := files[0].Columns
	if c.Superchains < 0 || c.Superchains == 1 || (c.Superchains > 0 && len(files)%c.Superchains != 0) {
		return userError{fmt.Errorf("--superchains must be at least 2 and divide the %d chains, got %d", len(files), c.Superchains)}
	}
	index := map[string]int{}
	for j, name := range cols {
		index[name] = j
	}
	var names []string
	for _, name := range cols {
		if name == "lp__" || !isSamplerColumn(name) {
			names = append(names, name)
		}
	}
	store := newDrawStore(os.TempDir(), len(files), draws, len(names))
	defer store.Close()
	if c.Superchains == 0 { // as hmcc run: many short chains are judged by nested R-hat
		c.Superchains = autoSuperchains(len(files), draws)
	}
	store.superchains = c.Superchains
	res := &runtime.Result{DrawsDone: draws, Divergences: make([]int, len(files))}
	maxDepth, _ := strconv.Atoi(files[0].Config["max_depth"])
	if maxDepth > 0 {
		res.MaxTreeDepthHits = make([]int, len(files))
	}
	// The store takes iterations in order, every chain's row of one iteration before the next.
	for it := range draws {
		for ch, f := range files {
			row := f.Draws[it]
			for q, name := range names {
				if err := store.set(q, ch, it, row[index[name]]); err != nil {
					return err
				}
			}
			if j, ok := index["energy__"]; ok {
				if err := store.setEnergy(ch, it, row[j]); err != nil {
					return err
				}
			}
			if j, ok := index["divergent__"]; ok && row[j] == 1 {
				res.Divergences[ch]++
			}
			if j, ok := index["treedepth__"]; ok && maxDepth > 0 && int(row[j]) >= maxDepth {
				res.MaxTreeDepthHits[ch]++
			}
		}
	}
	for _, f := range files {
		res.StepSizes = append(res.StepSizes, f.StepSize)
		res.WarmupTime += time.Duration(f.WarmupSeconds * float64(time.Second))
		res.SamplingTime += time.Duration(f.SamplingSeconds * float64(time.Second))
	}
	// Chains run in parallel (hmcc's in one batch), so report the time of one chain.
	res.WarmupTime /= time.Duration(len(files))
	res.SamplingTime /= time.Duration(len(files))
	rows, err := summarize(store, draws, names, superchainIDs(len(files), c.Superchains))
	if err != nil {
		return err
	}
	return printSummary(e.stdout, rows, res, store, res.WarmupTime+res.SamplingTime)
}

// chainSet is a directory of chain CSVs read back: hmcc's output_N.csv or CmdStan's files.
type chainSet struct {
	paths []string        // the chain files, ordered by the number in their names
	files []*cmdstan.File // read from paths, all with the same columns
	draws int             // draws every chain has (an interrupted run's chains may differ)
}

// readChainDir reads every chain CSV in dir (all *.csv but summary.csv, which hmcc run writes
// beside them), in chain order, and checks that they describe the same quantities.
func readChainDir(dir string) (*chainSet, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	var chains []string
	for _, p := range paths {
		if filepath.Base(p) != "summary.csv" {
			chains = append(chains, p)
		}
	}
	if len(chains) == 0 {
		return nil, userError{fmt.Errorf("%s holds no chain CSVs", dir)}
	}
	sort.Slice(chains, func(i, j int) bool { return chainIndex(chains[i]) < chainIndex(chains[j]) })
	files := make([]*cmdstan.File, len(chains))
	for i, p := range chains {
		f, err := cmdstan.ReadFile(p)
		if err != nil {
			return nil, userError{err}
		}
		files[i] = f
	}
	draws := len(files[0].Draws)
	for i, f := range files {
		if fmt.Sprint(f.Columns) != fmt.Sprint(files[0].Columns) {
			return nil, userError{fmt.Errorf("%s has other columns than %s", chains[i], chains[0])}
		}
		draws = min(draws, len(f.Draws))
	}
	return &chainSet{paths: chains, files: files, draws: draws}, nil
}

func chainIndex(path string) int {
	m := chainNumber.FindStringSubmatch(path)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func isSamplerColumn(name string) bool {
	return len(name) > 2 && name[len(name)-2:] == "__"
}
