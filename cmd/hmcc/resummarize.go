package main

import (
	"fmt"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

type summaryCmd struct {
	Dirs         []string `arg:"" name:"dir" help:"Directory with one CmdStan CSV per chain (hmcc's output_N.csv, or CmdStan's own); several directories: the shards of one hmcc run --shard i/n run, merged (docs/scale-out.md)." type:"existingdir"`
	Superchains  int      `help:"Treat the chains as K consecutive superchains and judge nested R-hat (default, as in hmcc run: superchains of 4 when there are 16 or more chains of at most 250 draws). Merged shards are the superchains instead."`
	AllowMissing bool     `help:"Merging shards: exit 0 when some of the run's shards are not given (the summary of those given, and the verdict's warning, are printed either way; without this flag the exit status is 2)."`
}

// Run re-summarises a finished (or interrupted) run from its CSVs: the same table and verdict
// `hmcc run` prints, without rewriting anything. Several directories are the shards of one run.
func (c *summaryCmd) Run(e *env) error {
	for _, dir := range c.Dirs {
		lock, err := hmcclib.LockDir(dir, false)
		if err != nil {
			return err
		}
		defer lock.Close()
	}
	if len(c.Dirs) > 1 {
		return c.merge(e)
	}
	set, err := cmdstan.ReadChainDir(c.Dirs[0])
	if err != nil {
		return hmcclib.UserError{Err: err}
	}
	if shard, err := cmdstan.ShardOf(set.Files[0]); err == nil && shard.Count > 1 {
		return c.merge(e) // one shard of several: summarised on its own
	}
	if err := c.checkSuperchains(len(set.Files)); err != nil {
		return err
	}
	if set.Draws == 0 {
		return noDraws(c.Dirs[0])
	}
	_, err = summarizeSet(e, set, c.Superchains)
	return err
}

func (c *summaryCmd) checkSuperchains(chains int) error {
	if c.Superchains < 0 || c.Superchains == 1 || (c.Superchains > 0 && chains%c.Superchains != 0) {
		return hmcclib.UserError{Err: fmt.Errorf("--superchains must be at least 2 and divide the %d chains, got %d", chains, c.Superchains)}
	}
	return nil
}

func noDraws(dir string) error {
	return hmcclib.UserError{Err: fmt.Errorf("no draws: the chain files in %s hold no draws (a run stopped before its first draw), so there is nothing to summarise", dir)}
}

// merge summarises the shards of one run (hmcc run --shard i/n), one directory each, as one
// run whose shards are the superchains of nested R-hat (one directory: that shard on its own,
// as the run's own summary showed it). Shards that are missing from several are reported
// in the verdict and, unless --allow-missing, make the exit status 2 after the summary of the
// shards given: a statistician wants to see what there is, but a script must not take a
// partial run for the whole (a shard that failed or ran out of time may be the one whose
// chains were stuck).
func (c *summaryCmd) merge(e *env) error {
	m, err := cmdstan.ReadShards(c.Dirs)
	if err != nil {
		return hmcclib.UserError{Err: err}
	}
	if m.Draws == 0 {
		return noDraws(m.Shards[0].Dir)
	}
	k := len(m.Shards)
	if c.Superchains != 0 && k > 1 {
		return hmcclib.UserError{Err: fmt.Errorf("--superchains %d: when shards are merged, the %d shards are the superchains of nested R-hat; leave --superchains out", c.Superchains, k)}
	}
	var present []int
	fmt.Fprintf(e.stdout, "merging %d of %d shard(s):\n", k, m.Count)
	for _, s := range m.Shards {
		present = append(present, s.Index)
		fmt.Fprintf(e.stdout, "  shard %s  %s  chains %s  (run %s)\n", s.ShardID, s.Dir, idRange(s.IDs), s.Files[0].Config["hmcc_run_id"])
	}
	alone := len(c.Dirs) == 1 // asked about one shard: summarised on its own, not as a partial run
	if alone && len(m.Missing) > 0 {
		fmt.Fprintf(e.stdout, "this shard alone; hmcc summary DIR... with every shard's directory merges the run\n")
	}
	fmt.Fprintln(e.stdout)
	var problems []string
	var missing string
	if len(m.Missing) > 0 && !alone {
		are := "are"
		if len(m.Missing) == 1 {
			are = "is"
		}
		missing = fmt.Sprintf("shard%s %s of %d %s missing", plural(len(m.Missing)), cmdstan.DescribeShards(m.Missing), m.Count, are)
		problems = append(problems, fmt.Sprintf("%s: this summary is of shard%s %s only (%d chains); a shard that failed or ran out of time may be the one whose chains were in trouble, so do not take this for the run's answer: finish the missing shards (hmcc run --resume DIR, or hmcc run --shard %d/%d …) and merge again",
			missing, plural(k), cmdstan.DescribeShards(present), len(m.Files), m.Missing[0], m.Count))
	}
	var ids []int
	superchains, shards := 0, 0
	if k > 1 {
		ids, shards = m.Superchains, k
		// Many short chains (as hmcc run judges them), or shards that already grouped their
		// chains into superchains: nested R-hat alone is the criterion. Otherwise split R-hat
		// over all chains is judged too.
		if hmcclib.AutoSuperchains(len(m.Files), m.Draws) > 0 || m.Shards[0].Files[0].Config["hmcc_superchains"] != "0" && m.Shards[0].Files[0].Config["hmcc_superchains"] != "" {
			superchains = k
		}
	} else {
		if err := c.checkSuperchains(len(m.Files)); err != nil {
			return err
		}
		superchains = c.Superchains
		if superchains == 0 {
			superchains = hmcclib.AutoSuperchains(len(m.Files), m.Draws)
		}
		ids = hmcclib.SuperchainIDs(len(m.Files), superchains)
	}
	rows, run, err := summary.Resummarize(m.Files, ids)
	if err != nil {
		return err
	}
	run.Superchains, run.Shards, run.Problems = superchains, shards, problems
	summary.Print(e.stdout, rows, run)
	if missing != "" && !c.AllowMissing {
		return hmcclib.UserError{Err: fmt.Errorf("%s (the summary above is of the shards given); finish them and merge again, or pass --allow-missing to accept the partial run", missing)}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// idRange writes a shard's global chain ids, "5–8" (they are consecutive), or one id.
func idRange(ids []int) string {
	if len(ids) == 1 {
		return fmt.Sprint(ids[0])
	}
	return fmt.Sprintf("%d–%d", ids[0], ids[len(ids)-1])
}

// summarizeSet prints the table and verdict of a set of chain files and returns the table.
func summarizeSet(e *env, set *cmdstan.ChainSet, superchains int) ([]summary.Row, error) {
	if superchains == 0 { // as hmcc run: many short chains are judged by nested R-hat
		superchains = hmcclib.AutoSuperchains(len(set.Files), set.Draws)
	}
	rows, run, err := summary.Resummarize(set.Files, hmcclib.SuperchainIDs(len(set.Files), superchains))
	if err != nil {
		return nil, err
	}
	summary.Print(e.stdout, rows, run)
	return rows, nil
}
