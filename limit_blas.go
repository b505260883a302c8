//go:build cgo && !hmcc_purego

package hmcc

// blasBufferPerThread is the address space OpenBLAS maps for each thread that calls it.
const blasBufferPerThread = 128 << 20
