package compiler

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/diag"
)

// Kinds of errors about matrices, their functions and the distributions of vectors and matrices
// (matrix.go). Each is the base name of the golden file in testdata/diagnostics that shows it.
const (
	kindNotSquare        diag.Kind = "not_square"
	kindLKJShape         diag.Kind = "lkj_shape"
	kindMatmulShapes     diag.Kind = "matmul_shapes"
	kindMatrixArgShape   diag.Kind = "matrix_argument_shape"
	kindMultiShape       diag.Kind = "multi_shape"
	kindMatrixIndex      diag.Kind = "matrix_index"
	kindMatrixIndexRange diag.Kind = "matrix_index_range"
	// generate L ~ LKJCorrCholesky(eta) without L's sizes
	kindGeneratedMultiWithoutSize diag.Kind = "generated_multi_without_size"
)

// errNotSquare: what names the argument ("argument Sigma of MultiNormal", "the argument of
// cholesky_decompose").
func errNotSquare(pos, end diag.Pos, what string, shape fmt.Stringer, covariance bool) *diag.Error {
	e := diag.New(kindNotSquare, pos, end, "%s must be a square matrix [K, K], but it has shape %s", what, shape)
	if covariance {
		e.WithHint("a covariance or its Cholesky factor has one row and one column per element of the vector it describes")
	}
	return e
}

func errLKJShape(pos, end diag.Pos, name string, shape fmt.Stringer) *diag.Error {
	return diag.New(kindLKJShape, pos, end, "LKJCorrCholesky is a distribution of K×K matrices, but %s has shape %s", name, shape).
		WithHint("declare it square, as in param %s[K, K] ~ LKJCorrCholesky(2)", name)
}

// errMatmulShapes: inner is the left side's column count.
func errMatmulShapes(pos, end diag.Pos, left, right, inner fmt.Stringer) *diag.Error {
	return diag.New(kindMatmulShapes, pos, end, "shapes do not match for @: the left side is %s, the right side is %s (its rows must equal the left side's column count %s)", left, right, inner)
}

// errMatrixArgShape: want says what the argument must be.
func errMatrixArgShape(pos, end diag.Pos, arg, fn string, shape fmt.Stringer, want string) *diag.Error {
	return diag.New(kindMatrixArgShape, pos, end, "argument %s of %s has shape %s; it must be %s", arg, fn, shape, want)
}

func errMultiShape(pos, end diag.Pos, what, distName string, shape fmt.Stringer, want string) *diag.Error {
	return diag.New(kindMultiShape, pos, end, "%s of %s has shape %s; it must be %s", what, distName, shape, want)
}

func errMatrixIndex(pos, end diag.Pos, msg string) *diag.Error {
	return diag.New(kindMatrixIndex, pos, end, "%s", msg).
		WithHint("a matrix M [R, C] is indexed M[i, j] (an element), M[i, ] (row i), M[, j] (column j) or M[i, g] with g a grouping of C groups")
}

func errMatrixIndexRange(pos, end diag.Pos, what string, i int, name string, n int) *diag.Error {
	return diag.New(kindMatrixIndexRange, pos, end, "%s %d is outside %s, which has %d %ss", what, i, name, n, what).
		WithHint("rows and columns are numbered from 1")
}

func errGeneratedMultiWithoutSize(pos, end diag.Pos, name, distName string) *diag.Error {
	return diag.New(kindGeneratedMultiWithoutSize, pos, end, "generated %s: %s draws K×K matrices, and its arguments do not say K; give its sizes", name, distName).
		WithHint("as in generate %s[K, K] ~ %s(...)", name, distName)
}
