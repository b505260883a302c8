package hmcc

import (
	"errors"
	"fmt"
	goruntime "runtime"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime"
)

// Target says where and how the batched log density runs.
type Target struct {
	// Device is "cpu" or "gpu", which needs a GPU backend (RegisterGPU); default DefaultDevice.
	Device string
	// Chains is the number of chains, all evaluated in one batch (default 4).
	Chains int
	// Threads is the number of goroutines evaluating the chains on the CPU, in fixed blocks of up
	// to 8 chains (default: every core); the draws do not depend on it.
	Threads int
	// Precision is "float64" or "float32" (default DefaultPrecision): on the GPU the arithmetic, on the CPU
	// the matrix products X @ w only. Sums and the Metropolis step stay float64.
	Precision string
}

// GPUBackend builds the batched log density of chains chains on the GPU, and returns a function
// that releases it.
type GPUBackend func(m *ir.Model, chains int, precision string) (runtime.Target, func() error, error)

// The GPU backend lives in a separate build (tag hmcc_cuda, docs/gpu.md) because the CUDA package
// it links exits at start-up on a machine without a GPU; that build registers it.
var gpuBackend GPUBackend

// RegisterGPU installs the GPU backend; the hmcc_cuda build of cmd/hmcc calls it.
func RegisterGPU(b GPUBackend) { gpuBackend = b }

// DefaultDevice and DefaultPrecision are what a zero Target's fields mean: the CPU and float64,
// or the GPU and float32 in a program that registers a GPU backend in its init (hmcc-gpu).
var DefaultDevice, DefaultPrecision = "cpu", "float64"

// ErrNoGPU is what a program without a GPU backend says to Device "gpu".
var ErrNoGPU = errors.New("this hmcc binary was built without GPU support; build hmcc-gpu " +
	"(go build -tags 'hmcc_cuda hmcc_purego' -o hmcc-gpu ./cmd/hmcc, see docs/gpu.md) and run it on a machine with an NVIDIA GPU")

// withDefaults fills the zero fields.
func (t Target) withDefaults() Target {
	if t.Device == "" {
		t.Device = DefaultDevice
	}
	if t.Chains == 0 {
		t.Chains = 4
	}
	if t.Threads == 0 {
		t.Threads = goruntime.NumCPU()
	}
	if t.Precision == "" {
		t.Precision = DefaultPrecision
	}
	return t
}

// Check validates the device and precision for this program.
func (t Target) Check() error {
	switch {
	case t.Device == "gpu" && gpuBackend == nil:
		return ErrNoGPU
	case t.Device != "" && t.Device != "cpu" && t.Device != "gpu":
		return fmt.Errorf("device %q: use cpu or gpu", t.Device)
	case t.Precision != "" && t.Precision != "float64" && t.Precision != "float32":
		return fmt.Errorf("precision %q: use float64 or float32", t.Precision)
	}
	return nil
}

// build makes the log density where the target says, and a function that releases it.
func (t Target) build(m *ir.Model) (runtime.Target, func() error, error) {
	if t.Device == "gpu" {
		return gpuBackend(m, t.Chains, t.Precision)
	}
	// On the CPU, float32 applies to the matrix products only (docs/performance.md measures it).
	rt, err := compiler.LowerParallelWith(m, t.Chains, t.Threads, compiler.Options{Float32Products: t.Precision == "float32"})
	return rt, func() error { return nil }, err
}
