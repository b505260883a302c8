package dataset

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"empty file", "", `data.csv: has no header line (the file is empty); the first line must name the columns, e.g. "y,x"`},
		{"blank lines only", "\n\n  \n", `data.csv: has no header line (the file is empty); the first line must name the columns, e.g. "y,x"`},
		{"bom only", "\uFEFF", `data.csv: has no header line (the file is empty); the first line must name the columns, e.g. "y,x"`},
		{"header only", "y,x\n", `data.csv: has a header but no data rows; put one row of values per observation below the header line`},
		{"header only crlf blank", "y,x\r\n\r\n", `data.csv: has a header but no data rows; put one row of values per observation below the header line`},
		{"ragged short", "a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n",
			`data.csv:7: line 7 has 3 fields, the header has 4; every row needs exactly one value per column (look for a missing or extra comma, or a comma inside a value that is not in double quotes)`},
		{"ragged long", "a,b\n1,2,3\n",
			`data.csv:2: line 2 has 3 fields, the header has 2; every row needs exactly one value per column (look for a missing or extra comma, or a comma inside a value that is not in double quotes)`},
		{"ragged one", "a,b\n1\n",
			`data.csv:2: line 2 has 1 field, the header has 2; every row needs exactly one value per column (look for a missing or extra comma, or a comma inside a value that is not in double quotes)`},
		{"ragged after blank line", "a,b\n1,2\n\n3\n",
			`data.csv:4: line 4 has 1 field, the header has 2; every row needs exactly one value per column (look for a missing or extra comma, or a comma inside a value that is not in double quotes)`},
		{"duplicate", "school,y,sigma,x, y\n", `data.csv:1: column "y": appears twice in the header (columns 2 and 5); rename one of them so that every column name is unique`},
		{"empty name", "a,,c\n1,2,3\n", `data.csv:1: the header has no name for column 2; give every column a name`},
		{"blank name", "a,  ,c\n1,2,3\n", `data.csv:1: the header has no name for column 2; give every column a name`},
		{"trailing comma header", "a,b,\n1,2,3\n", `data.csv:1: the header has no name for column 3; give every column a name (the header line ends with a comma: remove it or name the last column)`},
		{"bare quote", "a,b\n1,2\n3,x\"y\n",
			`data.csv:3: a double quote (") at character 4 is inside a field that does not start with one; put the whole field in double quotes and write each " inside it as ""`},
		{"extraneous quote", "a,b\n\"1\"2,3\n",
			`data.csv:2: a field in double quotes is not closed properly (character 3); the closing " must be followed by a comma or the end of the line, and a " inside a quoted field must be written as ""`},
		{"unclosed quote", "a,b\n1,\"2\n3,4\n",
			`data.csv:2: a field in double quotes starts on this line and is still not closed properly on line 3; check that every opening " has a closing " (a missing one makes the field run on to later lines), and write a " inside a quoted field as ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := ReadFrom("data.csv", strings.NewReader(tc.csv))
			if err == nil {
				t.Fatalf("no error; table %+v", tab)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.csv")
	_, err := Read(missing)
	want := missing + ": cannot open the data file: no such file or directory; check the path (a relative path is taken from the current directory)"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false")
	}
	dir := t.TempDir()
	_, err = Read(dir)
	want = dir + ": is a directory, not a CSV file; give the path of the data file (e.g. data.csv)"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	// A file with only a header, via Read: same message as ReadFrom, with the path.
	p := writeFile(t, "h.csv", "y\n")
	_, err = Read(p)
	want = p + ": has a header but no data rows; put one row of values per observation below the header line"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestReadBOMCRLF(t *testing.T) {
	p := writeFile(t, "data.csv", "\uFEFF school , y,sigma\r\nA,28,15\r\n\"B, the second\",\"8\",10\r\nC,-3,16\r\n")
	tab, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Path != p || tab.Rows != 3 {
		t.Errorf("Path %q Rows %d", tab.Path, tab.Rows)
	}
	if want := []string{"school", "y", "sigma"}; !reflect.DeepEqual(tab.Columns, want) {
		t.Errorf("Columns %q, want %q", tab.Columns, want)
	}
	if !tab.Has("school") || !tab.Has("y") || tab.Has("Y") || tab.Has("\uFEFFschool") {
		t.Errorf("Has wrong")
	}
	y, err := tab.Column("y")
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{28, 8, -3}; !reflect.DeepEqual(y, want) {
		t.Errorf("y = %v, want %v", y, want)
	}
	_, err = tab.Column("school")
	want := p + `:2: column "school": "A" is not a number; write numbers like 3, -0.5 or 1e-3 (every cell of a column the model uses must be a number) (2 more cells in this column are not usable either, the next on line 3)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestColumnValues(t *testing.T) {
	csv := "a,b\n1e-3,-0.5\n\"42\", 7 \n-0,+3.25\n1E2,0.000001\n"
	tab, err := ReadFrom("d.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	a, err := tab.Column("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := tab.Column("b")
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0.001, 42, 0, 100}; !reflect.DeepEqual(a, want) {
		t.Errorf("a = %v, want %v", a, want)
	}
	if want := []float64{-0.5, 7, 3.25, 1e-6}; !reflect.DeepEqual(b, want) {
		t.Errorf("b = %v, want %v", b, want)
	}
	// Each call returns a fresh slice.
	a[0] = 99
	a2, _ := tab.Column("a")
	if a2[0] != 0.001 {
		t.Errorf("Column shares memory between calls")
	}
}

func TestColumnErrors(t *testing.T) {
	tests := []struct {
		cell, want string
	}{
		{"abc", `data.csv:3: column "y": "abc" is not a number; write numbers like 3, -0.5 or 1e-3 (every cell of a column the model uses must be a number)`},
		{"", `data.csv:3: column "y": the cell is empty; fill in a value or remove the row (hmcc does not impute missing values)`},
		{"   ", `data.csv:3: column "y": the cell is empty; fill in a value or remove the row (hmcc does not impute missing values)`},
		{"NaN", `data.csv:3: column "y": "NaN" is not a number (NaN); replace it with a value or remove the row (hmcc does not impute missing values)`},
		{"nan", `data.csv:3: column "y": "nan" is not a number (NaN); replace it with a value or remove the row (hmcc does not impute missing values)`},
		{"Inf", `data.csv:3: column "y": "Inf" is infinite; every value must be a finite number`},
		{"-inf", `data.csv:3: column "y": "-inf" is infinite; every value must be a finite number`},
		{"+Infinity", `data.csv:3: column "y": "+Infinity" is infinite; every value must be a finite number`},
		{"1e400", `data.csv:3: column "y": "1e400" is too large for a 64-bit float (the largest is about 1.8e308); rescale the column`},
		{"NA", `data.csv:3: column "y": "NA" marks a missing value; hmcc cannot use missing values in a column the model uses: remove those rows or impute the values first`},
		{"TRUE", `data.csv:3: column "y": "TRUE" is not a number; code it as 1 or 0`},
		{`"1,5"`, `data.csv:3: column "y": "1,5" is not a number; use a point as the decimal mark and no thousands separators (e.g. 1.5 or 1500)`},
		{"0x10", `data.csv:3: column "y": "0x10" is not a number; write numbers like 3, -0.5 or 1e-3 (every cell of a column the model uses must be a number)`},
		{strings.Repeat("z", 50), `data.csv:3: column "y": "` + strings.Repeat("z", 40) + `"… is not a number; write numbers like 3, -0.5 or 1e-3 (every cell of a column the model uses must be a number)`},
	}
	for _, tc := range tests {
		t.Run(tc.cell, func(t *testing.T) {
			csv := "x,y\n1,2\n2," + tc.cell + "\n3,4\n"
			tab, err := ReadFrom("data.csv", strings.NewReader(csv))
			if err != nil {
				t.Fatal(err)
			}
			if x, err := tab.Column("x"); err != nil || len(x) != 3 {
				t.Fatalf("x: %v %v", x, err)
			}
			v, err := tab.Column("y")
			if err == nil {
				t.Fatalf("no error, got %v", v)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line != 3 || e.Column != "y" || e.Path != "data.csv" {
				t.Errorf("error fields %+v", e)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestColumnErrorLineAfterBlankAndMultiline(t *testing.T) {
	// Line numbers are file lines: blank lines and line breaks inside quoted
	// fields count, as in a text editor.
	csv := "name,y\n\"two\nlines\",1\n\nc,x\nd,NA\n"
	tab, err := ReadFrom("data.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{tab.Line(0), tab.Line(1), tab.Line(2)}; !reflect.DeepEqual(got, []int{2, 5, 6}) {
		t.Errorf("lines %v", got)
	}
	_, err = tab.Column("y")
	want := `data.csv:5: column "y": "x" is not a number; write numbers like 3, -0.5 or 1e-3 (every cell of a column the model uses must be a number) (1 more cell in this column is not usable either, the next on line 6)`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestMissingColumn(t *testing.T) {
	tab, err := ReadFrom("data.csv", strings.NewReader("mean_radius,worst_area,target\n1,2,0\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{"targt", `data.csv: column "targt": no such column in the header; did you mean "target"? The columns are: "mean_radius", "worst_area", "target". Rename the column in the file or the data name in the model so that they match.`},
		{"Target", `data.csv: column "Target": no such column in the header; did you mean "target"? The columns are: "mean_radius", "worst_area", "target". Rename the column in the file or the data name in the model so that they match.`},
		{"mean_radus", `data.csv: column "mean_radus": no such column in the header; did you mean "mean_radius"? The columns are: "mean_radius", "worst_area", "target". Rename the column in the file or the data name in the model so that they match.`},
		{"zzz", `data.csv: column "zzz": no such column in the header. The columns are: "mean_radius", "worst_area", "target". Rename the column in the file or the data name in the model so that they match.`},
	}
	for _, tc := range tests {
		_, err := tab.Column(tc.name)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got  %v\nwant %s", err, tc.want)
		}
	}
}

func TestLine(t *testing.T) {
	tab, err := ReadFrom("d.csv", strings.NewReader("y\n1\n2\n3\n"))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]int{0: 2, 1: 3, 2: 4, 3: 0, -1: 0} {
		if got := tab.Line(i); got != want {
			t.Errorf("Line(%d) = %d, want %d", i, got, want)
		}
	}
	var nilTab *Table
	if nilTab.Line(0) != 0 || nilTab.Has("y") {
		t.Errorf("nil table")
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Path: "d.csv", Line: 3, Column: "y", Msg: "m"}, `d.csv:3: column "y": m`},
		{Error{Path: "d.csv", Column: "y", Msg: "m"}, `d.csv: column "y": m`},
		{Error{Path: "d.csv", Line: 3, Msg: "m"}, `d.csv:3: m`},
		{Error{Line: 3, Msg: "m"}, `line 3: m`},
		{Error{Msg: "m"}, `m`},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q want %q", got, tc.want)
		}
	}
}

// The bundled data sets read cleanly and every column parses (except the
// school names in eight_schools.csv).
func TestBundledData(t *testing.T) {
	files, _ := filepath.Glob("../models/*.csv")
	if len(files) < 4 {
		t.Fatalf("found %d bundled CSVs in models/, want 4", len(files))
	}
	for _, f := range files {
		tab, err := Read(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, c := range tab.Columns {
			v, err := tab.Column(c)
			if c == "school" {
				continue
			}
			if err != nil || len(v) != tab.Rows {
				t.Errorf("%s: column %s: %v", f, c, err)
			}
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"school,y,sigma\nA,28,15\nB,8,10\nC,-3,16\n",
		"kid_score,mom_iq,mom_hs\n65,121.117528602603,1\n98,89.3618817100663,1\n",
		"county_idx,floor_measure,log_radon\r\n1,0,0.0953101798043249\r\n1,0,-inf\r\n",
		"\uFEFFa,b\n\"1\",\"x,\"\"y\"\"\"\n2,NaN\n",
		"a,b\n1\n",
		"a,a\n1,2\n",
		"a,\n",
		"",
		"a\n\"unterminated\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		check := func(err error) {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Line < 0 || e.Msg == "" || e.Error() == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
		tab, err := ReadFrom("fuzz.csv", strings.NewReader(data))
		if err != nil {
			check(err)
			return
		}
		if tab.Rows < 1 || len(tab.Columns) < 1 {
			t.Fatalf("table without rows or columns: %+v", tab)
		}
		prev := 1
		for i := 0; i < tab.Rows; i++ {
			if l := tab.Line(i); l <= prev {
				t.Fatalf("Line(%d) = %d after %d", i, l, prev)
			} else {
				prev = l
			}
		}
		for _, c := range append(tab.Columns, "no such column") {
			v, err := tab.Column(c)
			if err != nil {
				check(err)
			} else if len(v) != tab.Rows {
				t.Fatalf("column %q has %d values for %d rows", c, len(v), tab.Rows)
			}
		}
	})
}

func TestLevels(t *testing.T) {
	tests := []struct {
		name, csv  string
		codes      []int
		labels     []string
		wantErrSub string
	}{
		{"whole numbers from 1 are kept, gaps included", "g\n3\n1\n3\n5\n", []int{3, 1, 3, 5}, []string{"1", "2", "3", "4", "5"}, ""},
		{"0-based codes are renumbered", "g\n0\n2\n0\n1\n", []int{1, 3, 1, 2}, []string{"0", "1", "2"}, ""},
		{"fractions sort numerically", "g\n10\n2.5\n-1\n10\n", []int{3, 2, 1, 3}, []string{"-1", "2.5", "10"}, ""},
		{"text labels sort by text", "g\nSTEARNS\n AITKIN\nANOKA\nAITKIN\n", []int{3, 1, 2, 1}, []string{"AITKIN", "ANOKA", "STEARNS"}, ""},
		{"numbers and text mixed are text", "g\n10\n9\nx\n", []int{1, 2, 3}, []string{"10", "9", "x"}, ""},
		{"an empty cell", "g,y\nA,1\n,2\n", nil, nil, `data.csv:3: column "g": the cell is empty; every row needs a group`},
		{"a missing marker", "g,y\nA,1\nNA,2\n", nil, nil, `data.csv:3: column "g": "NA" marks a missing value`},
		{"no such column", "h\n1\n", nil, nil, `no such column`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := ReadFrom("data.csv", strings.NewReader(tt.csv))
			if err != nil {
				t.Fatal(err)
			}
			codes, labels, err := tab.Levels("g")
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(codes, tt.codes) || !reflect.DeepEqual(labels, tt.labels) {
				t.Errorf("Levels = %v %v, want %v %v", codes, labels, tt.codes, tt.labels)
			}
		})
	}
}
