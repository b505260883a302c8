package main

import (
	"bytes"
	"strings"
	"testing"

	hmcclib "github.com/hmcc-dev/hmcc"
)

// TestDeviceFlagsOnCPUBuild checks what the CPU build says to --device gpu: it names the build
// that has the GPU.
func TestDeviceFlagsOnCPUBuild(t *testing.T) {
	if hmcclib.DefaultDevice == "gpu" {
		t.Skip("this is the hmcc_cuda build")
	}
	const model, data = "../../models/eight_schools.model", "../../models/eight_schools.csv"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", model, data, "--device", "gpu"}, "go build -tags 'hmcc_cuda hmcc_purego' -o hmcc-gpu ./cmd/hmcc, see docs/gpu.md"},
	} {
		var stdout, stderr bytes.Buffer
		if status := Main(c.args, &stdout, &stderr); status != exitUser {
			t.Errorf("%v: status %d, want %d (stderr %q)", c.args, status, exitUser, stderr.String())
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q does not contain %q", c.args, stderr.String(), c.want)
		}
	}
}
