// Package dataset reads the data CSV given to `hmcc run model.model data.csv`.
//
// The file is comma separated with one header line naming the columns. A
// UTF-8 byte order mark and CRLF line endings are accepted, surrounding
// spaces in header names are trimmed, and quoted fields follow RFC 4180.
// Cells are kept as raw text until a column is asked for, so a CSV may hold
// non-numeric columns (e.g. a school name) that the model does not use.
//
// Every error is an *Error naming the file, the 1-based line of the file
// (the header is line 1) and the column where that is known, and says what
// to do about it.
package dataset

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hmcc-dev/hmcc/diag"
)

// Error is a problem with the data file. Its text is
// `path:line: column "c": msg`; parts that are unknown (empty Path, Line 0,
// empty Column) are left out.
type Error struct {
	Path   string    // file name as given by the user
	Line   int       // 1-based line of the file (header is line 1); 0 if not about one line
	Column string    // column name; "" if not about one column
	Kind   diag.Kind // which problem it is (errors.go, or compiler/errors_data.go for Bind's)
	Msg    string    // what is wrong and what to do
	Err    error     // underlying cause, if any (e.g. fs.ErrNotExist); reachable with errors.Is/As
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Table is a CSV file held compactly in memory, column by column.
type Table struct {
	Path    string   // file name used in messages
	Columns []string // header names, trimmed, in file order
	Rows    int      // number of data rows (header excluded)

	index map[string]int
	cols  []column
	lines []uint32 // lines[i] is the 1-based file line where data row i starts
}

// column holds one column's cells. While every cell so far is a finite number it keeps only the
// parsed values (8 bytes a cell: a million-row file costs about its float64 data, not its text
// several times over). At the first cell that is not, it switches to raw text — earlier cells
// written back in Go's shortest round-trip form — so that Column can report the bad cell by line
// and a non-numeric column the model never uses costs no error.
type column struct {
	nums []float64
	text []byte   // text mode: every cell's text back to back
	end  []uint32 // text mode: cell i is text[end[i-1]:end[i]]
}

func (c *column) isText() bool { return c.end != nil }

// add appends a cell; it returns false when the column's text would pass 4 GiB.
func (c *column) add(raw string) bool {
	if !c.isText() {
		if v, msg := parseCell(raw); msg == "" {
			c.nums = append(c.nums, v)
			return true
		}
		c.end = make([]uint32, 0, cap(c.nums))
		for _, v := range c.nums {
			c.text = strconv.AppendFloat(c.text, v, 'g', -1, 64)
			c.end = append(c.end, uint32(len(c.text)))
		}
		c.nums = nil
	}
	if len(c.text)+len(raw) > math.MaxUint32 {
		return false
	}
	c.text = append(c.text, raw...)
	c.end = append(c.end, uint32(len(c.text)))
	return true
}

// cell returns row i's text (for numeric columns, the value's shortest round-trip form).
func (c *column) cell(i int) string {
	if !c.isText() {
		return strconv.FormatFloat(c.nums[i], 'g', -1, 64)
	}
	start := uint32(0)
	if i > 0 {
		start = c.end[i-1]
	}
	return string(c.text[start:c.end[i]])
}

// Read loads the CSV file at path.
func Read(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errDirectory(path, "CSV file", "data.csv")
	}
	return ReadFrom(path, f)
}

func openError(path string, err error) error {
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err
	}
	hint := "check the path and the file"
	switch {
	case errors.Is(err, fs.ErrNotExist):
		hint = "check the path (a relative path is taken from the current directory)"
	case errors.Is(err, fs.ErrPermission):
		hint = "check that you are allowed to read the file"
	}
	return errCannotOpen(path, cause, hint, err)
}

// ReadFrom loads CSV text from r; name is used as the file name in messages.
func ReadFrom(name string, r io.Reader) (*Table, error) {
	raw := bufio.NewReaderSize(r, 64*1024)
	if err := sniff(name, raw); err != nil {
		return nil, err
	}
	if b, err := raw.Peek(3); err == nil && string(b) == "\uFEFF" {
		raw.Discard(3)
	}
	br := bufio.NewReaderSize(&guard{r: raw, name: name, line: 1}, 64*1024)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked here, with a better message
	cr.ReuseRecord = true

	t := &Table{Path: name}
	header, err := readRecord(t, cr)
	if err == io.EOF {
		return nil, errNoHeader(name)
	}
	if err != nil {
		return nil, err
	}
	if err := separatorHint(name, header); err != nil {
		return nil, err
	}
	if err := t.setHeader(header); err != nil {
		return nil, err
	}
	n := len(t.Columns)
	for {
		rec, err := readRecord(t, cr)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != n {
			return nil, errFieldCount(name, line, len(rec), n)
		}
		if line > math.MaxUint32 {
			return nil, errTooManyLines(name, line)
		}
		for j, s := range rec {
			if !t.cols[j].add(s) {
				return nil, errColumnTooLarge(name, line, t.Columns[j])
			}
		}
		t.lines = append(t.lines, uint32(line))
	}
	t.Rows = len(t.lines)
	if t.Rows == 0 {
		return nil, errNoRows(name)
	}
	return t, nil
}

// readRecord returns the next record, skipping lines that hold only spaces
// (encoding/csv already skips empty lines). Errors other than io.EOF are *Error.
func readRecord(t *Table, cr *csv.Reader) ([]string, error) {
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, err
		}
		if err != nil {
			return nil, csvError(t.Path, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		return rec, nil
	}
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	var own *Error // the guard's, already saying what is wrong
	if errors.As(err, &own) {
		return own
	}
	if !errors.As(err, &pe) {
		return errCannotRead(name, err)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return errBareQuote(name, pe.Line, pe.Column, err)
	case errors.Is(pe.Err, csv.ErrQuote):
		if pe.StartLine != pe.Line {
			return errUnclosedQuote(name, pe.StartLine, pe.Line, err)
		}
		return errBadQuote(name, pe.Line, pe.Column, err)
	}
	line := pe.StartLine
	if line == 0 {
		line = pe.Line
	}
	return errBadLine(name, line, pe.Err, err)
}

func (t *Table) setHeader(rec []string) error {
	n := len(rec)
	t.Columns = make([]string, n)
	t.index = make(map[string]int, n)
	t.cols = make([]column, n)
	for j, s := range rec {
		s = strings.TrimSpace(s)
		if s == "" {
			return errUnnamedColumn(t.Path, j+1, j == n-1 && n > 1)
		}
		if k, dup := t.index[s]; dup {
			return errDuplicateColumn(t.Path, s, k+1, j+1)
		}
		s = strings.Clone(s)
		t.Columns[j] = s
		t.index[s] = j
	}
	return nil
}

// Has reports whether the table has a column with exactly this name.
func (t *Table) Has(name string) bool {
	if t == nil {
		return false
	}
	_, ok := t.index[name]
	return ok
}

// Line returns the 1-based file line where data row i (0-based) starts, or 0
// if there is no such row.
func (t *Table) Line(row int) int {
	if t == nil || row < 0 || row >= len(t.lines) {
		return 0
	}
	return int(t.lines[row])
}

// Column parses the named column as float64, one value per data row. Every
// cell must hold a finite number; surrounding spaces are ignored.
func (t *Table) Column(name string) ([]float64, error) {
	if t == nil {
		return nil, errNoTable(name)
	}
	j, ok := t.index[name]
	if !ok {
		return nil, t.missing(name)
	}
	c := &t.cols[j]
	if !c.isText() {
		return append([]float64(nil), c.nums...), nil
	}
	out := make([]float64, len(t.lines))
	var first *Error
	more, nextLine := 0, 0
	for i := range t.lines {
		v, msg := parseCell(c.cell(i))
		if msg == "" {
			out[i] = v
			continue
		}
		if first == nil {
			first = errBadCell(t.Path, int(t.lines[i]), name, msg)
			continue
		}
		if more == 0 {
			nextLine = int(t.lines[i])
		}
		more++
	}
	if first != nil {
		if more > 0 {
			first.Msg += fmt.Sprintf(" (%d more %s in this column %s not usable either, the next on line %d)",
				more, plural(more, "cell", "cells"), plural(more, "is", "are"), nextLine)
		}
		return nil, first
	}
	return out, nil
}

// missingTokens are spellings of a missing value used by R, pandas, SAS, etc.
var missingTokens = map[string]bool{
	"na": true, "n/a": true, "nan": true, "null": true, "none": true, "nil": true,
	"missing": true, ".": true, "?": true, "-": true, "#n/a": true, "<na>": true,
}

// parseCell parses one cell; on failure it returns a message saying what is
// wrong and what to do.
func parseCell(raw string) (float64, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return 0, "the cell is empty; fill in a value or remove the row (hmcc does not impute missing values)"
	}
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) && !strings.ContainsAny(s, "xX_") {
		return v, "" // the common case, without building any message
	}
	lower := strings.ToLower(s)
	q := quote(s)
	if err == nil && !strings.ContainsAny(s, "xX_") {
		switch {
		case math.IsNaN(v):
			return 0, q + " is not a number (NaN); replace it with a value or remove the row (hmcc does not impute missing values)"
		case math.IsInf(v, 0):
			return 0, q + " is infinite; every value must be a finite number"
		}
		return v, ""
	}
	if errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0) {
		return 0, q + " is too large for a 64-bit float (the largest is about 1.8e308); rescale the column"
	}
	switch {
	case missingTokens[lower]:
		return 0, q + " marks a missing value; hmcc cannot use missing values in a column the model uses: remove those rows or impute the values first"
	case lower == "true" || lower == "false" || lower == "yes" || lower == "no":
		return 0, q + " is not a number; code it as 1 or 0"
	case strings.Contains(s, ",") && strings.Trim(s, "+-0123456789,. ") == "":
		return 0, q + " is not a number; use a point as the decimal mark and no thousands separators (e.g. 1.5 or 1500)"
	}
	return 0, q + " is not a number; write numbers like 3, -0.5 or 1e-3 (every cell of a column the model uses must be a number)"
}

// quote quotes a cell for a message, shortening long ones.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// missing builds the error for a column that does not exist.
func (t *Table) missing(name string) error {
	msg := "no such column in the header"
	if s := t.closest(name); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "."
	}
	const maxList = 40
	cols := t.Columns
	list := make([]string, 0, min(len(cols), maxList)+1)
	for i, c := range cols {
		if i == maxList {
			list = append(list, fmt.Sprintf("and %d more", len(cols)-maxList))
			break
		}
		list = append(list, strconv.Quote(c))
	}
	msg += " The columns are: " + strings.Join(list, ", ") +
		". Rename the column in the file or the data name in the model so that they match."
	return errMissingColumn(t.Path, name, msg)
}

// closest returns the column name nearest to name, or "" if none is close (diag.Suggest, the one
// "did you mean" of hmcc).
func (t *Table) closest(name string) string {
	return diag.Suggest(name, t.Columns)
}
