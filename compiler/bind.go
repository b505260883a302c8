package compiler

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
)

// Bind loads each data declaration from the table, binds size symbols, lays the parameters out in
// θ in declaration order, checks observed values against their distribution's support, and folds
// every data-only subexpression into a constant so it is computed once, here.
func Bind(m *ir.Model, t *dataset.Table) error {
	return BindInputs(m, []Input{{Name: InputName(t.Path), Table: t}})
}

// BindInputs is Bind with several data files: each data declaration reads the file its
// `from "name"` names, or the first file.
func BindInputs(m *ir.Model, inputs []Input) error {
	m.Sizes = ir.Sizes{}
	boundBy := map[string]string{}
	b := &binder{inputs: inputs, of: map[*ir.DataVar]*Input{}}
	groupings := map[string]*ir.DataVar{} // the first grouping of each number of groups J
	var errs diag.List
	bindSize := func(v *ir.DataVar, name string, n int, what string) bool {
		if prev, ok := m.Sizes[name]; ok && prev != n {
			errs.Add(&diag.Error{Pos: v.Pos, Msg: fmt.Sprintf("size %s is %d (bound by %s), but %s", name, prev, boundBy[name], what),
				Hint: "give sizes that differ different names"})
			return false
		}
		if _, ok := m.Sizes[name]; !ok {
			m.Sizes[name] = n
			boundBy[name] = v.Name // the first declaration that bound it, for messages
		}
		return true
	}
	for _, v := range m.Data {
		in, err := b.input(v)
		if err != nil {
			return err
		}
		if in.JSON != nil {
			if err := bindJSON(v, in.JSON); err != nil {
				return err
			}
			ext := v.Value.Shape
			for i, d := range v.Shape {
				what := fmt.Sprintf("%s has %d %s", v.Name, ext[i], []string{"rows", "columns"}[i])
				if len(v.Shape) == 1 {
					what = fmt.Sprintf("%s has %d %s", v.Name, ext[i], plural(ext[i], "element", "elements"))
				}
				if d.Name == "" {
					if d.Size != ext[i] {
						errs.Add(&diag.Error{Pos: v.Pos, Msg: fmt.Sprintf("%s is declared with size %d, but %s", v.Name, d.Size, what)})
					}
					continue
				}
				bindSize(v, d.Name, ext[i], what)
			}
			if v.Source.Kind == ir.FromLevels {
				bindSize(v, v.Source.LevelsSize, len(v.Labels), fmt.Sprintf("%s has %d %s", v.Name, len(v.Labels), plural(len(v.Labels), "group", "groups")))
			}
			if v.IsSize {
				x := v.Value.Data[0]
				if x < 1 || x != math.Trunc(x) || x > math.MaxInt32 {
					start, end := v.NamePos, endOf(v.NamePos, v.Name)
					errs.Add(&diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("%s is used as a size, but its value in %s is %g", v.Name, in.JSON.Path, x),
						Hint: "a size must be a whole number of at least 1"})
					continue
				}
				bindSize(v, v.Name, int(x), fmt.Sprintf("%s is %d in %s", v.Name, int(x), in.JSON.Path))
			}
			continue
		}
		t := in.Table
		if v.Source.Kind == ir.FromValue {
			return &diag.Error{Pos: v.Source.NamePos[0], End: endOf(v.Source.NamePos[0], fmt.Sprintf("%q", v.Source.Names[0])),
				Msg:  fmt.Sprintf("data %s: value reads a named value of a JSON data file, but %s is a CSV table", v.Name, t.Path),
				Hint: `read a column of a CSV with column "name", or give the data as JSON ({"name": ...})`}
		}
		cols, err := selectColumns(v, t)
		if err != nil {
			return err
		}
		extents := []int{t.Rows}
		if len(v.Shape) == 2 {
			extents = append(extents, len(cols))
		}
		for i, d := range v.Shape {
			if i >= len(extents) {
				break
			}
			what := fmt.Sprintf("%s has %d rows", v.Name, extents[i])
			if i == 1 {
				what = fmt.Sprintf("%s has %d columns", v.Name, extents[i])
			}
			if len(inputs) > 1 && i == 0 {
				what += " (in " + t.Path + ")"
			}
			if d.Name == "" {
				if d.Size != extents[i] {
					errs.Add(&diag.Error{Pos: v.Pos, Msg: fmt.Sprintf("%s is declared with size %d, but %s", v.Name, d.Size, what)})
				}
				continue
			}
			bindSize(v, d.Name, extents[i], what)
		}
		v.Columns = cols
		v.Value = ir.NewTensor(extents...)
		if v.Source.Kind == ir.FromLevels {
			codes, labels, err := t.Levels(cols[0])
			if err != nil {
				return err
			}
			if first := groupings[v.Source.LevelsSize]; first != nil && b.of[first] != in {
				// the same groups in another table (new data): number them as the first does
				if codes, err = renumber(codes, labels, first, func(row int) error {
					return &dataset.Error{Path: t.Path, Line: t.Line(row), Column: cols[0], Msg: fmt.Sprintf(
						"group %s is not one of the %d groups of %s; %s numbers its groups as %s does, since both have size %s", labels[codes[row]-1], len(first.Labels), first.Name, v.Name, first.Name, v.Source.LevelsSize)}
				}); err != nil {
					return err
				}
				labels = first.Labels
			} else if first == nil {
				groupings[v.Source.LevelsSize] = v
			}
			if !bindSize(v, v.Source.LevelsSize, len(labels), fmt.Sprintf("%s has %d %s", v.Name, len(labels), plural(len(labels), "group", "groups"))) {
				continue
			}
			for i, k := range codes {
				v.Value.Data[i] = float64(k)
			}
			v.Labels = labels
			continue
		}
		// One column at a time, straight into the row-major tensor, so a large file is held
		// as its text plus the model's tensor plus one column, not every column twice.
		for j, name := range cols {
			col, err := t.Column(name)
			if err != nil {
				return err
			}
			if v.Source.Standardize {
				if err := standardize(col); err != nil {
					return &diag.Error{Pos: v.Pos, Msg: fmt.Sprintf("cannot standardize column %q of %s: %v", name, t.Path, err),
						Hint: leaveOut(v.Source, name)}
				}
			}
			for i, x := range col {
				v.Value.Data[i*len(cols)+j] = x
			}
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if err := b.checkGroupTables(m); err != nil {
		return err
	}
	if err := checkJSONSizes(inputs, m.Sizes, boundBy); err != nil {
		return err
	}
	off := 0
	for _, p := range m.Params {
		n := m.Sizes.Len(p.Shape)
		if p.Constraint.Kind == ir.Simplex && n < 2 {
			errs.Add(&diag.Error{Pos: p.Pos, End: endOf(p.Pos, p.Name),
				Msg: fmt.Sprintf("parameter %s is a simplex of %d %s; it needs at least 2", p.Name, n, plural(n, "element", "elements"))})
			continue
		}
		p.Offset, p.Len = off, p.Constraint.Coordinates(n)
		off += p.Len
	}
	if err := errs.Err(); err != nil {
		return err
	}
	for _, term := range m.Terms {
		if err := checkObserved(term, b); err != nil {
			return err
		}
	}
	if err := checkIndices(m); err != nil {
		return err
	}
	for _, l := range m.Lets {
		l.Value = fold(l.Value, m.Sizes)
	}
	terms := append([]*ir.Term(nil), m.Terms...)
	for _, t := range m.Terms {
		terms = append(terms, t.Components...) // a mixture's components, written out
	}
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	for _, g := range m.Generated {
		if g.Term != nil {
			terms = append(terms, g.Term)
		} else {
			g.Value = fold(g.Value, m.Sizes)
		}
	}
	for _, term := range terms {
		if term.Weights != nil {
			term.Weights = fold(term.Weights, m.Sizes)
		}
		if term.Variate != nil { // a generated draw has none
			term.Variate = fold(term.Variate, m.Sizes)
		}
		for i, a := range term.Args {
			term.Args[i] = fold(a, m.Sizes)
			if err := checkArgDomain(term, i, m.Sizes, b); err != nil {
				if d, ok := err.(*diag.Error); ok {
					errs.Add(d)
					continue
				}
				return err
			}
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	for _, term := range m.Terms {
		if err := checkObservedExpr(term); err != nil {
			return err
		}
		if err := checkTwoComponents(term, m.Sizes); err != nil {
			return err
		}
	}
	for _, p := range m.Params {
		if p.Prior.Dist.Support == dist.Between {
			if err := bindBounds(p, m.Sizes); err != nil {
				errs.Add(err)
			}
		}
	}
	for _, term := range m.Terms {
		if err := checkObservedArgs(term, b, m.Sizes); err != nil {
			return err
		}
	}
	return errs.Err()
}

// bindBounds sets the interval of a parameter whose prior is bounded by its first two arguments
// (Uniform), now that bounds computed from data have values.
func bindBounds(p *ir.ParamVar, sizes ir.Sizes) *diag.Error {
	var b [2]float64
	for i, a := range p.Prior.Args[:2] {
		v, err := ir.Eval(a, ir.NewEnv(sizes, nil))
		if err != nil || len(v.Data) != 1 {
			start, end := a.Span()
			return &diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("internal error: the bound of %s has no scalar value", p.Name)}
		}
		b[i] = v.Data[0]
	}
	if !(b[0] < b[1]) {
		start, _ := p.Prior.Args[0].Span()
		_, end := p.Prior.Args[1].Span()
		return &diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("the bounds of parameter %s are %g and %g; the lower must be less than the upper", p.Name, b[0], b[1])}
	}
	p.Constraint = ir.Constraint{Kind: ir.Interval, Lo: b[0], Hi: b[1]}
	return nil
}

// checkObservedArgs verifies observed values against supports that depend on data arguments:
// a count at most Binomial's n, a value inside Uniform's bounds. It names the CSV line.
func checkObservedArgs(term *ir.Term, b *binder, sizes ir.Sizes) error {
	ref, ok := term.Variate.(*ir.DataRef)
	if !ok || term.Weights != nil { // a mixture's arguments are per component, not per row
		return nil
	}
	args := make([]*ir.Tensor, len(term.Args))
	for i, a := range term.Args {
		if a.DependsOnParams() {
			if term.Dist.Support == dist.Between && i < 2 {
				return nil // bounds that move with the parameters cannot be checked here
			}
			continue
		}
		v, err := ir.Eval(a, ir.NewEnv(sizes, nil))
		if err != nil {
			return nil
		}
		args[i] = v
	}
	v := ref.Var
	p := validArgs(term.Dist)
	for j, x := range v.Value.Data {
		for i, a := range args {
			if a != nil {
				p[i] = a.Data[j%len(a.Data)]
			}
		}
		if term.Dist.LogDensity(x, p, nil) > math.Inf(-1) {
			continue
		}
		var why string
		switch {
		case term.Dist.Support == dist.Between:
			why = fmt.Sprintf("outside the bounds [%g, %g] of %s", p[0], p[1], term.Dist.Name)
		case len(term.Dist.Params) > 0 && term.Dist.Params[0].Domain == dist.Count && x > p[0]:
			why = fmt.Sprintf("more than the number of trials %s = %g of %s on this row", term.Dist.Params[0].Name, p[0], term.Dist.Name)
		default:
			why = fmt.Sprintf("impossible under %s with the data arguments of this row", term.Dist.Name)
		}
		return b.errorAt(v, j, fmt.Sprintf("value %g is %s, which the model uses for %s (%s)", x, why, v.Name, term.Pos))
	}
	return nil
}

func selectColumns(v *ir.DataVar, t *dataset.Table) ([]string, error) {
	src := v.Source
	for i, name := range src.Names {
		if !t.Has(name) {
			_, err := t.Column(name) // the dataset's message lists the columns and suggests one
			return nil, &diag.Error{Pos: src.NamePos[i], End: endOf(src.NamePos[i], fmt.Sprintf("%q", name)), Msg: err.Error()}
		}
	}
	if src.Kind != ir.FromColumnsExcept {
		return src.Names, nil
	}
	skip := map[string]bool{}
	for _, n := range src.Names {
		skip[n] = true
	}
	var cols []string
	for _, c := range t.Columns {
		if !skip[c] {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return nil, &diag.Error{Pos: v.Pos, Msg: fmt.Sprintf("data %s selects no columns: %s has only %s", v.Name, t.Path, strings.Join(t.Columns, ", "))}
	}
	return cols, nil
}

// standardize centres x and divides by its population standard deviation (divide by N). The
// sums run on x / max|x|, so that columns of huge values (±1e300, whose squares overflow) are
// standardised exactly as the same column in smaller units would be.
func standardize(x []float64) error {
	scale := 0.0
	constant := true
	for _, v := range x {
		scale = math.Max(scale, math.Abs(v))
		constant = constant && v == x[0]
	}
	if constant {
		return fmt.Errorf("every value is %g", x[0])
	}
	n := float64(len(x))
	mean := 0.0
	for _, v := range x {
		mean += v / scale
	}
	mean /= n
	ss := 0.0
	for _, v := range x {
		ss += (v/scale - mean) * (v/scale - mean)
	}
	sd := math.Sqrt(ss / n)
	if sd == 0 || math.IsNaN(sd) || math.IsInf(sd, 0) {
		return fmt.Errorf("its values (largest magnitude %g) have no finite standard deviation", scale)
	}
	for i := range x {
		x[i] = (x[i]/scale - mean) / sd
	}
	return nil
}

// leaveOut is the hint for a column that cannot be standardised: the same selection without it.
func leaveOut(src ir.Source, col string) string {
	quote := func(names []string) string {
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = strconv.Quote(n)
		}
		return strings.Join(q, ", ")
	}
	switch src.Kind {
	case ir.FromColumnsExcept:
		return "leave the column out: standardize(columns except " + quote(append(append([]string(nil), src.Names...), col)) + ")"
	case ir.FromColumns:
		var rest []string
		for _, n := range src.Names {
			if n != col {
				rest = append(rest, n)
			}
		}
		if len(rest) > 0 {
			return "leave the column out: standardize(columns " + quote(rest) + ")"
		}
	}
	return "leave the column out of the standardized columns"
}

// checkObserved verifies every observed value lies in the distribution's support, naming the
// CSV line and column of the first that does not.
func checkObserved(term *ir.Term, b *binder) error {
	ref, ok := term.Variate.(*ir.DataRef)
	if !ok {
		return nil
	}
	v := ref.Var
	dists := []*dist.Dist{term.Dist}
	for k, c := range term.Components {
		if k > 0 {
			dists = append(dists, c.Dist)
		}
	}
	for i, x := range v.Value.Data {
		inSupport := false
		for _, d := range dists { // a mixture's value needs one component that can produce it
			inSupport = inSupport || d.Support.Contains(x) || (!d.Discrete && d.LogDensity(x, validArgs(d), nil) > math.Inf(-1))
		}
		if inSupport {
			continue
		}
		return b.errorAt(v, i, fmt.Sprintf("value %g is outside the support %s of %s, which the model uses for %s (%s)",
			x, term.Dist.Support, term.Dist.Name, v.Name, term.Pos))
	}
	return nil
}

// validArgs returns arguments inside every parameter domain, to ask whether a boundary value of
// the variate has finite density (HalfNormal at 0 does).
func validArgs(d *dist.Dist) []float64 {
	p := make([]float64, len(d.Params))
	for i, q := range d.Params {
		if q.Domain == dist.UnitInterval || q.Domain == dist.Probability {
			p[i] = 0.5
		} else if q.Domain == dist.Count {
			p[i] = math.MaxInt32
		} else {
			p[i] = 1
		}
	}
	return p
}

// checkArgDomain verifies a data-only argument is inside its parameter's domain. A whole-number
// argument read straight from a column (Binomial's n) is reported with its CSV line.
func checkArgDomain(term *ir.Term, i int, sizes ir.Sizes, b *binder) error {
	a := term.Args[i]
	if a.DependsOnParams() {
		return nil
	}
	val, err := ir.Eval(a, ir.NewEnv(sizes, nil))
	if err != nil {
		return nil
	}
	q := term.Dist.Params[i]
	for j, x := range val.Data {
		if ref, ok := a.(*ir.DataRef); ok && q.Domain.Integer() && !q.Domain.Contains(x) {
			return b.errorAt(ref.Var, j, fmt.Sprintf("value %g is not %s, which argument %s of %s must be (%s)", x, domainWords(q.Domain), q.Name, term.Dist.Name, term.Pos))
		}
		if !q.Domain.Contains(x) {
			start, end := a.Span()
			return &diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("argument %s of %s must be %s, but it is %g", q.Name, term.Dist.Name, q.Domain, x)}
		}
	}
	return nil
}

// domainWords names a domain in a sentence about a value.
func domainWords(d dist.Domain) string {
	if d == dist.Count {
		return "a whole number ≥ 0"
	}
	return d.String()
}

// fold replaces data-only subexpressions by their values.
func fold(e ir.Expr, sizes ir.Sizes) ir.Expr {
	switch e.(type) {
	case *ir.Const, *ir.DataRef, *ir.Folded, *ir.ParamRef, *ir.LetRef:
		return e
	}
	if !e.DependsOnParams() {
		if v, err := ir.Eval(e, ir.NewEnv(sizes, nil)); err == nil {
			start, end := e.Span()
			return ir.NewFolded(ir.NewSpan(start, end), v, e.Shape())
		}
		return e
	}
	start, end := e.Span()
	sp := ir.NewSpan(start, end)
	switch x := e.(type) {
	case *ir.Unary:
		return ir.NewUnary(sp, x.Func, fold(x.X, sizes))
	case *ir.Binary:
		return ir.NewBinary(sp, x.Op, fold(x.L, sizes), fold(x.R, sizes), x.Shape())
	case *ir.MatVec:
		return ir.NewMatVec(sp, fold(x.M, sizes), fold(x.V, sizes))
	case *ir.Sum:
		return ir.NewSum(sp, fold(x.X, sizes))
	case *ir.Mean:
		return ir.NewMean(sp, fold(x.X, sizes))
	case *ir.Dot:
		return ir.NewDot(sp, fold(x.A, sizes), fold(x.B, sizes))
	case *ir.LogSumExp:
		return ir.NewLogSumExp(sp, fold(x.X, sizes))
	case *ir.Gather:
		return ir.NewGather(sp, fold(x.X, sizes), x.Index)
	case *ir.Slice:
		return ir.NewSlice(sp, fold(x.X, sizes), x.Lo, x.Hi, x.Elem)
	case *ir.Select:
		return ir.NewSelect(sp, fold(x.C, sizes), fold(x.A, sizes), fold(x.B, sizes), x.Shape())
	case *ir.Recur:
		// The step reads the recurrence's index and is lowered as a whole; only the first
		// values are folded. In place: the step's Lag and At nodes point at x.
		x.Init = fold(x.Init, sizes)
		return x
	}
	return e
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkObservedExpr verifies that an observed expression of data (log(y) ~ ..., folded when the
// data were bound) lies in the distribution's support, pointing at the expression.
func checkObservedExpr(term *ir.Term) error {
	f, ok := term.Variate.(*ir.Folded)
	if !ok {
		return nil
	}
	for i, x := range f.Value.Data {
		if term.Dist.Support.Contains(x) || (!term.Dist.Discrete && term.Dist.LogDensity(x, validArgs(term.Dist), nil) > math.Inf(-1)) {
			continue
		}
		start, end := f.Span()
		at := ""
		if len(f.Value.Data) > 1 {
			at = fmt.Sprintf(" at element %d", i+1)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return &diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("the observed expression is %g%s; an observed value must be a finite number", x, at),
				Hint: "check the transformation and the data (the logarithm of a number ≤ 0, a division by 0)"}
		}
		return &diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("the observed expression is %g%s, outside the support %s of %s", x, at, term.Dist.Support, term.Dist.Name),
			Hint: "an observed expression of data must take values the distribution can produce; check the transformation and the data"}
	}
	return nil
}

// CheckConstants checks, for a model without data (hmcc check MODEL), the arguments Bind would
// check that depend on neither data nor sizes: Normal(0, -1), Gamma(0, 1), a scale of 1/0 and
// the like are errors whether or not data are given, with the same message (constant bounds
// are the checker's). Arguments that need data or sizes are left to Bind.
func CheckConstants(m *ir.Model) error {
	var terms []*ir.Term
	for _, t := range m.DensityTerms() {
		terms = append(append(terms, t), t.Components...) // a mixture's components, written out
	}
	var errs diag.List
	for _, term := range terms {
		for i := range term.Args {
			if err := checkArgDomain(term, i, ir.Sizes{}, nil); err != nil {
				if d, ok := err.(*diag.Error); ok {
					errs.Add(d)
				}
			}
		}
	}
	return errs.Err()
}

// checkTwoComponents verifies that a mixture weighed by a scalar θ (two components, θ and
// 1 − θ) has component arguments of two values.
func checkTwoComponents(term *ir.Term, sizes ir.Sizes) error {
	if term.Components != nil {
		if sh := term.Weights.Shape(); len(sh) == 1 && sizes.Len(sh) != len(term.Components) {
			start, end := term.Weights.Span()
			return &diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("Mixture has %d components, but %d weights", len(term.Components), sizes.Len(sh)),
				Hint: "give one weight per component, in the order of the components"}
		}
		return nil
	}
	if term.Weights == nil || len(term.Weights.Shape()) != 0 {
		return nil
	}
	for _, a := range term.Args {
		if sh := a.Shape(); len(sh) == 1 && sizes.Len(sh) != 2 {
			start, end := a.Span()
			return &diag.Error{Pos: start, End: end, Msg: fmt.Sprintf("Mixture with one weight θ has two components (θ and 1 − θ), but this argument has %d values", sizes.Len(sh)),
				Hint: "for more components give a vector of weights, param w[K] ~ Dirichlet(1)"}
		}
	}
	return nil
}

// renumber maps the codes of a grouping, whose labels are its own, to the numbering of an
// earlier grouping of the same groups, by label; bad(row) is the error for a row whose group the
// earlier grouping does not have.
func renumber(codes []int, labels []string, first *ir.DataVar, bad func(row int) error) ([]int, error) {
	pos := make(map[string]int, len(first.Labels))
	for k, l := range first.Labels {
		pos[l] = k + 1
	}
	out := make([]int, len(codes))
	for i, c := range codes {
		k, ok := pos[labels[c-1]]
		if !ok {
			return nil, bad(i)
		}
		out[i] = k
	}
	return out, nil
}
