package hmcc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// Model is a checked model with its data bound: what Sample, LogDensity and Generate run.
type Model struct {
	ir  *ir.Model
	src string
	// dataSums are the SHA-256 digests of the data inputs, in the order given, each taken as
	// the input was read (Data.read): the one hash of each that headers and checkpoints record.
	dataSums [][sha256.Size]byte
	srcSum   [sha256.Size]byte // of src, taken once

	outOnce sync.Once // compiles out, the reported quantities' program, on first use
	out     *compiler.CompiledOutputs
	outErr  error
}

// outputs is the program that computes the reported quantities and the pointwise
// log-likelihood of a draw, compiled once for the bound model (after ready).
func (m *Model) outputs() (*compiler.CompiledOutputs, error) {
	m.outOnce.Do(func() { m.out, m.outErr = compiler.CompileOutputs(m.ir) })
	return m.out, m.outErr
}

// Compile parses and checks the model source (name is the file name diagnostics show) and reads
// and binds its data. A data declaration reads the first Data, or the one its from "name" names
// (a Data's name is its base name without the extension). Without data, Compile checks the model
// and its constant arguments only (as hmcc check MODEL does); such a model can be sampled when it
// declares no data.
func Compile(name, src string, data ...Data) (*Model, error) {
	ast, err := lang.Parse(name, src)
	if err != nil {
		return nil, err
	}
	m, err := compiler.Check(ast)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return &Model{ir: m, src: src, srcSum: sha256.Sum256([]byte(src))}, compiler.CheckConstants(m)
	}
	if avail := availableMemory(); avail > 0 {
		dataset.MaxBytes = int64(avail)
	}
	inputs := make([]compiler.Input, len(data))
	sums := make([][sha256.Size]byte, len(data))
	for i, d := range data {
		if inputs[i], sums[i], err = d.read(); err != nil {
			return nil, err
		}
	}
	if err := compiler.CheckInputNames(inputs); err != nil {
		return nil, err
	}
	bound, err := compiler.BindData(m, inputs...)
	if err != nil {
		return nil, err
	}
	cm := &Model{ir: bound, src: src, dataSums: sums, srcSum: sha256.Sum256([]byte(src))}
	return cm, cm.CheckMemory(1)
}

// CompileFile is Compile of the model file at path ("-" is standard input), read by ReadSource.
func CompileFile(path string, data ...Data) (*Model, error) {
	src, err := ReadSource(path)
	if err != nil {
		return nil, err
	}
	if path == "-" {
		path = "<stdin>"
	}
	return Compile(path, src, data...)
}

// ready binds a model that declares no data (Compile leaves it unbound, as hmcc check without
// data shows it) and refuses one whose data were not given.
func (m *Model) ready() error {
	if m.ir.Bound() {
		return nil
	}
	if len(m.ir.Data) > 0 {
		names := make([]string, len(m.ir.Data))
		for i, d := range m.ir.Data {
			names[i] = d.Name
		}
		return UserError{fmt.Errorf("the model declares data (%s) but was compiled without any; give the data to Compile", strings.Join(names, ", "))}
	}
	bound, err := compiler.BindData(m.ir)
	if err != nil {
		return err
	}
	m.ir = bound
	return nil
}

// IR is the checked (and, with data, bound) model.
func (m *Model) IR() *ir.Model { return m.ir }

// Source is the model's text, which diag.Render needs to show the lines a diagnostic points at.
func (m *Model) Source() string { return m.src }

// SourceHash is "sha256:" and the hex SHA-256 of the model's source as Compile got it (as hmcc
// reads a file: a leading UTF-8 byte-order mark removed), which chain files record
// (# hmcc_model_hash) so that shards of different models are not merged.
func (m *Model) SourceHash() string {
	return "sha256:" + hex.EncodeToString(m.srcSum[:])
}

// DataHashes are "sha256:" and the hex SHA-256 of each data input, in the order Compile got
// them, each computed while the input was read for parsing (for a file: what sha256sum prints).
// Resume checkpoints record them.
func (m *Model) DataHashes() []string {
	out := make([]string, len(m.dataSums))
	for i, s := range m.dataSums {
		out[i] = "sha256:" + hex.EncodeToString(s[:])
	}
	return out
}

// DataHash is DataHashes joined by commas, which chain files record (# hmcc_data_hash) so that
// shards of different data are not merged: for one data file, "sha256:" and what sha256sum
// prints for it. Empty for a model compiled without data.
func (m *Model) DataHash() string { return strings.Join(m.DataHashes(), ",") }

// DataHash is the hmcc_data_hash of the data files at paths, as Model.DataHash gives it for a
// model compiled with them: each file's "sha256:" hash, joined by commas.
//
// Deprecated: it reads every file again; Model.DataHash has the hashes taken when Compile read
// the data.
func DataHash(paths ...string) (string, error) {
	var hs []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", p, err)
		}
		hs = append(hs, "sha256:"+hex.EncodeToString(h.Sum(nil)))
	}
	return strings.Join(hs, ","), nil
}

// Params are the model's parameter names, in declaration order.
func (m *Model) Params() []string {
	out := make([]string, len(m.ir.Params))
	for i, p := range m.ir.Params {
		out[i] = p.Name
	}
	return out
}

// Dim is the number of unconstrained coordinates the sampler moves (0 before data are bound
// when a parameter's size comes from the data).
func (m *Model) Dim() int { return m.ir.Dim() }

// Names are the reported quantities of every draw, one per element (CmdStan's column names
// after the sampler's): the parameters, the reported lets and the generated quantities.
func (m *Model) Names() []string { return compiler.OutputNames(m.ir) }

// Data is one data input of Compile: a CSV table or a JSON object of named values.
type Data struct {
	// read parses the input, hashing its bytes as they are read (each input is read once).
	read func() (compiler.Input, [sha256.Size]byte, error)
}

// File reads the data file at path: JSON when its name ends in .json or its text starts with
// "{", else CSV.
func File(path string) Data {
	return Data{read: func() (in compiler.Input, sum [sha256.Size]byte, err error) {
		in.Name = compiler.InputName(path)
		f, err := dataset.ReadFile(path)
		if err != nil {
			return in, sum, err
		}
		in.Table, in.JSON = f.Table, f.JSON
		return in, f.SHA256, nil
	}}
}

// hashing hashes what is read from r.
func hashing(r io.Reader) (io.Reader, func() [sha256.Size]byte) {
	h := sha256.New()
	return io.TeeReader(r, h), func() (s [sha256.Size]byte) {
		h.Sum(s[:0])
		return s
	}
}

// CSV reads a CSV table from r; name stands for the file name (a model's from "name" and
// messages use it).
func CSV(name string, r io.Reader) Data {
	return Data{read: func() (in compiler.Input, sum [sha256.Size]byte, err error) {
		in.Name = compiler.InputName(name)
		tr, sumOf := hashing(r)
		in.Table, err = dataset.ReadFrom(name, tr)
		return in, sumOf(), err
	}}
}

// JSON reads a JSON object of named values from r, as File does a .json file.
func JSON(name string, r io.Reader) Data {
	return Data{read: func() (in compiler.Input, sum [sha256.Size]byte, err error) {
		in.Name = compiler.InputName(name)
		tr, sumOf := hashing(r)
		in.JSON, err = dataset.ReadJSONFrom(name, tr)
		return in, sumOf(), err
	}}
}

// Values gives named values held in memory, as a JSON data file would: each value a number, a
// slice of numbers (a column, read by column "y") or a slice of equally long slices (a matrix,
// row-major). name stands for the file name.
func Values(name string, values map[string]any) Data {
	b, err := json.Marshal(values)
	if err != nil {
		return Data{read: func() (compiler.Input, [sha256.Size]byte, error) {
			return compiler.Input{}, [sha256.Size]byte{}, UserError{fmt.Errorf("%s: the values cannot be written as JSON data: %w", name, err)}
		}}
	}
	return JSON(name, bytes.NewReader(b))
}

// ReadSource reads a model's text from path ("-" is standard input) and refuses what cannot be a
// model before the parser sees it: more than 1 MiB (a device such as /dev/zero is never read
// beyond that), compressed or binary content, text that is not UTF-8, lines over 10,000 bytes.
// A UTF-8 byte-order mark is dropped. Messages quote at most a short escaped excerpt.
func ReadSource(path string) (string, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", UserError{fmt.Errorf("cannot read the model: %w", err)}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return "", UserError{fmt.Errorf("%s is a directory; give the model file, e.g. %s", path, strings.TrimSuffix(path, "/")+"/model.model")}
		}
		r = f
	}
	src, err := io.ReadAll(io.LimitReader(r, maxModelBytes+1))
	if err != nil {
		return "", UserError{fmt.Errorf("cannot read the model %s: %w", path, err)}
	}
	if err := plausibleModel(path, src); err != nil {
		return "", UserError{err}
	}
	return strings.TrimPrefix(string(src), "\ufeff"), nil
}

// WriteSource replaces the model file at path by data (hmcc fmt -w) through a temporary file
// in the same directory and a rename, so an interrupted write never leaves a truncated model;
// the file keeps its mode. A symbolic link is written through: the file it points to is
// replaced, the link stays.
func WriteSource(path string, data []byte) error {
	path, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
