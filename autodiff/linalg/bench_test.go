package linalg

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The benchmarks run a batch of 64 chains at K = 2 … 30, the pure-Go kernels against OpenBLAS
// (dpotrf; gemm and trsm for the reverse) where cgo is on; the exported functions switch at
// lapackMinK and lapackRevMinK:
//
//	go test -run '^$' -bench . -benchtime 2000x ./autodiff/linalg/
const benchChains = 64

var benchSizes = []int{2, 4, 10, 16, 30}

func BenchmarkCholesky(b *testing.B) {
	for _, K := range benchSizes {
		r := rand.New(rand.NewPCG(1, uint64(K)))
		a := randSPD(r, benchChains, K)
		l := make([]float64, benchChains*K*K)
		ok := make([]bool, benchChains)
		b.Run(fmt.Sprintf("K%d/go", K), func(b *testing.B) {
			for b.Loop() {
				choleskyGo(benchChains, K, a, l, ok)
			}
		})
		if haveLAPACK {
			b.Run(fmt.Sprintf("K%d/lapack", K), func(b *testing.B) {
				for b.Loop() {
					CholeskyLAPACK(benchChains, K, a, l, ok)
				}
			})
		}
	}
}

func BenchmarkCholeskyRev(b *testing.B) {
	for _, K := range benchSizes {
		r := rand.New(rand.NewPCG(2, uint64(K)))
		a := randSPD(r, benchChains, K)
		l, gl, ga := make([]float64, benchChains*K*K), randn(r, benchChains*K*K), make([]float64, benchChains*K*K)
		Cholesky(benchChains, K, a, l, nil)
		sc := &Scratch{}
		b.Run(fmt.Sprintf("K%d/go", K), func(b *testing.B) {
			for b.Loop() {
				choleskyRevGo(benchChains, K, l, gl, ga, sc)
			}
		})
		if haveLAPACK {
			b.Run(fmt.Sprintf("K%d/lapack", K), func(b *testing.B) {
				for b.Loop() {
					CholeskyRevLAPACK(benchChains, K, l, gl, ga, sc)
				}
			})
		}
	}
}

// BenchmarkMultiNormalCholesky: N = 20 rows per chain, value and all three partials.
func BenchmarkMultiNormalCholesky(b *testing.B) {
	const N = 20
	for _, K := range benchSizes {
		r := rand.New(rand.NewPCG(3, uint64(K)))
		y, mu, l := randn(r, N*K), randn(r, benchChains*K), randFactor(r, benchChains, K)
		out := make([]float64, benchChains)
		gy, gmu, gl := make([]float64, benchChains*N*K), make([]float64, benchChains*K), make([]float64, benchChains*K*K)
		sc := &Scratch{}
		b.Run(fmt.Sprintf("K%d/go", K), func(b *testing.B) {
			for b.Loop() {
				MultiNormalCholesky(benchChains, K, N, 1, y, mu, l, out, gy, gmu, gl, sc)
			}
		})
	}
}

// BenchmarkCorrCholesky: the transform, its log-Jacobian and the reverse of both.
func BenchmarkCorrCholesky(b *testing.B) {
	for _, K := range benchSizes {
		r := rand.New(rand.NewPCG(4, uint64(K)))
		u := randn(r, benchChains*NumCorrFree(K))
		l, lj := make([]float64, benchChains*K*K), make([]float64, benchChains)
		gl, glj, gu := randn(r, benchChains*K*K), randn(r, benchChains), make([]float64, len(u))
		sc := &Scratch{}
		b.Run(fmt.Sprintf("K%d/go", K), func(b *testing.B) {
			for b.Loop() {
				CorrCholesky(benchChains, K, u, l, lj)
				CorrCholeskyRev(benchChains, K, u, gl, glj, gu, sc)
			}
		})
	}
}
