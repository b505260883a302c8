package cmdstan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ShardID says which shard of a run a chain file belongs to: hmcc run --shard i/n writes
// "# hmcc_shard = i/n" (1-based). A file without the line is a whole run, shard 1/1.
type ShardID struct{ Index, Count int }

func (s ShardID) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ShardOf reads f's shard; an error when hmcc_shard is not i/n with 1 ≤ i ≤ n.
func ShardOf(f *File) (ShardID, error) {
	v, ok := f.Config["hmcc_shard"]
	if !ok {
		return ShardID{1, 1}, nil
	}
	a, b, _ := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || i < 1 || i > n {
		return ShardID{}, fmt.Errorf("hmcc_shard = %s is not a shard i/n with 1 ≤ i ≤ n", v)
	}
	return ShardID{i, n}, nil
}

// Shard is one directory's chains: one shard of a run (or a whole run, shard 1/1).
type Shard struct {
	Dir string
	ShardID
	*ChainSet
	IDs []int // each file's global chain id ("# id = G", else the number in its name)
}

// Merged is the shards of one run read together.
type Merged struct {
	Shards  []*Shard // the shards given, in shard order
	Count   int      // n, the shards the run was split into
	Missing []int    // the indices of the shards not given, ascending
	// Paths, Files and IDs are every shard's chains in global chain order; each has Draws draws.
	Paths []string
	Files []*File
	IDs   []int
	Draws int
	// Superchains gives each chain's shard (its position in Shards, from 0): nested R-hat
	// (Margossian et al.) with the shards as superchains.
	Superchains []int
}

// A setting that every shard of one run shares: the header key, and how a message names it.
type setting struct{ key, what string }

// shared lists what the shards of one run have in common: everything on hmcc run's command line
// that changes what is sampled or how, but --shard and --output-dir. --threads and --device are
// left out: threads do not change the draws, and a run may put its shards on different machines.
var shared = []setting{
	{"hmcc_model_hash", "model (hmcc_model_hash)"},
	{"hmcc_data_hash", "data (hmcc_data_hash)"},
	{"random.seed", "seed"},
	{"hmcc_rng", "random number generator (hmcc_rng)"},
	{"hmcc_sampler", "sampler"},
	{"hmcc_chains", "chains per shard (hmcc_chains)"},
	{"num_warmup", "warmup iterations (num_warmup)"},
	{"num_samples", "draws (num_samples)"},
	{"thin", "thinning (thin)"},
	{"delta", "target acceptance rate (delta)"},
	{"max_depth", "maximum tree depth (max_depth)"},
	{"hmcc_max_steps", "maximum leapfrog steps (hmcc_max_steps)"},
	{"hmcc_superchains", "superchains per shard (hmcc_superchains)"},
	{"hmcc_precision", "precision (hmcc_precision)"},
	{"init", "initial values (init)"},
	{"metric_file", "initial metric (metric_file)"},
	{"hmcc_log_lik", "log-likelihood columns (hmcc_log_lik)"},
}

// ReadShards reads the directories of a sharded run (hmcc run --shard i/n, one directory per
// shard) as one set of chains. It refuses, naming the two directories or files and what
// differs: a directory given twice; shards of different runs (model, data, seed, sampler,
// settings, or shard count); two directories holding the same shard or the same global chain;
// shards of different lengths or columns. Shards not given are listed in Missing, not refused:
// the caller decides what a partial run is worth. Every error is one the user fixes.
func ReadShards(dirs []string) (*Merged, error) {
	seen := map[string]string{}
	var shards []*Shard
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[abs]; dup {
			return nil, fmt.Errorf("%s is given twice (as %s and %s); give each shard's directory once", abs, prev, dir)
		}
		seen[abs] = dir
		set, err := ReadChainDir(dir)
		if err != nil {
			return nil, err
		}
		id, err := ShardOf(set.Files[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %v; it was not written by hmcc run --shard", set.Paths[0], err)
		}
		s := &Shard{Dir: dir, ShardID: id, ChainSet: set}
		for i, f := range set.Files {
			g, err := strconv.Atoi(f.Config["id"])
			if err != nil {
				g = ChainNumber(set.Paths[i])
			}
			s.IDs = append(s.IDs, g)
		}
		shards = append(shards, s)
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("no directories to summarise")
	}
	first := shards[0]
	for _, s := range shards[1:] {
		if s.Count != first.Count {
			return nil, fmt.Errorf("cannot merge %s and %s: %s is shard %s and %s is shard %s, shards of runs split in %d and in %d; the shards of one run come from one hmcc run command line that differs only in --shard i/n's i and --output-dir: merge the shards of one run, or summarise each run alone (hmcc summary DIR)",
				first.Dir, s.Dir, first.Dir, first.ShardID, s.Dir, s.ShardID, first.Count, s.Count)
		}
		if err := sameRun(first, s); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(shards, func(a, b *Shard) int { return a.Index - b.Index })
	owner := map[int]string{} // global chain id → the file holding it
	for k, s := range shards {
		if k > 0 && shards[k-1].Index == s.Index {
			p := shards[k-1]
			return nil, fmt.Errorf("cannot merge %s and %s: both hold shard %s (runs %s and %s), so their chains would count twice; give each shard once (if one is a rerun of the other, keep one of them)",
				p.Dir, s.Dir, s.ShardID, p.Files[0].Config["hmcc_run_id"], s.Files[0].Config["hmcc_run_id"])
		}
		for i, g := range s.IDs {
			if prev, dup := owner[g]; dup {
				return nil, fmt.Errorf("cannot merge: %s and %s both hold global chain %d, so it would count twice; each shard's chains have their own global ids (shard i of n with c chains each holds chains (i-1)·c+1 to i·c); give each shard once", prev, s.Paths[i], g)
			}
			owner[g] = s.Paths[i]
		}
	}
	m := &Merged{Shards: shards, Count: first.Count, Draws: first.Draws}
	present := map[int]bool{}
	for k, s := range shards {
		present[s.Index] = true
		if s.Draws != first.Draws {
			return nil, fmt.Errorf("cannot merge %s and %s: their chains hold %d and %d draws; a shard with fewer draws than the run asked for did not finish (continue it with hmcc run --resume DIR), and shards of one run hold the same number", shards[0].Dir, s.Dir, shards[0].Draws, s.Draws)
		}
		if fmt.Sprint(s.Files[0].Columns) != fmt.Sprint(first.Files[0].Columns) {
			return nil, fmt.Errorf("cannot merge %s and %s: their columns differ, so they are not shards of one run", shards[0].Paths[0], s.Paths[0])
		}
		m.Paths = append(m.Paths, s.Paths...)
		m.Files = append(m.Files, s.Files...)
		m.IDs = append(m.IDs, s.IDs...)
		for range s.Files {
			m.Superchains = append(m.Superchains, k)
		}
	}
	for i := 1; i <= m.Count; i++ {
		if !present[i] {
			m.Missing = append(m.Missing, i)
		}
	}
	return m, nil
}

// oneHashOfMany reports a header of an hmcc that hashed several data files as one stream (it
// has one hash for a list of data files), whose hash cannot be compared with one per file.
func oneHashOfMany(cfg map[string]string) bool {
	return strings.Contains(cfg["file"], ",") && cfg["hmcc_data_hash"] != "" && !strings.Contains(cfg["hmcc_data_hash"], ",")
}

// sameRun refuses two shards whose headers differ in a setting the shards of one run share.
func sameRun(a, b *Shard) error {
	fa, fb := a.Files[0], b.Files[0]
	for _, s := range shared {
		va, oka := fa.Config[s.key]
		vb, okb := fb.Config[s.key]
		if va == vb {
			continue
		}
		if s.key == "hmcc_data_hash" && (oneHashOfMany(fa.Config) || oneHashOfMany(fb.Config)) {
			return fmt.Errorf("cannot merge %s and %s: one was written by an hmcc that recorded one hash of all its data files together (hmcc_data_hash %s and %s), so their data cannot be compared; rerun the older shards with this hmcc (the same settings give the same draws on the same build)",
				a.Paths[0], b.Paths[0], va, vb)
		}
		show := func(v string, ok bool) string {
			if !ok || v == "" {
				return "not recorded"
			}
			return v
		}
		return fmt.Errorf("cannot merge %s and %s: their %s differs (%s and %s), so they are not shards of one run; the shards of one run come from one hmcc run command line that differs only in --shard i/n's i and --output-dir: rerun the odd shard with the others' settings, or summarise each run alone (hmcc summary DIR)",
			a.Paths[0], b.Paths[0], s.what, show(va, oka), show(vb, okb))
	}
	// Files from an hmcc without the hashes: the model's file name at least must agree.
	if fa.Config["hmcc_model_hash"] == "" && fa.Config["model"] != fb.Config["model"] {
		return fmt.Errorf("cannot merge %s and %s: their model differs (%s and %s), so they are not shards of one run; merge the shards of one run, or summarise each run alone (hmcc summary DIR)",
			a.Paths[0], b.Paths[0], fa.Config["model"], fb.Config["model"])
	}
	return nil
}

// DescribeShards lists shard indices as a person reads them: "2", "2 and 4", "2, 5–7 and 9".
func DescribeShards(idx []int) string {
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, strconv.Itoa(idx[i]))
		case j == i+1:
			parts = append(parts, strconv.Itoa(idx[i]), strconv.Itoa(idx[j]))
		default:
			parts = append(parts, fmt.Sprintf("%d–%d", idx[i], idx[j]))
		}
		i = j + 1
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
