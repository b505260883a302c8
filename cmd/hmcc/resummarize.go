package main

import (
	"fmt"

	hmcclib "github.com/hmcc-dev/hmcc"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

type summaryCmd struct {
	Dir         string `arg:"" help:"Directory with one CmdStan CSV per chain (hmcc's output_N.csv, or CmdStan's own)." type:"existingdir"`
	Superchains int    `help:"Treat the chains as K consecutive superchains and judge nested R-hat (default, as in hmcc run: superchains of 4 when there are 16 or more chains of at most 250 draws)."`
}

// Run re-summarises a finished (or interrupted) run from its CSVs: the same table and verdict
// `hmcc run` prints, without rewriting anything.
func (c *summaryCmd) Run(e *env) error {
	lock, err := hmcclib.LockDir(c.Dir, false)
	if err != nil {
		return err
	}
	defer lock.Close()
	set, err := readChainDir(c.Dir)
	if err != nil {
		return err
	}
	if c.Superchains < 0 || c.Superchains == 1 || (c.Superchains > 0 && len(set.files)%c.Superchains != 0) {
		return userError{fmt.Errorf("--superchains must be at least 2 and divide the %d chains, got %d", len(set.files), c.Superchains)}
	}
	if set.draws == 0 {
		return userError{fmt.Errorf("no draws: the chain files in %s hold no draws (a run stopped before its first draw), so there is nothing to summarise", c.Dir)}
	}
	_, err = summarizeSet(e, set, c.Superchains)
	return err
}

// summarizeSet prints the table and verdict of a set of chain files and returns the table.
func summarizeSet(e *env, set *chainSet, superchains int) ([]summary.Row, error) {
	if superchains == 0 { // as hmcc run: many short chains are judged by nested R-hat
		superchains = hmcclib.AutoSuperchains(len(set.files), set.draws)
	}
	rows, run, err := summary.Resummarize(set.files, hmcclib.SuperchainIDs(len(set.files), superchains))
	if err != nil {
		return nil, err
	}
	summary.Print(e.stdout, rows, run)
	return rows, nil
}

// chainSet is a directory of chain CSVs read back: hmcc's output_N.csv or CmdStan's files.
type chainSet struct {
	paths []string        // the chain files, ordered by the number in their names
	files []*cmdstan.File // read from paths, all with the same columns
	draws int             // draws every chain has (an interrupted run's chains may differ)
}

// readChainDir reads the chain CSVs of one run in dir, in chain order: hmcc's output_N.csv when
// there are any, else every *.csv but summary.csv (CmdStan's own names). It refuses a mixture,
// saying why: files of different runs (their hmcc_run_id, or CmdStan's seed and model, differ),
// a missing chain, chains of different lengths or columns.
func readChainDir(dir string) (*chainSet, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	var chains, hmccs []string
	for _, p := range paths {
		if cmdstan.ChainFile.MatchString(filepath.Base(p)) {
			hmccs = append(hmccs, p)
		} else if filepath.Base(p) != "summary.csv" {
			chains = append(chains, p)
		}
	}
	if len(hmccs) > 0 {
		chains = hmccs // other CSVs beside hmcc's (a data file, say) are not chains
	}
	if len(chains) == 0 {
		return nil, userError{fmt.Errorf("%s holds no chain CSVs", dir)}
	}
	sort.Slice(chains, func(i, j int) bool { return cmdstan.ChainNumber(chains[i]) < cmdstan.ChainNumber(chains[j]) })
	if len(hmccs) > 0 {
		for i, p := range chains {
			if n := cmdstan.ChainNumber(p); n != i+1 {
				return nil, userError{fmt.Errorf("%s has %s but no output_%d.csv: a chain is missing, so these are not one whole run; rerun into an empty directory (or with --overwrite)", dir, cmdstan.DescribeFiles(chains), i+1)}
			}
		}
	}
	files := make([]*cmdstan.File, len(chains))
	for i, p := range chains {
		f, err := cmdstan.ReadFile(p)
		if err != nil {
			return nil, userError{err}
		}
		files[i] = f
	}
	if err := oneRun(dir, chains, files); err != nil {
		return nil, err
	}
	draws := len(files[0].Draws)
	for i, f := range files {
		if fmt.Sprint(f.Columns) != fmt.Sprint(files[0].Columns) {
			return nil, userError{fmt.Errorf("%s has other columns than %s", chains[i], chains[0])}
		}
		if len(f.Draws) != draws {
			return nil, userError{fmt.Errorf("the chains in %s have different numbers of draws (%s): they are not one finished run (an hmcc run, even an interrupted one, writes the same number to every chain); summarise them apart or rerun", dir, drawCounts(chains, files))}
		}
	}
	return &chainSet{paths: chains, files: files, draws: draws}, nil
}

// oneRun refuses chain files of different runs: hmcc's carry hmcc_run_id; for CmdStan's, chains
// of one run share the model and the seed.
func oneRun(dir string, paths []string, files []*cmdstan.File) error {
	key := func(f *cmdstan.File) string {
		if id := f.Config["hmcc_run_id"]; id != "" {
			return "run " + id
		}
		if f.Config["hmcc_version"] != "" {
			return "an hmcc run without a run id"
		}
		return fmt.Sprintf("model %s, seed %s", f.Config["model"], f.Config["random.seed"])
	}
	var runs []string
	byRun := map[string][]string{}
	for i, f := range files {
		k := key(f)
		if byRun[k] == nil {
			runs = append(runs, k)
		}
		byRun[k] = append(byRun[k], paths[i])
	}
	if len(runs) == 1 {
		return nil
	}
	var parts []string
	for _, k := range runs {
		parts = append(parts, fmt.Sprintf("%s are from %s", cmdstan.DescribeFiles(byRun[k]), k))
	}
	return userError{fmt.Errorf("%s mixes the chains of %d runs (%s); keep one run's chains in a directory: hmcc run refuses a directory holding another run unless --overwrite, which replaces all of it", dir, len(runs), strings.Join(parts, "; "))}
}

// drawCounts lists each chain file's number of draws, "output_1.csv 1000, output_2.csv 650".
func drawCounts(paths []string, files []*cmdstan.File) string {
	var parts []string
	for i, f := range files {
		if len(parts) == 6 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", filepath.Base(paths[i]), len(f.Draws)))
	}
	return strings.Join(parts, ", ")
}
