package compiler

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
)

// Kinds of errors Bind finds in a data file rather than in the model: a *dataset.Error naming
// the file, the line and the column (for JSON, the value and its index), as the dataset
// package's own errors do. One constructor per kind, the place first.
const (
	kindDataOutsideSupport diag.Kind = "data_outside_support"
	kindDataImpossible     diag.Kind = "data_impossible_value"
	kindDataArgumentDomain diag.Kind = "data_argument_domain"
	kindDataUnknownGroup   diag.Kind = "data_unknown_group"
	kindDataGroupOrder     diag.Kind = "data_group_order"
	kindDataJSONSize       diag.Kind = "data_json_size"
	kindDataSameName       diag.Kind = "data_same_name"
)

// dataAt is where an element of a data variable is in its file: the *dataset.Error to fill with a
// kind and a message, or, when no file location is known, the declaration (errDataValue).
type dataAt struct {
	file *dataset.Error
	decl diag.Pos
}

// err is the error of a kind at the place, with msg saying what is wrong.
func (at dataAt) err(kind diag.Kind, msg string) error {
	if at.file == nil {
		return errDataValue(at.decl, msg)
	}
	e := *at.file
	e.Kind, e.Msg = kind, msg
	return &e
}

// errDataOutsideSupport: an observed value of data is outside the distribution's support.
func errDataOutsideSupport(at dataAt, x float64, d *dist.Dist, name string, term diag.Pos) error {
	return at.err(kindDataOutsideSupport, fmt.Sprintf("value %g is outside the support %s of %s, which the model uses for %s (%s)",
		x, d.Support, d.Name, name, term))
}

// errDataImpossible: an observed value has no density given the data arguments on its row; why
// says which argument rules it out (impossibleWhy).
func errDataImpossible(at dataAt, x float64, why, name string, term diag.Pos) error {
	return at.err(kindDataImpossible, fmt.Sprintf("value %g is %s, which the model uses for %s (%s)", x, why, name, term))
}

// errDataArgumentDomain: a whole-number argument read straight from the data (Binomial's n) is
// outside its domain, described by domain (domainWords).
func errDataArgumentDomain(at dataAt, x float64, domain, param string, d *dist.Dist, term diag.Pos) error {
	return at.err(kindDataArgumentDomain, fmt.Sprintf("value %g is not %s, which argument %s of %s must be (%s)", x, domain, param, d.Name, term))
}

// errDataUnknownGroup: a grouping of the same size as an earlier one, in another table, names a
// group the first does not have.
func errDataUnknownGroup(path string, line int, column, group string, groups int, first, name, size string) *dataset.Error {
	return &dataset.Error{Path: path, Line: line, Column: column, Kind: kindDataUnknownGroup, Msg: fmt.Sprintf(
		"group %s is not one of the %d groups of %s; %s numbers its groups as %s does, since both have size %s", group, groups, first, name, first, size)}
}

// errDataGroupOrder: row k of a per-group table holds another group than group k of the grouping.
func errDataGroupOrder(path string, line int, column string, row int, got, name string, groups int, grouping, groupingPath, want string) *dataset.Error {
	return &dataset.Error{Path: path, Line: line, Column: column, Kind: kindDataGroupOrder, Msg: fmt.Sprintf(
		"row %d is group %s, but %s reads this table's rows as groups 1 … %d of %s in %s, and group %d is %s; sort the table by %q so that row k holds group k",
		row, got, name, groups, grouping, groupingPath, row, want, column)}
}

// errDataJSONSize: a whole number of a JSON file named like a size disagrees with the size its
// values gave.
func errDataJSONSize(path, size string, stated, n int, boundBy string) *dataset.Error {
	return &dataset.Error{Path: path, Column: size, Kind: kindDataJSONSize, Msg: fmt.Sprintf(
		"is %d, but the model's size %s is %d (bound by %s); correct the file so that its sizes match its values", stated, size, n, boundBy)}
}

// errDataSameName: two data files with one base name, which from could not tell apart.
func errDataSameName(path, name, prev string) *dataset.Error {
	return &dataset.Error{Path: path, Kind: kindDataSameName, Msg: fmt.Sprintf(
		"has the same name %q as %s; a model names its data files by their base names, so rename one", name, prev)}
}
