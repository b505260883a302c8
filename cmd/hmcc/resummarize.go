package main

import (
	"fmt"

	hmcclib "github.com/hmcc-dev/hmcc"
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
	set, err := cmdstan.ReadChainDir(c.Dir)
	if err != nil {
		return hmcclib.UserError{Err: err}
	}
	if c.Superchains < 0 || c.Superchains == 1 || (c.Superchains > 0 && len(set.Files)%c.Superchains != 0) {
		return hmcclib.UserError{Err: fmt.Errorf("--superchains must be at least 2 and divide the %d chains, got %d", len(set.Files), c.Superchains)}
	}
	if set.Draws == 0 {
		return hmcclib.UserError{Err: fmt.Errorf("no draws: the chain files in %s hold no draws (a run stopped before its first draw), so there is nothing to summarise", c.Dir)}
	}
	_, err = summarizeSet(e, set, c.Superchains)
	return err
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
