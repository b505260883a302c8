package compiler

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/ir"
)

// LogLikName is the name of the pointwise log-likelihood columns, the one R's loo package looks
// for (loo::extract_log_lik(fit, "log_lik")).
const LogLikName = "log_lik"

// LogLikNames names the pointwise log-likelihood columns, log_lik.1 … log_lik.M: one per element
// of every observed statement, statements in source order (the first statement's elements come
// first). For LOO each element is one observation.
func LogLikNames(m *ir.Model) []string {
	n := 0
	for _, t := range m.Terms {
		n += pointwiseLen(m, t)
	}
	return ir.ElementNames(LogLikName, []int{n})
}

// CheckLogLikName reports a model whose own names would clash with the log_lik columns, and one
// with no likelihood, for which --log-lik would write no column at all.
func CheckLogLikName(m *ir.Model) error {
	if len(m.Terms) == 0 {
		return fmt.Errorf("--log-lik writes one column per observation of the likelihood, but the model observes no data (no ~ statement on data), so there is nothing to write; drop --log-lik")
	}
	for _, n := range OutputNames(m) {
		if n == LogLikName || len(n) > len(LogLikName) && n[:len(LogLikName)+1] == LogLikName+"." {
			return fmt.Errorf("--log-lik writes columns named %s.1, %s.2, …, but the model already has a quantity named %s; rename it", LogLikName, LogLikName, LogLikName)
		}
	}
	return nil
}

// LogLik writes the pointwise log-likelihood at one chain's unconstrained θ into out
// (len(LogLikNames(m)) values): the log density of each observed element given the parameters,
// with every normalising constant and no Jacobian (the data are not transformed), a mixture's
// element being log Σₖ wₖ p(yᵢ | θₖ).
func LogLik(m *ir.Model, theta []float64, out []float64) error {
	o, err := compiledOutputs(m)
	if err != nil {
		return err
	}
	return o.LogLik(theta, out)
}

// pointwiseLen is the number of pointwise log-likelihood values of a term: one per element of
// its variate, but one per row [K] for a distribution of vectors and one for a matrix's.
func pointwiseLen(m *ir.Model, t *ir.Term) int {
	s := m.Sizes.Resolve(t.Variate.Shape())
	switch {
	case t.Dist.Multi != nil && t.Dist.Multi.VariateRank == 2:
		return 1
	case t.Dist.Multi != nil:
		return m.Sizes.Len(t.Variate.Shape()) / s[len(s)-1]
	}
	return m.Sizes.Len(t.Variate.Shape())
}
