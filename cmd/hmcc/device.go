package main

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime"
)

// The GPU backend is a separate build (tag hmcc_cuda, see docs/gpu.md) because the CUDA package
// it links exits at start-up on a machine without a GPU. That build's device_cuda.go sets
// newGPUTarget and makes the GPU and float32 the defaults; this file is all the CPU build knows.
var (
	defaultDevice    = "cpu"
	defaultPrecision = "float64"
	// newGPUTarget builds the batched log density on the GPU; nil in the CPU build.
	newGPUTarget func(m *ir.Model, chains int, precision string) (runtime.Target, func() error, error)
)

// errNoGPU is what the CPU build says to --device gpu.
var errNoGPU = fmt.Errorf("this hmcc binary was built without GPU support; build hmcc-gpu " +
	"(go build -tags hmcc_cuda -o hmcc-gpu ./cmd/hmcc, see docs/gpu.md) and run it on a machine with an NVIDIA GPU")

// checkDevice validates --device and --precision for this build.
func (r *runCmd) checkDevice() error {
	switch {
	case r.Device == "gpu" && newGPUTarget == nil:
		return errNoGPU
	}
	return nil
}

// target builds the log density where --device says, and returns a function that releases it.
func (r *runCmd) target(m *ir.Model) (runtime.Target, func() error, error) {
	if r.Device == "gpu" {
		return newGPUTarget(m, r.Chains, r.Precision)
	}
	// On the CPU, float32 applies to the matrix products only (docs/performance.md measures it).
	t, err := compiler.LowerParallelWith(m, r.Chains, r.Threads, compiler.Options{Float32Products: r.Precision == "float32"})
	return t, func() error { return nil }, err
}
