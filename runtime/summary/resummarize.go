package summary

import (
	"slices"
	"strconv"
	"time"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// Resummarize summarises a run read back from its chain files (hmcc's or CmdStan's, all with
// the same columns and the same number of draws, in chain order); superchains, when set, gives
// each chain's superchain (numbered from 0) for nested R-hat. It reconstructs from the files what Print
// needs: divergences and tree-depth hits from the sampler columns, step sizes and times from
// the comments.
func Resummarize(files []*cmdstan.File, superchains []int) ([]Row, Run, error) {
	cols := files[0].Columns
	index := map[string]int{}
	for j, name := range cols {
		index[name] = j
	}
	var names []string
	for _, name := range cols {
		if name == "lp__" || !IsSamplerColumn(name) {
			names = append(names, name)
		}
	}
	// hmcc run --log-lik's columns come last and are not summarised (the header counts them).
	if n, err := strconv.Atoi(files[0].Config["hmcc_log_lik"]); err == nil && n > 0 && n < len(names) {
		names = names[:len(names)-n]
	}
	draws := len(files[0].Draws)
	res := &runtime.Result{DrawsDone: draws, Divergences: make([]int, len(files))}
	maxDepth, _ := strconv.Atoi(files[0].Config["max_depth"])
	if maxDepth > 0 {
		res.MaxTreeDepthHits = make([]int, len(files))
	}
	for ch, f := range files {
		for _, row := range f.Draws {
			if j, ok := index["divergent__"]; ok && row[j] == 1 {
				res.Divergences[ch]++
			}
			if j, ok := index["treedepth__"]; ok && maxDepth > 0 && int(row[j]) >= maxDepth {
				res.MaxTreeDepthHits[ch]++
			}
		}
		res.StepSizes = append(res.StepSizes, f.StepSize)
		res.WarmupTime += time.Duration(f.WarmupSeconds * float64(time.Second))
		res.SamplingTime += time.Duration(f.SamplingSeconds * float64(time.Second))
	}
	// Chains run in parallel (hmcc's in one batch), so report the time of one chain.
	res.WarmupTime /= time.Duration(len(files))
	res.SamplingTime /= time.Duration(len(files))
	run := Run{Result: res, Chains: len(files), Elapsed: res.WarmupTime + res.SamplingTime}
	if len(superchains) > 0 {
		run.Superchains = slices.Max(superchains) + 1
	}
	if j, ok := index["energy__"]; ok {
		run.Energies = column(files, j, draws)
	}
	cs := columns{files: files}
	for _, name := range names {
		cs.index = append(cs.index, index[name])
	}
	rows, err := Compute(cs, draws, names, superchains)
	return rows, run, err
}

// IsSamplerColumn tells the sampler's columns (lp__, accept_stat__, …) from the model's.
func IsSamplerColumn(name string) bool {
	return len(name) > 2 && name[len(name)-2:] == "__"
}

// columns gives Compute the files' columns as quantities.
type columns struct {
	files []*cmdstan.File
	index []int // quantity q is column index[q]
}

func (c columns) Quantity(q, n int) ([][]float64, error) {
	return column(c.files, c.index[q], n), nil
}

// column returns every chain's first n draws of column j.
func column(files []*cmdstan.File, j, n int) [][]float64 {
	chains := make([][]float64, len(files))
	for ch, f := range files {
		chains[ch] = make([]float64, n)
		for it := range n {
			chains[ch][it] = f.Draws[it][j]
		}
	}
	return chains
}
