//go:build unix

package hmcc

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// LockDir takes a lock on the directory itself (flock on its descriptor, which leaves no lock
// file behind): exclusive for a run writing into it, shared for a reader such as hmcc summary.
// The kernel drops the lock when the process ends, however it ends.
func LockDir(dir string, exclusive bool) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, UserError{fmt.Errorf("cannot open the directory %s: %w", dir, err)}
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return nil, UserError{fmt.Errorf("another hmcc run is writing into %s right now; wait for it to finish (or stop it), or choose another --output-dir", dir)}
	case errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP):
		return f, nil // a file system without locks (some network mounts): run unguarded
	}
	f.Close()
	return nil, fmt.Errorf("locking %s: %w", dir, err)
}

// writable reports whether this process may create files in dir (access(2) also knows about
// read-only mounts).
func writable(dir string) error {
	return syscall.Access(dir, 0x2 /* W_OK */)
}
