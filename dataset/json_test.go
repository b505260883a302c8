package dataset

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadJSONValues(t *testing.T) {
	j, err := ReadJSONFrom("d.json", strings.NewReader(`{"N": 3, "y": [1.5, 2, -3], "X": [[1, 2], [3, 4], [5, 6]], "e": [], "s": 2.5e-1}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		shape []int
		data  []float64
		whole bool
	}{
		{"N", nil, []float64{3}, true},
		{"y", []int{3}, []float64{1.5, 2, -3}, false},
		{"X", []int{3, 2}, []float64{1, 2, 3, 4, 5, 6}, true},
		{"e", []int{0}, nil, true},
		{"s", nil, []float64{0.25}, false},
	}
	for _, c := range cases {
		v, err := j.Value(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Shape) != len(c.shape) || (len(c.shape) > 0 && !reflect.DeepEqual(v.Shape, c.shape)) ||
			len(v.Data) != len(c.data) || (len(c.data) > 0 && !reflect.DeepEqual(v.Data, c.data)) || v.Whole != c.whole {
			t.Errorf("%s: got shape %v data %v whole %v", c.name, v.Shape, v.Data, v.Whole)
		}
	}
	if got := strings.Join(j.Names(), ","); got != "N,X,e,s,y" {
		t.Errorf("names %s", got)
	}
}

func TestReadJSONErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`{"y": [1, 2`, `d.json:1: is not valid JSON`},
		{"{\n\"y\": [1,\n 2,,]}", `d.json:3: is not valid JSON: invalid character ','`},
		{`[1, 2]`, `d.json: is JSON but not one object of named values`},
		{`{"y": [1, "NA"]}`, `d.json: column "y": element 2 is "NA", a missing value; hmcc does not impute missing values`},
		{`{"y": [1, null]}`, `d.json: column "y": element 2 is null, a missing value`},
		{`{"y": [1, "Inf"]}`, `d.json: column "y": element 2 is "Inf"; every value must be a finite number`},
		{`{"X": [[1, 2], [3]]}`, `d.json: column "X": is not rectangular: a row has 1 elements where the first has 2`},
		{`{"X": [[1, 2], 3]}`, `d.json: column "X": mixes numbers and arrays at one level`},
		{`{"X": [[[1]]]}`, `d.json: column "X": has arrays nested more than two deep`},
		{`{"b": true}`, `d.json: column "b": element 1 is true; code it as 1 or 0`},
		{`{"o": {"a": 1}}`, `d.json: column "o": is an object`},
		{`{"x": 1e999}`, `d.json: column "x": 1e999 is too large for a 64-bit float`},
	}
	for _, c := range cases {
		_, err := ReadJSONFrom("d.json", strings.NewReader(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.src, err, c.want)
		}
	}
	j, err := ReadJSONFrom("d.json", strings.NewReader(`{"sigma": [1], "y": [2]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Value("sigm"); err == nil || !strings.Contains(err.Error(), `d.json: column "sigm": no such value in the file; did you mean "sigma"? Its values are: "sigma", "y".`) {
		t.Errorf("missing value: %v", err)
	}
}

// FuzzReadJSON: any input gives a JSON data file or an *Error, never a panic, and every value
// read has as many numbers as its shape says.
func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{`{"N": 3, "y": [1, 2, 3], "X": [[1, 2], [3, 4]]}`, `{"y": [1, "NA"]}`, `{"X": [[1], [2, 3]]}`, `[]`, `{`, `{"a": [[[]]]}`, `{"e": [], "f": [[]]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		j, err := ReadJSONFrom("f.json", strings.NewReader(src))
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, n := range j.Names() {
			v, err := j.Value(n)
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			for _, s := range v.Shape {
				want *= s
			}
			if len(v.Data) != want {
				t.Fatalf("%s: shape %v holds %d numbers", n, v.Shape, len(v.Data))
			}
		}
	})
}
