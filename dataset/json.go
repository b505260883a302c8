package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// maxJSONBytes bounds the size of a JSON data file, which is decoded in memory whole.
const maxJSONBytes = 1 << 30

// JSON is a data file in Stan's JSON format (CmdStan, CmdStanPy, BridgeStan): one object whose
// members are named values, each a number (a scalar), an array of numbers (a vector) or an
// array of equally long arrays of numbers (a matrix, row-major). Like CmdStan it accepts the
// strings "NaN", "Inf" and "-Inf" only to report them: every value hmcc uses must be finite.
type JSON struct {
	Path string
	vals map[string]*Value
}

// Value is one named value of a JSON data file.
type Value struct {
	Shape []int     // [] for a scalar, [n] for a vector, [rows, cols] for a matrix
	Data  []float64 // row-major
	// Whole is true when every element was written as a whole number (a Stan int).
	Whole bool
}

// IsJSON reports whether a data file is to be read as JSON: its name ends in .json, or its
// first character other than white space is "{".
func IsJSON(path string) bool {
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, _ := io.ReadFull(f, buf)
	s := bytes.TrimLeft(buf[:n], " \t\r\n\uFEFF")
	return len(s) > 0 && s[0] == '{'
}

// ReadJSON loads the JSON data file at path.
func ReadJSON(path string) (*JSON, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errDirectory(path, "data file", "data.json")
	}
	return ReadJSONFrom(path, f)
}

// ReadJSONFrom loads JSON data from r; name is used as the file name in messages.
func ReadJSONFrom(name string, r io.Reader) (*JSON, error) {
	src, err := io.ReadAll(io.LimitReader(r, maxJSONBytes+1))
	if err != nil {
		return nil, errCannotRead(name, err)
	}
	if len(src) > maxJSONBytes {
		return nil, errJSONTooLarge(name)
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	var members map[string]json.RawMessage
	if err := json.Unmarshal(src, &members); err != nil {
		return nil, jsonError(name, src, err)
	}
	if members == nil {
		return nil, errJSONEmpty(name)
	}
	j := &JSON{Path: name, vals: map[string]*Value{}}
	for key, raw := range members {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var x any
		if err := d.Decode(&x); err != nil {
			return nil, errJSONUnreadableValue(name, key, err)
		}
		v, err := newValue(x)
		if err != nil {
			return nil, errJSONBadValue(name, key, err)
		}
		j.vals[key] = v
	}
	return j, nil
}

// newValue converts a decoded JSON value, taking the shape from the first element at every
// level and checking that the arrays are rectangular and at most two deep.
func newValue(x any) (*Value, error) {
	v := &Value{Whole: true}
	for y := x; ; {
		arr, ok := y.([]any)
		if !ok {
			break
		}
		if len(v.Shape) == 2 {
			return nil, errors.New("has arrays nested more than two deep; hmcc's data are scalars, vectors and matrices")
		}
		v.Shape = append(v.Shape, len(arr))
		if len(arr) == 0 {
			break
		}
		y = arr[0]
	}
	if err := v.walk(x, 0); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *Value) walk(x any, depth int) error {
	if depth < len(v.Shape) {
		arr, ok := x.([]any)
		if !ok {
			return errors.New("mixes numbers and arrays at one level; a matrix is an array of equally long arrays of numbers")
		}
		if len(arr) != v.Shape[depth] {
			return fmt.Errorf("is not rectangular: a row has %d elements where the first has %d", len(arr), v.Shape[depth])
		}
		for _, e := range arr {
			if err := v.walk(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	switch x := x.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("%s is too large for a 64-bit float (the largest is about 1.8e308)", x)
		}
		if _, err := strconv.ParseInt(string(x), 10, 64); err != nil {
			v.Whole = false
		}
		v.Data = append(v.Data, f)
		return nil
	case string:
		switch strings.ToLower(x) {
		case "nan", "na":
			return fmt.Errorf("element %d is %q, a missing value; hmcc does not impute missing values: remove it or fill it in", len(v.Data)+1, x)
		case "inf", "+inf", "-inf", "infinity", "-infinity":
			return fmt.Errorf("element %d is %q; every value must be a finite number", len(v.Data)+1, x)
		}
		return fmt.Errorf("element %d is the string %q; values must be numbers or arrays of numbers", len(v.Data)+1, x)
	case nil:
		return fmt.Errorf("element %d is null, a missing value; hmcc does not impute missing values: remove it or fill it in", len(v.Data)+1)
	case bool:
		return fmt.Errorf("element %d is %v; code it as 1 or 0", len(v.Data)+1, x)
	case []any:
		if depth == 2 {
			return errors.New("has arrays nested more than two deep; hmcc's data are scalars, vectors and matrices")
		}
		return errors.New("mixes numbers and arrays at one level; a matrix is an array of equally long arrays of numbers")
	case map[string]any:
		return errors.New("is an object; values must be numbers or arrays of numbers")
	}
	return fmt.Errorf("has an unexpected JSON value %v", x)
}

// Names lists the values in the file, sorted.
func (j *JSON) Names() []string {
	out := make([]string, 0, len(j.vals))
	for k := range j.vals {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether the file has a value of this name.
func (j *JSON) Has(name string) bool { _, ok := j.vals[name]; return ok }

// Value returns the named value, or an error listing the names the file has.
func (j *JSON) Value(name string) (*Value, error) {
	if v, ok := j.vals[name]; ok {
		return v, nil
	}
	t := &Table{Path: j.Path, Columns: j.Names()}
	msg := "no such value in the file"
	if s := t.closest(name); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "."
	}
	quoted := make([]string, 0, len(t.Columns))
	for i, c := range t.Columns {
		if i == 40 {
			quoted = append(quoted, fmt.Sprintf("and %d more", len(t.Columns)-40))
			break
		}
		quoted = append(quoted, strconv.Quote(c))
	}
	msg += " Its values are: " + strings.Join(quoted, ", ") + "."
	return nil, errMissingValue(j.Path, name, msg)
}

// jsonError turns a decoding error into an *Error with the line of the problem.
func jsonError(name string, src []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return errInvalidJSON(name, lineAt(src, se.Offset), se, err)
	case errors.As(err, &te):
		return errJSONNotObject(name, err)
	}
	return errInvalidJSON(name, 0, err, err)
}

func lineAt(src []byte, off int64) int {
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	return 1 + bytes.Count(src[:off], []byte("\n"))
}
