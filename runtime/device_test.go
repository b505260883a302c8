package runtime

import (
	"context"
	"math"
	"testing"
)

// hostDevice is a TrajectoryTarget that keeps its state to itself, as the GPU backend does, with
// the transition written out here independently of sampler.transition (same integrator, same
// divergence rule, acceptance against the caller's uniform). It counts what crosses its
// interface so the test can check that sampling never steps through LogDensityGrad.
type hostDevice struct {
	gaussian
	pos, grad, logp, inv   []float64
	evals, sets, runs      int
	evalsAtFirstTransition int
}

func (d *hostDevice) LogDensityGrad(theta, logp, grad []float64) error {
	d.evals++
	return d.gaussian.LogDensityGrad(theta, logp, grad)
}

func (d *hostDevice) SetState(theta, invMetric []float64) error {
	d.sets++
	d.pos = append([]float64(nil), theta...)
	d.inv = append([]float64(nil), invMetric...)
	d.grad, d.logp = make([]float64, len(theta)), make([]float64, d.chains)
	return d.gaussian.LogDensityGrad(d.pos, d.logp, d.grad)
}

func (d *hostDevice) Transition(in TransitionIn, out *TransitionOut) error {
	if d.runs == 0 {
		d.evalsAtFirstTransition = d.evals
	}
	d.runs++
	n := d.Dim()
	x, g, lp := make([]float64, n), make([]float64, n), make([]float64, 1)
	for i := 0; i < d.chains; i++ {
		p := append([]float64(nil), in.Momentum[i*n:(i+1)*n]...)
		kinetic := func() float64 {
			k := 0.0
			for j, v := range p {
				k += 0.5 * d.inv[j] * v * v
			}
			return k
		}
		copy(x, d.pos[i*n:(i+1)*n])
		copy(g, d.grad[i*n:(i+1)*n])
		h0 := -d.logp[i] + kinetic()
		eps, diverged := in.StepSize[i], false
		for l := 0; l < in.Steps[i] && !diverged; l++ {
			for j := range x {
				p[j] += 0.5 * eps * g[j]
				x[j] += eps * d.inv[j] * p[j]
			}
			one := gaussian{chains: 1, scales: d.scales}
			if err := one.LogDensityGrad(x, lp, g); err != nil {
				return err
			}
			for j := range p {
				p[j] += 0.5 * eps * g[j]
			}
			h := -lp[0] + kinetic()
			diverged = math.IsNaN(h) || h-h0 > 1000
		}
		out.Diverged[i] = diverged
		out.Accept[i], out.Energy[i] = 0, h0
		if !diverged {
			h := -lp[0] + kinetic()
			out.Accept[i] = math.Min(1, math.Exp(h0-h))
			if in.Uniform[i] < out.Accept[i] {
				copy(d.pos[i*n:], x)
				copy(d.grad[i*n:], g)
				d.logp[i], out.Energy[i] = lp[0], h
			}
		}
		out.LogP[i] = d.logp[i]
	}
	if out.Position != nil {
		copy(out.Position, d.pos)
	}
	return nil
}

// TestTrajectoryTargetRunsSampling: with a target that runs whole transitions, hmc and chees
// hand it every post-warmup transition (one SetState, then one Transition per draw and no
// LogDensityGrad), and the draws still recover a badly scaled Gaussian within Monte Carlo error.
func TestTrajectoryTargetRunsSampling(t *testing.T) {
	scales := []float64{0.01, 1, 30, 5, 0.3}
	for _, sampler := range []string{"hmc", "chees"} {
		t.Run(sampler, func(t *testing.T) {
			dev := &hostDevice{gaussian: gaussian{chains: 8, scales: scales}}
			const draws = 500
			sink := newMemorySink(8, len(scales), draws)
			res, err := Sample(context.Background(), dev, Config{Warmup: 500, Draws: draws, Seed: 3, TargetAccept: 0.8,
				PathLength: 3, MaxSteps: 1024, Sampler: sampler}, sink)
			if err != nil {
				t.Fatal(err)
			}
			if dev.sets != 1 || dev.runs != draws {
				t.Errorf("SetState %d times and Transition %d times, want 1 and %d", dev.sets, dev.runs, draws)
			}
			if dev.evals != dev.evalsAtFirstTransition {
				t.Errorf("LogDensityGrad was called %d times during sampling", dev.evals-dev.evalsAtFirstTransition)
			}
			if res.DrawsDone != draws {
				t.Fatalf("%d draws", res.DrawsDone)
			}
			for it, st := range sink.stats {
				for c, s := range st {
					if s.NLeapfrog < 1 || s.AcceptStat < 0 || s.AcceptStat > 1 || math.IsInf(s.LogP, 0) {
						t.Fatalf("draw %d chain %d: implausible statistics %+v", it, c, s)
					}
				}
			}
			checkGaussianMoments(t, sink.draws, scales)
		})
	}
}
