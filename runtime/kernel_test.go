package runtime

import "testing"

// blockGaussian is gaussian evaluated in fixed blocks of chains with per-block work around each
// block's evaluation, as autodiff.Parallel does (a blockTarget), on the calling goroutine.
type blockGaussian struct {
	gaussian
	block int
}

func (g *blockGaussian) LogDensityGradAround(theta, logp, grad []float64, before, after func(lo, hi int)) error {
	n := len(g.scales)
	for lo := 0; lo < g.chains; lo += g.block {
		hi := min(lo+g.block, g.chains)
		if before != nil {
			before(lo, hi)
		}
		for c := lo; c < hi; c++ {
			lp := 0.0
			for i, s := range g.scales {
				x := theta[c*n+i]
				lp -= x * x / (2 * s * s)
				grad[c*n+i] = -x / (s * s)
			}
			logp[c] = lp
		}
		if after != nil {
			after(lo, hi)
		}
	}
	return nil
}

// A leapfrog step allocates nothing once its kernel exists: with a diagonal and a dense metric,
// on a target that runs the step's kicks and drift around its blocks' evaluations (the compiled
// models, autodiff.Parallel) and on one that does not, with HMC's per-step divergence check and
// without (NUTS). The step's parts were closures made per step, which escaped through the
// blockTarget interface: an allocation per leapfrog step.
func TestLeapfrogAllocs(t *testing.T) {
	const chains = 7
	scales := []float64{1, 2, 0.5}
	for _, tc := range []struct {
		name   string
		target Target
	}{
		{"plain", &gaussian{chains: chains, scales: scales}},
		{"blocks", &blockGaussian{gaussian{chains: chains, scales: scales}, 3}},
	} {
		for _, dense := range []bool{false, true} {
			f := initialised(t, tc.target, nil, 3)
			if dense {
				sigma := []float64{1, 0.3, 0, 0.3, 2, 0.1, 0, 0.1, 0.5}
				if !f.tu.Metric.setDense(sigma) {
					t.Fatal("sigma is not positive definite")
				}
			}
			for i := range f.tu.StepSize {
				f.tu.StepSize[i] = 0.1
			}
			k := newHMCKernel(f.ev, uniformJitter)
			m := &f.tu.Metric
			k.metric = m
			for i := range k.active {
				k.active[i] = i != 2 // one chain frozen, as when it has finished its trajectory
			}
			copy(k.info.Proposal, f.st.Pos)
			copy(k.g, f.st.Grad)
			copy(k.lp, f.st.LogP)
			x, mom, g, lp := k.info.Proposal, k.info.Momentum, k.g, k.lp
			for name, then := range map[string]func(lo, hi int, vel []float64){"check": k.checkStep, "none": nil} {
				allocs := testing.AllocsPerRun(100, func() {
					if err := leapfrogThen(f.ev, m, f.tu.StepSize, k.active, x, mom, g, lp, k.vel, then); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Errorf("%s target, dense %v, then %s: %v allocations per leapfrog step, want 0", tc.name, dense, name, allocs)
				}
			}
		}
	}
}

// A whole transition of each kernel allocates nothing in steady state either, on a blockTarget
// with a diagonal and a dense metric: the leapfrog steps, HMC's divergence check (a closure made
// per transition before) and NUTS's tree all work in the kernel's buffers.
func TestTransitionAllocs(t *testing.T) {
	target := &blockGaussian{gaussian{chains: 7, scales: []float64{1, 2, 0.5}}, 3}
	for _, sampler := range Samplers {
		for _, dense := range []bool{false, true} {
			f := initialised(t, target, nil, 5)
			if dense && !f.tu.Metric.setDense([]float64{1, 0.3, 0, 0.3, 2, 0.1, 0, 0.1, 0.5}) {
				t.Fatal("sigma is not positive definite")
			}
			for i := range f.tu.StepSize {
				f.tu.StepSize[i] = 0.3
			}
			f.tu.Length = 2
			var k Kernel
			switch sampler {
			case "hmc":
				k = newHMCKernel(f.ev, uniformJitter)
			case "chees":
				k = newHMCKernel(f.ev, haltonJitter)
			case "nuts":
				k = newNUTS(f.ev, 10)
			default:
				t.Fatalf("no kernel for sampler %s", sampler)
			}
			grads := f.ev.grads
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := k.Step(f.r, f.st, f.tu); err != nil {
					t.Fatal(err)
				}
			})
			if f.ev.grads == grads {
				t.Fatalf("%s: the transitions took no leapfrog step", sampler)
			}
			if allocs != 0 {
				t.Errorf("%s, dense %v: %v allocations per transition, want 0", sampler, dense, allocs)
			}
		}
	}
}
