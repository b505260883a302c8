package cudagen

import "github.com/hmcc-dev/hmcc/ir"

// notOnGPUYet refuses, by name, the constructs that have no CUDA lowering yet: ordered
// parameters, mixtures, log_sum_exp, and matrices of parameters (matrix parameters, products
// and functions of them, the Cholesky factor of a correlation matrix and the distributions of
// vectors and matrices). They are listed in docs/gpu.md.
func notOnGPUYet(m *ir.Model, terms []*ir.Term) error {
	for _, p := range m.Params {
		if p.Constraint.Kind == ir.Ordered {
			return &Unsupported{What: "the ordered parameter " + p.Name + " (Ordered(...))"}
		}
		if p.Constraint.Kind == ir.CorrCholesky {
			return &Unsupported{What: "the correlation Cholesky factor " + p.Name + " (LKJCorrCholesky)"}
		}
		if len(p.Shape) == 2 {
			return &Unsupported{What: "the matrix parameter " + p.Name}
		}
	}
	for _, t := range terms {
		if t.Weights != nil {
			return &Unsupported{What: "the mixture at " + t.Pos.String() + " (Mixture(...))"}
		}
		if t.Dist.Multi != nil {
			return &Unsupported{What: t.Dist.Name + " at " + t.Pos.String()}
		}
		exprs := append([]ir.Expr{t.Variate}, t.Args...)
		for _, e := range exprs {
			var found error
			ir.Walk(e, func(x ir.Expr) bool {
				if found != nil {
					return false
				}
				if l, ok := x.(*ir.LetRef); ok {
					found = walkLet(l)
					return false
				}
				found = lseUnsupported(x)
				return found == nil
			})
			if found != nil {
				return found
			}
		}
	}
	return nil
}

func walkLet(l *ir.LetRef) error {
	var found error
	ir.Walk(l.Var.Value, func(x ir.Expr) bool {
		if found != nil {
			return false
		}
		if r, ok := x.(*ir.LetRef); ok {
			found = walkLet(r)
			return false
		}
		found = lseUnsupported(x)
		return found == nil
	})
	return found
}

func lseUnsupported(x ir.Expr) error {
	switch e := x.(type) {
	case *ir.MatFunc:
		if e.DependsOnParams() {
			what := e.Kind.String()
			if e.Kind == ir.MatMul {
				what = "@"
			}
			return &Unsupported{What: what + " of a matrix of parameters"}
		}
	case *ir.LogSumExp:
		return &Unsupported{What: "log_sum_exp"}
	case *ir.Binary:
		if e.Op == ir.LogSumExp2 {
			return &Unsupported{What: "log_sum_exp"}
		}
	}
	return nil
}
