package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
)

// ioError is a failure of the machine rather than of the user's input (a full disk, an I/O
// error, too many open files): it exits with status 1 and a message that says what to do.
type ioError struct{ err error }

func (e ioError) Error() string { return e.err.Error() }
func (e ioError) Unwrap() error { return e.err }

// writeAdvice says how to get past a failed write into dir.
func writeAdvice(err error, dir string) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Sprintf("free space on the disk holding %s (or choose another --output-dir; fewer --chains or --draws need less), then run again", dir)
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "every chain keeps its CSV open: raise the open-file limit (ulimit -n) or use fewer --chains, then run again"
	case errors.Is(err, syscall.EFBIG):
		return "a file reached the size limit (ulimit -f): raise it, or use fewer --draws, then run again"
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "choose an --output-dir you can write to, then run again"
	}
	return fmt.Sprintf("check the disk holding %s (or choose another --output-dir), then run again", dir)
}

// keepWhatWasWritten ends a run whose chain files could not be written: every file is cut back
// to the end of the last iteration that every chain wrote whole, so the chains have the same
// length and no partial row; those draws are summarised from the files, as hmcc summary would;
// and the run exits with status 1, naming the cause and the fix.
func (r *runCmd) keepWhatWasWritten(e *env, s *drawSink) error {
	s.mu.Lock()
	f := s.failure
	var cutErr error
	for c, w := range s.writers {
		if err := w.CutTo(s.marks[c]); err != nil && cutErr == nil {
			cutErr = fmt.Errorf("cutting %s back: %w", w.Path(), err)
		}
	}
	s.mu.Unlock()
	advice := writeAdvice(f.err, r.OutputDir)
	if cutErr != nil {
		return ioError{fmt.Errorf("%v, and %v; the chain files in %s may end inside a row: %s", f, cutErr, r.OutputDir, advice)}
	}
	if s.kept == 0 {
		held := "their headers only"
		if s.saveWarmup { // --save-warmup wrote rows before the first draw; they were cut to whole ones
			held = "their headers and the warmup rows written before it, all whole rows"
		}
		return ioError{fmt.Errorf("%v before any draw was written whole; no draws were kept (the chain files in %s hold %s): %s", f, r.OutputDir, held, advice)}
	}
	set, err := readChainDir(r.OutputDir)
	if err != nil {
		return ioError{fmt.Errorf("%v; the chain files were cut back to their first %d draws but cannot be read back: %v", f, s.kept, err)}
	}
	fmt.Fprintf(e.stdout, "PARTIAL RESULTS: writing stopped after %d of %d draws per chain\n", s.kept, (r.Draws+r.Thin-1)/r.Thin) // rows, as --thin keeps them
	rows, err := summarizeSet(e, set, r.Superchains)
	if err != nil {
		return err
	}
	summary := "summary.csv holds their summary"
	if err := writeSummaryCSV(filepath.Join(r.OutputDir, "summary.csv"), rows); err != nil {
		summary = "summary.csv could not be written; hmcc summary " + r.OutputDir + " prints it"
	}
	return ioError{fmt.Errorf("%v; every chain file in %s was cut back to its first %d draws, all whole rows (summarised above; %s): %s", f, r.OutputDir, s.kept, summary, advice)}
}
