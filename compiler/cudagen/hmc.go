package cudagen

import (
	"fmt"
	"strings"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// HMCBuffers are the buffers of the device-resident HMC transition: the state of every chain
// stays on the device for a whole trajectory, and per iteration only the inputs the host draws
// (momentum, step sizes, step counts, uniforms) go in and the statistics and the draw come out.
// The proposal lives in the log density's own Theta, Grad and LogP buffers.
type HMCBuffers struct {
	Pos, PosGrad, PosLogP int // the accepted state: θ [Dim × C], its gradient, its log density (double)
	Mom                   int // momentum [Dim × C], drawn by the host
	InvMetric             int // diagonal inverse metric [Dim], shared by the chains
	StepSize, Steps       int // per chain
	Uniform               int // per chain, double: the Metropolis uniform
	Accept, Energy        int // per chain, double: acceptance probability and energy__ out
	Diverged              int // per chain: 1 if the trajectory diverged
	// Draws and Stats are a ring of iterations kept on the device (SetDrawChunk sets its length):
	// slot s holds the accepted position, rows [s·Dim, (s+1)·Dim), and log density, acceptance
	// probability, energy and divergence flag, rows 4s … 4s+3 of Stats (double). Slot is the slot
	// hmcc_hmc_record writes, set by the host before the launch.
	Draws, Stats, Slot int
	// RNG holds the key, the iteration and the global id of chain 0 of the momenta and uniforms
	// hmcc_hmc_draw generates on the device (CounterWords): runtime/rng's streams.
	RNG              int
	h0, done, moving int
}

// CounterWords is what the host puts in HMC.RNG before Draw: the run's key, the iteration and the
// global id of the batch's chain 0 (a shard's first chain), each a 32-bit value a double holds
// exactly. Chain c of the batch draws from runtime/rng's streams of chain chain0 + c.
func CounterWords(k rng.Key, iter, chain0 uint32) []float64 {
	return []float64{float64(k[0]), float64(k[1]), float64(iter), float64(chain0)}
}

// DrawnUniform is the Metropolis uniform hmcc_hmc_draw gives chain (a global id) at iter:
// rng.Uniform of the first two words of block 0 of the stream (chain, iter, rng.Accept).
func DrawnUniform(k rng.Key, chain, iter uint32) float64 {
	b := k.Block(chain, iter, rng.Accept, 0)
	return rng.Uniform(uint64(b[0])<<32 | uint64(b[1]))
}

// Draw generates every chain's momentum and Metropolis uniform for the iteration in HMC.RNG on
// the device, with no host work: the momentum of chain c is runtime/rng's
// Key.Normals(z, chain0+c, iter, rng.Momentum) divided by the square root of the inverse metric,
// coordinate by coordinate, one thread per chain and pair of coordinates (a Philox block); the
// uniform is DrawnUniform. Transition then needs nothing drawn by the host.
func (p *Program) Draw(d Device) error { return d.Launch("hmcc_hmc_draw", (p.Dim+1)/2) }

// SetDrawChunk sizes the ring of recorded iterations to k slots. It changes only how much the
// device allocates: the kernels index by the slot the host sets.
func (p *Program) SetDrawChunk(k int) {
	p.Buffers[p.HMC.Draws].Rows = max(1, k) * p.Dim
	p.Buffers[p.HMC.Stats].Rows = max(1, k) * 4
}

// Record copies every chain's accepted state and last statistics into slot Slot of the ring.
func (p *Program) Record(d Device) error { return d.Launch("hmcc_hmc_record", 1) }

// addHMC allocates the transition's buffers.
func (g *gen) addHMC() {
	h := &g.p.HMC
	d := g.p.Dim
	h.Pos = g.perChain("hmc_pos", d, false)
	h.PosGrad = g.perChain("hmc_pos_grad", d, false)
	h.PosLogP = g.perChain("hmc_pos_logp", 1, true)
	h.Mom = g.perChain("hmc_mom", d, false)
	ones := make([]float64, d)
	for i := range ones {
		ones[i] = 1
	}
	g.p.Buffers = append(g.p.Buffers, Buffer{Name: "hmc_inv_metric", Data: ones})
	h.InvMetric = len(g.p.Buffers) - 1
	h.StepSize = g.perChain("hmc_step_size", 1, false)
	h.Steps = g.perChain("hmc_steps", 1, false)
	h.Uniform = g.perChain("hmc_uniform", 1, true)
	h.Accept = g.perChain("hmc_accept", 1, true)
	h.Energy = g.perChain("hmc_energy", 1, true)
	h.Diverged = g.perChain("hmc_diverged", 1, false)
	h.Draws = g.perChain("hmc_draws", d, false)
	h.Stats = g.perChain("hmc_stats", 4, true)
	g.p.Buffers = append(g.p.Buffers, Buffer{Name: "hmc_slot", Data: []float64{0}, Double: true})
	h.Slot = len(g.p.Buffers) - 1
	g.p.Buffers = append(g.p.Buffers, Buffer{Name: "hmc_rng", Data: make([]float64, 4), Double: true})
	h.RNG = len(g.p.Buffers) - 1
	h.h0 = g.perChain("hmc_h0", 1, true)
	h.done = g.perChain("hmc_done", 1, false)
	h.moving = g.perChain("hmc_moving", 1, false)
}

// hmcKernels mirror the CPU kernel's transition (runtime/hmc.go, with runtime/kernel.go's
// leapfrog) operation for operation: the leapfrog updates in the kernels' precision, the kinetic
// energy, the energy error and the acceptance in double.
func (g *gen) hmcKernels() string {
	h := g.p.HMC
	var b strings.Builder
	// The kernels' names for the buffers they use.
	bufs := map[string]int{
		"x": g.p.Theta, "g": g.p.Grad, "lp": g.p.LogP,
		"pos": h.Pos, "pg": h.PosGrad, "plp": h.PosLogP,
		"mom": h.Mom, "im": h.InvMetric, "eps": h.StepSize, "steps": h.Steps, "u": h.Uniform,
		"acc": h.Accept, "energy": h.Energy, "div": h.Diverged,
		"h0": h.h0, "done": h.done, "moving": h.moving,
		"draws": h.Draws, "stats": h.Stats, "slot": h.Slot, "rng": h.RNG,
	}
	// kernel opens the kernel name, one thread per chain, with pointers to the buffers it names.
	kernel := func(name string, names ...string) {
		g.kernelWithBuffers(&b, bufs, "HMC", name, names...)
	}
	fmt.Fprintf(&b, "\n/* HMC on the device, one thread per chain (runtime/hmc.go's transition) */\n#define HMCC_DIM %d\n", g.p.Dim)
	b.WriteString("\n/* the current state becomes the accepted one (after an evaluation at a new theta) */\n")
	kernel("hmcc_hmc_commit", "x", "g", "lp", "pos", "pg", "plp")
	b.WriteString(`  for (int i = 0; i < HMCC_DIM; i++) {
    pos[HMCC_AT(i)] = x[HMCC_AT(i)];
    pg[HMCC_AT(i)] = g[HMCC_AT(i)];
  }
  plp[c] = lp[c];
}
`)
	b.WriteString("\n/* the proposal starts at the accepted state; h0 = -logp + kinetic energy of the drawn momentum */\n")
	kernel("hmcc_hmc_begin", "x", "g", "lp", "pos", "pg", "plp", "mom", "im", "h0", "done", "div")
	b.WriteString(`  double k = 0;
  for (int i = 0; i < HMCC_DIM; i++) {
    x[HMCC_AT(i)] = pos[HMCC_AT(i)];
    g[HMCC_AT(i)] = pg[HMCC_AT(i)];
    double p = mom[HMCC_AT(i)];
    k += (double)im[i] * p * p;
  }
  lp[c] = plp[c];
  h0[c] = -plp[c] + 0.5 * k;
  done[c] = 0;
  div[c] = 0;
}
`)
	b.WriteString("\n/* first half of a leapfrog step for chains still moving: p += eps/2 g; x += eps M^-1 p */\n")
	kernel("hmcc_leapfrog_first", "x", "g", "mom", "im", "eps", "steps", "done", "div", "moving")
	b.WriteString(`  if (div[c] != 0 || done[c] >= steps[c]) {
    moving[c] = 0;
    return;
  }
  moving[c] = 1;
  done[c] += 1;
  const real e = eps[c];
  for (int i = 0; i < HMCC_DIM; i++) {
    mom[HMCC_AT(i)] += (real)0.5 * e * g[HMCC_AT(i)];
    x[HMCC_AT(i)] += e * im[i] * mom[HMCC_AT(i)];
  }
}
`)
	b.WriteString("\n/* second half after the evaluation at x: p += eps/2 g, then the divergence test */\n")
	kernel("hmcc_leapfrog_second", "g", "lp", "mom", "im", "eps", "h0", "div", "moving")
	b.WriteString(`  if (moving[c] == 0) return;
  const real e = eps[c];
  double k = 0;
  int finite = 1;
  for (int i = 0; i < HMCC_DIM; i++) {
    real gi = g[HMCC_AT(i)];
    mom[HMCC_AT(i)] += (real)0.5 * e * gi;
    double p = mom[HMCC_AT(i)];
    k += (double)im[i] * p * p;
    if (!(gi - gi == 0)) finite = 0;
  }
  double h = -lp[c] + 0.5 * k;
  if (!(h - h == 0) || h - h0[c] > 1000 || !finite) div[c] = 1;
}
`)
	b.WriteString("\n/* Metropolis in double: accept with probability min(1, exp(h0 - h)) against the host's uniform */\n")
	kernel("hmcc_hmc_end", "x", "g", "lp", "pos", "pg", "plp", "mom", "im", "u", "acc", "energy", "h0", "div")
	b.WriteString(`  double a = 0, h = 0;
  if (div[c] == 0) {
    double k = 0;
    for (int i = 0; i < HMCC_DIM; i++) {
      double p = mom[HMCC_AT(i)];
      k += (double)im[i] * p * p;
    }
    h = -lp[c] + 0.5 * k;
    a = h0[c] - h < 0 ? exp(h0[c] - h) : 1;
  }
  acc[c] = a;
  if (div[c] == 0 && u[c] < a) {
    for (int i = 0; i < HMCC_DIM; i++) {
      pos[HMCC_AT(i)] = x[HMCC_AT(i)];
      pg[HMCC_AT(i)] = g[HMCC_AT(i)];
    }
    plp[c] = lp[c];
    energy[c] = h;
  } else {
    energy[c] = h0[c];
  }
}
`)
	b.WriteString(`
/* runtime/rng.Philox4x32: Philox4x32-10 (Salmon et al., SC11) of the counter x under the key
   (k0, k1), ten rounds, the key bumped by the Weyl constants after each */
HMCC_DEVICE void hmcc_philox(unsigned x[4], unsigned k0, unsigned k1) {
  for (int r = 0; r < 10; r++) {
    unsigned long long p0 = 0xD2511F53ull * x[0], p1 = 0xCD9E8D57ull * x[2];
    unsigned y0 = (unsigned)(p1 >> 32) ^ x[1] ^ k0, y2 = (unsigned)(p0 >> 32) ^ x[3] ^ k1;
    x[0] = y0;
    x[1] = (unsigned)p1;
    x[2] = y2;
    x[3] = (unsigned)p0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

/* runtime/rng.Uniform of the 64 bits hi:lo: the top 52 bits and half a step, in (0, 1) */
HMCC_DEVICE double hmcc_unit(unsigned hi, unsigned lo) {
  return ((double)(((unsigned long long)hi << 20) | (lo >> 12)) + 0.5) * 0x1p-52;
}
`)
	fmt.Fprintf(&b, `
/* the iteration's momentum and Metropolis uniform, runtime/rng's streams: element j of the run is
   pair j of chain0 + c's normals, Key.NormalPair(chain, iter, Momentum, j) (counter [j, iter,
   chain, purpose]; Box-Muller with u1 from words 0, 1 and u2 from words 2, 3), divided by the
   square root of the inverse metric; the uniform is block 0 of purpose Accept (DrawnUniform) */
`)
	kernel("hmcc_hmc_draw", "mom", "im", "u", "rng")
	fmt.Fprintf(&b, `  const int j0 = blockIdx.y * chunk, j1 = hmcc_min(j0 + chunk, %d);
  const unsigned k0 = (unsigned)rng[0], k1 = (unsigned)rng[1], it = (unsigned)rng[2];
  const unsigned chain = (unsigned)rng[3] + (unsigned)c;
  for (int j = j0; j < j1; j++) {
    unsigned x[4] = {(unsigned)j, it, chain, %du};
    hmcc_philox(x, k0, k1);
    const double r = sqrt(-2 * log(hmcc_unit(x[0], x[1]))), a = 6.283185307179586 * hmcc_unit(x[2], x[3]);
    const double z0 = r * cos(a), z1 = r * sin(a);
    mom[HMCC_AT(2 * j)] = (real)(z0 / sqrt((double)im[2 * j]));
    if (2 * j + 1 < HMCC_DIM) mom[HMCC_AT(2 * j + 1)] = (real)(z1 / sqrt((double)im[2 * j + 1]));
  }
  if (j0 == 0) {
    unsigned x[4] = {0u, it, chain, %du};
    hmcc_philox(x, k0, k1);
    u[c] = hmcc_unit(x[0], x[1]);
  }
}
`, (g.p.Dim+1)/2, rng.Momentum, rng.Accept)
	b.WriteString("\n/* the ring of iterations on the device: slot *slot gets the accepted state and the statistics */\n")
	kernel("hmcc_hmc_record", "pos", "plp", "acc", "energy", "div", "draws", "stats", "slot")
	b.WriteString(`  const int s = (int)slot[0];
  for (int i = 0; i < HMCC_DIM; i++) draws[HMCC_AT((hmcc_idx)s * HMCC_DIM + i)] = pos[HMCC_AT(i)];
  stats[HMCC_AT(4 * (hmcc_idx)s)] = plp[c];
  stats[HMCC_AT(4 * (hmcc_idx)s + 1)] = acc[c];
  stats[HMCC_AT(4 * (hmcc_idx)s + 2)] = energy[c];
  stats[HMCC_AT(4 * (hmcc_idx)s + 3)] = div[c];
}
`)
	g.p.Kernels = append(g.p.Kernels, "hmcc_hmc_commit", "hmcc_hmc_begin", "hmcc_leapfrog_first", "hmcc_leapfrog_second", "hmcc_hmc_end",
		"hmcc_hmc_draw", "hmcc_hmc_record")
	return b.String()
}

// Commit makes the state at Theta (after Eval) the accepted state of every chain.
func (p *Program) Commit(d Device) error { return d.Launch("hmcc_hmc_commit", 1) }

// Transition runs one HMC transition for every chain on the device, as runtime/hmc.go's
// transition does on the host: the caller has uploaded the momentum, the step sizes, the step
// counts (maxSteps the largest) and the Metropolis uniforms; afterwards Accept, Energy, Diverged
// and the accepted state (Pos, PosLogP) hold the iteration's results. Chains that have taken
// their steps or diverged are frozen while the others finish.
func (p *Program) Transition(d Device, maxSteps int) error {
	if err := d.Launch("hmcc_hmc_begin", 1); err != nil {
		return err
	}
	for l := 0; l < maxSteps; l++ {
		if err := d.Launch("hmcc_leapfrog_first", 1); err != nil {
			return err
		}
		if err := p.Eval(d); err != nil {
			return err
		}
		if err := d.Launch("hmcc_leapfrog_second", 1); err != nil {
			return err
		}
	}
	return d.Launch("hmcc_hmc_end", 1)
}
