//go:build !linux

package cudagen

import "errors"

// reserve: only Linux's MAP_NORESERVE is relied on (reserve_linux_test.go).
func reserve(int) error {
	return errors.New("reserving address space without backing it is done on Linux only")
}
