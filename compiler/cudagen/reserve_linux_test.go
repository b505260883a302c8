package cudagen

import "syscall"

// reserve checks that the system grants bytes of address space without backing it (mmap with
// MAP_NORESERVE), as the shim driver's large buffers need; a system in strict overcommit mode
// refuses.
func reserve(bytes int) error {
	b, err := syscall.Mmap(-1, 0, bytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return err
	}
	return syscall.Munmap(b)
}
