package dataset

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// MaxBytes bounds the size of a data file: the table holds the file's values in memory, so a
// file larger than the memory available cannot be read (hmcc sets it from /proc/meminfo). A
// device such as /dev/zero is refused at its first bytes rather than read until memory runs out.
var MaxBytes int64 = 1 << 40

// maxLine bounds one line; a CSV row of a few thousand columns is well under it.
const maxLine = 16 << 20

// sniff refuses content that cannot be CSV text, by its first bytes: compressed files and
// spreadsheets. It does not consume anything.
func sniff(name string, br *bufio.Reader) error {
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return errGzip(name)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return errZip(name)
	case bytes.HasPrefix(head, []byte{0xd0, 0xcf, 0x11, 0xe0}):
		return errXLS(name)
	}
	return nil
}

// guard reads a data file and stops with a message at what a CSV file cannot hold: a NUL byte
// (binary content, or /dev/zero), a line longer than maxLine, more than MaxBytes in all.
type guard struct {
	r       io.Reader
	name    string
	n       int64 // bytes read
	line    int   // 1-based line of the next byte
	lineLen int   // bytes since the last newline
	head    []byte
	err     *Error // once refused, every later read fails the same way
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.read(p)
	if e, ok := err.(*Error); ok {
		g.err = e
	}
	return n, err
}

func (g *guard) read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	b := p[:n]
	if len(g.head) < 24 {
		g.head = append(g.head, b[:min(len(b), 24-len(g.head))]...)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		line := g.line + bytes.Count(b[:i], []byte("\n"))
		return 0, errNULByte(g.name, line, strconv.QuoteToASCII(string(g.head)))
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			g.lineLen += len(b)
			break
		}
		g.lineLen += i
		if g.lineLen > maxLine {
			break
		}
		g.line++
		g.lineLen = 0
		b = b[i+1:]
	}
	if g.lineLen > maxLine {
		return 0, errLineTooLong(g.name, g.line, maxLine>>20)
	}
	g.n += int64(n)
	if g.n > MaxBytes {
		return 0, errFileTooLarge(g.name, MaxBytes>>20)
	}
	return n, err
}

// separatorHint explains a header that is one column holding semicolons or tabs: a file
// written with another separator (spreadsheets in locales with a decimal comma use ";").
func separatorHint(name string, header []string) error {
	if len(header) != 1 {
		return nil
	}
	for _, sep := range []struct{ char, words, fix string }{
		{";", "semicolon-separated (as spreadsheets write CSV where the decimal mark is a comma)", "save it with commas as separators and points as decimal marks, e.g. in R write.csv(d, file) rather than write.csv2"},
		{"\t", "tab-separated", "convert the tabs to commas, e.g. tr '\\t' ',' < in.tsv > data.csv"},
	} {
		if strings.Contains(header[0], sep.char) {
			return errSeparator(name, quoteName(header[0]), sep.words, sep.fix)
		}
	}
	return nil
}

func quoteName(s string) string {
	if len(s) > 60 {
		return strconv.QuoteToASCII(s[:60]) + "…"
	}
	return strconv.QuoteToASCII(s)
}
