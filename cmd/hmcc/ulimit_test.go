//go:build linux

package main

import (
	"errors"
	"os/exec"
	"testing"
)

// runUnderLimit runs bin with args (split by the shell) under `ulimit -v kb` and returns its
// exit code and combined output: the address-space limit tests of both builds.
func runUnderLimit(t *testing.T, bin, kb, args string) (int, string) {
	t.Helper()
	out, err := exec.Command("bash", "-c", "ulimit -v "+kb+" && exec "+bin+" "+args).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}
