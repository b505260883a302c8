package cmdstan

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ChainSet is a directory of chain CSVs read back: hmcc's output_N.csv or CmdStan's files.
type ChainSet struct {
	Paths []string // the chain files, ordered by the number in their names
	Files []*File  // read from Paths, all with the same columns
	Draws int      // draws every chain has
}

// ReadChainDir reads the chain CSVs of one run in dir, in chain order: hmcc's output_N.csv when
// there are any, else every *.csv but summary.csv (CmdStan's own names). It refuses a mixture,
// saying why: files of different runs (their hmcc_run_id, or CmdStan's seed and model, differ),
// a missing chain, chains of different lengths or columns. Every error is one the user fixes.
func ReadChainDir(dir string) (*ChainSet, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	var chains, hmccs []string
	for _, p := range paths {
		if ChainFile.MatchString(filepath.Base(p)) {
			hmccs = append(hmccs, p)
		} else if filepath.Base(p) != "summary.csv" {
			chains = append(chains, p)
		}
	}
	if len(hmccs) > 0 {
		chains = hmccs // other CSVs beside hmcc's (a data file, say) are not chains
	}
	if len(chains) == 0 {
		return nil, fmt.Errorf("%s holds no chain CSVs", dir)
	}
	sort.Slice(chains, func(i, j int) bool { return ChainNumber(chains[i]) < ChainNumber(chains[j]) })
	files := make([]*File, len(chains))
	for i, p := range chains {
		f, err := ReadFile(p)
		if err != nil {
			return nil, err
		}
		files[i] = f
	}
	if len(hmccs) > 0 {
		if err := wholeChains(dir, chains, files[0]); err != nil {
			return nil, err
		}
	}
	if err := oneRun(dir, chains, files); err != nil {
		return nil, err
	}
	draws := len(files[0].Draws)
	for i, f := range files {
		if fmt.Sprint(f.Columns) != fmt.Sprint(files[0].Columns) {
			return nil, fmt.Errorf("%s has other columns than %s", chains[i], chains[0])
		}
		if len(f.Draws) != draws {
			return nil, fmt.Errorf("the chains in %s have different numbers of draws (%s): they are not one finished run (an hmcc run, even an interrupted one, writes the same number to every chain); summarise them apart or rerun", dir, drawCounts(chains, files))
		}
	}
	return &ChainSet{Paths: chains, Files: files, Draws: draws}, nil
}

// wholeChains refuses a directory with a chain file missing. A run's files are numbered from 1;
// shard i of n (hmcc run --shard) numbers its files by global chain id from its first chain's
// (firstChainNumber), and there are hmcc_chains of them.
func wholeChains(dir string, chains []string, first *File) error {
	start := firstChainNumber(first)
	if shard, err := ShardOf(first); err == nil && shard.Count > 1 {
		if c, err := strconv.Atoi(first.Config["hmcc_chains"]); err == nil && c != len(chains) {
			return fmt.Errorf("%s has %s, %d chain file(s) of shard %d/%d, which ran %d chains: a chain is missing, so this is not the whole shard; rerun the shard into an empty directory (or with --overwrite)", dir, DescribeFiles(chains), len(chains), shard.Index, shard.Count, c)
		}
	}
	for i, p := range chains {
		if n := ChainNumber(p); n != start+i {
			return fmt.Errorf("%s has %s but no output_%d.csv: a chain is missing, so these are not one whole run; rerun into an empty directory (or with --overwrite)", dir, DescribeFiles(chains), start+i)
		}
	}
	return nil
}

// firstChainNumber is the number of the first chain file of f's run: 1, or for shard i of a run
// split by hmcc run --shard i/n with C chains per shard, (i−1)·C + 1.
func firstChainNumber(f *File) int {
	var i, n, c int
	if _, err := fmt.Sscanf(f.Config["hmcc_shard"], "%d/%d", &i, &n); err != nil || i < 1 {
		return 1
	}
	if _, err := fmt.Sscan(f.Config["hmcc_chains"], &c); err != nil || c < 1 {
		return 1
	}
	return (i-1)*c + 1
}

// oneRun refuses chain files of different runs: hmcc's carry hmcc_run_id; for CmdStan's, chains
// of one run share the model and the seed.
func oneRun(dir string, paths []string, files []*File) error {
	key := func(f *File) string {
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
		parts = append(parts, fmt.Sprintf("%s are from %s", DescribeFiles(byRun[k]), k))
	}
	return fmt.Errorf("%s mixes the chains of %d runs (%s); keep one run's chains in a directory: hmcc run refuses a directory holding another run unless --overwrite, which replaces all of it", dir, len(runs), strings.Join(parts, "; "))
}

// drawCounts lists each chain file's number of draws, "output_1.csv 1000, output_2.csv 650".
func drawCounts(paths []string, files []*File) string {
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
