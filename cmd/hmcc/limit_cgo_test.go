//go:build cgo && linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddressSpaceLimit runs the real binary under ulimit -v: a limit too small for the Go
// runtime's reservations is refused before the runtime starts, with exit 2 and a message naming
// the limit and the fix (it used to be "fatal error: failed to reserve page summary memory" or
// "pthread_create failed" with a runtime trace); a limit with room runs a small model.
func TestAddressSpaceLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hmcc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, kb := range []string{"500000", "1000000"} {
		code, out := runUnderLimit(t, bin, kb, "version")
		if code != 2 || !strings.Contains(out, "address-space limit (ulimit -v)") || !strings.Contains(out, "hint: raise the limit (ulimit -v ") {
			t.Errorf("ulimit -v %s: exit %d, want 2 and the message\n%s", kb, code, out)
		}
		for _, trace := range []string{"goroutine ", "fatal error", "runtime."} {
			if strings.Contains(out, trace) {
				t.Errorf("ulimit -v %s: a runtime trace (%q)\n%s", kb, trace, out)
			}
		}
	}
	code, out := runUnderLimit(t, bin, "2500000", "run --chains 2 --warmup 200 --draws 200 --output-dir "+filepath.Join(dir, "out")+
		" ../../models/eight_schools.model ../../models/eight_schools.csv")
	if code != 0 {
		t.Errorf("eight schools under ulimit -v 2500000: exit %d\n%s", code, out)
	}
	// A model whose state fits in the machine's memory but not under the limit is refused
	// before it is allocated, naming the limit (it was "fatal error: out of memory").
	model, data := filepath.Join(dir, "big.model"), filepath.Join(dir, "y.csv")
	writeFile(t, model, "data y[N] = column \"y\"\nparam a[3000000] ~ Normal(0, 1)\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n")
	writeFile(t, data, "y\n1\n2\n3\n")
	code, out = runUnderLimit(t, bin, "2500000", "run --chains 2 --warmup 10 --draws 10 --output-dir "+filepath.Join(dir, "big")+" "+model+" "+data)
	if code != 2 || !strings.Contains(out, "under the address-space limit (ulimit -v") || strings.Contains(out, "fatal error") {
		t.Errorf("3M parameters under ulimit -v 2500000: exit %d, want 2 and a message naming the limit\n%s", code, out)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
