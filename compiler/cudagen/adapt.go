package cudagen

import (
	"fmt"
	"strings"
)

// Warmup's adaptation statistics reduced on the device. After a warmup transition the CPU
// sampler's adaptation reads every chain's position, proposal and end momentum (runtime/adapt.go,
// chees.go); on the device those stay where they are and kernels reduce them over the chains to
// what the adaptation uses:
//
//   - ChEES (Program.ChEES): the gradient of the ChEES criterion with respect to log T
//     (runtime's cheesGradient in coordinates whitened by the diagonal metric, each chain weighted
//     by its acceptance probability, stray chains left out) and the harmonic mean of the good
//     chains' acceptance probabilities (the shared step size's dual-averaging input). Four
//     numbers come back (Adapt.Out).
//   - The metric's moments (Program.AddMoments): the good chains' positions join a running
//     Welford estimate kept on the device (count, mean and sum of squared deviations per
//     coordinate, and with dense the lower triangle of the co-moments), which the host reads once
//     per metric window (Adapt.N, Mean, M2, Cov).
//
// The host still reads each chain's acceptance probability and log density (one number each: the
// per-chain step sizes' dual averaging and runtime's markGood, which marks the stray chains and
// uploads them as Adapt.Good) but no position, proposal or momentum.
//
// Determinism: the chains are reduced in groups of AdaptGroup consecutive chains, each group's
// sum in chain order by one thread, and the groups' sums in group order by one thread per
// coordinate, so results depend on the number of chains only, not on the block size or the order
// blocks run. The groups' moments are merged by Chan, Golub and LeVeque's pairwise update
// ("Algorithms for computing the sample variance", 1983), which gives the sequential Welford
// update's numbers up to rounding. Every sum is double in both precisions.
//
// The reduction kernels are launched over one element (one block row): thread c works on the
// items c, c + C, c + 2C, … (a group and a coordinate, a coordinate, or a pair of coordinates), so
// they need no geometry of their own and any number of chains covers every item.

// AdaptGroup is how many consecutive chains one thread reduces (HMCC_GROUP in the source).
const AdaptGroup = 64

// MaxDenseMoments is the largest dimension for which the program keeps dense co-moments on the
// device (runtime's denseMaxDim: the largest a dense metric is considered for).
const MaxDenseMoments = 200

// AdaptBuffers are the adaptation kernels' buffers.
type AdaptBuffers struct {
	Prev   int // per chain, Dim rows: the position before the transition (SavePrev)
	Good   int // per chain, double: 1 for a chain the adaptation learns from, 0 for a stray one
	Params int // double [2]: the iteration's Halton jitter and the integration time T
	// Out (double [4]) receives ChEES's results: d ChEES / d log T (NaN when no chain's
	// trajectory counts, as runtime's cheesGradient), the harmonic mean of the good chains'
	// acceptance probabilities (NaN when none is good), the good chains' acceptance sum, and the
	// number of good chains.
	Out int
	// The running moments (double): N, Mean and M2 have Dim values (N the same count in each),
	// Cov Dim×Dim row-major co-moments of which the lower triangle (k ≤ j) is kept, or one
	// value when Dim > MaxDenseMoments.
	N, Mean, M2, Cov int
	// scratch: per-group sums (column g of per-chain buffers), per-chain ChEES terms, and the
	// ChEES means
	ga, gb, gs, tw, ma, mb int
}

// The rows of the per-group scalars (Adapt.gs).
const (
	gsWeight  = iota // acceptance sum of the good chains
	gsTerm           // Σ a·term of runtime's cheesGradient
	gsUsed           // Σ a over the chains whose term counts
	gsInv            // Σ 1/max(a, 1e-10) over the good chains (harmonic mean)
	gsCount          // good chains
	gsMoments        // good chains, written by the moments' kernel
	gsRows
)

// addAdapt allocates the adaptation's buffers (after addHMC).
func (g *gen) addAdapt() {
	a := &g.p.Adapt
	d := g.p.Dim
	double := func(name string, n int) int {
		g.p.Buffers = append(g.p.Buffers, Buffer{Name: name, Data: make([]float64, n), Double: true})
		return len(g.p.Buffers) - 1
	}
	a.Prev = g.perChain("adapt_prev", d, false)
	a.Good = g.perChain("adapt_good", 1, true)
	a.Params = double("adapt_params", 2)
	a.Out = double("adapt_out", 4)
	a.N = double("adapt_n", d)
	a.Mean = double("adapt_mean", d)
	a.M2 = double("adapt_m2", d)
	cov := 1
	if d <= MaxDenseMoments {
		cov = d * d
	}
	a.Cov = double("adapt_cov", cov)
	a.ga = g.perChain("adapt_ga", d, true)
	a.gb = g.perChain("adapt_gb", d, true)
	a.gs = g.perChain("adapt_gs", gsRows, true)
	a.tw = g.perChain("adapt_tw", 2, true)
	a.ma = double("adapt_ma", d)
	a.mb = double("adapt_mb", d)
}

// adaptKernels writes the reduction kernels; they use hmcKernels' HMCC_DIM.
func (g *gen) adaptKernels() string {
	a, h := g.p.Adapt, g.p.HMC
	var b strings.Builder
	bufs := map[string]int{
		"x": g.p.Theta, "pos": h.Pos, "mom": h.Mom, "im": h.InvMetric, "acc": h.Accept,
		"prev": a.Prev, "good": a.Good, "par": a.Params, "out": a.Out,
		"wn": a.N, "wmean": a.Mean, "wm2": a.M2, "wcov": a.Cov,
		"ga": a.ga, "gb": a.gb, "gs": a.gs, "tw": a.tw, "ma": a.ma, "mb": a.mb,
	}
	kernel := func(name, comment string, names ...string) {
		fmt.Fprintf(&b, "\n/* %s */\n", comment)
		g.kernelWithBuffers(&b, bufs, "adaptation", name, names...)
		g.p.Kernels = append(g.p.Kernels, name)
	}
	fmt.Fprintf(&b, `
/* Warmup's adaptation statistics reduced over the chains (compiler/cudagen/adapt.go): groups of
   HMCC_GROUP consecutive chains, each summed in chain order by one thread, then the groups in
   group order; launched over one element, thread c takes the items c, c + C, ... */
#define HMCC_GROUP %d
#define HMCC_GROUPS ((C + HMCC_GROUP - 1) / HMCC_GROUP)
#define HMCC_COL(row, g) ((hmcc_idx)(row) * C + (g))
`, AdaptGroup)
	kernel("hmcc_adapt_prev", "the position each chain starts its transition from (ChEES's x)", "pos", "prev")
	b.WriteString(`  for (int i = 0; i < HMCC_DIM; i++) prev[HMCC_AT(i)] = pos[HMCC_AT(i)];
}
`)
	kernel("hmcc_adapt_chees_group", "ChEES, per group: sums of the whitened start positions (all chains) and of the acceptance-weighted whitened proposals (good chains), and the group's acceptance statistics",
		"x", "prev", "im", "acc", "good", "ga", "gb", "gs")
	b.WriteString(`  const int ng = HMCC_GROUPS;
  for (hmcc_idx q = c; q < (hmcc_idx)ng * (HMCC_DIM + 1); q += C) {
    const int grp = (int)(q % ng), j = (int)(q / ng);
    const int k0 = grp * HMCC_GROUP, k1 = hmcc_min(k0 + HMCC_GROUP, C);
    if (j == HMCC_DIM) {
      double w = 0, inv = 0, n = 0;
      for (int k = k0; k < k1; k++) {
        if (good[k] == 0) continue;
        w += acc[k];
        inv += 1 / fmax(acc[k], 1e-10);
        n += 1;
      }
      gs[HMCC_COL(0, grp)] = w;
      gs[HMCC_COL(3, grp)] = inv;
      gs[HMCC_COL(4, grp)] = n;
      continue;
    }
    const double s = sqrt((double)im[j]);
    double sp = 0, sq = 0;
    for (int k = k0; k < k1; k++) {
      sp += (double)prev[HMCC_COL(j, k)] / s;
      const double w = good[k] != 0 ? acc[k] : 0;
      if (w > 0) sq += w * ((double)x[HMCC_COL(j, k)] / s);
    }
    ga[HMCC_COL(j, grp)] = sp;
    gb[HMCC_COL(j, grp)] = sq;
  }
}
`)
	kernel("hmcc_adapt_chees_mean", "ChEES: the mean whitened start position and the acceptance-weighted mean whitened proposal", "ga", "gb", "gs", "ma", "mb", "out")
	b.WriteString(`  const int ng = HMCC_GROUPS;
  double wsum = 0;
  for (int grp = 0; grp < ng; grp++) wsum += gs[HMCC_COL(0, grp)];
  for (int j = c; j < HMCC_DIM; j += C) {
    double sp = 0, sq = 0;
    for (int grp = 0; grp < ng; grp++) {
      sp += ga[HMCC_COL(j, grp)];
      sq += gb[HMCC_COL(j, grp)];
    }
    ma[j] = sp / C;
    mb[j] = sq / wsum;
  }
  if (c == 0) out[2] = wsum;
}
`)
	kernel("hmcc_adapt_chees_term", "ChEES, per chain: its acceptance-weighted term (dProp - dPrev) * <x' - mean, v> * jitter, as runtime's cheesGradient",
		"x", "prev", "mom", "im", "acc", "good", "ma", "mb", "par", "tw")
	b.WriteString(`  const double a = good[c] != 0 ? acc[c] : 0;
  tw[HMCC_AT(0)] = 0;
  tw[HMCC_AT(1)] = 0;
  if (a <= 1e-4) return;
  double dprev = 0, dprop = 0, dot = 0;
  for (int j = 0; j < HMCC_DIM; j++) {
    const double s = sqrt((double)im[j]);
    const double u = (double)prev[HMCC_AT(j)] / s - ma[j];
    const double v = (double)x[HMCC_AT(j)] / s - mb[j];
    const double vel = (double)im[j] * (double)mom[HMCC_AT(j)] / s;
    dprev += u * u;
    dprop += v * v;
    dot += v * vel;
  }
  const double term = (dprop - dprev) * dot * par[0];
  if (!(term - term == 0)) return;
  tw[HMCC_AT(0)] = a * term;
  tw[HMCC_AT(1)] = a;
}
`)
	kernel("hmcc_adapt_chees_sum", "ChEES, per group: the chains' weighted terms and weights", "tw", "gs")
	b.WriteString(`  for (int grp = c; grp < HMCC_GROUPS; grp += C) {
    const int k0 = grp * HMCC_GROUP, k1 = hmcc_min(k0 + HMCC_GROUP, C);
    double t = 0, w = 0;
    for (int k = k0; k < k1; k++) {
      t += tw[HMCC_COL(0, k)];
      w += tw[HMCC_COL(1, k)];
    }
    gs[HMCC_COL(1, grp)] = t;
    gs[HMCC_COL(2, grp)] = w;
  }
}
`)
	kernel("hmcc_adapt_chees_total", "ChEES: d ChEES / d log T = T * sum(a term) / sum(a), and the harmonic mean acceptance of the good chains", "gs", "par", "out")
	b.WriteString(`  if (c != 0) return;
  double t = 0, used = 0, inv = 0, n = 0;
  for (int grp = 0; grp < HMCC_GROUPS; grp++) {
    t += gs[HMCC_COL(1, grp)];
    used += gs[HMCC_COL(2, grp)];
    inv += gs[HMCC_COL(3, grp)];
    n += gs[HMCC_COL(4, grp)];
  }
  out[0] = (out[2] < 1e-20 || used == 0) ? HMCC_NAN : t / used * par[1];
  out[1] = n / inv;
  out[3] = n;
}
`)
	kernel("hmcc_adapt_moments_group", "the metric's moments, per group and coordinate: the good chains' count, mean and sum of squared deviations (two passes)",
		"pos", "good", "ga", "gb", "gs")
	b.WriteString(`  const int ng = HMCC_GROUPS;
  for (hmcc_idx q = c; q < (hmcc_idx)ng * (HMCC_DIM + 1); q += C) {
    const int grp = (int)(q % ng), j = (int)(q / ng);
    const int k0 = grp * HMCC_GROUP, k1 = hmcc_min(k0 + HMCC_GROUP, C);
    double n = 0, s = 0;
    for (int k = k0; k < k1; k++) {
      if (good[k] == 0) continue;
      n += 1;
      if (j < HMCC_DIM) s += (double)pos[HMCC_COL(j, k)];
    }
    if (j == HMCC_DIM) {
      gs[HMCC_COL(5, grp)] = n;
      continue;
    }
    const double m = n > 0 ? s / n : 0;
    double m2 = 0;
    for (int k = k0; k < k1; k++) {
      if (good[k] == 0) continue;
      const double d = (double)pos[HMCC_COL(j, k)] - m;
      m2 += d * d;
    }
    ga[HMCC_COL(j, grp)] = m;
    gb[HMCC_COL(j, grp)] = m2;
  }
}
`)
	fmt.Fprintf(&b, `
/* the metric's co-moments (before hmcc_adapt_moments_merge moves the means): for each pair k <= j,
   the groups merged in order into the running co-moment (Chan et al.), the running means of j
   and k followed along */
`)
	kernelHead(&b, "hmcc_adapt_comoments")
	g.p.Kernels = append(g.p.Kernels, "hmcc_adapt_comoments")
	for _, n := range []string{"pos", "good", "ga", "gs", "wn", "wmean", "wcov"} {
		i := bufs[n]
		typ := g.p.Buffers[i].ctype()
		fmt.Fprintf(&b, "  %s *%s = (%s *)B[%d];\n", typ, n, typ, i)
	}
	if g.p.Dim <= MaxDenseMoments {
		b.WriteString(`  const int ng = HMCC_GROUPS;
  for (int q = c; q < HMCC_DIM * HMCC_DIM; q += C) {
    const int j = q / HMCC_DIM, k = q % HMCC_DIM;
    if (k > j) continue;
    double na = wn[j], mj = wmean[j], mk = wmean[k], cv = wcov[q];
    for (int grp = 0; grp < ng; grp++) {
      const double nb = gs[HMCC_COL(5, grp)];
      if (nb == 0) continue;
      const int k0 = grp * HMCC_GROUP, k1 = hmcc_min(k0 + HMCC_GROUP, C);
      const double gj = ga[HMCC_COL(j, grp)], gk = ga[HMCC_COL(k, grp)];
      double cm = 0;
      for (int r = k0; r < k1; r++) {
        if (good[r] == 0) continue;
        cm += ((double)pos[HMCC_COL(j, r)] - gj) * ((double)pos[HMCC_COL(k, r)] - gk);
      }
      const double n = na + nb, dj = gj - mj, dk = gk - mk;
      cv += cm + dj * dk * na * nb / n;
      mj += dj * nb / n;
      mk += dk * nb / n;
      na = n;
    }
    wcov[q] = cv;
  }
}
`)
	} else {
		b.WriteString("  /* no dense co-moments above MaxDenseMoments coordinates */\n}\n")
	}
	kernel("hmcc_adapt_moments_merge", "the metric's moments: the groups merged in order into the running count, mean and sum of squared deviations (Chan et al.)",
		"ga", "gb", "gs", "wn", "wmean", "wm2")
	b.WriteString(`  const int ng = HMCC_GROUPS;
  for (int j = c; j < HMCC_DIM; j += C) {
    double na = wn[j], m = wmean[j], m2 = wm2[j];
    for (int grp = 0; grp < ng; grp++) {
      const double nb = gs[HMCC_COL(5, grp)];
      if (nb == 0) continue;
      const double n = na + nb, d = ga[HMCC_COL(j, grp)] - m;
      m += d * nb / n;
      m2 += gb[HMCC_COL(j, grp)] + d * d * na * nb / n;
      na = n;
    }
    wn[j] = na;
    wmean[j] = m;
    wm2[j] = m2;
  }
}
`)
	return b.String()
}

// SavePrev keeps every chain's current position as the start of the next transition, which
// ChEES compares the proposal with. Launch it before the transition.
func (p *Program) SavePrev(d Device) error { return d.Launch("hmcc_adapt_prev", 1) }

// ChEES reduces the transition just run (its proposals in Theta, end momenta in HMC.Mom,
// acceptance probabilities in HMC.Accept, starts in Adapt.Prev) to Adapt.Out: the host has set
// Adapt.Good and Adapt.Params (the iteration's jitter and T).
func (p *Program) ChEES(d Device) error {
	for _, k := range []string{"hmcc_adapt_chees_group", "hmcc_adapt_chees_mean", "hmcc_adapt_chees_term", "hmcc_adapt_chees_sum", "hmcc_adapt_chees_total"} {
		if err := d.Launch(k, 1); err != nil {
			return err
		}
	}
	return nil
}

// AddMoments adds the good chains' accepted positions (HMC.Pos, after any relocation) to the
// running moments, and with dense to the co-moments (at most MaxDenseMoments coordinates). The
// host has set Adapt.Good. Launch it after ChEES when both run: they share scratch buffers.
func (p *Program) AddMoments(d Device, dense bool) error {
	if dense && p.Dim > MaxDenseMoments {
		return fmt.Errorf("internal error: dense moments on the device for %d coordinates (at most %d)", p.Dim, MaxDenseMoments)
	}
	if err := d.Launch("hmcc_adapt_moments_group", 1); err != nil {
		return err
	}
	if dense {
		if err := d.Launch("hmcc_adapt_comoments", 1); err != nil {
			return err
		}
	}
	return d.Launch("hmcc_adapt_moments_merge", 1)
}

// ResetMoments starts a new metric window: the running moments are zero.
func (p *Program) ResetMoments(d Device) error {
	for _, b := range []int{p.Adapt.N, p.Adapt.Mean, p.Adapt.M2, p.Adapt.Cov} {
		if err := d.Zero(b); err != nil {
			return err
		}
	}
	return nil
}
