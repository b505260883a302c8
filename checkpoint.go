package hmcc

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// CheckpointName is the file in a run's output directory that lets hmcc run --resume continue
// the run (docs/scale-out.md, "Resume"). It is written with the chain files' first row and
// kept up to date while the run samples.
const CheckpointName = "hmcc_checkpoint.json"

// checkpointFormat is what this hmcc writes. Format 2 added what a run decides as it goes
// (--warmup auto's length, --target-ess's rounds); format 1 checkpoints are still read, and
// resumed unless their run was of that kind (KeepsDecisions).
const (
	checkpointFormat  = "hmcc checkpoint 2"
	checkpointFormat1 = "hmcc checkpoint 1"
)

// Input is a file the run read, with the SHA-256 of its content, so that a resume can tell
// whether it is still the same model and data.
type Input struct {
	Role   string `json:"role"` // "model", "data", "init" or "metric"
	Path   string `json:"path"` // absolute ("-" for standard input)
	SHA256 string `json:"sha256"`
}

// HashBytes is the SHA-256 of b in hex, as Input records it.
func HashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// HashFile is the SHA-256 of the file's content in hex.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Checkpoint is the content of hmcc_checkpoint.json: what the run is (the caller's settings,
// its inputs' hashes, the chain files' header) and how far it got. The chain files are
// consistent with it: each holds Draws whole rows in its first Bytes[c] bytes, and anything
// after them (rows written after the checkpoint, a partial row, a trailer) is cut off on
// resume. State holds the exact state to go on from (gob, so every float64 keeps its bits);
// it is empty while the run is in warmup (a resume then starts warmup again) and once the run
// has finished.
type Checkpoint struct {
	Format   string `json:"format"`
	RunID    string `json:"run_id"`
	Written  string `json:"written"` // when, RFC 3339
	Finished bool   `json:"finished"`
	// Settings are the caller's (hmcc run's flags), which a resume reads back.
	Settings json.RawMessage `json:"settings"`
	Inputs   []Input         `json:"inputs"`
	// OutputDir is the directory as the run was given it, as the headers' output file names it.
	OutputDir string         `json:"output_dir"`
	Header    cmdstan.Config `json:"header"` // every chain file's, but for its Chain
	Columns   []string       `json:"columns"`
	Metric    string         `json:"metric"` // the adaptation block's: diag_e or dense_e
	// Warmup and Draws are the run's iterations (Config's); Iterations is the post-warmup
	// iterations done, Rows the rows every chain file holds (Thin keeps fewer).
	Warmup, Draws int
	Iterations    int     `json:"iterations"`
	Rows          int     `json:"rows"`
	Bytes         []int64 `json:"bytes"`
	State         []byte  `json:"state,omitempty"`
}

// resumeState is Checkpoint.State: the sampler's snapshot and the sink's counts. Generated
// quantities draw from streams addressed by iteration (sink.chainValues): nothing to keep.
type resumeState struct {
	Sampler                runtime.Snapshot
	Divergences, DepthHits []int // of the kept rows
	// Warmup is the run iteration of the first post-warmup one (with --warmup auto, the length
	// chosen), which generated quantities' streams count from; WarmupUsed the chosen length
	// (-1 unless auto). Rounds are --target-ess's judgements so far. All three from format 2.
	Warmup, WarmupUsed int
	Rounds             []Round
}

// KeepsDecisions reports whether the checkpoint records what a run decides as it goes (the
// length --warmup auto chose, the rounds of --target-ess): those of an hmcc before format 2
// do not, and such runs cannot be continued from them exactly.
func (c *Checkpoint) KeepsDecisions() bool { return c.Format != checkpointFormat1 }

// InWarmup reports that the run stopped before its first post-warmup iteration was recorded:
// a resume starts it again from the beginning.
func (c *Checkpoint) InWarmup() bool { return !c.Finished && len(c.State) == 0 }

func (c *Checkpoint) state() (*resumeState, error) {
	var s resumeState
	if err := gob.NewDecoder(bytes.NewReader(c.State)).Decode(&s); err != nil {
		return nil, fmt.Errorf("its state cannot be read: %w", err)
	}
	return &s, nil
}

// ReadCheckpoint reads dir's checkpoint; os.ErrNotExist when it has none.
func ReadCheckpoint(dir string) (*Checkpoint, error) {
	path := filepath.Join(dir, CheckpointName)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s is not a checkpoint hmcc can read: %v", path, err)
	}
	if c.Format != checkpointFormat && c.Format != checkpointFormat1 {
		return nil, fmt.Errorf("%s is of format %q; this hmcc reads %q", path, c.Format, checkpointFormat)
	}
	if !c.Finished && len(c.Bytes) != c.Header.Chains {
		return nil, fmt.Errorf("%s describes %d chain files for %d chains", path, len(c.Bytes), c.Header.Chains)
	}
	return &c, nil
}

// writeAtomically replaces path with b so that a reader, or a process started after a crash,
// sees either the old content or the new, whole: a temporary file beside it, synced, renamed
// over it, and the directory synced so the rename itself is durable.
func writeAtomically(path string, b []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // best effort: some file systems cannot sync a directory
		d.Close()
	}
	return nil
}

// Resumable makes a run keep hmcc_checkpoint.json in its output directory (Output.Resumable).
type Resumable struct {
	// Settings are recorded in the checkpoint as JSON for the caller to read back on resume.
	Settings any
	Inputs   []Input
	// Every is the least time between two checkpoints while sampling (0: after every
	// iteration); one is always written with the first draw and when an interrupted run stops.
	Every time.Duration
	// From, if set, is the checkpoint of the run this one continues (ResumeOutputDir).
	From *Checkpoint
}

// checkpointer is the sink's part in keeping the checkpoint.
type checkpointer struct {
	r        *Resumable
	settings json.RawMessage
	dir      *OutputDir
	warmup   int
	draws    int
	last     time.Time // when the last checkpoint with a state was written
	// header and headerDir are the chain files' header and the directory it names, when this
	// run reopened files an earlier process wrote (nil and "": its own).
	header    *cmdstan.Config
	headerDir string
}

func newCheckpointer(cfg Config) (*checkpointer, error) {
	o := cfg.Output
	if o == nil || o.Resumable == nil {
		return nil, nil
	}
	settings, err := json.Marshal(o.Resumable.Settings)
	if err != nil {
		return nil, err
	}
	return &checkpointer{r: o.Resumable, settings: settings, dir: o.Dir, warmup: cfg.Warmup, draws: cfg.Draws}, nil
}

// base is the checkpoint's description of the run and of its files so far.
func (s *sink) checkpointBase() *Checkpoint {
	k := s.ck
	h, dir := s.config(0), k.dir.path
	h.Chain = 0
	if k.header != nil {
		h, dir = *k.header, k.headerDir
	}
	return &Checkpoint{Format: checkpointFormat, RunID: k.dir.runID, Written: time.Now().UTC().Format(time.RFC3339),
		Settings: k.settings, Inputs: k.r.Inputs, OutputDir: dir, Header: h, Columns: s.columns, Metric: s.metric,
		Warmup: k.warmup, Draws: k.draws, Rows: s.kept, Bytes: slices.Clone(s.marks)}
}

// writeCheckpoint syncs the chain files, so that every row the checkpoint counts is on disk
// before it, and replaces the checkpoint.
func (s *sink) writeCheckpoint(c *Checkpoint) error {
	if !c.Finished {
		errs := make([]error, len(s.writers))
		inParallel(len(s.writers), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				errs[i] = s.writers[i].Sync()
			}
		})
		for i, err := range errs {
			if err != nil {
				return s.fail(i, err)
			}
		}
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(s.ck.dir.path, CheckpointName)
	if err := writeAtomically(path, b); err != nil {
		return IOError{fmt.Errorf("writing %s: %w; %s", path, err, WriteAdvice(err, s.ck.dir.path))}
	}
	return nil
}

// started records a run whose chain files were just published: no state yet, so a resume
// starts it again.
func (s *sink) started() error {
	if s.ck == nil {
		return nil
	}
	return s.writeCheckpoint(s.checkpointBase())
}

// Checkpoint keeps the state after iters post-warmup iterations (runtime.CheckpointSink): the
// first time, then at most every Resumable.Every, and when the run stops.
func (s *sink) Checkpoint(iters int, stopping bool, snapshot func() (*runtime.Snapshot, error)) error {
	k := s.ck
	if k == nil || s.writers == nil || (!stopping && time.Since(k.last) < k.r.Every) {
		return nil
	}
	defer s.lock()()
	snap, err := snapshot()
	if err != nil {
		return err
	}
	st := resumeState{Sampler: *snap, Divergences: s.divergences, DepthHits: s.depthHits,
		Warmup: s.warmup, WarmupUsed: s.warmupUsed, Rounds: s.rounds}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&st); err != nil {
		return err
	}
	c := s.checkpointBase()
	c.Iterations, c.State = iters, buf.Bytes()
	if err := s.writeCheckpoint(c); err != nil {
		return err
	}
	k.last = time.Now()
	return nil
}

// finished marks the checkpoint of a run whose chain files are complete: a resume is refused.
func (s *sink) finished() error {
	if s.ck == nil || s.writers == nil {
		return nil
	}
	c := s.checkpointBase()
	c.Finished, c.Iterations, c.Bytes = true, s.ck.draws, nil
	return s.writeCheckpoint(c)
}

// withoutCheckpoint leaves the checkpoint out of a list of a run's files, for messages that name
// the files a user knows (unless it is all there is).
func withoutCheckpoint(paths []string) []string {
	var out []string
	for _, p := range paths {
		if filepath.Base(p) != CheckpointName {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return paths
	}
	return out
}
