package compiler

import (
	"fmt"
	"strings"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
)

// The errors the compiler reports, one constructor per kind with the span first (stanc3's
// Semantic_error): Bind's here, the checker's in errors_check.go, the warnings in
// errors_warn.go, and Bind's errors about a value in a data file in errors_data.go. The message
// of a kind is written once, in its constructor; a call site passes the facts.
// Each kind is shown by a golden file testdata/diagnostics/KIND.golden or another file whose
// model causes it (TestEveryKindHasGolden), so a new kind cannot land without its golden test.
// Internal errors (a broken promise between stages, not a user's mistake) are diag.Internalf.

// Kinds of errors found when a checked model is bound to its data (bind.go, inputs.go).
const (
	kindSizeConflict           diag.Kind = "size_conflict"
	kindDeclaredSize           diag.Kind = "declared_size"
	kindSizeValue              diag.Kind = "size_value"
	kindValueFromCSV           diag.Kind = "value_from_csv"
	kindStandardizeColumn      diag.Kind = "standardize_column"
	kindSimplexTooShort        diag.Kind = "simplex_too_short"
	kindMissingColumn          diag.Kind = "missing_column"
	kindNoColumnsSelected      diag.Kind = "no_columns_selected"
	kindArgumentDomain         diag.Kind = "argument_domain"
	kindObservedNotFinite      diag.Kind = "observed_not_finite"
	kindObservedOutsideSupport diag.Kind = "observed_outside_support"
	kindMixtureWeightCount     diag.Kind = "mixture_weight_count"
	kindMixtureOneWeightCount  diag.Kind = "mixture_one_weight_count"
	kindNoDataFile             diag.Kind = "no_data_file"
	kindUnknownDataFile        diag.Kind = "unknown_data_file"
	kindDataValue              diag.Kind = "data_value"
	kindJSONValue              diag.Kind = "json_value"
	kindJSONRank               diag.Kind = "json_rank"
	kindColumnsExceptJSON      diag.Kind = "columns_except_json"
	kindStandardizeScalar      diag.Kind = "standardize_scalar"
	kindBoundsOrder            diag.Kind = "bounds_in_wrong_order"
)

// errSizeConflict: two declarations bind one size symbol to different values.
func errSizeConflict(pos diag.Pos, size string, n int, boundBy, what string) *diag.Error {
	return diag.New(kindSizeConflict, pos, diag.Pos{}, "size %s is %d (bound by %s), but %s", size, n, boundBy, what).
		WithHint("give sizes that differ different names")
}

// errDeclaredSize: a literal size in a declaration disagrees with the data; what says how.
func errDeclaredSize(pos diag.Pos, name string, size int, what string) *diag.Error {
	return diag.New(kindDeclaredSize, pos, diag.Pos{}, "%s is declared with size %d, but %s", name, size, what)
}

// errSizeValue: a JSON value used as a size is not a whole number of at least 1.
func errSizeValue(pos, end diag.Pos, name, path string, x float64) *diag.Error {
	return diag.New(kindSizeValue, pos, end, "%s is used as a size, but its value in %s is %g", name, path, x).
		WithHint("a size must be a whole number of at least 1")
}

// errValueFromCSV: value "X" names a JSON value, but the file is a CSV table.
func errValueFromCSV(pos, end diag.Pos, name, path string) *diag.Error {
	return diag.New(kindValueFromCSV, pos, end, "data %s: value reads a named value of a JSON data file, but %s is a CSV table", name, path).
		WithHint("%s", `read a column of a CSV with column "name", or give the data as JSON ({"name": ...})`)
}

// errStandardizeColumn: a CSV column cannot be standardized (constant, or no finite spread); hint
// says which columns to leave out.
func errStandardizeColumn(pos diag.Pos, column, path string, cause error, hint string) *diag.Error {
	e := diag.New(kindStandardizeColumn, pos, diag.Pos{}, "cannot standardize column %q of %s: %v", column, path, cause)
	e.Hint = hint
	return e
}

// errStandardizeJSONColumn: column k (1-based) of a JSON matrix cannot be standardized.
func errStandardizeJSONColumn(pos diag.Pos, k int, name, path string, cause error) *diag.Error {
	return diag.New(kindStandardizeColumn, pos, diag.Pos{}, "cannot standardize column %d of %s (%s): %v", k, name, path, cause)
}

// errStandardizeScalar: standardize applied to a scalar.
func errStandardizeScalar(pos diag.Pos, name string) *diag.Error {
	return diag.New(kindStandardizeScalar, pos, diag.Pos{}, "cannot standardize %s: it is a scalar", name)
}

// errSimplexTooShort: a simplex needs two elements.
func errSimplexTooShort(pos, end diag.Pos, name string, n int) *diag.Error {
	return diag.New(kindSimplexTooShort, pos, end, "parameter %s is a simplex of %d %s; it needs at least 2", name, n, plural(n, "element", "elements"))
}

// errMissingColumn: a named column or value is not in the data file; cause is the dataset's
// message, which lists what is there and suggests a name.
func errMissingColumn(pos, end diag.Pos, cause error) *diag.Error {
	return diag.New(kindMissingColumn, pos, end, "%s", cause.Error())
}

// errNoColumnsSelected: columns except left nothing.
func errNoColumnsSelected(pos diag.Pos, name, path string, columns []string) *diag.Error {
	return diag.New(kindNoColumnsSelected, pos, diag.Pos{}, "data %s selects no columns: %s has only %s", name, path, strings.Join(columns, ", "))
}

// errArgumentDomain: an argument computed from data is outside its parameter's domain.
func errArgumentDomain(pos, end diag.Pos, param string, d *dist.Dist, domain fmt.Stringer, x float64) *diag.Error {
	return diag.New(kindArgumentDomain, pos, end, "argument %s of %s must be %s, but it is %g", param, d.Name, domain, x)
}

// errObservedNotFinite: an observed expression of data is NaN or infinite; at says for which row.
func errObservedNotFinite(pos, end diag.Pos, x float64, at string) *diag.Error {
	return diag.New(kindObservedNotFinite, pos, end, "the observed expression is %g%s; an observed value must be a finite number", x, at).
		WithHint("check the transformation and the data (the logarithm of a number ≤ 0, a division by 0)")
}

// errObservedOutsideSupport: an observed expression of data is outside the distribution's support.
func errObservedOutsideSupport(pos, end diag.Pos, x float64, at string, d *dist.Dist) *diag.Error {
	return diag.New(kindObservedOutsideSupport, pos, end, "the observed expression is %g%s, outside the support %s of %s", x, at, d.Support, d.Name).
		WithHint("an observed expression of data must take values the distribution can produce; check the transformation and the data")
}

// errMixtureWeightCount: the weights vector's length differs from the number of components.
func errMixtureWeightCount(pos, end diag.Pos, components, weights int) *diag.Error {
	return diag.New(kindMixtureWeightCount, pos, end, "Mixture has %d components, but %d weights", components, weights).
		WithHint("give one weight per component, in the order of the components")
}

// errMixtureOneWeightCount: a per-row weight θ of a two-component mixture has the wrong length.
func errMixtureOneWeightCount(pos, end diag.Pos, n int) *diag.Error {
	return diag.New(kindMixtureOneWeightCount, pos, end, "Mixture with one weight θ has two components (θ and 1 − θ), but this argument has %d values", n).
		WithHint("for more components give a vector of weights, param w[K] ~ Dirichlet(1)")
}

// errNoDataFile: a data declaration but no data file on the command line.
func errNoDataFile(pos diag.Pos, name string) *diag.Error {
	return diag.New(kindNoDataFile, pos, diag.Pos{}, "data %s has no data file to read", name)
}

// errUnknownDataFile: from "name" names no data file given; given are the names that were.
func errUnknownDataFile(pos, end diag.Pos, name, table string, given []string) *diag.Error {
	quoted := make([]string, len(given))
	for i, g := range given {
		quoted[i] = fmt.Sprintf("%q", g)
	}
	e := diag.New(kindUnknownDataFile, pos, end, "data %s reads the data file %q, but no data file of that name was given (given: %s)", name, table, strings.Join(quoted, ", "))
	if s := diag.Suggest(table, given); s != "" {
		return e.WithHint("did you mean %q? A file is named by its base name without the extension", s)
	}
	return e.WithHint("give the file on the command line after the model, e.g. hmcc run model.model data.csv %s.csv", table)
}

// errDataValue: a value of data is unusable (msg says why) where no file location is known.
func errDataValue(pos diag.Pos, msg string) *diag.Error {
	return diag.New(kindDataValue, pos, diag.Pos{}, "%s", msg)
}

// errJSONValue: a named JSON value is missing or unreadable; cause is the dataset's message.
func errJSONValue(pos, end diag.Pos, cause error) *diag.Error {
	return diag.New(kindJSONValue, pos, end, "%s", cause.Error())
}

// errJSONRank: a JSON value has the wrong rank for how the declaration reads it.
func errJSONRank(pos, end diag.Pos, name, value, path, got, want string) *diag.Error {
	return diag.New(kindJSONRank, pos, end, "data %s: %q in %s is %s, but %s", name, value, path, got, want)
}

// errColumnsExceptJSON: columns except asked of a JSON file.
func errColumnsExceptJSON(pos, end diag.Pos, name, path string) *diag.Error {
	return diag.New(kindColumnsExceptJSON, pos, end, "data %s: columns except selects columns of a CSV table, but %s is a JSON file of named values", name, path).
		WithHint("%s", `name the values, as in columns "a", "b", or read a matrix with value "X"`)
}

// errBoundsOrder: the lower bound of a parameter is not below the upper (found by the checker for
// numbers, by Bind for bounds computed from data).
func errBoundsOrder(pos, end diag.Pos, name string, lo, hi float64) *diag.Error {
	return diag.New(kindBoundsOrder, pos, end, "the bounds of parameter %s are %g and %g; the lower must be less than the upper", name, lo, hi)
}
