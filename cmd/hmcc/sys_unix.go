//go:build unix

package main

import "syscall"

// raiseFileLimit lifts the soft limit on open files to the hard one: every chain keeps its CSV
// open, and the soft limit (often 1024) is a default, not a decision.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

// fileLimit is the soft limit on open files (0 when unknown).
func fileLimit() (soft, hard uint64) {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return 0, 0
	}
	return l.Cur, l.Max
}
