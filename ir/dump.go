package ir

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Dump renders a checked model as text: its sizes (once data are bound), data, parameters with
// their constraints and priors, lets, likelihood terms and generated quantities, one a line.
// Expressions are S-expressions whose non-scalar nodes carry their shape, (+ [N] …); parameters,
// data, lets and generated quantities read as (param a), (data x), (let mu), (gen y_rep); a
// data-only subexpression folded at bind time shows its first values. It is what
// hmcc check --dump ir prints, and the golden files of the checker's tests.
func Dump(m *Model) string {
	var b strings.Builder
	if m.Bound() {
		names := make([]string, 0, len(m.Sizes))
		for n := range m.Sizes {
			names = append(names, n)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s=%d", n, m.Sizes[n])
		}
		fmt.Fprintf(&b, "sizes %s\n", strings.Join(parts, " "))
	}
	for _, d := range m.Data {
		src := d.Source
		quoted := make([]string, len(src.Names))
		for i, n := range src.Names {
			quoted[i] = strconv.Quote(n)
		}
		var what string
		switch src.Kind {
		case FromColumn:
			what = "column " + quoted[0]
		case FromColumns:
			what = "columns " + strings.Join(quoted, ", ")
		case FromColumnsExcept:
			what = "columns except " + strings.Join(quoted, ", ")
		case FromLevels:
			what = "levels " + quoted[0] + " as " + src.LevelsSize
		case FromValue:
			what = "value " + quoted[0]
		}
		if src.Standardize {
			what = "standardize(" + what + ")"
		}
		if src.Table != "" {
			what += " from " + strconv.Quote(src.Table)
		}
		fmt.Fprintf(&b, "data %s %s = %s\n", d.Name, d.Shape, what)
	}
	for _, p := range m.Params {
		fmt.Fprintf(&b, "param %s %s %s ~ %s", p.Name, p.Shape, p.Constraint, dumpTerm(p.Prior))
		if m.Bound() {
			fmt.Fprintf(&b, " theta[%d:%d]", p.Offset, p.Offset+p.Len)
		}
		b.WriteByte('\n')
	}
	for _, l := range m.Lets {
		kind := "let"
		switch {
		case l.Const:
			kind = "const"
		case l.Reported:
			kind = "let reported"
		}
		fmt.Fprintf(&b, "%s %s %s = %s\n", kind, l.Name, l.Value.Shape(), DumpExpr(l.Value))
	}
	for _, t := range m.Terms {
		fmt.Fprintf(&b, "likelihood %s ~ %s\n", DumpExpr(t.Variate), dumpTerm(t))
	}
	for _, g := range m.Generated {
		if g.Term != nil {
			fmt.Fprintf(&b, "generate %s %s ~ %s\n", g.Name, g.Shape, dumpTerm(g.Term))
		} else {
			fmt.Fprintf(&b, "generate %s %s = %s\n", g.Name, g.Shape, DumpExpr(g.Value))
		}
	}
	return b.String()
}

func dumpTerm(t *Term) string {
	args := make([]string, len(t.Args))
	for i, a := range t.Args {
		args[i] = t.Dist.Params[i].Name + "=" + DumpExpr(a)
	}
	if t.Components != nil {
		comps := make([]string, len(t.Components))
		for k, c := range t.Components {
			comps[k] = dumpTerm(c)
		}
		return "Mixture(weights=" + DumpExpr(t.Weights) + ", " + strings.Join(comps, ", ") + ")"
	}
	if t.Weights != nil {
		return "Mixture(weights=" + DumpExpr(t.Weights) + ", " + t.Dist.Name + "(" + strings.Join(args, ", ") + "))"
	}
	return t.Dist.Name + "(" + strings.Join(args, ", ") + ")"
}

// DumpExpr renders a typed expression; see Dump.
func DumpExpr(e Expr) string {
	shape := ""
	if s := e.Shape(); len(s) > 0 {
		shape = " " + s.String()
	}
	switch e := e.(type) {
	case *Const:
		return strconv.FormatFloat(e.Value, 'g', -1, 64)
	case *DataRef:
		return "(data " + e.Var.Name + ")"
	case *ParamRef:
		return "(param " + e.Var.Name + ")"
	case *LetRef:
		return "(let " + e.Var.Name + ")"
	case *GenRef:
		return "(gen " + e.Var.Name + ")"
	case *Unary:
		return "(" + e.Func.Name + shape + " " + DumpExpr(e.X) + ")"
	case *Binary:
		return "(" + e.Op.Symbol + shape + " " + DumpExpr(e.L) + " " + DumpExpr(e.R) + ")"
	case *MatVec:
		return "(@" + shape + " " + DumpExpr(e.M) + " " + DumpExpr(e.V) + ")"
	case *Sum:
		return "(sum " + DumpExpr(e.X) + ")"
	case *Mean:
		return "(mean " + DumpExpr(e.X) + ")"
	case *Dot:
		return "(dot " + DumpExpr(e.A) + " " + DumpExpr(e.B) + ")"
	case *LogSumExp:
		return "(log_sum_exp " + DumpExpr(e.X) + ")"
	case *Transpose:
		return "(transpose" + shape + " " + DumpExpr(e.X) + ")"
	case *MatFunc:
		parts := []string{e.Kind.String() + shape}
		switch e.Kind {
		case MatRow, MatRowGroup:
			parts = append(parts, "row="+e.Row.String())
		case MatCol, MatColGroup:
			parts = append(parts, "col="+e.Col.String())
		case MatElem:
			parts = append(parts, "row="+e.Row.String(), "col="+e.Col.String())
		}
		if e.Group != nil {
			parts = append(parts, "by="+e.Group.Name)
		}
		for _, a := range e.Args {
			parts = append(parts, DumpExpr(a))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Gather:
		return "(gather" + shape + " " + DumpExpr(e.X) + " " + e.Index.Name + ")"
	case *SizeVal:
		return "(size " + e.A.String() + ")"
	case *Slice:
		if e.Elem {
			return "(element " + DumpExpr(e.X) + " " + e.Lo.String() + ")"
		}
		return "(slice" + shape + " " + DumpExpr(e.X) + " " + e.Lo.String() + " " + e.Hi.String() + ")"
	case *Select:
		return "(ifelse" + shape + " " + DumpExpr(e.C) + " " + DumpExpr(e.A) + " " + DumpExpr(e.B) + ")"
	case *Recur:
		return "(recur" + shape + " " + DumpExpr(e.Init) + " " + DumpExpr(e.Step) + ")"
	case *At:
		off := e.Off.String()
		if !strings.HasPrefix(off, "-") {
			off = "+" + off
		}
		return "(at " + DumpExpr(e.X) + " t" + off + ")"
	case *Lag:
		return "(lag " + e.R.Name + " " + strconv.Itoa(e.K) + ")"
	case *RecurIndex:
		return "t"
	case *Folded:
		const show = 3
		vals := make([]string, 0, show+1)
		for i, v := range e.Value.Data {
			if i == show {
				vals = append(vals, fmt.Sprintf("… %d values", len(e.Value.Data)))
				break
			}
			vals = append(vals, strconv.FormatFloat(v, 'g', 6, 64))
		}
		return "(folded" + shape + " " + strings.Join(vals, " ") + ")"
	}
	return fmt.Sprintf("(? %T)", e)
}
