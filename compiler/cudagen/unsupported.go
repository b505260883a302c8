package cudagen

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/ir"
)

// describe names an expression the backend cannot compile, in the model's words.
func describe(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.Slice:
		if e.Elem {
			return "an element of a vector (x[1])"
		}
		return "a slice (y[2:N])"
	case *ir.Select:
		return "ifelse"
	case *ir.Recur:
		return "the recurrence " + e.Name + " (recur)"
	case *ir.Binary:
		return "the comparison " + e.Op.Symbol
	}
	return fmt.Sprintf("the expression %T", e)
}
