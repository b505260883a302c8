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

// BindData binds a checked model to its data files and returns the bound model (see ir.Model):
// a copy of m in which each data declaration holds the values it reads, the size symbols have
// the values the data give them, the parameters are laid out in θ in declaration order,
// observed values have been checked against their distributions' supports, and every data-only
// subexpression is folded into a constant so that it is computed once, here. m itself is left
// as checked, so one checked model can be bound to several data sets.
//
// Each data declaration reads the file its `from "name"` names, or the first file.
func BindData(m *ir.Model, inputs ...Input) (*ir.Model, error) {
	if m.Bound() {
		return nil, diag.Internalf("binding a model that is already bound; bind the checked model")
	}
	b := &binder{m: m.Clone(), inputs: inputs, of: map[*ir.DataVar]*Input{}, boundBy: map[string]string{},
		groupings: map[string]*ir.DataVar{}}
	b.m.Sizes = ir.Sizes{}
	// Each phase either stops binding with an error or adds the problems it finds to b.errs;
	// binding stops after the first phase that found any.
	for _, phase := range []func() error{
		b.readData,        // each declaration's value and the sizes its extents bind
		b.checkTables,     // per-group tables against their groupings, JSON sizes against the data
		b.layOut,          // each parameter's coordinates in θ
		b.checkData,       // observed values in their supports, indices inside their vectors
		b.fold,            // data-only subexpressions replaced by their values
		b.checkArgDomains, // data arguments inside their parameters' domains
		b.checkTerms,      // what needs the folded values: observed expressions, mixtures, data arguments
		b.bindBounds,      // intervals bounded by data
	} {
		if err := phase(); err != nil {
			return nil, err
		}
		if err := b.errs.Err(); err != nil {
			return nil, err
		}
	}
	return b.m, nil
}

// TableInput is the input of a single CSV table, named by its file.
func TableInput(t *dataset.Table) Input { return Input{Name: InputName(t.Path), Table: t} }

// binder is the state of one BindData call: the model being bound (the copy), the inputs, and
// what later phases and messages need to know about how the data were read.
type binder struct {
	m      *ir.Model
	inputs []Input
	// of is the input each data declaration was read from, to name the file, line and column
	// of a bad value.
	of map[*ir.DataVar]*Input
	// boundBy names the declaration that first bound each size, for messages.
	boundBy map[string]string
	// groupings holds the first grouping of each number of groups J: a grouping of J in
	// another table numbers its groups as this one does.
	groupings map[string]*ir.DataVar
	// errs collects the user errors of the current phase.
	errs diag.List
}

// readData reads each data declaration's value from its file and binds the sizes it gives.
func (b *binder) readData() error {
	for _, v := range b.m.Data {
		in, err := b.input(v)
		if err != nil {
			return err
		}
		if in.JSON != nil {
			err = b.readJSON(v, in.JSON)
		} else {
			err = b.readTable(v, in.Table)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bindSize binds size name to n, the extent described by what, or reports that an earlier
// declaration bound it to another value.
func (b *binder) bindSize(v *ir.DataVar, name string, n int, what string) bool {
	sizes := b.m.Sizes
	if prev, ok := sizes[name]; ok && prev != n {
		b.errs.Add(errSizeConflict(v.Pos, name, prev, b.boundBy[name], what))
		return false
	}
	if _, ok := sizes[name]; !ok {
		sizes[name] = n
		b.boundBy[name] = v.Name
	}
	return true
}

// bindShape binds each size symbol of v's declared shape to the extent the data give that axis
// and checks each literal size against it; what(i) describes axis i's extent for messages.
func (b *binder) bindShape(v *ir.DataVar, extents []int, what func(i int) string) {
	for i, d := range v.Shape {
		if i >= len(extents) {
			break
		}
		if d.Name == "" {
			if d.Size != extents[i] {
				b.errs.Add(errDeclaredSize(v.Pos, v.Name, d.Size, what(i)))
			}
			continue
		}
		b.bindSize(v, d.Name, extents[i], what(i))
	}
}

// groupsWords describes the number of groups of a grouping, for messages.
func groupsWords(v *ir.DataVar, n int) string {
	return fmt.Sprintf("%s has %d %s", v.Name, n, plural(n, "group", "groups"))
}

// readJSON reads v from a JSON data file and binds the sizes of its shape, its number of groups
// (levels) and, for a scalar the model uses as a size, that size.
func (b *binder) readJSON(v *ir.DataVar, j *dataset.JSON) error {
	if err := bindJSON(v, j); err != nil {
		return err
	}
	ext := v.Value.Shape
	b.bindShape(v, ext, func(i int) string {
		if len(v.Shape) == 1 {
			return fmt.Sprintf("%s has %d %s", v.Name, ext[i], plural(ext[i], "element", "elements"))
		}
		return fmt.Sprintf("%s has %d %s", v.Name, ext[i], []string{"rows", "columns"}[i])
	})
	if v.Source.Kind == ir.FromLevels {
		b.bindSize(v, v.Source.LevelsSize, len(v.Labels), groupsWords(v, len(v.Labels)))
	}
	if v.IsSize {
		x := v.Value.Data[0]
		if x < 1 || x != math.Trunc(x) || x > math.MaxInt32 {
			b.errs.Add(errSizeValue(v.NamePos, endOf(v.NamePos, v.Name), v.Name, j.Path, x))
			return nil
		}
		b.bindSize(v, v.Name, int(x), fmt.Sprintf("%s is %d in %s", v.Name, int(x), j.Path))
	}
	return nil
}

// readTable reads v from the columns of a CSV table and binds the sizes of its rows and columns.
func (b *binder) readTable(v *ir.DataVar, t *dataset.Table) error {
	if v.Source.Kind == ir.FromValue {
		return errValueFromCSV(v.Source.NamePos[0], endOf(v.Source.NamePos[0], fmt.Sprintf("%q", v.Source.Names[0])), v.Name, t.Path)
	}
	cols, err := selectColumns(v, t)
	if err != nil {
		return err
	}
	extents := []int{t.Rows}
	if len(v.Shape) == 2 {
		extents = append(extents, len(cols))
	}
	b.bindShape(v, extents, func(i int) string {
		if i == 1 {
			return fmt.Sprintf("%s has %d columns", v.Name, extents[i])
		}
		what := fmt.Sprintf("%s has %d rows", v.Name, extents[i])
		if len(b.inputs) > 1 {
			what += " (in " + t.Path + ")"
		}
		return what
	})
	v.Columns = cols
	v.Value = ir.NewTensor(extents...)
	if v.Source.Kind == ir.FromLevels {
		return b.readLevels(v, t)
	}
	return readColumns(v, t)
}

// readLevels numbers the groups of v's grouping column 1 … J and binds J. A grouping of the
// same J in another table (new data for the groups of the first) numbers its groups as the first
// grouping does, by label.
func (b *binder) readLevels(v *ir.DataVar, t *dataset.Table) error {
	col, J := v.Columns[0], v.Source.LevelsSize
	codes, labels, err := t.Levels(col)
	if err != nil {
		return err
	}
	if first := b.groupings[J]; first != nil && b.of[first] != b.of[v] {
		if codes, err = renumber(codes, labels, first, func(row int) error {
			return errDataUnknownGroup(t.Path, t.Line(row), col, labels[codes[row]-1], len(first.Labels), first.Name, v.Name, J)
		}); err != nil {
			return err
		}
		labels = first.Labels
	} else if first == nil {
		b.groupings[J] = v
	}
	if !b.bindSize(v, J, len(labels), groupsWords(v, len(labels))) {
		return nil
	}
	for i, k := range codes {
		v.Value.Data[i] = float64(k)
	}
	v.Labels = labels
	return nil
}

// readColumns copies v's columns of t into its value, standardizing them if the source says so.
// One column at a time, straight into the row-major tensor, so that a large file is held as its
// text plus the model's tensor plus one column, not every column twice.
func readColumns(v *ir.DataVar, t *dataset.Table) error {
	cols := v.Columns
	for j, name := range cols {
		col, err := t.Column(name)
		if err != nil {
			return err
		}
		if v.Source.Standardize {
			if err := standardize(col); err != nil {
				return errStandardizeColumn(v.Pos, name, t.Path, err, leaveOut(v.Source, name))
			}
		}
		for i, x := range col {
			v.Value.Data[i*len(cols)+j] = x
		}
	}
	return nil
}

// checkTables checks the data files against each other: per-group tables against their
// groupings, and the sizes a JSON file states against those its values gave.
func (b *binder) checkTables() error {
	if err := b.checkGroupTables(); err != nil {
		return err
	}
	return checkJSONSizes(b.inputs, b.m.Sizes, b.boundBy)
}

// layOut gives each parameter its coordinates in θ, in declaration order.
func (b *binder) layOut() error {
	off := 0
	for _, p := range b.m.Params {
		n := b.m.Sizes.Len(p.Shape)
		if p.Constraint.Kind == ir.Simplex && n < 2 {
			b.errs.Add(errSimplexTooShort(p.Pos, endOf(p.Pos, p.Name), p.Name, n))
			continue
		}
		p.Offset, p.Len = off, p.Constraint.Coordinates(n)
		off += p.Len
	}
	return nil
}

// checkData checks every observed value against its distribution's support and every element,
// slice and recurrence against the length of the vector it reads.
func (b *binder) checkData() error {
	for _, term := range b.m.Terms {
		if err := checkObserved(term, b); err != nil {
			return err
		}
	}
	return checkIndices(b.m)
}

// foldedTerms are the terms whose expressions binding folds: the likelihood terms, the
// components a mixture writes out, the priors and the generated draws, in that order.
func foldedTerms(m *ir.Model) []*ir.Term {
	terms := append([]*ir.Term(nil), m.Terms...)
	for _, t := range m.Terms {
		terms = append(terms, t.Components...)
	}
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	for _, g := range m.Generated {
		if g.Term != nil {
			terms = append(terms, g.Term)
		}
	}
	return terms
}

// fold replaces every data-only subexpression of the lets, the generated values and the terms
// by its value.
func (b *binder) fold() error {
	z := b.m.Sizes
	for _, l := range b.m.Lets {
		l.Value = fold(l.Value, z)
	}
	for _, g := range b.m.Generated {
		if g.Term == nil {
			g.Value = fold(g.Value, z)
		}
	}
	for _, term := range foldedTerms(b.m) {
		if term.Weights != nil {
			term.Weights = fold(term.Weights, z)
		}
		if term.Variate != nil { // a generated draw has none
			term.Variate = fold(term.Variate, z)
		}
		for i, a := range term.Args {
			term.Args[i] = fold(a, z)
		}
	}
	return nil
}

// checkArgDomains checks every data-only argument against its parameter's domain.
func (b *binder) checkArgDomains() error {
	for _, term := range foldedTerms(b.m) {
		for i := range term.Args {
			if err := checkArgDomain(term, i, b.m.Sizes, b); err != nil {
				if d, ok := err.(*diag.Error); ok {
					b.errs.Add(d)
					continue
				}
				return err
			}
		}
	}
	return nil
}

// checkTerms checks what needs the folded values: an observed expression of data inside the
// support, a mixture's number of components, observed values against supports that depend on
// data arguments.
func (b *binder) checkTerms() error {
	for _, term := range b.m.Terms {
		if err := checkObservedExpr(term); err != nil {
			return err
		}
		if err := checkTwoComponents(term, b.m.Sizes); err != nil {
			return err
		}
	}
	for _, term := range b.m.Terms {
		if err := checkObservedArgs(term, b, b.m.Sizes); err != nil {
			return err
		}
	}
	return nil
}

// bindBounds sets the interval of each parameter whose prior is bounded by its first two
// arguments (Uniform), now that bounds computed from data have values.
func (b *binder) bindBounds() error {
	for _, p := range b.m.Params {
		if p.Prior.Dist.Support != dist.Between {
			continue
		}
		if err := bindBounds(p, b.m.Sizes); err != nil {
			if d, ok := err.(*diag.Error); ok {
				b.errs.Add(d)
				continue
			}
			return err
		}
	}
	return nil
}

// bindBounds sets the interval of a parameter bounded by its prior's first two arguments. The
// checker has made them data-only scalars, so a bound without a value is an internal error.
func bindBounds(p *ir.ParamVar, sizes ir.Sizes) error {
	var b [2]float64
	for i, a := range p.Prior.Args[:2] {
		v, err := ir.Eval(a, ir.NewEnv(sizes, nil))
		if err != nil {
			start, _ := a.Span()
			return diag.InternalAt(start, "the bound of %s has no value: %w", p.Name, err)
		}
		if len(v.Data) != 1 {
			start, _ := a.Span()
			return diag.InternalAt(start, "the bound of %s has %d values, not one", p.Name, len(v.Data))
		}
		b[i] = v.Data[0]
	}
	if !(b[0] < b[1]) {
		start, _ := p.Prior.Args[0].Span()
		_, end := p.Prior.Args[1].Span()
		return errBoundsOrder(start, end, p.Name, b[0], b[1])
	}
	p.Constraint = ir.Constraint{Kind: ir.Interval, Lo: b[0], Hi: b[1]}
	return nil
}

// checkObservedArgs verifies observed values against supports that depend on data arguments:
// a count at most Binomial's n, a value inside Uniform's bounds. It names the CSV line.
func checkObservedArgs(term *ir.Term, b *binder, sizes ir.Sizes) error {
	ref, ok := term.Variate.(*ir.DataRef)
	if !ok || term.Weights != nil || term.Dist.Multi != nil { // a mixture's arguments are per component, not per row
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
		return errDataImpossible(b.at(v, j), x, impossibleWhy(term.Dist, x, p), v.Name, term.Pos)
	}
	return nil
}

// impossibleWhy says why x has no density under d with arguments p, all data.
func impossibleWhy(d *dist.Dist, x float64, p []float64) string {
	switch {
	case d.Support == dist.Between:
		return fmt.Sprintf("outside the bounds [%g, %g] of %s", p[0], p[1], d.Name)
	case len(d.Params) > 0 && d.Params[0].Domain == dist.Count && x > p[0]:
		return fmt.Sprintf("more than the number of trials %s = %g of %s on this row", d.Params[0].Name, p[0], d.Name)
	}
	return fmt.Sprintf("impossible under %s with the data arguments of this row", d.Name)
}

func selectColumns(v *ir.DataVar, t *dataset.Table) ([]string, error) {
	src := v.Source
	for i, name := range src.Names {
		if !t.Has(name) {
			_, err := t.Column(name) // the dataset's message lists the columns and suggests one
			return nil, errMissingColumn(src.NamePos[i], endOf(src.NamePos[i], fmt.Sprintf("%q", name)), err)
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
		return nil, errNoColumnsSelected(v.Pos, v.Name, t.Path, t.Columns)
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
	if !ok || term.Dist.Multi != nil && term.Dist.Support != dist.Real { // a whole matrix: its density says
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
		return errDataOutsideSupport(b.at(v, i), x, term.Dist, v.Name, term.Pos)
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
			return errDataArgumentDomain(b.at(ref.Var, j), x, domainWords(q.Domain), q.Name, term.Dist, term.Pos)
		}
		if !q.Domain.Contains(x) {
			start, end := a.Span()
			return errArgumentDomain(start, end, q.Name, term.Dist, q.Domain, x)
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
	case *ir.MatFunc:
		args := make([]ir.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = fold(a, sizes)
		}
		return x.WithArgs(args)
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
			return errObservedNotFinite(start, end, x, at)
		}
		return errObservedOutsideSupport(start, end, x, at, term.Dist)
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
			return errMixtureWeightCount(start, end, len(term.Components), sizes.Len(sh))
		}
		return nil
	}
	if term.Weights == nil || len(term.Weights.Shape()) != 0 {
		return nil
	}
	for _, a := range term.Args {
		if sh := a.Shape(); len(sh) == 1 && sizes.Len(sh) != 2 {
			start, end := a.Span()
			return errMixtureOneWeightCount(start, end, sizes.Len(sh))
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
