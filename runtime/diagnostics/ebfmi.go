package diagnostics

import "math"

// EBFMI is the energy Bayesian fraction of missing information of one chain's energy draws
// (Betancourt 2016, eq. 7's estimator as Stan prints it): Σ(E_n − E_{n−1})² / Σ(E_n − Ē)².
// Below about 0.3, momentum resampling moves the chain through the energy levels slowly. It
// returns NaN for fewer than 3 draws or a constant energy.
func EBFMI(e []float64) float64 {
	if len(e) < 3 {
		return math.NaN()
	}
	mean := 0.0
	for _, v := range e {
		mean += v
	}
	mean /= float64(len(e))
	num, den := 0.0, 0.0
	for i, v := range e {
		den += (v - mean) * (v - mean)
		if i > 0 {
			num += (v - e[i-1]) * (v - e[i-1])
		}
	}
	if den == 0 {
		return math.NaN()
	}
	return num / den
}
