//go:build !unix

package hmcc

// RaiseFileLimit does nothing where there is no rlimit.
func RaiseFileLimit() {}

func fileLimit() (soft, hard uint64) { return 0, 0 }

// RespectAddressSpaceLimit does nothing where there is no rlimit.
func RespectAddressSpaceLimit() {}

func addressSpaceLeft() uint64 { return 0 }

// CheckAddressSpace does nothing where there is no rlimit.
func CheckAddressSpace() error { return nil }
