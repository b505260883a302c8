package cmdstan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// File is one chain's CSV as read back: what Writer writes, or what CmdStan itself writes.
type File struct {
	// Config holds the key = value pairs of the header comments with any " (Default)" suffix
	// removed, e.g. "num_samples", "id", "seed", "engine". A key that appears more than once keeps
	// its first value ("file" is the data file); every key is also stored under its section path,
	// e.g. "sample.num_samples", "data.file", "output.file", "random.seed".
	Config map[string]string
	// Columns is the header line: the sampler columns (lp__, …) then the model's.
	Columns []string
	// Draws holds one row per post-warmup draw, len(Columns) values each, in file order.
	Draws [][]float64
	// Warmup holds the warmup rows of a file written with save_warmup = 1: those before
	// "# Adaptation terminated" (all of them when the run stopped during warmup).
	Warmup [][]float64
	// StepSize and InvMetric are the adaptation block's; zero and nil when the file has none.
	// A dense metric is stored row-major.
	StepSize  float64
	InvMetric []float64
	// WarmupSeconds and SamplingSeconds come from the timing trailer; zero when it is missing.
	WarmupSeconds, SamplingSeconds float64
}

// Error is a problem with a CmdStan CSV file: `path:line: column "c": msg`, leaving out the parts
// that are unknown.
type Error struct {
	Path   string
	Line   int    // 1-based; 0 when not about one line
	Column string // column name; "" when not about one column
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Path != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.Path, e.Line)
	case e.Path != "":
		b.WriteString(e.Path + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "column %q: ", e.Column)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ReadFile reads the CmdStan CSV at path; errors are *Error naming the file.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	file, err := Read(f)
	var e *Error
	if errors.As(err, &e) {
		e.Path = path
	}
	return file, err
}

// metric says what the comment lines after an inverse-metric heading hold.
type metric int

const (
	noMetric    metric = iota
	diagMetric         // one line: the diagonal
	denseMetric        // one line per row of the matrix
)

// Read parses a CmdStan CSV. Errors about the content are *Error with the line number.
func Read(r io.Reader) (*File, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	f := &File{Config: map[string]string{}}
	type section struct {
		indent int
		name   string
	}
	var sections []section // the nesting of the header comment at the current line
	haveHeader := false
	expect := noMetric // the comment lines that follow are the inverse metric
	adapted := false   // "# Adaptation terminated" has been read
	lineNo := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, &Error{Line: lineNo + 1, Msg: fmt.Sprintf("cannot read: %v", err)}
		}
		if line == "" && err == io.EOF {
			break
		}
		lineNo++
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if strings.TrimSpace(line) == "" {
			if err == io.EOF {
				break
			}
			continue
		}
		if text, ok := strings.CutPrefix(line, "#"); ok {
			if !haveHeader {
				indent := len(text) - len(strings.TrimLeft(text, " "))
				for len(sections) > 0 && sections[len(sections)-1].indent >= indent {
					sections = sections[:len(sections)-1]
				}
				path := ""
				for _, s := range sections {
					path += s.name + "."
				}
				text = strings.TrimSpace(text)
				if key, value, ok := strings.Cut(text, "="); ok {
					key = strings.TrimSpace(key)
					if key == "" {
						continue
					}
					value = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "(Default)"))
					if _, dup := f.Config[key]; !dup {
						f.Config[key] = value
					}
					if path != "" {
						f.Config[path+key] = value
					}
				} else if text != "" && !strings.Contains(text, " ") {
					sections = append(sections, section{indent, text})
				}
			} else {
				text = strings.TrimSpace(text)
				adapted = adapted || text == "Adaptation terminated"
				if err := f.comment(text, lineNo, &expect); err != nil {
					return nil, err
				}
			}
		} else if !haveHeader {
			f.Columns = strings.Split(line, ",")
			seen := make(map[string]int, len(f.Columns))
			for j, c := range f.Columns {
				if c == "" {
					return nil, &Error{Line: lineNo, Msg: fmt.Sprintf("the header has no name for column %d", j+1)}
				}
				if k, dup := seen[c]; dup {
					return nil, &Error{Line: lineNo, Column: c, Msg: fmt.Sprintf("appears twice in the header (columns %d and %d)", k+1, j+1)}
				}
				seen[c] = j
			}
			haveHeader = true
		} else {
			if expect == diagMetric {
				return nil, &Error{Line: lineNo, Msg: "a draw where the diagonal of the inverse metric should be"}
			}
			expect = noMetric
			row, err := f.row(line, lineNo)
			if err != nil {
				return nil, err
			}
			f.Draws = append(f.Draws, row)
			if sw := f.Config["save_warmup"]; !adapted && (sw == "1" || sw == "true") {
				f.Warmup = append(f.Warmup, row)
				f.Draws = f.Draws[:len(f.Draws)-1]
			}
		}
		if err == io.EOF {
			break
		}
	}
	if !haveHeader {
		return nil, &Error{Line: lineNo, Msg: "no header line: every line is a comment or empty (a CmdStan CSV names its columns on the first line that does not start with #)"}
	}
	if expect != noMetric {
		return nil, &Error{Line: lineNo, Msg: "the file ends where the inverse metric should be"}
	}
	return f, nil
}

// row parses one data row.
func (f *File) row(line string, lineNo int) ([]float64, error) {
	n := strings.Count(line, ",") + 1
	if n != len(f.Columns) {
		return nil, &Error{Line: lineNo, Msg: fmt.Sprintf("the row has %d values, the header has %d columns", n, len(f.Columns))}
	}
	row := make([]float64, 0, n)
	for j := range n {
		cell, rest, _ := strings.Cut(line, ",")
		line = rest
		v, err := parseNumber(cell)
		if err != nil {
			return nil, &Error{Line: lineNo, Column: f.Columns[j], Msg: fmt.Sprintf("%s is not a number", quoteCell(cell))}
		}
		row = append(row, v)
	}
	return row, nil
}

// comment interprets a comment after the header line: the adaptation block and the timing trailer.
// Other comments are ignored.
func (f *File) comment(text string, lineNo int, expect *metric) error {
	switch {
	case *expect != noMetric:
		if text == "" {
			*expect = noMetric
			return nil
		}
		for cell := range strings.SplitSeq(text, ",") {
			v, err := parseNumber(strings.TrimSpace(cell))
			if err != nil {
				return &Error{Line: lineNo, Msg: fmt.Sprintf("inverse metric: %s is not a number", quoteCell(strings.TrimSpace(cell)))}
			}
			f.InvMetric = append(f.InvMetric, v)
		}
		if *expect == diagMetric {
			*expect = noMetric
		}
	case strings.HasPrefix(text, "Step size ="):
		s := strings.TrimSpace(strings.TrimPrefix(text, "Step size ="))
		v, err := parseNumber(s)
		if err != nil {
			return &Error{Line: lineNo, Msg: fmt.Sprintf("step size: %s is not a number", quoteCell(s))}
		}
		f.StepSize = v
	case strings.HasPrefix(text, "Diagonal elements of inverse mass matrix"):
		*expect, f.InvMetric = diagMetric, nil
	case strings.HasPrefix(text, "Elements of inverse mass matrix"):
		*expect, f.InvMetric = denseMetric, nil
	default:
		text = strings.TrimSpace(strings.TrimPrefix(text, "Elapsed Time:"))
		s, what, ok := strings.Cut(text, " seconds")
		if !ok {
			return nil
		}
		var dst *float64
		switch strings.TrimSpace(what) {
		case "(Warm-up)":
			dst = &f.WarmupSeconds
		case "(Sampling)":
			dst = &f.SamplingSeconds
		default:
			return nil // the total, or a comment that merely mentions seconds
		}
		v, err := parseNumber(strings.TrimSpace(s))
		if err != nil {
			return &Error{Line: lineNo, Msg: fmt.Sprintf("elapsed time: %s is not a number", quoteCell(s))}
		}
		*dst = v
	}
	return nil
}

// parseNumber reads a value as CmdStan or Writer writes it, including nan and ±inf. Values beyond
// the float64 range read as ±Inf.
func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) {
		return v, nil
	}
	return v, err
}

func quoteCell(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}

var chainNumber = regexp.MustCompile(`(\d+)\.csv$`)

// ChainNumber is the number that ends a chain file's name (output_3.csv → 3, CmdStan's
// model-20240101-3.csv → 3), which orders the chains of a run; 0 when there is none.
func ChainNumber(path string) int {
	m := chainNumber.FindStringSubmatch(path)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
