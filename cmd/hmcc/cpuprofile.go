package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// startCPUProfile starts the developer's tools that the environment asks for and returns the
// function that stops them (a no-op when none was started):
//   - HMCC_CPUPROFILE=FILE writes a Go CPU profile of the whole command, read with
//     `go tool pprof -top`. Time spent in C (BLAS, the Bernoulli kernel) is charged to the Go
//     caller of the cgo call, so the fractions of the parallel log density and of the serial
//     rest are exact shares of the process's CPU time.
//   - HMCC_TRACE=FILE writes an execution trace (`go tool trace`): where a CPU profile shows only
//     work done, the trace shows when each thread waits, which is what the two-core question
//     turned on (docs/performance.md, "Two cores").
func startCPUProfile() func() {
	stopProfile := startToFile("HMCC_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile)
	stopTrace := startToFile("HMCC_TRACE", trace.Start, trace.Stop)
	return func() {
		stopProfile()
		stopTrace()
	}
}

// startToFile creates the file named by the environment variable env, if set, and starts writing
// to it; the returned function stops and closes it. A failure is reported and leaves the command
// running without it.
func startToFile(env string, start func(io.Writer) error, stop func()) func() {
	path := os.Getenv(env)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		if err = start(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "hmcc: %s: %v\n", env, err)
		return func() {}
	}
	return func() {
		stop()
		f.Close()
	}
}
