//go:build !cgo || hmcc_purego

package linalg

// haveLAPACK reports whether CholeskyLAPACK runs OpenBLAS's dpotrf; in this build it is Cholesky.
const haveLAPACK = false

// CholeskyLAPACK is Cholesky: this build has no OpenBLAS.
func CholeskyLAPACK(C, K int, a, l []float64, ok []bool) { choleskyGo(C, K, a, l, ok) }

// CholeskyRevLAPACK is CholeskyRev: this build has no OpenBLAS.
func CholeskyRevLAPACK(C, K int, l, gl, ga []float64, sc *Scratch) {
	choleskyRevGo(C, K, l, gl, ga, sc)
}

func spdInverse(K int, l, inv []float64) { spdInverseGo(K, l, inv) }

func cholesky1Fast(K int, a, l []float64) bool { return cholesky1(K, a, l) }
