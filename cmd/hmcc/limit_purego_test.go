//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestAddressSpaceLimitPureGo runs the pure-Go binary (CGO_ENABLED=0, which has no C
// constructor) under ulimit -v. Linked with -ldflags=-E=hmcc_rt0_amd64_linux (README.md,
// Builds), its entry check refuses a limit below 1300 MiB before the Go runtime starts: without
// it the runtime died in its first allocation ("fatal error: out of memory" at 1.2 GB, "failed to
// reserve page summary memory" below 700 MB). Linked without it, a limit under which the runtime
// starts but a run would not fit is refused in main with the same message (it used to be "is
// larger than 0 MiB, the memory available"), and a limit with room runs a small model.
func TestAddressSpaceLimitPureGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two pure-Go binaries")
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("the entry check is written for linux/amd64")
	}
	dir := t.TempDir()
	build := func(name string, flags ...string) string {
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), ".")...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
		return bin
	}
	checked, plain := build("hmcc-entry", "-ldflags=-E=hmcc_rt0_amd64_linux"), build("hmcc-plain")
	refused := func(what string, code int, out string) {
		t.Helper()
		if code != 2 || !strings.Contains(out, "hmcc: the address-space limit (ulimit -v)") || !strings.Contains(out, "hint: raise the limit (ulimit -v ") {
			t.Errorf("%s: exit %d, want 2 and the message\n%s", what, code, out)
		}
		for _, trace := range []string{"goroutine ", "fatal error", "runtime."} {
			if strings.Contains(out, trace) {
				t.Errorf("%s: a runtime trace (%q)\n%s", what, trace, out)
			}
		}
	}
	for _, kb := range []string{"300000", "700000", "1000000", "1200000", "1250000"} {
		code, out := runUnderLimit(t, checked, kb, "version")
		refused("entry check, ulimit -v "+kb, code, out)
	}
	// The plain build reaches main under 1.3 GB (1269 MiB), but the runtime's reservations leave
	// too little for a run.
	schools := "run --chains 2 --warmup 100 --draws 100 ../../models/eight_schools.model ../../models/eight_schools.csv --output-dir "
	code, out := runUnderLimit(t, plain, "1300000", schools+filepath.Join(dir, "plain"))
	refused("plain build, ulimit -v 1300000", code, out)
	for _, bin := range []string{checked, plain} {
		code, out := runUnderLimit(t, bin, "2500000", schools+filepath.Join(dir, filepath.Base(bin)+"-out"))
		if code != 0 {
			t.Errorf("%s: eight schools under ulimit -v 2500000: exit %d\n%s", filepath.Base(bin), code, out)
		}
	}
}
