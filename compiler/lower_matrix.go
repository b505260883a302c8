package compiler

import (
	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// Matrices in the graph are flattened to one row of rows·cols values per chain (autodiff's
// matrix.go); a data matrix read by a matrix operation is placed flattened too, [1, rows·cols],
// apart from the [rows, cols] constant that a data matrix times a vector (MatVec) reads.

// matDims is the per-chain [rows, cols] of an operand: a vector [n] is [n, 1], a scalar [1, 1].
func (l *lowering) matDims(e ir.Expr) autodiff.MatDims {
	s := l.sizes.Resolve(e.Shape())
	switch len(s) {
	case 2:
		return autodiff.MatDims{s[0], s[1]}
	case 1:
		return autodiff.MatDims{s[0], 1}
	}
	return autodiff.MatDims{1, 1}
}

// flat lowers an operand of a matrix operation or of a distribution of vectors or matrices.
func (l *lowering) flat(e ir.Expr) (autodiff.Node, error) {
	if len(e.Shape()) < 2 || e.DependsOnParams() {
		return l.expr(e)
	}
	v, err := ir.Eval(e, ir.NewEnv(l.sizes, nil))
	if err != nil {
		return nil, diag.Internalf("evaluating data: %w", err)
	}
	return l.b.Constant(1, len(v.Data), v.Data), nil
}

func (l *lowering) matFunc(e *ir.MatFunc) (autodiff.Node, error) {
	in := make([]autodiff.Node, len(e.Args))
	dims := make([]autodiff.MatDims, len(e.Args))
	for i, a := range e.Args {
		n, err := l.flat(a)
		if err != nil {
			return nil, err
		}
		in[i], dims[i] = n, l.matDims(a)
	}
	if n, ok, err := l.batched(e, in, dims); ok {
		return n, err
	}
	ix := ir.MatIndices{Row: e.Row.Resolve(l.sizes), Col: e.Col.Resolve(l.sizes)}
	if e.Group != nil {
		for _, g := range e.Group.Value.Data {
			ix.Group = append(ix.Group, int(g))
		}
	}
	return l.b.MatFunc(e.Kind, ix, dims, l.matDims(e), in...)
}

// multiNodes lowers the variate and arguments of a term whose distribution is one of vectors or
// matrices, with the K of its rows.
func (l *lowering) multiNodes(t *ir.Term) (autodiff.Node, []autodiff.Node, int, error) {
	x, err := l.flat(t.Variate)
	if err != nil {
		return nil, nil, 0, err
	}
	args := make([]autodiff.Node, len(t.Args))
	for i, a := range t.Args {
		if args[i], err = l.flat(a); err != nil {
			return nil, nil, 0, err
		}
	}
	s := l.sizes.Resolve(t.Variate.Shape())
	return x, args, s[len(s)-1], nil
}

func (l *lowering) multiTerm(t *ir.Term) error {
	x, args, K, err := l.multiNodes(t)
	if err != nil {
		return err
	}
	// autodiff's batched kernels (linalg_ops.go: BLAS/LAPACK for the whole batch of chains,
	// analytic reverse mode); a scalar mean, which they do not broadcast, takes the per-chain path.
	switch {
	case t.Dist.Name == "LKJCorrCholesky":
		return l.b.LKJCorrCholesky(x, args[0], K)
	case len(t.Args[0].Shape()) == 0:
	case t.Dist.Name == "MultiNormalCholesky":
		return l.b.MultiNormalCholesky(x, args[0], args[1], K)
	case t.Dist.Name == "MultiNormal":
		return l.b.MultiNormal(x, args[0], args[1], K)
	}
	return l.b.MultiDensity(t.Dist, K, x, args...)
}

// batched lowers the matrix operations that autodiff has batched kernels for (linalg_ops.go),
// reporting false for the others (rows, columns and elements), which matFunc lowers itself.
func (l *lowering) batched(e *ir.MatFunc, in []autodiff.Node, dims []autodiff.MatDims) (autodiff.Node, bool, error) {
	var n autodiff.Node
	var err error
	switch e.Kind {
	case ir.MatMul:
		n, err = l.b.MatMul(in[0], in[1], dims[0][0], dims[0][1], dims[1][1])
	case ir.MatTranspose:
		n, err = l.b.Transpose(in[0], dims[0][0], dims[0][1])
	case ir.DiagPreMultiply:
		n, err = l.b.DiagPreMultiply(in[0], in[1], dims[1][0], dims[1][1])
	case ir.AddDiag:
		n, err = l.b.AddDiag(in[0], in[1], dims[0][0])
	case ir.GPExpQuadCov:
		n, err = l.b.GPExpQuadCov(in[0], in[1], in[2], dims[0][0], 1)
	case ir.CholeskyDecompose:
		n, err = l.b.Cholesky(in[0], dims[0][0])
	default:
		return nil, false, nil
	}
	return n, true, err
}

func (l *lowering) multiPointwise(t *ir.Term) (autodiff.Node, error) {
	x, args, K, err := l.multiNodes(t)
	if err != nil {
		return nil, err
	}
	return l.b.MultiPointwise(t.Dist, K, x, args...)
}
