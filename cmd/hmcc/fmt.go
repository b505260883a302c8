package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/lang"
)

type fmtCmd struct {
	Check  bool     `help:"Print the names of the files that are not canonical and exit with status 1 if there are any; change nothing." xor:"mode"`
	Write  bool     `short:"w" help:"Rewrite the files in place instead of printing them." xor:"mode"`
	Models []string `arg:"" help:"Model files (.model)."`
}

// errNotCanonical makes hmcc fmt --check exit with status 1 after listing the files.
var errNotCanonical = errors.New("not canonical")

func (c *fmtCmd) Run(e *env) error {
	unformatted := false
	for _, path := range c.Models {
		text, err := hmcclib.ReadSource(path)
		if err != nil {
			return err
		}
		src := []byte(text)
		out, err := lang.Format(src, path)
		if err != nil {
			e.src = text // report renders the diagnostic with its source line
			return err
		}
		switch {
		case c.Check:
			if !bytes.Equal(src, out) {
				fmt.Fprintln(e.stdout, path)
				unformatted = true
			}
		case c.Write:
			if !bytes.Equal(src, out) {
				if err := writeFileAtomic(path, out); err != nil {
					return userError{err}
				}
			}
		default:
			if _, err := e.stdout.Write(out); err != nil {
				return err
			}
		}
	}
	if unformatted {
		return errNotCanonical
	}
	return nil
}

// writeFileAtomic replaces path by data through a temporary file in the same directory and a
// rename, so an interrupted write never leaves a truncated model; the file keeps its mode. A
// symbolic link is written through: the file it points to is replaced, the link stays.
func writeFileAtomic(path string, data []byte) error {
	path, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
