//go:build unix

package hmcc

import (
	"strings"
	"syscall"
	"testing"
)

// With the soft limit on open files at 100, 84 chains fit beside the reserved descriptors and 85
// do not; the refusal says how many would.
func TestCheckFileLimit(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	if old.Max < 100 {
		t.Skipf("hard limit %d", old.Max)
	}
	low := old
	low.Cur = 100
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	if err := CheckFileLimit(100 - reservedFiles); err != nil {
		t.Errorf("%d chains: %v", 100-reservedFiles, err)
	}
	err := CheckFileLimit(101 - reservedFiles)
	if err == nil || !strings.Contains(err.Error(), "needs 101 open files") || !strings.HasSuffix(err.Error(), "use at most --chains 84") {
		t.Errorf("%d chains: %v", 101-reservedFiles, err)
	}
}
