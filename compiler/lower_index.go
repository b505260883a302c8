package compiler

import (
	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// lowerIndexed lowers the expressions of index.go: slices and elements (a gather of consecutive
// elements), ifelse, and recurrences (one fused op each). ok is false for other expressions.
func (l *lowering) lowerIndexed(e ir.Expr) (n autodiff.Node, ok bool, err error) {
	switch e := e.(type) {
	case *ir.Slice:
		x, err := l.expr(e.X)
		if err != nil {
			return nil, true, err
		}
		first, count, err := e.Range(l.sizes, l.sizes.Len(e.X.Shape()))
		if err != nil {
			return nil, true, diag.Internalf("%w", err) // Bind checked the bounds
		}
		n, err := l.b.Slice(x, first, count)
		return n, true, err
	case *ir.Select:
		var in [3]autodiff.Node
		for i, x := range []ir.Expr{e.C, e.A, e.B} {
			if in[i], err = l.expr(x); err != nil {
				return nil, true, err
			}
		}
		n, err := l.b.Select(in[0], in[1], in[2])
		return n, true, err
	case *ir.Recur:
		n, err := l.recur(e)
		return n, true, err
	}
	return nil, false, nil
}

// recurTape compiles a recurrence's step into the instructions of autodiff.Recur. Every
// subexpression that does not read the index is lowered as usual and becomes an input; what
// reads it (At, Lag, the index) and the arithmetic over those become instructions.
type recurTape struct {
	l      *lowering
	r      *ir.Recur
	instrs []autodiff.RecurInstr
	inputs []autodiff.Node
	slot   map[autodiff.Node]int
}

func (l *lowering) recur(e *ir.Recur) (autodiff.Node, error) {
	init, err := l.expr(e.Init)
	if err != nil {
		return nil, err
	}
	tp := &recurTape{l: l, r: e, slot: map[autodiff.Node]int{}}
	if _, err := tp.compile(e.Step); err != nil {
		return nil, err
	}
	return l.b.Recur(l.sizes.Len(e.Shape()), tp.instrs, init, tp.inputs...)
}

func (tp *recurTape) emit(ins autodiff.RecurInstr) int {
	tp.instrs = append(tp.instrs, ins)
	return len(tp.instrs) - 1
}

func (tp *recurTape) input(x ir.Expr) (int, error) {
	n, err := tp.l.expr(x)
	if err != nil {
		return 0, err
	}
	if i, ok := tp.slot[n]; ok {
		return i, nil
	}
	tp.inputs = append(tp.inputs, n)
	tp.slot[n] = len(tp.inputs) - 1
	return len(tp.inputs) - 1, nil
}

func (tp *recurTape) compile(e ir.Expr) (int, error) {
	if c, ok := e.(*ir.Const); ok {
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurConst, Val: c.Value}), nil
	}
	if !ir.InStep(e) {
		in, err := tp.input(e)
		if err != nil {
			return 0, err
		}
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurInput, In: in}), nil
	}
	switch e := e.(type) {
	case *ir.At:
		in, err := tp.input(e.X)
		if err != nil {
			return 0, err
		}
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurAt, In: in, Off: e.Off.Resolve(tp.l.sizes)}), nil
	case *ir.Lag:
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurLag, K: e.K}), nil
	case *ir.RecurIndex:
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurIndex}), nil
	case *ir.Unary:
		a, err := tp.compile(e.X)
		if err != nil {
			return 0, err
		}
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurUnary, Unary: e.Func, A: a}), nil
	case *ir.Binary:
		a, err := tp.compile(e.L)
		if err != nil {
			return 0, err
		}
		b, err := tp.compile(e.R)
		if err != nil {
			return 0, err
		}
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurBinary, Binary: e.Op, A: a, B: b}), nil
	case *ir.Select:
		c, err := tp.compile(e.C)
		if err != nil {
			return 0, err
		}
		a, err := tp.compile(e.A)
		if err != nil {
			return 0, err
		}
		b, err := tp.compile(e.B)
		if err != nil {
			return 0, err
		}
		return tp.emit(autodiff.RecurInstr{Op: autodiff.RecurSelect, A: a, B: b, C: c}), nil
	}
	start, _ := e.Span()
	return 0, diag.InternalAt(start, "%T cannot be used in the step of recurrence %s yet", e, tp.r.Name)
}
