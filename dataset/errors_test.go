package dataset

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// failingReader fails every read, as a disk or a network file system can.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("input/output error") }

// unreachableKinds are kinds no unit test can produce cheaply, with the reason.
var unreachableKinds = map[diag.Kind]string{
	kindTooManyLines:        "needs a file of more than 4 billion lines",
	kindColumnTooLarge:      "needs a column of more than 4 GiB of text",
	kindJSONTooLarge:        "needs more than 1 GiB of JSON",
	kindBadLine:             "encoding/csv reports only quote errors once field counts are left to ReadFrom",
	kindJSONUnreadableValue: "a value encoding/json split out of a valid object always decodes again",
}

// TestEveryKindHasCase produces every kind of data error declared in errors.go and compares its
// whole text with the expected one, so a new kind cannot be added without its exact message.
func TestEveryKindHasCase(t *testing.T) {
	dir := t.TempDir()
	csv := func(text string) error { _, err := ReadFrom("d.csv", strings.NewReader(text)); return err }
	column := func(text, name string) error {
		tab, err := ReadFrom("d.csv", strings.NewReader(text))
		if err != nil {
			return err
		}
		_, err = tab.Column(name)
		return err
	}
	levels := func(text, name string) error {
		tab, err := ReadFrom("d.csv", strings.NewReader(text))
		if err != nil {
			return err
		}
		_, _, err = tab.Levels(name)
		return err
	}
	jsonErr := func(text string) error { _, err := ReadJSONFrom("d.json", strings.NewReader(text)); return err }
	cases := []struct {
		kind diag.Kind
		err  func() error
		want string
	}{
		{kindDirectory, func() error { _, err := Read(dir); return err },
			dir + ": is a directory, not a CSV file; give the path of the data file (e.g. data.csv)"},
		{kindCannotOpen, func() error { _, err := Read(filepath.Join(dir, "none.csv")); return err },
			filepath.Join(dir, "none.csv") + ": cannot open the data file: no such file or directory; check the path (a relative path is taken from the current directory)"},
		{kindCannotRead, func() error { _, err := ReadJSONFrom("d.json", failingReader{}); return err },
			"d.json: cannot read the data file: input/output error"},
		{kindNoHeader, func() error { return csv("") },
			`d.csv: has no header line (the file is empty); the first line must name the columns, e.g. "y,x"`},
		{kindFieldCount, func() error { return csv("y,x\n1,2\n3\n") },
			"d.csv:3: line 3 has 1 field, the header has 2; every row needs exactly one value per column (look for a missing or extra comma, or a comma inside a value that is not in double quotes)"},
		{kindNoRows, func() error { return csv("y,x\n") },
			"d.csv: has a header but no data rows; put one row of values per observation below the header line"},
		{kindBareQuote, func() error { return csv("y\na\"b\n") },
			`d.csv:2: a double quote (") at character 2 is inside a field that does not start with one; put the whole field in double quotes and write each " inside it as ""`},
		{kindUnclosedQuote, func() error { return csv("y\n\"abc\n1\n") },
			`d.csv:2: a field in double quotes starts on this line and is still not closed properly on line 3; check that every opening " has a closing " (a missing one makes the field run on to later lines), and write a " inside a quoted field as ""`},
		{kindBadQuote, func() error { return csv("y\n\"a\"b\n") },
			`d.csv:2: a field in double quotes is not closed properly (character 3); the closing " must be followed by a comma or the end of the line, and a " inside a quoted field must be written as ""`},
		{kindUnnamedColumn, func() error { return csv("y,\n1,2\n") },
			"d.csv:1: the header has no name for column 2; give every column a name (the header line ends with a comma: remove it or name the last column)"},
		{kindDuplicateColumn, func() error { return csv("y,x,y\n1,2,3\n") },
			`d.csv:1: column "y": appears twice in the header (columns 1 and 3); rename one of them so that every column name is unique`},
		{kindNoTable, func() error { _, err := (*Table)(nil).Column("y"); return err },
			`column "y": no data file was read`},
		{kindBadCell, func() error { return column("y\n1\nabc\n", "y") },
			`d.csv:3: column "y": "abc" is not a number; write numbers like 3, -0.5 or 1e-3 (every cell of a column the model uses must be a number)`},
		{kindMissingColumn, func() error { return column("y,x\n1,2\n", "yy") },
			`d.csv: column "yy": no such column in the header; did you mean "y"? The columns are: "y", "x". Rename the column in the file or the data name in the model so that they match.`},
		{kindGzip, func() error { return csv("\x1f\x8b\x08\x00") },
			"d.csv: is gzip-compressed, not CSV text; decompress it first (gunzip -k d.csv) and give the .csv"},
		{kindZip, func() error { return csv("PK\x03\x04rest") },
			"d.csv: is a zip archive (an .xlsx spreadsheet is one), not CSV text; export the sheet as CSV (comma-separated) and give that file"},
		{kindXLS, func() error { return csv("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") },
			"d.csv: is an old Excel (.xls) file, not CSV text; export the sheet as CSV (comma-separated) and give that file"},
		{kindNULByte, func() error { return csv("y\n1\x00\n") },
			`d.csv:2: holds a NUL byte: this is not a CSV text file (it starts "y\n1\x00\n"…); give the comma-separated text file of the data`},
		{kindLineTooLong, func() error { return csv("y\n" + strings.Repeat("1", maxLine+1) + "\n") },
			"d.csv:2: line 2 is longer than 16 MiB: this is not a CSV file of one observation per line"},
		{kindFileTooLarge, func() error {
			defer func(m int64) { MaxBytes = m }(MaxBytes)
			MaxBytes = 1 << 20
			return csv("y\n" + strings.Repeat("1\n", 1<<20))
		}, "d.csv: is larger than 1 MiB, the memory available to hold its values; use a machine with more memory or a sample of the rows"},
		{kindSeparator, func() error { return csv("y;x\n1;2\n") },
			`d.csv:1: the header is one column, "y;x": the file is semicolon-separated (as spreadsheets write CSV where the decimal mark is a comma); hmcc reads comma-separated values: save it with commas as separators and points as decimal marks, e.g. in R write.csv(d, file) rather than write.csv2`},
		{kindMissingGroup, func() error { return levels("g,y\na,1\n,2\n", "g") },
			`d.csv:3: column "g": the cell is empty; every row needs a group: fill it in or remove the row`},
		{kindTooManyGroups, func() error {
			var b strings.Builder
			b.WriteString("g\n")
			for i := 0; i <= maxLevels; i++ {
				b.WriteString("x" + strconv.Itoa(i) + "\n")
			}
			return levels(b.String(), "g")
		}, `d.csv: column "g": has 1048577 distinct values, too many to be groups`},
		{kindJSONEmpty, func() error { return jsonErr("null") },
			`d.json: holds no JSON object; a data file is one object of named values, e.g. {"N": 3, "y": [1, 2, 3]}`},
		{kindJSONNotObject, func() error { return jsonErr("[1, 2]") },
			`d.json: is JSON but not one object of named values, e.g. {"N": 3, "y": [1, 2, 3]}`},
		{kindJSONBadValue, func() error { return jsonErr(`{"y": [1, [2]]}`) },
			`d.json: column "y": mixes numbers and arrays at one level; a matrix is an array of equally long arrays of numbers`},
		{kindMissingValue, func() error {
			j, err := ReadJSONFrom("d.json", strings.NewReader(`{"sigma": 1, "y": [1, 2]}`))
			if err != nil {
				return err
			}
			_, err = j.Value("sigm")
			return err
		}, `d.json: column "sigm": no such value in the file; did you mean "sigma"? Its values are: "sigma", "y".`},
		{kindInvalidJSON, func() error { return jsonErr("{\n\"y\": [1,\n}") },
			"d.json:3: is not valid JSON: invalid character '}' looking for beginning of value"},
	}
	// slow cases build a line of 16 MiB or a column of a million groups.
	slow := map[diag.Kind]bool{kindLineTooLong: true, kindTooManyGroups: true}
	seen := map[diag.Kind]bool{}
	for _, c := range cases {
		if slow[c.kind] && testing.Short() {
			seen[c.kind] = true // with -short, taken as read: several seconds each
			continue
		}
		err := c.err()
		var de *Error
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v, not a *dataset.Error", c.kind, err)
			continue
		}
		if de.Kind != c.kind {
			t.Errorf("%s: kind %q (%v)", c.kind, de.Kind, err)
		}
		if err.Error() != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.kind, err, c.want)
		}
		seen[c.kind] = true
	}
	for k, name := range declaredKinds(t) {
		if _, ok := unreachableKinds[k]; !ok && !seen[k] {
			t.Errorf("kind %s (%s) has no case here; add one with its exact message", k, name)
		}
	}
}

// declaredKinds reads the diag.Kind constants of errors.go.
func declaredKinds(t *testing.T) map[diag.Kind]string {
	src, err := os.ReadFile("errors.go")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[diag.Kind]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		v, ok := n.(*ast.ValueSpec)
		if !ok || v.Type == nil {
			return true
		}
		for i, name := range v.Names {
			if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				k, _ := strconv.Unquote(lit.Value)
				kinds[diag.Kind(k)] = name.Name
			}
		}
		return true
	})
	if len(kinds) < 30 {
		t.Fatalf("found only %d kinds in errors.go", len(kinds))
	}
	return kinds
}
