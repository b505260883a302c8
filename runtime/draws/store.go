// Package draws keeps every chain's post-warmup draws for the convergence diagnostics in bounded
// memory.
//
// The diagnostics (rank-normalised R-hat, bulk and tail ESS, quantiles) need all draws of one
// quantity at once, but never all quantities at once. A run of 1024 chains × 1000 draws × 50
// quantities holds 400 MB of float64 values; keeping them in memory until the end is what makes
// many-chain runs in other tools fail late. Store buffers a block of iterations in memory,
// arranged quantity-major, and appends each full block to an unlinked temporary file; reading one
// quantity back is then one contiguous read per block.
package draws

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// DefaultBudget is the memory a Store may use for its block buffer.
const DefaultBudget = 32 << 20

// Store holds draws of quantities × chains × iterations.
type Store struct {
	chains, quantities, iters int
	block                     int       // iterations per block
	buf                       []float64 // [quantity][chain][block]
	blocks                    int       // blocks written to the file
	file                      *os.File  // nil while every draw fits in buf
	dir                       string
	bytes                     []byte // scratch for file I/O
}

// New makes a store for iters iterations of chains × quantities values that uses at most about
// budget bytes of memory for buffering (at least one iteration's worth). Blocks that do not fit
// go to a temporary file created in dir (os.TempDir() if empty) and unlinked at once, so nothing
// is left behind even if the process is killed.
func New(dir string, chains, quantities, iters, budget int) *Store {
	per := chains * quantities * 8 // bytes per iteration
	block := iters
	if per > 0 && block*per > budget {
		block = max(1, budget/per)
	}
	return &Store{chains: chains, quantities: quantities, iters: iters, block: max(block, 1),
		buf: make([]float64, quantities*chains*max(block, 1)), dir: dir}
}

// Chains returns the number of chains.
func (s *Store) Chains() int { return s.chains }

// Set records quantity q of chain c at iteration it. Iterations must arrive in order: once a
// value for iteration it is set, earlier iterations of other blocks can no longer change.
func (s *Store) Set(q, c, it int, v float64) error {
	b := it / s.block
	if b < s.blocks {
		return fmt.Errorf("draws: iteration %d was already written out", it)
	}
	for b > s.blocks { // the buffer holds an earlier block that is now complete
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.buf[(q*s.chains+c)*s.block+it%s.block] = v
	return nil
}

// spill appends the buffer to the file as block number s.blocks.
func (s *Store) spill() error {
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, ".hmcc-draws-*")
		if err != nil {
			return fmt.Errorf("draws do not fit in memory and no temporary file can be made: %w", err)
		}
		os.Remove(f.Name()) // the open descriptor keeps it; no file remains after exit
		s.file = f
		s.bytes = make([]byte, 8*min(len(s.buf), chunk))
	}
	// Encode and write in chunks so the scratch does not double the budget.
	off := int64(s.blocks) * int64(len(s.buf)) * 8
	for lo := 0; lo < len(s.buf); lo += chunk {
		part := s.buf[lo:min(lo+chunk, len(s.buf))]
		raw := s.bytes[:8*len(part)]
		for i, v := range part {
			binary.LittleEndian.PutUint64(raw[8*i:], math.Float64bits(v))
		}
		if _, err := s.file.WriteAt(raw, off+int64(lo)*8); err != nil {
			return fmt.Errorf("writing draws to a temporary file: %w", err)
		}
	}
	s.blocks++
	return nil
}

// chunk is how many values spill encodes per write.
const chunk = 1 << 17

// Quantity returns the first n iterations of quantity q, one slice per chain, freshly allocated.
func (s *Store) Quantity(q, n int) ([][]float64, error) {
	out := make([][]float64, s.chains)
	flat := make([]float64, s.chains*n)
	for c := range out {
		out[c] = flat[c*n : (c+1)*n : (c+1)*n]
	}
	seg := s.chains * s.block // one quantity's values in one block
	raw := make([]byte, 8*seg)
	for b := 0; b*s.block < n; b++ {
		var vals []float64
		if b < s.blocks {
			off := int64(b)*int64(len(s.buf))*8 + int64(q*seg)*8
			if _, err := s.file.ReadAt(raw, off); err != nil {
				return nil, fmt.Errorf("reading draws back from the temporary file: %w", err)
			}
			vals = make([]float64, seg)
			for i := range vals {
				vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
			}
		} else {
			vals = s.buf[q*seg : (q+1)*seg]
		}
		lo, hi := b*s.block, min((b+1)*s.block, n)
		for c := range out {
			copy(out[c][lo:hi], vals[c*s.block:c*s.block+hi-lo])
		}
	}
	return out, nil
}

// Close releases the temporary file, if one was made.
func (s *Store) Close() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}
