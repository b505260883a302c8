package optimize

import (
	"math"
	"sort"
)

// PSIS smooths log importance weights by Pareto-smoothed importance sampling (Vehtari, Simpson,
// Gelman, Yao and Gabry, "Pareto smoothed importance sampling", JMLR 25(72), 2024): the M
// largest weights, M = min(S/5, 3√S), are replaced by the expected order statistics of a
// generalized Pareto distribution fitted to them (Zhang and Stephens 2009, with the weakly
// informative prior on k of the paper), capped at the largest raw weight. It returns the
// normalised smoothed weights (summing to 1) and the Pareto k̂: below 0.7 the estimate is
// reliable, above it the importance sampling is not to be trusted. Weights whose largest values
// are all equal have no tail: k̂ = −Inf, and they are left as they are. Fewer than 25 weights
// (a tail of fewer than 5) are left unsmoothed with k̂ = +Inf.
func PSIS(logWeights []float64) (weights []float64, khat float64) {
	S := len(logWeights)
	mx := math.Inf(-1)
	for _, v := range logWeights {
		if v > mx {
			mx = v
		}
	}
	lw := make([]float64, S)
	for i, v := range logWeights {
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		lw[i] = v - mx
	}
	M := int(math.Ceil(math.Min(0.2*float64(S), 3*math.Sqrt(float64(S)))))
	khat = math.Inf(1)
	if M >= 5 && S > M && !math.IsInf(mx, -1) {
		idx := make([]int, S)
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return lw[idx[a]] < lw[idx[b]] })
		tail := idx[S-M:]
		cutoff := lw[idx[S-M-1]]
		if !math.IsInf(cutoff, -1) {
			u := math.Exp(cutoff)
			x := make([]float64, M)
			for i, j := range tail {
				x[i] = math.Exp(lw[j]) - u
			}
			if x[M-1] == 0 { // the largest weights are all equal: no tail at all
				khat = math.Inf(-1)
			} else {
				k, sigma := gpdFit(x)
				khat = k
				if !math.IsInf(k, 0) && !math.IsNaN(k) {
					for i, j := range tail { // sorted ascending: the i-th gets quantile (i + ½)/M
						p := (float64(i) + 0.5) / float64(M)
						w := u + gpdQuantile(p, k, sigma)
						lw[j] = math.Min(math.Log(w), 0) // capped at the largest raw weight, exp(0)
					}
				}
			}
		}
	}
	weights = make([]float64, S)
	sum := 0.0
	for i, v := range lw {
		weights[i] = math.Exp(v)
		sum += weights[i]
	}
	for i := range weights {
		weights[i] /= sum
	}
	return weights, khat
}

// gpdQuantile is the generalized Pareto quantile σ((1 − p)^(−k) − 1)/k (σ·(−log(1 − p)) at k = 0).
func gpdQuantile(p, k, sigma float64) float64 {
	if math.Abs(k) < 1e-12 {
		return -sigma * math.Log1p(-p)
	}
	return sigma * math.Expm1(-k*math.Log1p(-p)) / k
}

// gpdFit estimates the generalized Pareto shape k and scale σ of the exceedances x (sorted
// ascending, positive) by Zhang and Stephens' (2009) empirical Bayes method: a grid of m = 30 +
// ⌊√n⌋ values θⱼ = 1/x₍ₙ₎ + (1 − √(m/(j − ½)))/(3·x₍⌊n/4+½⌋₎) of θ = −k/σ, each with
// k(θ) = mean(log(1 − θx)) and profile log likelihood n(log(−θ/k(θ)) − k(θ) − 1); θ̂ is their
// mean weighted by the normalised likelihoods, k = k(θ̂) and σ = −k/θ̂.
// k is then shrunk towards ½ as (n k + 10·½)/(n + 10), PSIS's weakly informative prior.
func gpdFit(x []float64) (k, sigma float64) {
	n := len(x)
	m := 30 + int(math.Sqrt(float64(n)))
	q := x[int(float64(n)/4+0.5)-1]
	theta := make([]float64, m)
	ll := make([]float64, m)
	for j := range theta {
		theta[j] = 1/x[n-1] + (1-math.Sqrt(float64(m)/(float64(j+1)-0.5)))/(3*q)
		kp := 0.0
		for _, v := range x {
			kp += math.Log1p(-theta[j] * v)
		}
		kp /= float64(n)
		ll[j] = float64(n) * (math.Log(-theta[j]/kp) - kp - 1)
	}
	w := make([]float64, m)
	for i := range w {
		s := 0.0
		for j := range ll {
			s += math.Exp(ll[j] - ll[i])
		}
		w[i] = 1 / s
	}
	thetaHat := 0.0
	for i := range w {
		if !math.IsNaN(w[i]) {
			thetaHat += theta[i] * w[i]
		}
	}
	kp := 0.0
	for _, v := range x {
		kp += math.Log1p(-thetaHat * v)
	}
	kp /= float64(n)
	sigma = -kp / thetaHat
	k = kp
	k = (float64(n)*k + 10*0.5) / float64(n+10)
	return k, sigma
}
