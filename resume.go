package hmcc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// ResumeOutputDir opens dir to continue the run its checkpoint describes (hmcc run --resume):
// it takes the directory's lock as OpenOutputDir does, so a run still writing there is not
// joined, and refuses a directory that holds no checkpoint or whose run has finished. The
// caller checks the checkpoint's settings and inputs, then passes it as Resumable.From.
func ResumeOutputDir(dir string) (*OutputDir, *Checkpoint, error) {
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil, UserError{fmt.Errorf("--resume %s: no such directory; name the --output-dir of the run to continue", dir)}
	case err != nil:
		return nil, nil, UserError{fmt.Errorf("--resume: %w", err)}
	case !fi.IsDir():
		return nil, nil, UserError{fmt.Errorf("--resume %s is a file; name the --output-dir of the run to continue", dir)}
	}
	lock, err := LockDir(dir, true)
	if err != nil {
		return nil, nil, err
	}
	// committed: the directory and its files are the run's, never removed when this one stops.
	o := &OutputDir{path: dir, lock: lock, committed: true}
	ck, err := ReadCheckpoint(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		o.Close()
		if files, _ := cmdstan.ChainFiles(dir); len(files) > 0 {
			return nil, nil, UserError{fmt.Errorf("%s holds chain files but no %s, so its run cannot be resumed (it was written by an hmcc without resume, or by another program); start a new run into another --output-dir, or replace it with --overwrite", dir, CheckpointName)}
		}
		return nil, nil, UserError{fmt.Errorf("%s is not an hmcc run that can be resumed: it holds no %s. A run writes it with its first draw (with --save-warmup, its first warmup row); a run stopped before then left nothing to resume, so start it again: hmcc run MODEL DATA --output-dir %s", dir, CheckpointName, dir)}
	case err != nil:
		o.Close()
		return nil, nil, UserError{fmt.Errorf("%w; the run in %s cannot be resumed: start a new run", err, dir)}
	case ck.Finished:
		o.Close()
		return nil, nil, UserError{fmt.Errorf("the run in %s already finished: every draw is written, so there is nothing to resume (hmcc summary %s prints its summary)", dir, dir)}
	}
	o.runID = ck.RunID
	return o, ck, nil
}

// resumeFrom is the checkpoint the run continues, or nil for a new run.
func resumeFrom(cfg Config) *Checkpoint {
	if cfg.Output == nil || cfg.Output.Resumable == nil {
		return nil
	}
	return cfg.Output.Resumable.From
}

// resume takes the sink up where ck left it: every chain file cut back to the rows ck counts
// and reopened for appending, the draws kept so far read back for the summary, and the counts
// restored. It returns the sampler's snapshot.
func (s *sink) resume(ck *Checkpoint) (*runtime.Snapshot, error) {
	if !slices.Equal(ck.Columns, s.columns) || ck.Header.Chains != s.chains || len(ck.Bytes) != s.chains {
		return nil, UserError{fmt.Errorf("the checkpoint in %s is of %d chains with columns %v; this run has %d chains with columns %v", s.out.path, ck.Header.Chains, ck.Columns, s.chains, s.columns)}
	}
	st, err := ck.state()
	if err != nil {
		return nil, UserError{fmt.Errorf("%s: %w; start a new run", filepath.Join(s.out.path, CheckpointName), err)}
	}
	if len(st.Divergences) != s.chains {
		return nil, UserError{fmt.Errorf("the checkpoint in %s is not of this model's run", s.out.path)}
	}
	ws := make([]*cmdstan.Writer, 0, s.chains)
	fail := func(err error) (*runtime.Snapshot, error) {
		for _, w := range ws {
			w.CutTo(w.Written()) // closes it
		}
		return nil, err
	}
	for c := 0; c < s.chains; c++ {
		name := fmt.Sprintf("output_%d.csv", s.first+c+1) // named by global chain id
		path := filepath.Join(s.out.path, name)
		if err := s.preload(c, path, ck.Bytes[c], ck.Rows); err != nil {
			return fail(UserError{fmt.Errorf("cannot resume: %w", err)})
		}
		h := ck.Header
		h.Chain = s.first + c + 1
		w, err := cmdstan.Reopen(path, filepath.Join(ck.OutputDir, name), h, s.columns, ck.Metric, ck.Bytes[c])
		if err != nil {
			return fail(UserError{fmt.Errorf("cannot resume: %w", err)})
		}
		ws = append(ws, w)
	}
	s.writers, s.marks, s.kept, s.metric = ws, slices.Clone(ck.Bytes), ck.Rows, ck.Metric
	copy(s.divergences, st.Divergences)
	copy(s.depthHits, st.DepthHits)
	if ck.KeepsDecisions() { // format 1: a run of fixed lengths, whose warmup is cfg.Warmup
		s.warmup, s.warmupUsed, s.rounds = st.Warmup, st.WarmupUsed, st.Rounds
	}
	// Later checkpoints describe the files as they are: with the headers this run did not write.
	s.ck.header, s.ck.headerDir = &ck.Header, ck.OutputDir
	return &st.Sampler, nil
}

// preload reads the first rows draws of chain c's file (its first size bytes) into the store,
// as Draw put them there before the run stopped: CSV values are written in the shortest form
// that reads back to the same float64, so the summary of a resumed run is the uninterrupted
// run's.
func (s *sink) preload(c int, path string, size int64, rows int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	file, err := cmdstan.Read(io.LimitReader(f, size))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(file.Draws) != rows {
		return fmt.Errorf("%s holds %d draws in the part the checkpoint describes, which counts %d (the file was changed after the run stopped)", path, len(file.Draws), rows)
	}
	if want := len(cmdstan.SamplerColumns) + len(s.columns); len(file.Columns) != want {
		return fmt.Errorf("%s has %d columns; this run writes %d", path, len(file.Columns), want)
	}
	const lp, energy = 0, 6 // lp__ and energy__ among cmdstan.SamplerColumns
	first := len(cmdstan.SamplerColumns)
	for it, row := range file.Draws {
		if err := s.store.Set(0, c, it, row[lp]); err != nil {
			return err
		}
		if err := s.store.SetEnergy(c, it, row[energy]); err != nil {
			return err
		}
		for k := range s.names {
			if err := s.store.Set(k+1, c, it, row[first+k]); err != nil {
				return err
			}
		}
	}
	return nil
}
