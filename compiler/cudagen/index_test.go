package cudagen

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
)

// window makes the shim run only chains c0 ≤ c < c1 (see testdata/shim_driver.c).
func (s *shim) window(c0, c1 int) { fmt.Fprintf(s.in, "window %d %d\n", c0, c1) }

// setw writes rows×(window) values of a per-chain buffer, row by row, the window's chains in each.
func (s *shim) setw(i, rows int, v []float64) {
	fmt.Fprintf(s.in, "setw %d %d", i, rows)
	for _, x := range v {
		fmt.Fprintf(s.in, " %.17g", x)
	}
	s.in.WriteString("\n")
}

// getw reads the first rows rows of a per-chain buffer for the window's chains.
func (s *shim) getw(i, rows int) []float64 {
	fmt.Fprintf(s.in, "getw %d %d\n", i, rows)
	return s.readLine()
}

// TestShimIndices64 runs German credit's kernels for a batch of 4,194,309 chains, where row × C + c
// passes 2^32 in the likelihood's 1000-row product buffers and in the 64-slot ring of draws
// (row 63·25 + i), so that any index computed in 32 bits wraps and reads or writes the wrong
// chain (or faults). The buffers are reserved address space; only the last three chains, whose
// offsets are the largest, are run and touch memory. Their log density and gradient must match
// the CPU executor's, a transition theirs, and the last slot of the ring the state it recorded.
func TestShimIndices64(t *testing.T) {
	if testing.Short() {
		t.Skip("reserves about 150 GB of address space")
	}
	m := cudagentest.Load(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	p, err := Generate(m, Float64)
	if err != nil {
		t.Fatal(err)
	}
	const chains, ring, w = 1<<22 + 5, 64, 3
	n := p.Dim
	p.SetDrawChunk(ring)
	rows := 0
	for _, b := range p.Buffers {
		if b.PerChain {
			rows = max(rows, b.Rows)
		}
	}
	if int64(rows-1)*chains < 1<<32 {
		t.Fatalf("the largest per-chain buffer has %d rows: %d chains do not pass 2^32", rows, chains)
	}
	largest := int64(0)
	for _, b := range p.Buffers {
		largest = max(largest, int64(b.Len(chains))*8)
	}
	if err := reserve(int(largest)); err != nil {
		t.Skipf("the system will not reserve %d GB of address space for one buffer: %v", largest>>30, err)
	}
	s := startShim(t, buildShim(t, p, "c"), p, chains, 128, 300)
	s.window(chains-w, chains)
	rng := rand.New(rand.NewPCG(7, 8))
	theta := cudagentest.NearMode(rng, w*n)
	s.setw(p.Theta, n, Transpose(theta, w, n))
	if err := p.Eval(s); err != nil {
		t.Fatal(err)
	}
	lp, grad := s.getw(p.LogP, 1), Transpose(s.getw(p.Grad, n), n, w)
	wantLP, wantGrad := cpuEval(t, m, theta, w)
	compare(t, "log density", lp, wantLP, 1e-10)
	compare(t, "gradient", grad, wantGrad, 1e-10)

	// One transition from that state, recorded in the last slot of the ring.
	if err := p.Commit(s); err != nil {
		t.Fatal(err)
	}
	mom, invM := make([]float64, w*n), make([]float64, n)
	for i := range mom {
		mom[i] = rng.NormFloat64()
	}
	for i := range invM {
		invM[i] = 0.5 + rng.Float64()
	}
	eps, steps, u := []float64{0.01, 0.02, 0.005}, []int{3, 1, 5}, []float64{0.2, 0.4, 0.1}
	h := p.HMC
	s.setw(h.Mom, n, Transpose(mom, w, n))
	s.set(h.InvMetric, invM)
	s.setw(h.StepSize, 1, eps)
	s.setw(h.Steps, 1, []float64{3, 1, 5})
	s.setw(h.Uniform, 1, u)
	if err := p.Transition(s, 5); err != nil {
		t.Fatal(err)
	}
	s.set(h.Slot, []float64{ring - 1})
	if err := p.Record(s); err != nil {
		t.Fatal(err)
	}
	state := s.getw(h.Pos, n)
	draws := s.getw(h.Draws, ring*n)
	if got := draws[(ring-1)*n*w:]; !equal(got, state) {
		t.Errorf("the last slot of the ring holds %v, the state %v", got[:w], state[:w])
	}
	cpu, err := compiler.Lower(m, w)
	if err != nil {
		t.Fatal(err)
	}
	wantPos := append([]float64(nil), theta...)
	wantTLP, wantAccept, _, _ := cudagentest.CPUTransition(t, cpu, wantPos, mom, invM, eps, steps, u)
	compare(t, "position after the transition", Transpose(state, n, w), wantPos, 1e-9)
	compare(t, "log density after the transition", s.getw(h.PosLogP, 1), wantTLP, 1e-9)
	compare(t, "acceptance", s.getw(h.Accept, 1), wantAccept, 1e-9)
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestIndicesAre64Bit: every offset into a per-chain buffer in the generated source goes through
// HMCC_AT (or HMCC_COL, the adaptation kernels' form for a column other than the thread's chain),
// whose product is taken in 64 bits; no kernel multiplies by the chain count in int.
func TestIndicesAre64Bit(t *testing.T) {
	times := regexp.MustCompile(`\*\s*C\b`)
	eachGenerated(t, func(t *testing.T, _ string, p *Program) {
		for i, line := range strings.Split(p.Source, "\n") {
			if times.MatchString(line) && !strings.HasPrefix(line, "#define HMCC_AT") && !strings.HasPrefix(line, "#define HMCC_COL(row, g) ((hmcc_idx)(row) * C") && !strings.HasPrefix(strings.TrimSpace(line), "/*") &&
				!strings.Contains(line, "rows, or in the draws ring") {
				t.Errorf("line %d multiplies by C outside HMCC_AT: %s", i+1, line)
			}
		}
		if !strings.Contains(p.Source, "typedef long long hmcc_idx;") {
			t.Error("no 64-bit index type in the source")
		}
	})
}
