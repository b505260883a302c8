package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/alecthomas/kong"
	hmcclib "github.com/hmcc-dev/hmcc"
)

// resumeMayGive are the flags hmcc run --resume takes besides the run's recorded settings:
// none of them changes a draw.
var resumeMayGive = map[string]bool{"resume": true, "threads": true, "quiet": true, "checkpoint-every": true}

// resume opens the run directory r.Resume and makes r the run's recorded settings. A flag
// given on the command line must agree with them (other than resumeMayGive's, which this
// process may choose); --threads not given keeps the run's. MODEL and DATA, when given (the
// files moved), replace the recorded paths; their content is checked by checkInputs.
func (r *runCmd) resume(kctx *kong.Context) (*hmcclib.OutputDir, *hmcclib.Checkpoint, error) {
	out, ck, err := hmcclib.ResumeOutputDir(r.Resume)
	if err != nil {
		return nil, nil, err
	}
	fail := func(format string, a ...any) (*hmcclib.OutputDir, *hmcclib.Checkpoint, error) {
		out.Close()
		return nil, nil, hmcclib.UserError{Err: fmt.Errorf(format, a...)}
	}
	var rec runCmd
	if err := json.Unmarshal(ck.Settings, &rec); err != nil || rec.Chains < 1 {
		return fail("the settings in %s cannot be read (%v); start a new run", filepath.Join(r.Resume, hmcclib.CheckpointName), err)
	}
	if r.Overwrite {
		return fail("--resume continues the run in %s and --overwrite would replace it; give one of them", r.Resume)
	}
	// --warmup auto's chosen length and --target-ess's rounds are in checkpoints from format 2.
	if (rec.Warmup.Auto || rec.TargetESS > 0) && !ck.KeepsDecisions() && !ck.InWarmup() {
		return fail("the run in %s was started with %s by an earlier hmcc, whose checkpoint does not record the warmup length and sampling rounds it chose, so it cannot be continued exactly; start it again with the same seed (the same draws)",
			r.Resume, map[bool]string{true: "--warmup auto", false: "--target-ess"}[rec.Warmup.Auto])
	}
	cur, old := reflect.ValueOf(r).Elem(), reflect.ValueOf(&rec).Elem()
	threadsGiven := false
	for _, p := range kctx.Path {
		f := p.Flag
		if f == nil || p.Resolved {
			continue
		}
		threadsGiven = threadsGiven || f.Name == "threads"
		if resumeMayGive[f.Name] {
			continue
		}
		i := fieldIndex(cur, f.Target)
		if i < 0 {
			continue
		}
		if f.Name == "output-dir" {
			if filepath.Clean(r.OutputDir) != filepath.Clean(r.Resume) {
				return fail("--output-dir %s is not the run's directory --resume %s; a resumed run writes where it started (leave --output-dir out)", r.OutputDir, r.Resume)
			}
			continue
		}
		if a, b := cur.Field(i).Interface(), old.Field(i).Interface(); !reflect.DeepEqual(a, b) {
			return fail("--%s %v conflicts with the run in %s, which was started with --%s %v; hmcc run --resume continues a run with its own settings (leave --%s out; only --threads, --quiet and --checkpoint-every may be given)",
				f.Name, a, r.Resume, f.Name, b, f.Name)
		}
	}
	given := *r
	*r = rec
	r.Resume, r.OutputDir, r.Overwrite, r.Quiet, r.CheckpointEvery = given.Resume, given.Resume, false, given.Quiet, given.CheckpointEvery
	if threadsGiven {
		r.Threads = given.Threads
	}
	// The files as the run read them (absolute paths), unless they are given again.
	r.Model, r.Data, r.More = "", "", nil
	var data []string
	for _, in := range ck.Inputs {
		switch in.Role {
		case "model":
			r.Model = in.Path
		case "data":
			data = append(data, in.Path)
		case "init":
			r.Init = in.Path
		case "metric":
			r.MetricFile = in.Path
		}
	}
	if len(data) > 0 {
		r.Data, r.More = data[0], data[1:]
	}
	if given.Model != "" && given.Data == "" {
		return fail("give the run's model and data files both (hmcc run --resume %s MODEL DATA ...), or neither to read them where the run did", r.Resume)
	}
	if given.Model != "" {
		r.Model, r.Data, r.More = given.Model, given.Data, given.More
	} else if r.Model == "-" {
		return fail("the run in %s read its model from standard input; give it again: hmcc run --resume %s - DATA", r.Resume, r.Resume)
	}
	return out, ck, nil
}

// fieldIndex is the index of the field of v (a struct) that target is.
func fieldIndex(v reflect.Value, target reflect.Value) int {
	if !target.CanAddr() {
		return -1
	}
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).CanAddr() && v.Field(i).UnsafeAddr() == target.UnsafeAddr() {
			return i
		}
	}
	return -1
}

// inputs lists the files the run reads, with their content's hash: the model's source (as
// read, so standard input too) and the data files, hashed by Compile as it read them (the
// hashes the chain files' headers record), and the --init and --metric-file files, read here
// once: their content is returned by role ("init", "metric") for the run to parse.
func (r *runCmd) inputs(m *hmcclib.Model) ([]hmcclib.Input, map[string][]byte, error) {
	abs := func(p string) string {
		if p == "-" {
			return p
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	hex := func(h string) string { return strings.TrimPrefix(h, "sha256:") } // as checkpoints record it
	ins := []hmcclib.Input{{Role: "model", Path: abs(r.Model), SHA256: hex(m.SourceHash())}}
	files := append([]string{r.Data}, r.More...)
	sums := m.DataHashes()
	if len(sums) != len(files) {
		return nil, nil, fmt.Errorf("internal error: %d data files, %d hashes", len(files), len(sums))
	}
	for i, p := range files {
		ins = append(ins, hmcclib.Input{Role: "data", Path: abs(p), SHA256: hex(sums[i])})
	}
	content := map[string][]byte{}
	add := func(role, path string) error {
		b, err := os.ReadFile(path)
		if err != nil && role == "init" {
			return hmcclib.UserError{Err: fmt.Errorf("--init %s: %w; give a JSON file of starting values, --init pathfinder or --init uniform", path, err)}
		} else if err != nil {
			return hmcclib.UserError{Err: fmt.Errorf("reading %s: %w", path, err)}
		}
		content[role] = b
		ins = append(ins, hmcclib.Input{Role: role, Path: abs(path), SHA256: hmcclib.HashBytes(b)})
		return nil
	}
	if r.Init != "" && r.Init != "pathfinder" && r.Init != "uniform" {
		if err := add("init", r.Init); err != nil {
			return nil, nil, err
		}
	}
	if r.MetricFile != "" {
		if err := add("metric", r.MetricFile); err != nil {
			return nil, nil, err
		}
	}
	return ins, content, nil
}

// checkInputs refuses to resume with a model or data other than the run's: their content must
// hash as it did when the run started.
func checkInputs(dir string, recorded, now []hmcclib.Input) error {
	byRole := func(ins []hmcclib.Input) map[string][]hmcclib.Input {
		m := map[string][]hmcclib.Input{}
		for _, in := range ins {
			m[in.Role] = append(m[in.Role], in)
		}
		return m
	}
	was, is := byRole(recorded), byRole(now)
	what := map[string]string{"model": "model", "data": "data file", "init": "--init file", "metric": "--metric-file"}
	for _, role := range []string{"model", "data", "init", "metric"} {
		a, b := was[role], is[role]
		if len(a) != len(b) {
			return hmcclib.UserError{Err: fmt.Errorf("the run in %s read %d %s(s), this one %d; resume with the files the run started with", dir, len(a), what[role], len(b))}
		}
		for i := range a {
			if a[i].SHA256 != b[i].SHA256 {
				return hmcclib.UserError{Err: fmt.Errorf("the %s %s is not the one the run in %s started with (%s): its content differs (SHA-256 %.12s…, the run's %.12s…); resume with the same model and data, or start a new run into another --output-dir",
					what[role], b[i].Path, dir, a[i].Path, b[i].SHA256, a[i].SHA256)}
			}
		}
	}
	return nil
}

// resumeNote says, before sampling, where a resumed run picks up.
func resumeNote(dir string, ck *hmcclib.Checkpoint, rows int) string {
	if ck.InWarmup() {
		return fmt.Sprintf("resuming the run in %s: it stopped during warmup, which is not checkpointed, so warmup starts again from its beginning (the same seed makes the same draws)\n", dir)
	}
	return fmt.Sprintf("resuming the run in %s from its checkpoint of %s: %d of %d draws per chain are kept, and sampling continues at draw %d with warmup's tuning, the chains' positions and their random state\n",
		dir, strings.Replace(ck.Written, "T", " ", 1), ck.Rows, rows, ck.Rows+1)
}
