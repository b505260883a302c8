package runtime

// deviceWarmup runs the hmc and chees samplers' warmup where a WarmupTarget keeps the chains
// (the GPU). Per iteration only what the host-side adaptation reads per chain comes back: the
// acceptance probability (the per-chain or shared dual averaging) and the log density (markGood,
// which finds the stray chains); the target reduces the rest over the chains — ChEES's gradient
// and the metric's running moments (ReduceWarmup). Every position crosses to the host only
//   - at the end of each metric window, with the moments: Stan's step-size heuristic runs one
//     leapfrog step from every chain's position, and the metric changes;
//   - when stray chains are moved (every relocateEvery iterations, and only if there are some);
//   - once when warmup ends, for sampling's start (pull).
//
// Everything else is the CPU warmup's code, so the tuning is the CPU's up to the rounding of the
// target's reductions (TestDeviceWarmupEqualsHostWarmup; compiler/cudagen's
// TestShimWarmupMatchesCPU on the generated kernels). The device takes only a diagonal metric:
// once --metric dense or auto chooses a dense one, the rest of warmup runs on the host kernel.
type deviceWarmup struct {
	dev   *deviceKernel // the transitions (WarmupTransition)
	t     WarmupTarget
	host  Kernel // the host kernel, for what is left of warmup once the metric is dense
	ev    *evaluator
	dense bool // the moments keep co-moments (the adaptation's estimate is dense)
	// onHost: warmup has moved to the host kernel; stale: the device's chains have moved since
	// the host last held their positions; noGrad: the host holds the positions but not the
	// gradients there (s.Grad is not theirs).
	onHost, stale, noGrad bool
	begun                 bool // the device's moments have been started
	// pulls counts the times every chain's position crossed to the host (tests).
	pulls int
}

// deviceWarmupFor returns the device warmup of kernel k on t, or nil when t cannot run it or the
// run needs every warmup position on the host: a sink that writes warmup draws (unless it says
// it does not want their positions), --warmup auto's settling, NUTS, a dense metric to start
// from, or a dense estimate larger than the device keeps.
func deviceWarmupFor(t Target, k *hmcKernel, cfg Config, sink Sink, tu *Tuning) *deviceWarmup {
	wt, ok := t.(WarmupTarget)
	if !ok || cfg.WarmupAuto || cfg.Warmup == 0 || tu.Metric.Chol != nil {
		return nil
	}
	if ws, ok := sink.(WarmupSink); ok {
		if wp, ok := ws.(WarmupPositionsSink); !ok || wp.WantsWarmupPositions() {
			return nil
		}
	}
	if cfg.Metric == "dense" && k.ev.n > denseMaxDim {
		return nil
	}
	dk := &deviceKernel{host: k, dev: wt, warmup: wt, info: Info{Stats: make([]Stats, k.ev.c)}}
	if dd, ok := t.(DeviceDrawer); ok && dd.DrawsOnDevice() {
		dk.drawn = true
	}
	return &deviceWarmup{dev: dk, t: wt, host: k, ev: k.ev}
}

// WarmupPositionsSink is a WarmupSink that can say whether it uses WarmupDraw's positions (a
// sink that only watches the statistics does not). A WarmupSink without it is taken to use
// them, and then warmup runs where the positions are on the host every iteration.
type WarmupPositionsSink interface {
	WantsWarmupPositions() bool
}

// running reports whether warmup's transitions run on the device now.
func (w *deviceWarmup) running() bool { return w != nil && !w.onHost }

// Step runs one warmup transition (Kernel).
func (w *deviceWarmup) Step(r *Streams, s *State, tu *Tuning) (*Info, error) {
	if w.onHost {
		return w.host.Step(r, s, tu)
	}
	if !w.begun {
		if _, _, _, _, err := w.t.Moments(w.dense, true); err != nil {
			return nil, err
		}
		w.begun = true
	}
	w.stale = true
	return w.dev.Step(r, s, tu)
}

// reduce reduces the transition just run: with chees ChEES's statistics, with moments the good
// chains' positions join the metric's estimate.
func (w *deviceWarmup) reduce(good []bool, jitter, length float64, chees, moments bool) (AdaptStats, error) {
	return w.t.ReduceWarmup(good, jitter, length, chees, moments, w.dense)
}

// pull brings the chains' positions to the host and, with grad, evaluates the log density and
// gradient there, so that s is whole again (the device keeps its gradients to itself). Moving
// stray chains needs the positions only (push then has the device evaluate them); Stan's
// step-size heuristic and sampling's start need the gradients too.
func (w *deviceWarmup) pull(s *State, grad bool) error {
	if w.stale {
		if err := w.t.Positions(s.Pos); err != nil {
			return err
		}
		w.pulls++
		w.stale, w.noGrad = false, true
	}
	if !grad || !w.noGrad {
		return nil
	}
	w.noGrad = false
	return w.ev.eval(s.Pos, s.LogP, s.Grad)
}

// push makes s's positions and tu's metric the device's again after the host moved chains or
// changed the metric; a dense metric moves the rest of warmup to the host kernel, which s
// (pulled) is ready for.
func (w *deviceWarmup) push(s *State, tu *Tuning) error {
	if tu.Metric.Chol != nil {
		w.onHost = true
		return nil
	}
	return w.dev.sync(s, tu)
}

// windowMoments hands the window's moments to est and starts the next window's.
func (w *deviceWarmup) windowMoments(est *welford) error {
	n, mean, m2, cov, err := w.t.Moments(w.dense, true)
	if err != nil {
		return err
	}
	est.n = n
	copy(est.mean, mean)
	copy(est.m2, m2)
	if est.cov != nil {
		copy(est.cov, cov)
	}
	return nil
}
