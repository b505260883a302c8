package compiler

import (
	"fmt"
	"math"
	"strings"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
)

// Kinds of errors the checker finds in a model without its data (check.go, index.go,
// mixture.go), and the index errors Bind finds once sizes are known (index.go). Each is the base
// name of the golden file in testdata/diagnostics that shows it.
const (
	kindNoParameters               diag.Kind = "no_parameters"
	kindAlreadyDeclared            diag.Kind = "already_declared"
	kindFunctionName               diag.Kind = "function_name"
	kindSizeNotPositive            diag.Kind = "size_not_positive"
	kindSizeNotBound               diag.Kind = "size_not_bound"
	kindLevelsOneSize              diag.Kind = "levels_one_size"
	kindLevelsWithoutSize          diag.Kind = "levels_without_size"
	kindLevelsSizeIsRows           diag.Kind = "levels_size_is_rows"
	kindValueRank                  diag.Kind = "value_rank"
	kindColumnOneSize              diag.Kind = "column_one_size"
	kindColumnsTwoSizes            diag.Kind = "columns_two_sizes"
	kindParamMatrix                diag.Kind = "param_matrix"
	kindMixturePrior               diag.Kind = "mixture_prior"
	kindDiscretePrior              diag.Kind = "discrete_prior"
	kindVectorPriorOnScalar        diag.Kind = "vector_prior_on_scalar"
	kindBoundDependsOnParams       diag.Kind = "bound_depends_on_params"
	kindBoundNotScalar             diag.Kind = "bound_not_scalar"
	kindLetShapeMismatch           diag.Kind = "let_shape_mismatch"
	kindLetMatrix                  diag.Kind = "let_matrix"
	kindConstDependsOnParams       diag.Kind = "const_depends_on_params"
	kindGeneratedMatrixShape       diag.Kind = "generated_matrix_shape"
	kindGenerateNotDrawable        diag.Kind = "generate_mixture"
	kindGeneratedVectorWithoutSize diag.Kind = "generated_vector_without_size"
	kindGeneratedShapeMismatch     diag.Kind = "generated_shape_mismatch"
	kindObservedNotDeclared        diag.Kind = "observed_not_declared"
	kindObservedParameter          diag.Kind = "observed_parameter"
	kindObservedLet                diag.Kind = "observed_const"
	kindObservedGenerated          diag.Kind = "observed_generated"
	kindObservedMatrix             diag.Kind = "observed_matrix"
	kindObservedExpressionMatrix   diag.Kind = "observed_expression_matrix"
	kindVectorLikelihood           diag.Kind = "vector_likelihood"
	kindUnknownDistribution        diag.Kind = "unknown_distribution"
	kindDistributionArity          diag.Kind = "distribution_arity"
	kindArgumentShape              diag.Kind = "argument_shape"
	kindNumberTooLarge             diag.Kind = "number_too_large"
	kindNotDeclared                diag.Kind = "not_declared"
	kindGeneratedUsedInModel       diag.Kind = "generated_used_in_model"
	kindRecurNotLet                diag.Kind = "recur_not_let"
	kindElementwiseShapes          diag.Kind = "elementwise_shapes"
	kindIndexWrongSize             diag.Kind = "index_wrong_size"
	kindMatrixElementwise          diag.Kind = "matrix_elementwise"
	kindMatvecLeftNotMatrix        diag.Kind = "matvec_left_not_matrix"
	kindMatvecLeftParams           diag.Kind = "matvec_left_params"
	kindMatvecRightNotVector       diag.Kind = "matvec_right_not_vector"
	kindMatvecShapes               diag.Kind = "matvec_shapes"
	kindUnknownFunction            diag.Kind = "unknown_function"
	kindFunctionArity              diag.Kind = "function_arity"
	kindLogSumExpArity             diag.Kind = "log_sum_exp_arity"
	kindReductionArity             diag.Kind = "reduction_arity"
	kindLogSumExpShapes            diag.Kind = "log_sum_exp_shapes"
	kindTransposeShape             diag.Kind = "transpose_vector"
	kindDotShapes                  diag.Kind = "dot_shapes"
	kindIntegerArgDependsOnParams  diag.Kind = "trials_depend_on_params"
	kindRecurIndexForm             diag.Kind = "recur_index_form"
	kindIndexVariableOutsideRecur  diag.Kind = "index_variable_outside_recur"
	kindIndexNotGrouping           diag.Kind = "index_not_grouping"
	kindIndexNotVector             diag.Kind = "index_scalar"
	kindIndexBeforeFirst           diag.Kind = "index_before_first"
	kindElementOutOfRange          diag.Kind = "element_out_of_range"
	kindSliceOutOfRange            diag.Kind = "slice_out_of_range"
	kindSliceEmpty                 diag.Kind = "slice_empty"
	kindRecurSelfUnindexed         diag.Kind = "recur_self_unindexed"
	kindRecurLagNotNumber          diag.Kind = "recur_lag_not_number"
	kindRecurFuture                diag.Kind = "recur_future"
	kindRecurLagTooFar             diag.Kind = "recur_lag_too_far"
	kindRecurWithoutLength         diag.Kind = "recur_without_length"
	kindRecurInitMatrix            diag.Kind = "recur_init_matrix"
	kindRecurIndexDeclared         diag.Kind = "recur_index_declared"
	kindRecurIndexSize             diag.Kind = "recur_index_size"
	kindRecurStepVector            diag.Kind = "recur_step_vector"
	kindIfelseShapes               diag.Kind = "ifelse_shapes"
	kindRecurTooManyFirst          diag.Kind = "recur_too_many_first"
	kindRecurReadsOutside          diag.Kind = "recur_reads_outside"
	kindOrderedArity               diag.Kind = "ordered_arity"
	kindOrderedNotDistribution     diag.Kind = "ordered_not_distribution"
	kindOrderedScalar              diag.Kind = "ordered_scalar"
	kindOrderedSupport             diag.Kind = "ordered_support"
	kindMixtureArity               diag.Kind = "mixture_arity"
	kindMixtureComponent           diag.Kind = "mixture_component"
	kindMixtureWeightsShape        diag.Kind = "mixture_weights_shape"
	kindMixtureVectorComponent     diag.Kind = "mixture_vector_component"
	kindMixtureComponentArity      diag.Kind = "mixture_component_arity"
	kindMixtureArgumentShape       diag.Kind = "mixture_argument_shape"
	kindMixtureOfNotDistribution   diag.Kind = "mixture_of_not_distribution"
	kindMixtureOfArgumentShape     diag.Kind = "mixture_of_argument_shape"
	kindMixtureOfOneWeight         diag.Kind = "mixture_of_one_weight"
	kindMixtureOfWeightCount       diag.Kind = "mixture_of_weight_count"
)

// didYouMean is the hint for a misspelt name: "did you mean X?" when Suggest found one, else
// otherwise.
func didYouMean(e *diag.Error, suggestion, otherwise string) *diag.Error {
	if suggestion != "" {
		return e.WithHint("did you mean %s?", suggestion)
	}
	e.Hint = otherwise
	return e
}

func errNoParameters(file string) *diag.Error {
	return diag.New(kindNoParameters, diag.Pos{File: file, Line: 1, Col: 1}, diag.Pos{}, "the model has no parameters").
		WithHint("%s", `declare at least one, e.g. param mu ~ Normal(0, 1)`)
}

func errAlreadyDeclared(pos, end diag.Pos, name string, line int) *diag.Error {
	return diag.New(kindAlreadyDeclared, pos, end, "%s is already declared at line %d", name, line).
		WithHint("give each data, param and let its own name")
}

func errFunctionName(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindFunctionName, pos, end, "%s is the name of a function", name).WithHint("choose another name")
}

func errSizeNotPositive(pos, end diag.Pos) *diag.Error {
	return diag.New(kindSizeNotPositive, pos, end, "a size must be a whole number from 1 to %d", math.MaxInt32)
}

// errSizeNotBound: a named size no data declaration binds; sizes are the names that are bound.
func errSizeNotBound(pos, end diag.Pos, name string, sizes []string) *diag.Error {
	e := diag.New(kindSizeNotBound, pos, end, "size %s is not bound by any data declaration", name)
	return didYouMean(e, diag.Suggest(name, sizes), `sizes are named by data, as in data y[N] = column "y"`)
}

func errLevelsOneSize(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindLevelsOneSize, pos, end, "data %s takes one column of groups, so it needs one size, as in %s[N]", name, name)
}

func errLevelsWithoutSize(pos, end diag.Pos, name, column string) *diag.Error {
	return diag.New(kindLevelsWithoutSize, pos, end, "data %s: name the number of groups", name).
		WithHint(`write levels "%s" as J; J is then the size of per-group parameters, as in param a[J]`, column)
}

func errLevelsSizeIsRows(pos, end diag.Pos, size, name string) *diag.Error {
	return diag.New(kindLevelsSizeIsRows, pos, end, "%s already names the rows of %s; give the number of groups its own name", size, name)
}

func errValueRank(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindValueRank, pos, end, "data %s: a value is a scalar, a vector or a matrix, so it takes at most two sizes", name)
}

func errColumnOneSize(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindColumnOneSize, pos, end, "data %s takes one column, so it needs one size, as in %s[N]", name, name)
}

func errColumnsTwoSizes(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindColumnsTwoSizes, pos, end, "data %s takes several columns, so it needs two sizes, as in %s[N, D]", name, name)
}

func errParamMatrix(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindParamMatrix, pos, end, "parameter %s: only scalars, vectors and matrices are supported", name)
}

func errMixturePrior(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindMixturePrior, pos, end, "Mixture can only be observed (a likelihood), not the prior of parameter %s", name).
		WithHint("for a prior with several modes, mix in the likelihood of data, or use a Dirichlet weight and component parameters")
}

func errDiscretePrior(pos, end diag.Pos, name, distName string) *diag.Error {
	return diag.New(kindDiscretePrior, pos, end, "parameter %s cannot have the discrete prior %s", name, distName).
		WithHint("HMC needs continuous parameters; use a continuous distribution")
}

func errVectorPriorOnScalar(pos, end diag.Pos, name, distName string, shape fmt.Stringer) *diag.Error {
	return diag.New(kindVectorPriorOnScalar, pos, end, "parameter %s: %s is a distribution of vectors, but %s has shape %s", name, distName, name, shape).
		WithHint("declare it with one size, as in param %s[K] ~ %s(...)", name, distName)
}

// errBoundDependsOnParams: which is "lower" or "upper".
func errBoundDependsOnParams(pos, end diag.Pos, which, name, distName string) *diag.Error {
	return diag.New(kindBoundDependsOnParams, pos, end, "the %s bound of parameter %s depends on parameters", which, name).
		WithHint("bounds of a %s prior must be numbers or data; for a bound that is a parameter, sample on (0, 1) with Beta and scale it in a let", distName)
}

func errBoundNotScalar(pos, end diag.Pos, which, name string, shape fmt.Stringer) *diag.Error {
	return diag.New(kindBoundNotScalar, pos, end, "the %s bound of parameter %s has shape %s; bounds must be scalars", which, name, shape)
}

func errLetShapeMismatch(pos, end diag.Pos, name string, declared, got fmt.Stringer) *diag.Error {
	return diag.New(kindLetShapeMismatch, pos, end, "let %s is declared with shape %s, but its value has shape %s", name, declared, got)
}

// errLetMatrix: ofData says the value depends on no parameter, so a const could hold it.
func errLetMatrix(pos, end diag.Pos, name string, ofData bool) *diag.Error {
	e := diag.New(kindLetMatrix, pos, end, "let %s would be a matrix of data; a let names a matrix only when it depends on parameters", name)
	if ofData {
		e.WithHint("a matrix of data can be named with const %s = ...", name)
	}
	return e
}

// errConstDependsOnParams: what names the parameter or let it depends on.
func errConstDependsOnParams(pos, end diag.Pos, name, what string) *diag.Error {
	return diag.New(kindConstDependsOnParams, pos, end, "const %s depends on %s; a const is computed once, from numbers and data", name, what).
		WithHint("use let %s = ... for a value that depends on parameters", name)
}

func errGeneratedMatrixShape(pos, end diag.Pos, name, distName string) *diag.Error {
	return diag.New(kindGeneratedMatrixShape, pos, end, "generated %s: %s draws numbers one by one, into a scalar or a vector; a matrix of draws is not supported", name, distName).
		WithHint("the rows of a matrix [N, K] can be drawn from MultiNormal or MultiNormalCholesky, and a K×K matrix from LKJCorrCholesky; or draw a vector and index it")
}

// errGenerateNotDrawable: generate NAME ~ Mixture(...) or Ordered(...).
func errGenerateNotDrawable(pos, end diag.Pos, distName, name string) *diag.Error {
	return diag.New(kindGenerateNotDrawable, pos, end, "%s cannot be drawn by generate yet", distName).
		WithHint("%s is for %s for now; compute what you need with generate %s = expression", distName, map[string]string{"Mixture": "likelihoods", "Ordered": "priors"}[distName], name)
}

func errGeneratedVectorWithoutSize(pos, end diag.Pos, name, distName string) *diag.Error {
	return diag.New(kindGeneratedVectorWithoutSize, pos, end, "generated %s: %s draws vectors; give its size, as in generate %s[K] ~ %s(...)", name, distName, name, distName)
}

func errGeneratedShapeMismatch(pos, end diag.Pos, name string, declared, got fmt.Stringer) *diag.Error {
	return diag.New(kindGeneratedShapeMismatch, pos, end, "generated %s is declared with shape %s, but its value has shape %s", name, declared, got)
}

// errObservedNotDeclared: the left side of ~ names nothing; names are the declared ones.
func errObservedNotDeclared(pos, end diag.Pos, name string, names []string) *diag.Error {
	e := diag.New(kindObservedNotDeclared, pos, end, "%s is not declared", name)
	return didYouMean(e, diag.SuggestNames(name, names), fmt.Sprintf(`declare the observed data first, e.g. data %s[N] = column "%s"`, name, name))
}

func errObservedParameter(pos, end diag.Pos, name, distName string) *diag.Error {
	return diag.New(kindObservedParameter, pos, end, "%s is a parameter; its prior belongs in its declaration", name).
		WithHint("write param %s ~ %s(...)", name, distName)
}

// errObservedLet: what is "let" or "const".
func errObservedLet(pos, end diag.Pos, name, what string) *diag.Error {
	return diag.New(kindObservedLet, pos, end, "%s is a %s; only data can be observed with ~", name, what)
}

func errObservedGenerated(pos, end diag.Pos, name, distName string) *diag.Error {
	return diag.New(kindObservedGenerated, pos, end, "%s is generated; only data can be observed with ~", name).
		WithHint("write generate %s ~ %s(...) to draw it", name, distName)
}

func errObservedMatrix(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindObservedMatrix, pos, end, "%s is a matrix; an observed outcome must be a vector", name)
}

func errObservedExpressionMatrix(pos, end diag.Pos, shape fmt.Stringer) *diag.Error {
	return diag.New(kindObservedExpressionMatrix, pos, end, "the left side of ~ has shape %s; an observed outcome must be a vector or a scalar", shape)
}

func errVectorLikelihood(pos, end diag.Pos, distName string) *diag.Error {
	return diag.New(kindVectorLikelihood, pos, end, "%s can only be the prior of a parameter for now, not a likelihood", distName)
}

func errUnknownDistribution(pos, end diag.Pos, name string) *diag.Error {
	e := diag.New(kindUnknownDistribution, pos, end, "unknown distribution %s", name)
	return didYouMean(e, diag.Suggest(name, dist.Names()), "known distributions: "+strings.Join(dist.Names(), ", "))
}

func errDistributionArity(pos, end diag.Pos, d *dist.Dist, got int) *diag.Error {
	names := make([]string, len(d.Params))
	for i, p := range d.Params {
		names[i] = p.Name
	}
	return diag.New(kindDistributionArity, pos, end, "%s takes %d arguments (%s), got %d", d.Name, len(d.Params), strings.Join(names, ", "), got)
}

func errArgumentShape(pos, end diag.Pos, param, distName string, shape, variate fmt.Stringer) *diag.Error {
	return diag.New(kindArgumentShape, pos, end, "argument %s of %s has shape %s, but the variate has shape %s", param, distName, shape, variate)
}

func errNumberTooLarge(pos, end diag.Pos, text string) *diag.Error {
	return diag.New(kindNumberTooLarge, pos, end, "the number %s is too large for a 64-bit float", text).
		WithHint("the largest is about 1.8e308")
}

// errNotDeclared: a name used in an expression is not declared; names are the declared ones.
func errNotDeclared(pos, end diag.Pos, name string, names []string) *diag.Error {
	e := diag.New(kindNotDeclared, pos, end, "%s is not declared", name)
	return didYouMean(e, diag.SuggestNames(name, names), "names must be declared (data, param or let) before they are used")
}

func errGeneratedUsedInModel(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindGeneratedUsedInModel, pos, end, "%s is generated after sampling; only generate statements can use it", name).
		WithHint("to use it in the model, make it a let")
}

func errRecurNotLet(pos, end diag.Pos) *diag.Error {
	return diag.New(kindRecurNotLet, pos, end, "recur can only be the whole value of a let, as in let x[N] = recur(x1, t: x[t-1] + 1)")
}

func errElementwiseShapes(pos, end diag.Pos, op string, left, right fmt.Stringer) *diag.Error {
	return diag.New(kindElementwiseShapes, pos, end, "shapes do not match for %s: left is %s, right is %s", op, left, right)
}

// errIndexWrongSize: name[g] where name is not a vector of one element per group of g (J
// groups); shape is name's shape.
func errIndexWrongSize(pos, end diag.Pos, name string, shape fmt.Stringer, rank int, group string, J fmt.Stringer) *diag.Error {
	e := diag.New(kindIndexWrongSize, pos, end, "%s has shape %s, but %s has %s groups; indexing by %s needs a vector [%s]", name, shape, group, J, group, J)
	if rank <= 1 {
		e.WithHint("declare %s with one element per group, as in param %s[%s]", name, name, J)
	}
	return e
}

func errMatrixElementwise(pos, end diag.Pos, op string) *diag.Error {
	return diag.New(kindMatrixElementwise, pos, end, "a matrix cannot be used with %s; multiply it by a vector with @", op)
}

func errMatvecLeftNotMatrix(pos, end diag.Pos, shape fmt.Stringer) *diag.Error {
	return diag.New(kindMatvecLeftNotMatrix, pos, end, "the left side of @ must be a matrix, but it has shape %s", shape)
}

func errMatvecLeftParams(pos, end diag.Pos) *diag.Error {
	return diag.New(kindMatvecLeftParams, pos, end, "the matrix on the left of @ must be data; matrices of parameters are not supported yet")
}

func errMatvecRightNotVector(pos, end diag.Pos, shape fmt.Stringer) *diag.Error {
	return diag.New(kindMatvecRightNotVector, pos, end, "the right side of @ must be a vector or a matrix, but it has shape %s", shape)
}

// errMatvecShapes: cols is the matrix's column count.
func errMatvecShapes(pos, end diag.Pos, matrix, vector, cols fmt.Stringer) *diag.Error {
	return diag.New(kindMatvecShapes, pos, end, "shapes do not match for @: the matrix is %s, the vector is %s (its length must equal the matrix's column count %s)", matrix, vector, cols)
}

// errUnknownFunction: funcs are the names of every function a model may call.
func errUnknownFunction(pos, end diag.Pos, name string, funcs []string) *diag.Error {
	e := diag.New(kindUnknownFunction, pos, end, "unknown function %s", name)
	if _, isDist := dist.Lookup(name); isDist {
		return e.WithHint("%s is a distribution; use it after ~", name)
	}
	return didYouMean(e, diag.Suggest(name, funcs), "functions: "+strings.Join(funcs, ", "))
}

func errFunctionArity(pos, end diag.Pos, name string, got int) *diag.Error {
	return diag.New(kindFunctionArity, pos, end, "%s takes one argument, got %d", name, got)
}

func errLogSumExpArity(pos, end diag.Pos, got int) *diag.Error {
	return diag.New(kindLogSumExpArity, pos, end, "log_sum_exp takes one vector or two arguments, got %d", got).
		WithHint("log_sum_exp(v) is log Σ exp(vₖ); log_sum_exp(a, b) is log(exp(a) + exp(b)), elementwise")
}

// errReductionArity: want is "one argument", "two arguments", ….
func errReductionArity(pos, end diag.Pos, name, want string, got int) *diag.Error {
	return diag.New(kindReductionArity, pos, end, "%s takes %s, got %d", name, want, got)
}

func errLogSumExpShapes(pos, end diag.Pos, first, second fmt.Stringer) *diag.Error {
	return diag.New(kindLogSumExpShapes, pos, end, "shapes do not match for log_sum_exp: the first is %s, the second is %s", first, second).
		WithHint("log_sum_exp(a, b) works element by element: give two vectors of one length, or a scalar")
}

// errTransposeShape: rank is the argument's number of dimensions.
func errTransposeShape(pos, end diag.Pos, shape fmt.Stringer, rank int) *diag.Error {
	e := diag.New(kindTransposeShape, pos, end, "transpose takes a matrix, but its argument has shape %s", shape)
	if rank == 1 {
		e.WithHint("a vector needs no transpose: dot(a, b) is the product of a transposed and b")
	}
	return e
}

func errDotShapes(pos, end diag.Pos, first, second fmt.Stringer) *diag.Error {
	return diag.New(kindDotShapes, pos, end, "shapes do not match for dot: the first is %s, the second is %s", first, second).
		WithHint("dot multiplies two vectors of the same length element by element and adds the products")
}

func errIntegerArgDependsOnParams(pos, end diag.Pos, param, distName string) *diag.Error {
	return diag.New(kindIntegerArgDependsOnParams, pos, end, "argument %s of %s must be data (a whole number), but it depends on parameters", param, distName).
		WithHint("the log density is not differentiable in %s; give it a data column or a number", param)
}

// errRecurIndexForm: name[...] in the step of a recurrence with index t, not t ± a constant.
func errRecurIndexForm(pos, end diag.Pos, name, t string) *diag.Error {
	return diag.New(kindRecurIndexForm, pos, end, "the index of %s must be %s plus or minus a whole number or size", name, t).
		WithHint("write %s[%s], %s[%s-1] or %s[%s+K]", name, t, name, t, name, t)
}

func errIndexVariableOutsideRecur(pos, end diag.Pos, index, name string) *diag.Error {
	return diag.New(kindIndexVariableOutsideRecur, pos, end, "%s is not declared; an index such as %s[%s] exists only in the step of a recurrence", index, name, index).
		WithHint("for a slice write %s[2:N]; for a quantity defined by its past, let x[N] = recur(x1, %s: ... %s[%s] ...)", name, index, name, index)
}

// errIndexNotGrouping: t is the index of the enclosing recurrence, "" outside one.
func errIndexNotGrouping(pos, end diag.Pos, name, t string) *diag.Error {
	e := diag.New(kindIndexNotGrouping, pos, end, "%s can only be indexed by a grouping, a whole number or an expression of sizes", name)
	if t == "" {
		return e.WithHint(`write %s[1], %s[2:N] or %s[N-1]; for one element per row by group, declare data g[N] = levels "column" as J and write %s[g]`, name, name, name, name)
	}
	return e.WithHint("inside a recurrence, write %s[%s] or %s[%s-1]", name, t, name, t)
}

// errIndexNotVector: what is "a scalar" or "a matrix".
func errIndexNotVector(pos, end diag.Pos, name, what string) *diag.Error {
	return diag.New(kindIndexNotVector, pos, end, "%s is %s; only vectors can be indexed", name, what)
}

func errIndexBeforeFirst(pos, end diag.Pos, index int, name string) *diag.Error {
	return diag.New(kindIndexBeforeFirst, pos, end, "index %d of %s is before its first element, 1", index, name)
}

func errElementOutOfRange(pos, end diag.Pos, index int, name string, n int) *diag.Error {
	return diag.New(kindElementOutOfRange, pos, end, "index %d is outside %s, which has %d %s", index, name, n, plural(n, "element", "elements")).
		WithHint("elements are numbered from 1 to %d", n)
}

func errSliceOutOfRange(pos, end diag.Pos, lo, hi int, name string, n int) *diag.Error {
	return diag.New(kindSliceOutOfRange, pos, end, "the slice %d:%d is outside %s, which has %d %s", lo, hi, name, n, plural(n, "element", "elements")).
		WithHint("elements are numbered from 1 to %d", n)
}

func errSliceEmpty(pos, end diag.Pos, lo, hi int, name string) *diag.Error {
	return diag.New(kindSliceEmpty, pos, end, "the slice %d:%d of %s is empty", lo, hi, name).
		WithHint("a slice lo:hi takes elements lo to hi, both included; hi must be at least lo")
}

// errRecurSelfUnindexed: the step of recurrence name (index t) reads name other than at t-k.
func errRecurSelfUnindexed(pos, end diag.Pos, name, t string) *diag.Error {
	return diag.New(kindRecurSelfUnindexed, pos, end, "%s is being defined; its step can read only earlier elements, as in %s[%s-1]", name, name, t)
}

// errRecurLagNotNumber: at is the index as written, t-K.
func errRecurLagNotNumber(pos, end diag.Pos, name, at, t string) *diag.Error {
	return diag.New(kindRecurLagNotNumber, pos, end, "the step of %s reads %s[%s]; the lag must be a whole number, as in %s[%s-1]", name, name, at, name, t)
}

func errRecurFuture(pos, end diag.Pos, name, at, t string) *diag.Error {
	return diag.New(kindRecurFuture, pos, end, "the step of %s reads %s[%s], which is not computed yet; a recurrence can only read earlier elements", name, name, at).
		WithHint("write %s[%s-1] for the element before", name, t)
}

// errRecurLagTooFar: the step reads name[t-lag] but only k first values are given.
func errRecurLagTooFar(pos, end diag.Pos, name string, lag, k int) *diag.Error {
	return diag.New(kindRecurLagTooFar, pos, end, "the step of %s reads %s[t-%d], but only %d first %s given", name, name, lag, k, plural(k, "value is", "values are")).
		WithHint("a recurrence reading %d elements back needs %d first values, as in recur(x0[1:%d], t: ...)", lag, lag, lag)
}

func errRecurWithoutLength(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindRecurWithoutLength, pos, end, "recurrence %s needs its length, as in let %s[N] = recur(...)", name, name)
}

func errRecurInitMatrix(pos, end diag.Pos, name string, shape fmt.Stringer) *diag.Error {
	return diag.New(kindRecurInitMatrix, pos, end, "the first values of %s must be a number or a vector, but they have shape %s", name, shape)
}

func errRecurIndexDeclared(pos, end diag.Pos, index, name string) *diag.Error {
	return diag.New(kindRecurIndexDeclared, pos, end, "the index %s of %s is already the name of a declaration", index, name).
		WithHint("call the index t, or any name not used for data, a param or a let")
}

func errRecurIndexSize(pos, end diag.Pos, index, name string) *diag.Error {
	return diag.New(kindRecurIndexSize, pos, end, "the index %s of %s is already the name of a size", index, name).
		WithHint("call the index t, or any name not used for a size")
}

func errRecurStepVector(pos, end diag.Pos, name, t string, shape fmt.Stringer) *diag.Error {
	return diag.New(kindRecurStepVector, pos, end, "the step of %s must give one number for each %s, but it has shape %s", name, t, shape).
		WithHint("read vectors at the index, as in y[%s] or %s[%s-1]", t, name, t)
}

func errIfelseShapes(pos, end diag.Pos, this, earlier fmt.Stringer) *diag.Error {
	return diag.New(kindIfelseShapes, pos, end, "shapes do not match for ifelse: this argument is %s, an earlier one %s", this, earlier)
}

// errRecurTooManyFirst: k first values for a recurrence of n elements.
func errRecurTooManyFirst(pos, end diag.Pos, name string, n, k int) *diag.Error {
	return diag.New(kindRecurTooManyFirst, pos, end, "%s has %d %s, but %d first values", name, n, plural(n, "element", "elements"), k)
}

// errRecurReadsOutside: the step of name reads vec[bad] when t is bad-off; vec has m elements;
// t runs from k+1 to n.
func errRecurReadsOutside(pos, end diag.Pos, name, vec string, bad, off, m, k, n int) *diag.Error {
	return diag.New(kindRecurReadsOutside, pos, end, "the step of %s reads %s[%d] when t is %d, outside %s, which has %d %s",
		name, vec, bad, bad-off, vec, m, plural(m, "element", "elements")).
		WithHint("t runs from %d (after the %d first %s) to %d; give more first values, or shorten the recurrence", k+1, k, plural(k, "value", "values"), n)
}

func errOrderedArity(pos, end diag.Pos, name string) *diag.Error {
	return diag.New(kindOrderedArity, pos, end, "Ordered takes one distribution, the prior of the ordered values").
		WithHint("write param %s[K] ~ Ordered(Normal(0, 5))", name)
}

func errOrderedNotDistribution(pos, end diag.Pos, fn, name string) *diag.Error {
	return diag.New(kindOrderedNotDistribution, pos, end, "Ordered takes a distribution, but %s is not one", fn).
		WithHint("write param %s[K] ~ Ordered(Normal(0, 5))", name)
}

func errOrderedScalar(pos, end diag.Pos, name string, shape fmt.Stringer, distName string) *diag.Error {
	return diag.New(kindOrderedScalar, pos, end, "parameter %s: an ordered parameter is a vector, but %s has shape %s", name, name, shape).
		WithHint("declare it with one size, as in param %s[K] ~ Ordered(%s(...))", name, distName)
}

func errOrderedSupport(pos, end diag.Pos, distName string, support fmt.Stringer) *diag.Error {
	return diag.New(kindOrderedSupport, pos, end, "Ordered needs a prior on the real line, but %s has support %s", distName, support).
		WithHint("order values on the real line, e.g. Ordered(Normal(0, 5)); for ordered positive values, order their logarithms and exponentiate in a let")
}

const mixtureUsage = "write y ~ Mixture(w, Normal(mu, sigma)) with w a simplex [K] and mu, sigma vectors [K] or scalars"

func errMixtureArity(pos, end diag.Pos, got int) *diag.Error {
	return diag.New(kindMixtureArity, pos, end, "Mixture takes two arguments, the weights and the component distribution, got %d", got).
		WithHint("%s", mixtureUsage)
}

func errMixtureComponent(pos, end diag.Pos) *diag.Error {
	return diag.New(kindMixtureComponent, pos, end, "the second argument of Mixture must be a distribution, as in Normal(mu, sigma)").
		WithHint("%s", mixtureUsage)
}

func errMixtureWeightsShape(pos, end diag.Pos, shape fmt.Stringer) *diag.Error {
	return diag.New(kindMixtureWeightsShape, pos, end, "the weights of Mixture have shape %s; they must be a vector [K], one weight per component, or a scalar θ for two components", shape).
		WithHint("declare them as a simplex, param w[K] ~ Dirichlet(1)")
}

func errMixtureVectorComponent(pos, end diag.Pos, distName string) *diag.Error {
	return diag.New(kindMixtureVectorComponent, pos, end, "%s is a distribution of vectors; a component of Mixture is a distribution of numbers", distName)
}

func errMixtureComponentArity(pos, end diag.Pos, d *dist.Dist, got int) *diag.Error {
	return diag.New(kindMixtureComponentArity, pos, end, "%s takes %d arguments, got %d", d.Name, len(d.Params), got)
}

// errMixtureArgumentShape: weights is the weights as written, K their shape.
func errMixtureArgumentShape(pos, end diag.Pos, param, distName string, shape, K fmt.Stringer, weights string) *diag.Error {
	return diag.New(kindMixtureArgumentShape, pos, end, "argument %s of %s in Mixture has shape %s; each argument is a scalar or a vector %s, one value per component", param, distName, shape, K).
		WithHint("the weights %s have shape %s: give %s one value per component", weights, K, param)
}

// errMixtureOfNotDistribution: argument i (1-based) of Mixture(w, D1(...), D2(...), ...).
func errMixtureOfNotDistribution(pos, end diag.Pos, i int) *diag.Error {
	return diag.New(kindMixtureOfNotDistribution, pos, end, "argument %d of Mixture must be a distribution, as in Normal(mu, sigma)", i).
		WithHint("write y ~ Mixture(w, Normal(mu1, sigma1), Normal(mu2, sigma2)) with one weight per component")
}

func errMixtureOfArgumentShape(pos, end diag.Pos, param, distName string, shape, variate fmt.Stringer) *diag.Error {
	return diag.New(kindMixtureOfArgumentShape, pos, end, "argument %s of %s in Mixture has shape %s; an argument of a component written out is a scalar or has the shape %s of the observed values", param, distName, shape, variate).
		WithHint("for parameters with one value per component, write Mixture(w, %s(...)) once with vectors [K]", distName)
}

func errMixtureOfOneWeight(pos, end diag.Pos, K int) *diag.Error {
	return diag.New(kindMixtureOfOneWeight, pos, end, "Mixture with one weight θ has two components (θ and 1 − θ), but %d are written", K).
		WithHint("give a vector of %d weights, e.g. param w[%d] ~ Dirichlet(1)", K, K)
}

func errMixtureOfWeightCount(pos, end diag.Pos, K int, shape fmt.Stringer) *diag.Error {
	return diag.New(kindMixtureOfWeightCount, pos, end, "Mixture has %d components, but the weights have shape %s", K, shape).
		WithHint("give one weight per component, in the order of the components")
}
