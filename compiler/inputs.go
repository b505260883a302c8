package compiler

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// Input is one data file given on the command line: a CSV table or a JSON file of named values.
type Input struct {
	// Name is what `from "name"` in a data declaration calls the file: its base name without
	// the extension (counties.csv is "counties").
	Name  string
	Table *dataset.Table
	JSON  *dataset.JSON
}

// InputName is the name by which a model refers to the data file at path.
func InputName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

func (in *Input) path() string {
	if in.JSON != nil {
		return in.JSON.Path
	}
	return in.Table.Path
}

// input picks the file a data declaration reads: the one its from names, or the first.
func (b *binder) input(v *ir.DataVar) (*Input, error) {
	if len(b.inputs) == 0 {
		return nil, errNoDataFile(v.Pos, v.Name)
	}
	if v.Source.Table == "" {
		b.of[v] = &b.inputs[0]
		return &b.inputs[0], nil
	}
	for i := range b.inputs {
		if b.inputs[i].Name == v.Source.Table {
			b.of[v] = &b.inputs[i]
			return &b.inputs[i], nil
		}
	}
	p := v.Source.TablePos
	return nil, errUnknownDataFile(p, endOf(p, strconv.Quote(v.Source.Table)), v.Name, v.Source.Table, inputNames(b.inputs))
}

func inputNames(ins []Input) []string {
	out := make([]string, len(ins))
	for i := range ins {
		out[i] = ins[i].Name
	}
	return out
}

// CheckInputNames reports two data files with the same name, which from could not tell apart.
func CheckInputNames(ins []Input) error {
	seen := map[string]string{}
	for _, in := range ins {
		if prev, ok := seen[in.Name]; ok {
			return errDataSameName(in.path(), in.Name, prev)
		}
		seen[in.Name] = in.path()
	}
	return nil
}

// at is where element i of data variable v is: its file, line and column (for a JSON file, the
// value's name and the element's index), for the errors of errors_data.go.
func (b *binder) at(v *ir.DataVar, i int) dataAt {
	in := b.of[v]
	if in == nil || len(v.Columns) == 0 {
		return dataAt{decl: v.Pos}
	}
	if in.JSON != nil {
		return dataAt{file: &dataset.Error{Path: in.JSON.Path, Column: v.Columns[0] + elementIndex(v.Value.Shape, i)}}
	}
	return dataAt{file: &dataset.Error{Path: in.Table.Path, Line: in.Table.Line(i / len(v.Columns)), Column: v.Columns[i%len(v.Columns)]}}
}

// elementIndex writes Stan's 1-based index of element i of an array of the given shape: [3] or
// [2, 5]; "" for a scalar.
func elementIndex(shape []int, i int) string {
	switch len(shape) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("[%d]", i+1)
	}
	return fmt.Sprintf("[%d, %d]", i/shape[1]+1, i%shape[1]+1)
}

// bindJSON reads a data declaration's value from a JSON data file: value "X" of any shape,
// column "y" (a vector), columns "a", "b" (vectors of one length, as the columns of a matrix)
// and levels "g" as J (a vector of groups). It sets v.Value, v.Columns and v.Labels.
func bindJSON(v *ir.DataVar, j *dataset.JSON) error {
	r := jsonReader{v, j}
	var err error
	switch v.Source.Kind {
	case ir.FromColumnsExcept:
		start, end := v.Source.NamePos[0], v.Source.NamePos[0]
		return errColumnsExceptJSON(start, end, v.Name, j.Path)
	case ir.FromValue:
		err = r.readValue()
	case ir.FromColumn, ir.FromLevels:
		err = r.readVector()
	default:
		err = r.readColumns()
	}
	switch {
	case err != nil:
		return err
	case v.Source.Kind == ir.FromLevels:
		v.Labels = jsonLevels(v.Value.Data)
	case v.Source.Standardize:
		return standardizeJSON(v, j)
	}
	return nil
}

// jsonReader reads one data declaration's value from a JSON data file.
type jsonReader struct {
	v *ir.DataVar
	j *dataset.JSON
}

// value is the k-th value the declaration names, or the error pointing at that name.
func (r jsonReader) value(k int) (*dataset.Value, error) {
	x, err := r.j.Value(r.v.Source.Names[k])
	if err != nil {
		start, end := r.where(k)
		return nil, errJSONValue(start, end, err)
	}
	return x, nil
}

// where is the span of the k-th name in the declaration.
func (r jsonReader) where(k int) (diag.Pos, diag.Pos) {
	src := r.v.Source
	return src.NamePos[k], endOf(src.NamePos[k], strconv.Quote(src.Names[k]))
}

// rankErr is the error for the k-th value x, which is not the shape the declaration wants.
func (r jsonReader) rankErr(k int, x *dataset.Value, want string) error {
	start, end := r.where(k)
	return errJSONRank(start, end, r.v.Name, r.v.Source.Names[k], r.j.Path, describe(x), want)
}

// readValue reads value "X": a scalar, vector or matrix of the declared rank.
func (r jsonReader) readValue() error {
	v := r.v
	x, err := r.value(0)
	if err != nil {
		return err
	}
	if len(x.Shape) != len(v.Shape) {
		return r.rankErr(0, x, fmt.Sprintf("%s is declared as %s", v.Name, rankWords(len(v.Shape))))
	}
	v.Value = &ir.Tensor{Shape: append([]int(nil), x.Shape...), Data: append([]float64(nil), x.Data...)}
	v.Columns = []string{v.Source.Names[0]}
	return nil
}

// readVector reads column "y" or levels "g": a vector.
func (r jsonReader) readVector() error {
	v := r.v
	x, err := r.value(0)
	if err != nil {
		return err
	}
	if len(x.Shape) != 1 {
		return r.rankErr(0, x, fmt.Sprintf("%s reads it as a vector", v.Source.KindWord()))
	}
	v.Columns = []string{v.Source.Names[0]}
	v.Value = &ir.Tensor{Shape: []int{x.Shape[0]}, Data: append([]float64(nil), x.Data...)}
	return nil
}

// readColumns reads columns "a", "b": vectors of one length, side by side as a matrix.
func (r jsonReader) readColumns() error {
	v := r.v
	names := v.Source.Names
	cols := make([]*dataset.Value, len(names))
	for k := range names {
		x, err := r.value(k)
		if err != nil {
			return err
		}
		if len(x.Shape) != 1 {
			return r.rankErr(k, x, "columns reads each as a vector")
		}
		if k > 0 && x.Shape[0] != cols[0].Shape[0] {
			return r.rankErr(k, x, fmt.Sprintf("%q has %d elements", names[0], cols[0].Shape[0]))
		}
		cols[k] = x
	}
	n, K := cols[0].Shape[0], len(cols)
	v.Value = ir.NewTensor(n, K)
	for k, c := range cols {
		for i, x := range c.Data {
			v.Value.Data[i*K+k] = x
		}
	}
	v.Columns = append([]string(nil), names...)
	return nil
}

// standardizeJSON standardizes each column of v's value (a vector is one column).
func standardizeJSON(v *ir.DataVar, j *dataset.JSON) error {
	t := v.Value
	K := 1
	if len(t.Shape) == 2 {
		K = t.Shape[1]
	}
	if len(t.Shape) == 0 {
		return errStandardizeScalar(v.Pos, v.Name)
	}
	n := len(t.Data) / K
	col := make([]float64, n)
	for k := 0; k < K; k++ {
		for i := range col {
			col[i] = t.Data[i*K+k]
		}
		if err := standardize(col); err != nil {
			return errStandardizeJSONColumn(v.Pos, k+1, v.Name, j.Path, err)
		}
		for i, x := range col {
			t.Data[i*K+k] = x
		}
	}
	return nil
}

// jsonLevels recodes a vector of groups as levels do a CSV column: whole numbers from 1 keep
// their values (J is the largest); anything else is a set of labels, sorted, numbered 1 … J.
func jsonLevels(x []float64) []string {
	whole, J := true, 0
	for _, g := range x {
		if g < 1 || g != math.Trunc(g) || g > 1<<20 {
			whole = false
			break
		}
		J = max(J, int(g))
	}
	if whole {
		labels := make([]string, J)
		for k := range labels {
			labels[k] = strconv.Itoa(k + 1)
		}
		return labels
	}
	distinct := map[float64]bool{}
	for _, g := range x {
		distinct[g] = true
	}
	vals := make([]float64, 0, len(distinct))
	for g := range distinct {
		vals = append(vals, g)
	}
	sort.Float64s(vals)
	code := make(map[float64]int, len(vals))
	labels := make([]string, len(vals))
	for k, g := range vals {
		code[g] = k + 1
		labels[k] = strconv.FormatFloat(g, 'g', -1, 64)
	}
	for i, g := range x {
		x[i] = float64(code[g])
	}
	return labels
}

func describe(x *dataset.Value) string {
	switch len(x.Shape) {
	case 0:
		return "a number"
	case 1:
		return fmt.Sprintf("a vector of %d", x.Shape[0])
	}
	return fmt.Sprintf("a matrix [%d, %d]", x.Shape[0], x.Shape[1])
}

func rankWords(n int) string {
	return []string{"a scalar (no sizes)", "a vector (one size)", "a matrix (two sizes)"}[min(n, 2)]
}

// checkGroupTables guards the join of a per-group table with a grouping: a vector [J] read from
// another table than the grouping g[N] = levels "c" as J is matched to the groups by row (row k
// is group k). When that table also has the column "c", every row's value there must name its
// group, so a table sorted differently is an error rather than values silently given to the
// wrong groups.
func (b *binder) checkGroupTables() error {
	for _, g := range b.m.Data {
		if g.Source.Kind != ir.FromLevels || b.of[g] == nil || b.of[g].Table == nil {
			continue
		}
		key := g.Columns[0]
		for _, v := range b.m.Data {
			in := b.of[v]
			if v == g || in == nil || in.Table == nil || in == b.of[g] || len(v.Shape) == 0 ||
				v.Shape[0].Name != g.Source.LevelsSize || !in.Table.Has(key) {
				continue
			}
			codes, labels, err := in.Table.Levels(key)
			if err != nil {
				return err
			}
			for k, c := range codes {
				if k >= len(g.Labels) {
					break
				}
				if got := labels[c-1]; got != g.Labels[k] {
					return errDataGroupOrder(in.Table.Path, in.Table.Line(k), key, k+1, got, v.Name, len(g.Labels), g.Name, b.of[g].Table.Path, g.Labels[k])
				}
			}
		}
	}
	return nil
}

// checkJSONSizes compares the sizes the data bound with the whole numbers of the same names in
// JSON data files (Stan's data carry their sizes: {"N": 3, "y": [...]}), so a file whose N
// disagrees with the length of y is reported even when the model never reads N.
func checkJSONSizes(inputs []Input, sizes ir.Sizes, boundBy map[string]string) error {
	for _, in := range inputs {
		if in.JSON == nil {
			continue
		}
		for name, n := range sizes {
			if !in.JSON.Has(name) {
				continue
			}
			v, _ := in.JSON.Value(name)
			if len(v.Shape) == 0 && v.Whole && int(v.Data[0]) != n {
				return errDataJSONSize(in.JSON.Path, name, int(v.Data[0]), n, boundBy[name])
			}
		}
	}
	return nil
}
