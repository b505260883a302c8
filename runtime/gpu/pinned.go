//go:build hmcc_cuda

package gpu

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// Host staging in page-locked (pinned) memory: a copy from pageable memory goes through a
// buffer the driver pins and copies again, and runs at a fraction of the bus's speed; from
// pinned memory the copy engine reads the host buffer directly. cu v0.9.6 has no binding for
// cuMemHostAlloc, hence this call. The buffers grow to the largest transfer and live until the
// target is released; they are used on the context's thread only.

// pinned is one page-locked host buffer.
type pinned struct {
	p     unsafe.Pointer
	bytes int
}

// grow makes b at least bytes long (its contents are not kept).
func (b *pinned) grow(bytes int) error {
	if b.bytes >= bytes {
		return nil
	}
	b.free()
	var p unsafe.Pointer
	if r := C.cuMemHostAlloc(&p, C.size_t(bytes), 0); r != C.CUDA_SUCCESS {
		return fmt.Errorf("gpu: cannot allocate %d bytes of page-locked host memory (CUDA error %d)", bytes, int(r))
	}
	b.p, b.bytes = p, bytes
	return nil
}

func (b *pinned) free() {
	if b.p != nil {
		cu.MemFreeHost(b.p)
		b.p, b.bytes = nil, 0
	}
}

// f32 and f64 view the buffer as n values.
func (b *pinned) f32(n int) []float32 { return unsafe.Slice((*float32)(b.p), n) }
func (b *pinned) f64(n int) []float64 { return unsafe.Slice((*float64)(b.p), n) }
