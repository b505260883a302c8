//go:build unix

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// pauseForTests wraps a progress callback for the tests that kill real runs at chosen points
// (resume_test.go): with HMCC_TEST_PAUSE=PHASE:N in the environment (warmup or sampling), the
// process stops itself (SIGSTOP) once iteration N of that phase is done and its rows are
// written, so that a test can signal it there however fast or loaded the machine is.
func pauseForTests(progress func(phase string, iter, total int)) func(phase string, iter, total int) {
	phase, at, ok := strings.Cut(os.Getenv("HMCC_TEST_PAUSE"), ":")
	n, err := strconv.Atoi(at)
	if !ok || err != nil {
		return progress
	}
	return func(p string, iter, total int) {
		if progress != nil {
			progress(p, iter, total)
		}
		if p == phase && iter == n {
			syscall.Kill(os.Getpid(), syscall.SIGSTOP)
		}
	}
}
