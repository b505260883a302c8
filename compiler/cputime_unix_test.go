//go:build unix

package compiler

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time: on a shared machine the wall time of a
// benchmark also counts the time other processes held the cores, its CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
