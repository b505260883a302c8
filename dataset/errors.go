package dataset

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/diag"
)

// The kinds of problem a data file can have, one constructor each with the place first (the
// file, then the line, then the column), as the compiler's errors have their span first. Every
// kind is shown, with its exact text, by a case of TestEveryKindHasCase.
const (
	kindDirectory           diag.Kind = "data_directory"
	kindCannotOpen          diag.Kind = "data_cannot_open"
	kindCannotRead          diag.Kind = "data_cannot_read"
	kindNoHeader            diag.Kind = "csv_no_header"
	kindFieldCount          diag.Kind = "csv_field_count"
	kindTooManyLines        diag.Kind = "csv_too_many_lines"
	kindColumnTooLarge      diag.Kind = "csv_column_too_large"
	kindNoRows              diag.Kind = "csv_no_rows"
	kindBareQuote           diag.Kind = "csv_bare_quote"
	kindUnclosedQuote       diag.Kind = "csv_unclosed_quote"
	kindBadQuote            diag.Kind = "csv_bad_quote"
	kindBadLine             diag.Kind = "csv_bad_line"
	kindUnnamedColumn       diag.Kind = "csv_unnamed_column"
	kindDuplicateColumn     diag.Kind = "csv_duplicate_column"
	kindNoTable             diag.Kind = "data_no_table"
	kindBadCell             diag.Kind = "csv_bad_cell"
	kindMissingColumn       diag.Kind = "csv_missing_column"
	kindGzip                diag.Kind = "data_gzip"
	kindZip                 diag.Kind = "data_zip"
	kindXLS                 diag.Kind = "data_xls"
	kindNULByte             diag.Kind = "data_nul_byte"
	kindLineTooLong         diag.Kind = "csv_line_too_long"
	kindFileTooLarge        diag.Kind = "data_too_large"
	kindSeparator           diag.Kind = "csv_separator"
	kindMissingGroup        diag.Kind = "csv_missing_group"
	kindTooManyGroups       diag.Kind = "csv_too_many_groups"
	kindJSONTooLarge        diag.Kind = "json_too_large"
	kindJSONEmpty           diag.Kind = "json_no_object"
	kindJSONNotObject       diag.Kind = "json_not_object"
	kindJSONUnreadableValue diag.Kind = "json_unreadable_value"
	kindJSONBadValue        diag.Kind = "json_bad_value"
	kindMissingValue        diag.Kind = "json_missing_value"
	kindInvalidJSON         diag.Kind = "json_invalid"
)

// errDirectory: the path names a directory; example is a data file name, e.g. data.csv.
func errDirectory(path, what, example string) *Error {
	return &Error{Path: path, Kind: kindDirectory, Msg: fmt.Sprintf("is a directory, not a %s; give the path of the data file (e.g. %s)", what, example)}
}

func errCannotOpen(path string, cause error, hint string, err error) *Error {
	return &Error{Path: path, Kind: kindCannotOpen, Msg: fmt.Sprintf("cannot open the data file: %v; %s", cause, hint), Err: err}
}

func errCannotRead(path string, err error) *Error {
	return &Error{Path: path, Kind: kindCannotRead, Msg: fmt.Sprintf("cannot read the data file: %v", err), Err: err}
}

func errNoHeader(path string) *Error {
	return &Error{Path: path, Kind: kindNoHeader, Msg: `has no header line (the file is empty); the first line must name the columns, e.g. "y,x"`}
}

func errFieldCount(path string, line, fields, want int) *Error {
	return &Error{Path: path, Line: line, Kind: kindFieldCount, Msg: fmt.Sprintf(
		"line %d has %d %s, the header has %d; every row needs exactly one value per column (look for a missing or extra comma, or a comma inside a value that is not in double quotes)",
		line, fields, plural(fields, "field", "fields"), want)}
}

func errTooManyLines(path string, line int) *Error {
	return &Error{Path: path, Line: line, Kind: kindTooManyLines, Msg: "the file has more than 4 billion lines; split it"}
}

func errColumnTooLarge(path string, line int, column string) *Error {
	return &Error{Path: path, Line: line, Column: column, Kind: kindColumnTooLarge, Msg: "a column holds more than 4 GiB of text; split the file"}
}

func errNoRows(path string) *Error {
	return &Error{Path: path, Kind: kindNoRows, Msg: "has a header but no data rows; put one row of values per observation below the header line"}
}

// errBareQuote: a " at character col of a field that does not start with one.
func errBareQuote(path string, line, col int, err error) *Error {
	return &Error{Path: path, Line: line, Kind: kindBareQuote, Err: err, Msg: fmt.Sprintf(
		`a double quote (") at character %d is inside a field that does not start with one; put the whole field in double quotes and write each " inside it as ""`,
		col)}
}

// errUnclosedQuote: a quoted field starting on line start runs on to line end.
func errUnclosedQuote(path string, start, end int, err error) *Error {
	return &Error{Path: path, Line: start, Kind: kindUnclosedQuote, Err: err, Msg: fmt.Sprintf(
		`a field in double quotes starts on this line and is still not closed properly on line %d; check that every opening " has a closing " (a missing one makes the field run on to later lines), and write a " inside a quoted field as ""`,
		end)}
}

func errBadQuote(path string, line, col int, err error) *Error {
	return &Error{Path: path, Line: line, Kind: kindBadQuote, Err: err, Msg: fmt.Sprintf(
		`a field in double quotes is not closed properly (character %d); the closing " must be followed by a comma or the end of the line, and a " inside a quoted field must be written as ""`,
		col)}
}

func errBadLine(path string, line int, cause, err error) *Error {
	return &Error{Path: path, Line: line, Kind: kindBadLine, Err: err, Msg: fmt.Sprintf("cannot read this line as CSV: %v", cause)}
}

// errUnnamedColumn: column j (1-based) of the header is empty; last says it is the last of
// several (a trailing comma).
func errUnnamedColumn(path string, j int, last bool) *Error {
	msg := fmt.Sprintf("the header has no name for column %d; give every column a name", j)
	if last {
		msg += " (the header line ends with a comma: remove it or name the last column)"
	}
	return &Error{Path: path, Line: 1, Kind: kindUnnamedColumn, Msg: msg}
}

// errDuplicateColumn: columns k and j (1-based) have one name.
func errDuplicateColumn(path, name string, k, j int) *Error {
	return &Error{Path: path, Line: 1, Column: name, Kind: kindDuplicateColumn, Msg: fmt.Sprintf(
		"appears twice in the header (columns %d and %d); rename one of them so that every column name is unique", k, j)}
}

func errNoTable(column string) *Error {
	return &Error{Column: column, Kind: kindNoTable, Msg: "no data file was read"}
}

// errBadCell: a cell of a column the model uses is not a finite number; msg says what it is.
func errBadCell(path string, line int, column, msg string) *Error {
	return &Error{Path: path, Line: line, Column: column, Kind: kindBadCell, Msg: msg}
}

// errMissingColumn: msg lists the columns there are and suggests one.
func errMissingColumn(path, column, msg string) *Error {
	return &Error{Path: path, Column: column, Kind: kindMissingColumn, Msg: msg}
}

func errGzip(path string) *Error {
	return &Error{Path: path, Kind: kindGzip, Msg: fmt.Sprintf("is gzip-compressed, not CSV text; decompress it first (gunzip -k %s) and give the .csv", path)}
}

func errZip(path string) *Error {
	return &Error{Path: path, Kind: kindZip, Msg: "is a zip archive (an .xlsx spreadsheet is one), not CSV text; export the sheet as CSV (comma-separated) and give that file"}
}

func errXLS(path string) *Error {
	return &Error{Path: path, Kind: kindXLS, Msg: "is an old Excel (.xls) file, not CSV text; export the sheet as CSV (comma-separated) and give that file"}
}

// errNULByte: head is the start of the file, quoted in ASCII.
func errNULByte(path string, line int, head string) *Error {
	return &Error{Path: path, Line: line, Kind: kindNULByte, Msg: fmt.Sprintf("holds a NUL byte: this is not a CSV text file (it starts %s…); give the comma-separated text file of the data", head)}
}

func errLineTooLong(path string, line int, maxMiB int) *Error {
	return &Error{Path: path, Line: line, Kind: kindLineTooLong, Msg: fmt.Sprintf("line %d is longer than %d MiB: this is not a CSV file of one observation per line", line, maxMiB)}
}

func errFileTooLarge(path string, maxMiB int64) *Error {
	return &Error{Path: path, Kind: kindFileTooLarge, Msg: fmt.Sprintf("is larger than %d MiB, the memory available to hold its values; use a machine with more memory or a sample of the rows", maxMiB)}
}

// errSeparator: the header is one column, name; the file is separated by words; fix says how
// to convert it.
func errSeparator(path, name, words, fix string) *Error {
	return &Error{Path: path, Line: 1, Kind: kindSeparator, Msg: fmt.Sprintf("the header is one column, %s: the file is %s; hmcc reads comma-separated values: %s", name, words, fix)}
}

// errMissingGroup: what says the cell is empty or marks a missing value.
func errMissingGroup(path string, line int, column, what string) *Error {
	return &Error{Path: path, Line: line, Column: column, Kind: kindMissingGroup,
		Msg: what + "; every row needs a group: fill it in or remove the row"}
}

func errTooManyGroups(path, column string, n int) *Error {
	return &Error{Path: path, Column: column, Kind: kindTooManyGroups, Msg: fmt.Sprintf("has %d distinct values, too many to be groups", n)}
}

func errJSONTooLarge(path string) *Error {
	return &Error{Path: path, Kind: kindJSONTooLarge, Msg: "is larger than 1 GiB; hmcc reads JSON data whole, so give large data as CSV"}
}

func errJSONEmpty(path string) *Error {
	return &Error{Path: path, Kind: kindJSONEmpty, Msg: `holds no JSON object; a data file is one object of named values, e.g. {"N": 3, "y": [1, 2, 3]}`}
}

func errJSONNotObject(path string, err error) *Error {
	return &Error{Path: path, Kind: kindJSONNotObject, Err: err, Msg: `is JSON but not one object of named values, e.g. {"N": 3, "y": [1, 2, 3]}`}
}

func errJSONUnreadableValue(path, name string, cause error) *Error {
	return &Error{Path: path, Column: name, Kind: kindJSONUnreadableValue, Msg: fmt.Sprintf("cannot read the value: %v", cause)}
}

// errJSONBadValue: the value has a shape or element hmcc cannot use; cause says which.
func errJSONBadValue(path, name string, cause error) *Error {
	return &Error{Path: path, Column: name, Kind: kindJSONBadValue, Msg: cause.Error()}
}

// errMissingValue: msg lists the values there are and suggests one.
func errMissingValue(path, name, msg string) *Error {
	return &Error{Path: path, Column: name, Kind: kindMissingValue, Msg: msg}
}

// errInvalidJSON: line is 0 when the decoder does not say where.
func errInvalidJSON(path string, line int, cause, err error) *Error {
	return &Error{Path: path, Line: line, Kind: kindInvalidJSON, Err: err, Msg: fmt.Sprintf("is not valid JSON: %v", cause)}
}
