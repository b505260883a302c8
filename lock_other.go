//go:build !unix

package hmcc

import "os"

// LockDir opens dir; without flock there is no lock to take.
func LockDir(dir string, exclusive bool) (*os.File, error) { return os.Open(dir) }

func writable(dir string) error { return nil }
