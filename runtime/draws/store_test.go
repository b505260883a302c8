package draws

import (
	"math/rand/v2"
	"os"
	"testing"
)

// TestStoreReturnsWhatWasSet fills stores whose budgets force blocks of 1, 3, 7 and all
// iterations (the last block partial in most) and reads every quantity back, also for a prefix of
// the iterations as after an interrupt.
func TestStoreReturnsWhatWasSet(t *testing.T) {
	const chains, quantities, iters = 5, 4, 23
	rng := rand.New(rand.NewPCG(1, 2))
	want := make([][][]float64, quantities)
	for q := range want {
		want[q] = make([][]float64, chains)
		for c := range want[q] {
			want[q][c] = make([]float64, iters)
			for it := range want[q][c] {
				want[q][c][it] = rng.NormFloat64()
			}
		}
	}
	per := chains * quantities * 8
	for _, block := range []int{1, 3, 7, iters} {
		s := New(t.TempDir(), chains, quantities, iters, block*per)
		if s.block != block {
			t.Fatalf("budget for %d iterations gave blocks of %d", block, s.block)
		}
		for it := 0; it < iters; it++ {
			for c := 0; c < chains; c++ {
				for q := 0; q < quantities; q++ {
					if err := s.Set(q, c, it, want[q][c][it]); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if block < iters && s.file == nil {
			t.Fatalf("block %d: nothing was written to disk", block)
		}
		for _, n := range []int{iters, iters - 2, 1, 0} {
			for q := 0; q < quantities; q++ {
				got, err := s.Quantity(q, n)
				if err != nil {
					t.Fatal(err)
				}
				for c := range got {
					if len(got[c]) != n {
						t.Fatalf("block %d, n %d: chain %d has %d draws", block, n, c, len(got[c]))
					}
					for it, v := range got[c] {
						if v != want[q][c][it] {
							t.Fatalf("block %d, n %d: q%d c%d it%d = %v, want %v", block, n, q, c, it, v, want[q][c][it])
						}
					}
				}
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStoreLeavesNoFile: the spill file is unlinked as soon as it is made.
func TestStoreLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	s := New(dir, 2, 1, 10, 16)
	for it := 0; it < 10; it++ {
		for c := 0; c < 2; c++ {
			if err := s.Set(0, c, it, float64(it)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the store left %d files in its directory", len(entries))
	}
	if err := s.Set(0, 0, 3, 1); err == nil {
		t.Error("rewriting an iteration already on disk was accepted")
	}
	s.Close()
}

// TestStoreSpillsBlocksLargerThanAChunk: blocks of 150,000 values are written in several chunks.
func TestStoreSpillsBlocksLargerThanAChunk(t *testing.T) {
	const chains, quantities, iters, block = 3, 2, 60000, 25000
	s := New(t.TempDir(), chains, quantities, iters, block*chains*quantities*8)
	defer s.Close()
	if n := s.block * chains * quantities; n <= chunk {
		t.Fatalf("a block of %d values fits one chunk of %d", n, chunk)
	}
	value := func(q, c, it int) float64 { return float64(q*1e9 + c*1e6 + it) }
	for it := 0; it < iters; it++ {
		for c := 0; c < chains; c++ {
			for q := 0; q < quantities; q++ {
				if err := s.Set(q, c, it, value(q, c, it)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for q := 0; q < quantities; q++ {
		got, err := s.Quantity(q, iters)
		if err != nil {
			t.Fatal(err)
		}
		for c := range got {
			for it, v := range got[c] {
				if v != value(q, c, it) {
					t.Fatalf("q%d c%d it%d = %v, want %v", q, c, it, v, value(q, c, it))
				}
			}
		}
	}
}
