package lang

import (
	"fmt"
	"strconv"
	"strings"
)

// Dump renders a parsed model as text, one statement a line, prefixed by its line:col and
// written as S-expressions: (data y [N] (column "y")), (param a [J] (Normal mu_a sigma_a)),
// (let w (* tau beta)), (const Xt (transpose X)), (~ y (Normal (+ (index a county) x) sigma)), (generate d [N] (= expr)).
// It is what hmcc check --dump ast prints, and the golden files of the front end's tests.
func Dump(m *Model) string {
	var b strings.Builder
	for _, s := range m.Stmts {
		start, _ := s.Span()
		fmt.Fprintf(&b, "%d:%d ", start.Line, start.Col)
		switch s := s.(type) {
		case *DataDecl:
			fmt.Fprintf(&b, "(data %s%s %s)", s.Name, dumpDims(s.Dims), dumpSource(s.Source))
		case *ParamDecl:
			fmt.Fprintf(&b, "(param %s%s %s)", s.Name, dumpDims(s.Dims), dumpCall(s.Prior))
		case *LetDecl:
			fmt.Fprintf(&b, "(let %s%s %s)", s.Name, dumpDims(s.Dims), DumpExpr(s.Value))
		case *ConstDecl:
			fmt.Fprintf(&b, "(const %s %s)", s.Name, DumpExpr(s.Value))
		case *SampleStmt:
			fmt.Fprintf(&b, "(~ %s %s)", DumpExpr(s.Variate), dumpCall(s.Dist))
		case *GenerateDecl:
			if s.Dist != nil {
				fmt.Fprintf(&b, "(generate %s%s (~ %s))", s.Name, dumpDims(s.Dims), dumpCall(s.Dist))
			} else {
				fmt.Fprintf(&b, "(generate %s%s (= %s))", s.Name, dumpDims(s.Dims), DumpExpr(s.Value))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func dumpDims(dims []Dim) string {
	if len(dims) == 0 {
		return ""
	}
	parts := make([]string, len(dims))
	for i, d := range dims {
		if d.Name != "" {
			parts[i] = d.Name
		} else {
			parts[i] = strconv.Itoa(d.Size)
		}
	}
	return " [" + strings.Join(parts, " ") + "]"
}

func dumpSource(s Source) string {
	quoted := make([]string, len(s.Names))
	for i, n := range s.Names {
		quoted[i] = strconv.Quote(n)
	}
	var src string
	switch s.Kind {
	case SourceColumn:
		src = "(column " + quoted[0] + ")"
	case SourceColumns:
		src = "(columns " + strings.Join(quoted, " ") + ")"
	case SourceColumnsExcept:
		src = "(columns except " + strings.Join(quoted, " ") + ")"
	case SourceLevels:
		src = "(levels " + quoted[0]
		if s.LevelsSize != "" {
			src += " as " + s.LevelsSize
		}
		src += ")"
	case SourceValue:
		src = "(value " + quoted[0] + ")"
	}
	if s.Standardize {
		src = "(standardize " + src + ")"
	}
	if s.Table != "" {
		src = "(from " + strconv.Quote(s.Table) + " " + src + ")"
	}
	return src
}

func dumpCall(c *DistCall) string {
	parts := []string{c.Name}
	for _, a := range c.Args {
		parts = append(parts, DumpExpr(a))
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// DumpExpr renders an expression as an S-expression: numbers as written, names bare,
// (f args...) for calls, (index a g), (slice y lo hi), (recur init t step), (neg x) and (op l r).
func DumpExpr(e Expr) string {
	switch e := e.(type) {
	case *Number:
		return e.Text
	case *Ident:
		return e.Name
	case *Call:
		parts := []string{e.Func}
		for _, a := range e.Args {
			parts = append(parts, DumpExpr(a))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Index:
		if e.Matrix || e.Index == nil {
			part := func(x Expr) string {
				if x == nil {
					return "_"
				}
				return DumpExpr(x)
			}
			kw := "index"
			if e.Matrix {
				kw = "index2"
			}
			return "(" + kw + " " + e.Name + " " + part(e.Index) + " " + part(e.Col) + ")"
		}
		if e.Hi != nil {
			return "(slice " + e.Name + " " + DumpExpr(e.Index) + " " + DumpExpr(e.Hi) + ")"
		}
		return "(index " + e.Name + " " + DumpExpr(e.Index) + ")"
	case *Recur:
		return "(recur " + DumpExpr(e.Init) + " " + e.Var + " " + DumpExpr(e.Step) + ")"
	case *Unary:
		return "(neg " + DumpExpr(e.X) + ")"
	case *Binary:
		return "(" + e.Op + " " + DumpExpr(e.L) + " " + DumpExpr(e.R) + ")"
	}
	return fmt.Sprintf("(? %T)", e)
}
