//go:build hmcc_cuda

package main

import (
	"errors"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/gpu"
)

// In the hmcc-gpu build the GPU is the default device and float32 its default precision (the
// Metropolis step and every sum over elements are still accumulated in float64).
func init() {
	hmcclib.DefaultDevice, hmcclib.DefaultPrecision = "gpu", "float32"
	hmcclib.RegisterGPU(func(m *ir.Model, chains int, precision string) (runtime.Target, func() error, error) {
		prec, err := cudagen.ParsePrecision(precision)
		if err != nil {
			return nil, nil, userError{err}
		}
		t, err := gpu.New(m, chains, gpu.Options{Precision: prec, DrawChunk: gpuDrawChunk})
		if err != nil {
			var u *cudagen.Unsupported
			if errors.As(err, &u) { // the model uses something the GPU backend lacks: the user can act
				return nil, nil, userError{err}
			}
			return nil, nil, err
		}
		return t, t.Close, nil
	})
}

// gpuDrawChunk is how many iterations of draws the device keeps before they come back together:
// 64 iterations of 16384 chains × 50 coordinates in float64 is 420 MB, small beside an H100's
// 80 GB, and one transfer per 64 iterations instead of one per iteration.
const gpuDrawChunk = 64
