package dataset

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"strings"
)

// File is a data file read by ReadFile: a CSV table or a JSON object, and the SHA-256 of the
// file's bytes.
type File struct {
	Table *Table // the CSV table, or nil
	JSON  *JSON  // the JSON values, or nil
	// SHA256 is the digest of every byte of the file as it was read (what sha256sum prints):
	// the one hash of the input that chain files' headers and resume checkpoints record.
	SHA256 [sha256.Size]byte
}

// ReadFile reads the data file at path once, hashing it as it goes: JSON when its name ends in
// .json or its first character other than white space (or a byte-order mark) is "{" (as IsJSON
// decides, but from the bytes already read, so a pipe works too), else CSV.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	isJSON := strings.HasSuffix(strings.ToLower(path), ".json")
	if st, err := f.Stat(); err == nil && st.IsDir() {
		what, example := "CSV file", "data.csv"
		if isJSON {
			what, example = "data file", "data.json"
		}
		return nil, errDirectory(path, what, example)
	}
	h := sha256.New()
	r, out, err := readHashed(path, f, h, isJSON)
	if err != nil {
		return nil, err
	}
	// The parsers read to the end of the file on success; whatever is left (nothing, unless a
	// reader stops early) is hashed too, so that the digest is always of the whole file.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, errCannotRead(path, err)
	}
	h.Sum(out.SHA256[:0])
	return out, nil
}

// readHashed parses the data in f, feeding every byte read to h; it returns the reader it
// parsed from, which the caller drains.
func readHashed(path string, f io.Reader, h hash.Hash, isJSON bool) (io.Reader, *File, error) {
	br := bufio.NewReaderSize(io.TeeReader(f, h), 64*1024)
	if !isJSON {
		head, _ := br.Peek(512)
		s := bytes.TrimLeft(head, " \t\r\n\uFEFF")
		isJSON = len(s) > 0 && s[0] == '{'
	}
	out := &File{}
	var err error
	if isJSON {
		out.JSON, err = ReadJSONFrom(path, br)
	} else {
		out.Table, err = ReadFrom(path, br)
	}
	return br, out, err
}
