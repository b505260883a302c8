//go:build unix

package hmcc

import (
	"fmt"
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
	pages := mappedPages()
	if pages == 0 {
		return 0
	}
	reserve := pages*uint64(os.Getpagesize()) + threadRoom()
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

// threadRoom is the address space kept for threads: 8 MiB of stack for each of GOMAXPROCS and
// eight more, and OpenBLAS's buffer for each thread that calls it.
func threadRoom() uint64 {
	threads := uint64(goruntime.GOMAXPROCS(0))
	return (threads+8)*8<<20 + threads*blasBufferPerThread
}

// mappedPages is the process's mapped address space in pages (/proc/self/statm), 0 when unknown.
func mappedPages() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[0], 10, 64)
	return pages
}

// The address space hmcc needs, as the cgo build's constructor (cmd/hmcc/limit_cgo.go) and the
// pure-Go build's entry check (cmd/hmcc/entry_linux_amd64.s) count it: what the Go runtime
// reserves at start (page summaries 576 MiB, the scavenger's index 512 MiB, the arena map and a
// first arena), and room for a small run's threads and heap.
const (
	runtimeReserveMiB = 1184
	heapMinMiB        = 32
)

// CheckAddressSpace refuses to run under an address-space limit (ulimit -v) too small for a
// small run (threadRoom and a heap of heapMinMiB beyond what is mapped): the Go runtime has reserved its 1.2 GB by the time main runs, and the first
// reservation beyond the limit kills the process with "fatal error: out of memory". The cgo
// build refuses such limits before the runtime starts (cmd/hmcc/limit_cgo.go); a pure-Go build
// reaches main under some of them (below about 1.2 GB only when a reservation the runtime does
// not check failed, which leaves it unsound), and is refused here with the same message.
func CheckAddressSpace() error {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_AS, &l) != nil || l.Cur == ^uint64(0) {
		return nil
	}
	const mib = 1 << 20
	mapped := mappedPages() * uint64(os.Getpagesize())
	need := max(mapped, runtimeReserveMiB*mib) + threadRoom() + heapMinMiB*mib
	if l.Cur >= need {
		return nil
	}
	return AddressSpaceError{Limit: l.Cur, Need: need}
}

// AddressSpaceError is CheckAddressSpace's refusal: the limit and the address space needed, in
// bytes.
type AddressSpaceError struct{ Limit, Need uint64 }

func (e AddressSpaceError) Error() string {
	const mib = 1 << 20
	needKB := (e.Need + 1023) / 1024
	return fmt.Sprintf("the address-space limit (ulimit -v) is %d MiB, and hmcc needs at least %d MiB of address space: "+
		"the Go runtime alone reserves about %d MiB at start (reserved, not used: a small model's run is about 50 MiB resident)\n"+
		"  hint: raise the limit (ulimit -v %d) or lift it (ulimit -v unlimited); to cap memory, cap resident memory instead "+
		"(a cgroup's memory.max, e.g. systemd-run --user --scope -p MemoryMax=1G hmcc ...)",
		e.Limit/mib, (e.Need+mib-1)/mib, runtimeReserveMiB, ((needKB+99999)/100000)*100000+100000)
}
