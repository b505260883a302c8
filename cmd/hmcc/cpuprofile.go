package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startCPUProfile writes a Go CPU profile of the whole command to the file named by the
// environment variable HMCC_CPUPROFILE, when it is set (a developer's tool, read with
// `go tool pprof -top`; docs/performance.md uses it for the two-core profile). Time spent in
// C (BLAS, the Bernoulli kernel) is charged to the Go caller of the cgo call, so the fractions of
// the parallel log density and of the serial rest are exact shares of the process's CPU time.
// The returned function stops the profile; it is a no-op when none was started.
func startCPUProfile() func() {
	stopTrace := startTrace()
	path := os.Getenv("HMCC_CPUPROFILE")
	if path == "" {
		return stopTrace
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hmcc: HMCC_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		stopTrace()
	}
}

// startTrace writes an execution trace (`go tool trace`) to the file named by HMCC_TRACE, when
// it is set: where a CPU profile shows only work done, the trace shows when each thread waits,
// which is what the two-core scaling question (docs/performance.md) turns on.
func startTrace() func() {
	path := os.Getenv("HMCC_TRACE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = trace.Start(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hmcc: HMCC_TRACE:", err)
		return func() {}
	}
	return func() {
		trace.Stop()
		f.Close()
	}
}
