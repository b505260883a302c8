package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a Go CPU profile of the whole command to the file named by the
// environment variable HMCC_CPUPROFILE, when it is set (a developer's tool, read with
// `go tool pprof -top`; docs/performance.md uses it for the two-core profile). Time spent in
// C (BLAS, the Bernoulli kernel) is charged to the Go caller of the cgo call, so the fractions of
// the parallel log density and of the serial rest are exact shares of the process's CPU time.
// The returned function stops the profile; it is a no-op when none was started.
func startCPUProfile() func() {
	path := os.Getenv("HMCC_CPUPROFILE")
	if path == "" {
		return func() {}
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
	}
}
