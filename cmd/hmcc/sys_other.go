//go:build !unix

package main

import "os"

func lockDir(dir string, exclusive bool) (*os.File, error) { return os.Open(dir) }

func writable(dir string) error { return nil }

func raiseFileLimit() {}

func fileLimit() (soft, hard uint64) { return 0, 0 }
