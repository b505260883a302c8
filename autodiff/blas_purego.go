//go:build !cgo || hmcc_purego

package autodiff

// nativeBLAS reports whether OpenBLAS does the matrix products; this build uses gonum's pure-Go BLAS.
const nativeBLAS = false
