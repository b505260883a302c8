package linalg

import "math"

const halfLog2Pi = 0.91893853320467274178032973640562 // ½ log 2π

// MultiNormalCholesky writes for each chain out[c] = Σₙ log N(yₙ | μₙ, l lᵀ), the sum over the N
// rows yₙ of y (N×K), with every constant (Stan's multi_normal_cholesky_lpdf). mu holds muRows
// rows of K (1: one mean for every row; N: a mean per row); l is the K×K lower-triangular factor.
// Each of y, mu and l is shared or per chain (see the package doc).
//
// When not nil, gy (C·N·K), gmu (C·muRows·K) and gl (C·K·K) receive the per-chain partial
// derivatives of out[c]: with zₙ = l⁻¹(yₙ − μₙ) and wₙ = l⁻ᵀ zₙ, ∂/∂yₙ = −wₙ, ∂/∂μₙ = wₙ and
// ∂/∂l = lower(Σₙ wₙ zₙᵀ) − N diag(1/lᵢᵢ). A chain whose l has a diagonal entry that is not
// positive (or is not finite) gets −Inf and zero partials.
func MultiNormalCholesky(C, K, N, muRows int, y, mu, l, out, gy, gmu, gl []float64, sc *Scratch) {
	checkBatch("MultiNormalCholesky variate", y, N*K, C)
	checkBatch("MultiNormalCholesky location", mu, muRows*K, C)
	checkBatch("MultiNormalCholesky factor", l, K*K, C)
	work := sc.get(2 * K * N)
	z, w := work[:K*N], work[K*N:]
	for c := 0; c < C; c++ {
		out[c] = mvnChol1(K, N, muRows, at(y, N*K, c), at(mu, muRows*K, c), at(l, K*K, c), z, w,
			part(gy, N*K, c), part(gmu, muRows*K, c), part(gl, K*K, c))
	}
}

// part is chain c's slice of a per-chain partials buffer, or nil.
func part(g []float64, n, c int) []float64 {
	if g == nil {
		return nil
	}
	return g[c*n : (c+1)*n]
}

func validFactor(K int, l []float64) bool {
	for i := 0; i < K; i++ {
		if d := l[i*K+i]; !(d > 0) || math.IsInf(d, 0) {
			return false
		}
	}
	return finite(l)
}

// mvnChol1 is one chain of MultiNormalCholesky; z and w are K·N scratch.
func mvnChol1(K, N, muRows int, y, mu, l, z, w, gy, gmu, gl []float64) float64 {
	if !validFactor(K, l) {
		zeroAll(gy, gmu, gl)
		return math.Inf(-1)
	}
	// z (K×N, one column per row of y) = l⁻¹ (yₙ − μₙ)
	for n := 0; n < N; n++ {
		m := 0
		if muRows > 1 {
			m = n
		}
		for k := 0; k < K; k++ {
			z[k*N+n] = y[n*K+k] - mu[m*K+k]
		}
	}
	solveLower(K, N, l, z)
	q, logDiag := 0.0, 0.0
	for _, v := range z {
		q += v * v
	}
	for i := 0; i < K; i++ {
		logDiag += math.Log(l[i*K+i])
	}
	lp := -0.5*q - float64(N)*logDiag - float64(N*K)*halfLog2Pi
	if gy == nil && gmu == nil && gl == nil {
		return lp
	}
	copy(w, z)
	solveLowerT(K, N, l, w)
	if gy != nil {
		for n := 0; n < N; n++ {
			for k := 0; k < K; k++ {
				gy[n*K+k] = -w[k*N+n]
			}
		}
	}
	if gmu != nil {
		zeroAll(gmu)
		for n := 0; n < N; n++ {
			m := 0
			if muRows > 1 {
				m = n
			}
			for k := 0; k < K; k++ {
				gmu[m*K+k] += w[k*N+n]
			}
		}
	}
	if gl != nil {
		zeroAll(gl)
		subOuterLower(K, N, w, z, gl)
		for i := range gl {
			gl[i] = -gl[i]
		}
		for i := 0; i < K; i++ {
			gl[i*K+i] -= float64(N) / l[i*K+i]
		}
	}
	return lp
}

func zeroAll(xs ...[]float64) {
	for _, x := range xs {
		for i := range x {
			x[i] = 0
		}
	}
}

// MultiNormal is MultiNormalCholesky with the covariance Σ (K×K, its lower triangle read) in
// place of its factor: Stan's multi_normal_lpdf. Σ is factored for each chain; where it is not
// positive definite the chain gets −Inf and zero partials. gsigma (C·K·K, when not nil) receives
// ∂out[c]/∂Σ on the lower triangle: the symmetric gradient ½(Σₙ wₙ wₙᵀ − N Σ⁻¹) with wₙ =
// Σ⁻¹(yₙ − μₙ), off-diagonal entries doubled since each stands for both symmetric copies.
func MultiNormal(C, K, N, muRows int, y, mu, sigma, out, gy, gmu, gsigma []float64, sc *Scratch) {
	checkBatch("MultiNormal variate", y, N*K, C)
	checkBatch("MultiNormal location", mu, muRows*K, C)
	checkBatch("MultiNormal covariance", sigma, K*K, C)
	work := sc.get(2*K*N + 2*K*K)
	z, w, l, inv := work[:K*N], work[K*N:2*K*N], work[2*K*N:2*K*N+K*K], work[2*K*N+K*K:]
	for c := 0; c < C; c++ {
		gs := part(gsigma, K*K, c)
		if !cholesky1Fast(K, at(sigma, K*K, c), l) {
			out[c] = math.Inf(-1)
			zeroAll(part(gy, N*K, c), part(gmu, muRows*K, c), gs)
			continue
		}
		out[c] = mvnChol1(K, N, muRows, at(y, N*K, c), at(mu, muRows*K, c), l, z, w,
			part(gy, N*K, c), part(gmu, muRows*K, c), nil)
		if gs == nil {
			continue
		}
		if gy == nil && gmu == nil { // mvnChol1 computed no w
			copy(w, z)
			solveLowerT(K, N, l, w)
		}
		spdInverse(K, l, inv)
		for i := 0; i < K; i++ {
			for j := 0; j <= i; j++ {
				s := 0.0
				for n := 0; n < N; n++ {
					s += w[i*N+n] * w[j*N+n]
				}
				g := 0.5 * (s - float64(N)*inv[i*K+j])
				if i != j {
					g *= 2
				}
				gs[i*K+j] = g
			}
			for j := i + 1; j < K; j++ {
				gs[i*K+j] = 0
			}
		}
	}
}

// spdInverseGo writes (l lᵀ)⁻¹ = l⁻ᵀ l⁻¹ by two triangular solves.
func spdInverseGo(K int, l, inv []float64) {
	zeroAll(inv)
	for i := 0; i < K; i++ {
		inv[i*K+i] = 1
	}
	solveLower(K, K, l, inv)
	solveLowerT(K, K, l, inv)
}
