//go:build !cgo || hmcc_purego

package hmcc

// blasBufferPerThread is 0: this build does not link OpenBLAS (gonum's BLAS maps nothing).
const blasBufferPerThread = 0
