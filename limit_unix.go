//go:build unix

package hmcc

import (
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// RaiseFileLimit lifts the soft limit on open files to the hard one: every chain keeps its CSV
// open, and the soft limit (often 1024) is a default, not a decision.
func RaiseFileLimit() {
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

// addressSpaceLeft is the address space that the limit (ulimit -v, RLIMIT_AS) leaves to the
// heap: the limit, less what is mapped now (the Go runtime's reservations, the libraries,
// OpenBLAS's buffer) and less room for more threads (8 MiB of stack each) and OpenBLAS's buffer
// per thread that calls it (128 MiB); 0 when there is no limit or it cannot be read, 1 when
// nothing is left.
func addressSpaceLeft() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &l) != nil || l.Cur == ^uint64(0) {
		return 0
	}
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	pages, err := strconv.ParseUint(strings.Fields(string(b))[0], 10, 64)
	if err != nil {
		return 0
	}
	threads := uint64(goruntime.GOMAXPROCS(0))
	reserve := pages*uint64(os.Getpagesize()) + (threads+8)*8<<20 + threads*128<<20
	if l.Cur <= reserve {
		return 1
	}
	return l.Cur - reserve
}

// RespectAddressSpaceLimit tells the garbage collector to keep the heap within what the
// address-space limit leaves (ulimit -v), so that it collects rather than asks for address
// space the kernel refuses ("fatal error: out of memory"). Without a limit it does nothing.
func RespectAddressSpaceLimit() {
	if left := addressSpaceLeft(); left > 0 {
		debug.SetMemoryLimit(int64(left / 4 * 3))
	}
}
