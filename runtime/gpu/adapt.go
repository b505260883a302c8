//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/runtime"
)

// Warmup's adaptation statistics reduced on the device (compiler/cudagen/adapt.go): a warmup
// transition leaves its proposals, end momenta and start positions on the device, and kernels
// reduce them over the chains, so that per warmup iteration only per-chain scalars (acceptance
// probability, log density, divergence, energy: what Transition brings back without a position)
// and four numbers cross to the host, and the metric's moments (3·dim numbers, dim² more for a
// dense metric) once per metric window, instead of every chain's position, proposal and
// momentum each iteration. The kernels are held to the CPU warmup's code on the host shim
// (compiler/cudagen's TestShimAdaptation). Target is a runtime.WarmupTarget with them: the hmc
// and chees samplers' warmup runs here (runtime/devicewarmup.go), and compiler/cudagen's
// TestShimWarmupMatchesCPU runs that warmup through the same kernels on the host shim.

// AdaptStats is one warmup iteration's statistics reduced on the device: runtime's.
type AdaptStats = runtime.AdaptStats

var _ runtime.WarmupTarget = (*Target)(nil)

// WarmupTransition is Transition with each chain's start position kept on the device for
// ChEES's reduction; out.Position must be nil: no position crosses the bus.
func (t *Target) WarmupTransition(in TransitionIn, out *TransitionOut) error {
	if out.Position != nil {
		return fmt.Errorf("internal error: a warmup transition on the device brings back no position")
	}
	if err := t.do(func() error { return t.prog.SavePrev(t) }); err != nil {
		return err
	}
	return t.Transition(in, out)
}

// ReduceWarmup reduces the last WarmupTransition: good marks the chains the adaptation learns
// from (runtime's markGood), jitter and length are the iteration's Halton fraction and
// integration time. With chees it computes ChEES's gradient and the harmonic mean acceptance;
// with moments it adds the good chains' positions to the running moments (dense: the
// co-moments too).
func (t *Target) ReduceWarmup(good []bool, jitter, length float64, chees, moments, dense bool) (AdaptStats, error) {
	if len(good) != t.chains {
		return AdaptStats{}, fmt.Errorf("internal error: %d good flags for %d chains", len(good), t.chains)
	}
	g := make([]float64, t.chains)
	for i, v := range good {
		if v {
			g[i] = 1
		}
	}
	a := t.prog.Adapt
	out := make([]float64, 4)
	err := t.do(func() error {
		if err := t.upload(a.Good, g); err != nil {
			return err
		}
		if err := t.upload(a.Params, []float64{jitter, length}); err != nil {
			return err
		}
		if chees {
			if err := t.prog.ChEES(t); err != nil {
				return err
			}
		}
		if moments {
			if err := t.prog.AddMoments(t, dense); err != nil {
				return err
			}
		}
		if !chees {
			return nil
		}
		return t.download(a.Out, out)
	})
	if err != nil {
		return AdaptStats{}, err
	}
	if !chees {
		return AdaptStats{Gradient: math.NaN(), HarmonicMean: math.NaN()}, nil
	}
	return AdaptStats{Gradient: out[0], HarmonicMean: out[1], AcceptSum: out[2], Good: out[3]}, nil
}

// Moments brings back the running moments of the metric window (the number of positions, and
// per coordinate their mean and sum of squared deviations; with dense the dim×dim co-moments,
// lower triangle) and, with reset, starts the next window.
func (t *Target) Moments(dense, reset bool) (n float64, mean, m2, cov []float64, err error) {
	if dense && t.dim > cudagen.MaxDenseMoments {
		return 0, nil, nil, nil, fmt.Errorf("internal error: dense moments on the device for %d coordinates (at most %d)", t.dim, cudagen.MaxDenseMoments)
	}
	a := t.prog.Adapt
	count := make([]float64, t.dim)
	mean, m2 = make([]float64, t.dim), make([]float64, t.dim)
	if dense {
		cov = make([]float64, t.dim*t.dim)
	}
	err = t.do(func() error {
		for _, d := range []struct {
			buf int
			v   []float64
		}{{a.N, count}, {a.Mean, mean}, {a.M2, m2}, {a.Cov, cov}} {
			if err := t.download(d.buf, d.v); err != nil {
				return err
			}
		}
		if reset {
			return t.prog.ResetMoments(t)
		}
		return nil
	})
	if err != nil {
		return 0, nil, nil, nil, err
	}
	if t.dim > 0 {
		n = count[0]
	}
	return n, mean, m2, cov, nil
}

// Positions brings every chain's current position back (chains×dim, runtime.WarmupTarget): at
// a metric window's end, when stray chains move, and when warmup ends.
func (t *Target) Positions(theta []float64) error {
	if len(theta) != t.chains*t.dim {
		return fmt.Errorf("internal error: %d values for %d chains × %d", len(theta), t.chains, t.dim)
	}
	if err := t.do(func() error { return t.download(t.prog.HMC.Pos, t.theta) }); err != nil {
		return err
	}
	transpose(theta, t.theta, t.dim, t.chains)
	return nil
}
