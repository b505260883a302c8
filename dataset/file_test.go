//go:build unix

package dataset

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// ReadFile hashes the whole file as it parses it: the digest is sha256 of the file's bytes,
// for a CSV (with a byte-order mark, which the table does not see), for JSON by name or by
// content, and for a named pipe, which can be read only once.
func TestReadFileHashesWhatItReads(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text string
		json       bool
	}{
		{"a.csv", "\uFEFFy,x\n1,2\n3,4\n", false},
		{"b.json", `{"N": 2, "y": [1, 2]}`, true},
		{"c.data", "  \n{\"N\": 1}\n", true},
	} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if f.SHA256 != sha256.Sum256([]byte(c.text)) {
			t.Errorf("%s: hash %x, want sha256 of the file", c.name, f.SHA256)
		}
		if (f.JSON != nil) != c.json || (f.Table != nil) == c.json {
			t.Errorf("%s: JSON %v, Table %v", c.name, f.JSON != nil, f.Table != nil)
		}
		if f.Table != nil && (f.Table.Rows != 2 || f.Table.Columns[0] != "y") {
			t.Errorf("%s: %d rows, columns %v", c.name, f.Table.Rows, f.Table.Columns)
		}
	}
	// A pipe: one reader, so deciding JSON or CSV must not consume what the parser needs.
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	text := "{\"y\": [1, 2, 3]}\n"
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.WriteString(text)
			w.Close()
		}
	}()
	f, err := ReadFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if f.JSON == nil || f.SHA256 != sha256.Sum256([]byte(text)) {
		t.Errorf("pipe: JSON %v, hash %x", f.JSON != nil, f.SHA256)
	}
	if _, err := ReadFile(dir); err == nil {
		t.Error("a directory was read")
	}
}
