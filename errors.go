package hmcc

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// UserError marks a problem the caller can fix (options, files, values outside a parameter's
// support); hmcc exits with status 2 on one. Diagnostics of the model (*diag.Error, diag.List)
// and of the data (*dataset.Error) are the caller's to fix as well.
type UserError struct{ Err error }

func (e UserError) Error() string { return e.Err.Error() }
func (e UserError) Unwrap() error { return e.Err }

// IOError is a failure of the machine rather than of the caller's input (a full disk, an I/O
// error, too many open files); its message says what to do. hmcc exits with status 1.
type IOError struct{ Err error }

func (e IOError) Error() string { return e.Err.Error() }
func (e IOError) Unwrap() error { return e.Err }

// WriteFailure is a chain file that could not be written (no space, an I/O error). Sample cuts
// every chain file back to the end of the last iteration all chains wrote whole (Kept rows
// after warmup) before returning it; CutErr says when that failed.
type WriteFailure struct {
	Path string
	Err  error
	// Kept is the number of draws per chain that are whole in every file.
	Kept int
	// SavedWarmup is set when the files hold saved warmup rows (Config.SaveWarmup).
	SavedWarmup bool
	CutErr      error
}

func (f *WriteFailure) Error() string {
	err := f.Err
	var pe *os.PathError // its path may be the hidden name the file had before it was published
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("writing %s: %v", f.Path, err)
}

func (f *WriteFailure) Unwrap() error { return f.Err }

// WriteAdvice says how to get past a failed write into dir.
func WriteAdvice(err error, dir string) string {
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
