package compiler

import (
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// Kinds of warnings (warn.go): things a model may do that usually are a mistake or sample badly.
// As with the errors, one constructor per kind, span first, and each kind is the base name of the
// golden file in testdata/diagnostics that shows it (TestEveryKindHasGolden).
const (
	kindWarnUnusedData         diag.Kind = "warn_unused_data"
	kindWarnUnusedLet          diag.Kind = "warn_unused_let"
	kindWarnObservedParameters diag.Kind = "warn_observed_parameters"
	kindWarnWideScale          diag.Kind = "warn_wide_scale"
	kindWarnWideRate           diag.Kind = "warn_wide_exponential"
	kindWarnWideRange          diag.Kind = "warn_wide_uniform"
	kindWarnVagueEpsilon       diag.Kind = "warn_vague_gamma"
	kindWarnCentred            diag.Kind = "warn_centred_hierarchy"
)

// wideHint is the hint of a prior too wide to say anything (scale or rate).
const wideHint = "a prior this wide is nearly flat: it can leave the posterior improper and makes warmup slow; give a scale that matches the values the parameter can plausibly take"

// warnUnusedData: a data declaration nothing reads.
func warnUnusedData(pos, end diag.Pos, name string) *diag.Error {
	return diag.NewWarning(kindWarnUnusedData, pos, end, "data %s is not used by the model", name).
		WithHint("remove it, or use %s in a likelihood, a let or a generate statement", name)
}

// warnUnusedLet: a let or const (word says which) that depends on no parameter and nothing reads.
func warnUnusedLet(pos, end diag.Pos, word, name string) *diag.Error {
	return diag.NewWarning(kindWarnUnusedLet, pos, end, "%s %s is not used by the model", word, name).
		WithHint("it depends on no parameter, so it is not written to the output either; remove it or use it")
}

// warnObservedParameters: the left side of ~ is an expression of parameters (no Jacobian added);
// expr is that side as written.
func warnObservedParameters(pos, end diag.Pos, expr string) *diag.Error {
	return diag.NewWarning(kindWarnObservedParameters, pos, end, "the left side of ~, %s, depends on parameters; hmcc adds no Jacobian for it", expr).
		WithHint("an observed expression is meant for data (log(y) ~ ...); a density of a function of parameters needs the log-Jacobian of that function added by hand, or write the model for the parameters themselves")
}

// warnWideScale: a location-scale prior whose scale argument arg is s, at least wideScale.
func warnWideScale(pos, end diag.Pos, param, dist, arg string, s float64) *diag.Error {
	return diag.NewWarning(kindWarnWideScale, pos, end, "the prior of %s is very wide: %s with %s = %g", param, dist, arg, s).
		WithHint("%s", wideHint)
}

// warnWideRate: a prior whose rate argument arg is r, at most 1/wideScale (a mean of 1/r).
func warnWideRate(pos, end diag.Pos, param, dist, arg string, r float64) *diag.Error {
	return diag.NewWarning(kindWarnWideRate, pos, end, "the prior of %s is very wide: %s with %s = %g, a mean of %.4g", param, dist, arg, r, 1/r).
		WithHint("%s", wideHint)
}

// warnWideRange: a flat prior from lo to hi, at least wideRange wide.
func warnWideRange(pos, end diag.Pos, param, dist string, lo, hi float64) *diag.Error {
	return diag.NewWarning(kindWarnWideRange, pos, end, "the prior of %s is very wide: %s from %g to %g", param, dist, lo, hi).
		WithHint("a bounded flat prior this wide says almost nothing; if %s has no natural bounds, use a Normal or a HalfNormal prior with a plausible scale", param)
}

// warnVagueEpsilon: Gamma(ε, ε) or InverseGamma(ε, ε) with both arguments at most vagueGamma.
func warnVagueEpsilon(pos, end diag.Pos, param, dist string, a, b float64) *diag.Error {
	return diag.NewWarning(kindWarnVagueEpsilon, pos, end, "the prior of %s, %s(%g, %g), is nearly improper", param, dist, a, b).
		WithHint("%s(ε, ε) is not vague: the posterior depends on ε and it puts its mass near 0 (Gelman 2006); for a scale, a HalfNormal or HalfCauchy prior is safer", dist)
}

// warnCentred: a vector parameter with a centred hierarchical prior; what says how its scale
// depends on parameters, and the hint rewrites it as raw[shape] ~ standard, let param = value.
func warnCentred(pos, end diag.Pos, param, what, raw string, shape ir.Shape, standard, value string) *diag.Error {
	return diag.NewWarning(kindWarnCentred, pos, end, "parameter %s has a centred hierarchical prior: %s, which makes a funnel that HMC explores poorly (divergent transitions)", param, what).
		WithHint("write it non-centred, as in models/eight_schools.model: param %s%s ~ %s and let %s = %s",
			raw, shape, standard, param, value)
}
