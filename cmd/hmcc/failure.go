package main

import (
	"fmt"
	"path/filepath"

	hmcclib "github.com/hmcc-dev/hmcc"
)

// ioError is a failure of the machine rather than of the user's input (a full disk, an I/O
// error, too many open files): it exits with status 1 (as hmcclib.IOError) and a message that
// says what to do.
type ioError struct{ err error }

func (e ioError) Error() string { return e.err.Error() }
func (e ioError) Unwrap() error { return e.err }

// keepWhatWasWritten ends a run whose chain files could not be written: hmcclib.Sample cut every
// file back to the end of the last iteration that every chain wrote whole; those draws are
// summarised from the files, as hmcc summary would; and the run exits with status 1, naming the
// cause and the fix.
func (r *runCmd) keepWhatWasWritten(e *env, f *hmcclib.WriteFailure) error {
	advice := hmcclib.WriteAdvice(f.Err, r.OutputDir)
	if f.CutErr != nil {
		return ioError{fmt.Errorf("%v, and %v; the chain files in %s may end inside a row: %s", f, f.CutErr, r.OutputDir, advice)}
	}
	if f.Kept == 0 {
		held := "their headers only"
		if f.SavedWarmup { // --save-warmup wrote rows before the first draw; they were cut to whole ones
			held = "their headers and the warmup rows written before it, all whole rows"
		}
		return ioError{fmt.Errorf("%v before any draw was written whole; no draws were kept (the chain files in %s hold %s): %s", f, r.OutputDir, held, advice)}
	}
	set, err := readChainDir(r.OutputDir)
	if err != nil {
		return ioError{fmt.Errorf("%v; the chain files were cut back to their first %d draws but cannot be read back: %v", f, f.Kept, err)}
	}
	fmt.Fprintf(e.stdout, "PARTIAL RESULTS: writing stopped after %d of %d draws per chain\n", f.Kept, (r.Draws+r.Thin-1)/r.Thin) // rows, as --thin keeps them
	rows, err := summarizeSet(e, set, r.Superchains)
	if err != nil {
		return err
	}
	summary := "summary.csv holds their summary"
	if err := writeSummaryCSV(filepath.Join(r.OutputDir, "summary.csv"), rows); err != nil {
		summary = "summary.csv could not be written; hmcc summary " + r.OutputDir + " prints it"
	}
	return ioError{fmt.Errorf("%v; every chain file in %s was cut back to its first %d draws, all whole rows (summarised above; %s): %s", f, r.OutputDir, f.Kept, summary, advice)}
}
