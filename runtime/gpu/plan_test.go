package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen"
)

// TestGrid checks the launch geometry for chain counts from 1 to 16,384 and element counts from 1
// to 131,072 (the sizes of docs/gpu.md): every element of every chain is covered exactly once,
// blocks are whole warps, a launch has at most cudagen.MaxBlockRows block rows of at least
// cudagen.MinChunk elements (the size of the kernels' partial sums), its rows do not depend on
// the block size (so the sums are the same bit for bit), and it has about 2^20 threads, or
// MaxBlockRows per chain when that is fewer, whenever the elements allow.
func TestGrid(t *testing.T) {
	for _, chains := range []int{1, 7, 31, 32, 33, 128, 300, 1024, 4096, 16384} {
		block := blockSize(chains)
		if block%32 != 0 || block > 128 || block < 32 {
			t.Errorf("%d chains: block of %d threads", chains, block)
		}
		for _, n := range []int{1, 5, 8, 9, 25, 1000, 4097, 131072} {
			gx, gy, chunk := grid(chains, block, n)
			if gx*block < chains || (gx-1)*block >= chains {
				t.Errorf("%d chains, block %d: %d blocks", chains, block, gx)
			}
			if gy*chunk < n || (gy-1)*chunk >= n {
				t.Errorf("%d chains, %d elements: %d rows of %d do not cover them exactly", chains, n, gy, chunk)
			}
			if gy > cudagen.MaxBlockRows || (gy > 1 && chunk < cudagen.MinChunk) {
				t.Errorf("%d chains, %d elements: %d block rows of %d, beyond the partial sums' %d rows of at least %d",
					chains, n, gy, chunk, cudagen.MaxBlockRows, cudagen.MinChunk)
			}
			for _, other := range []int{32, 64, 96} {
				if _, gy2, chunk2 := grid(chains, other, n); gy2 != gy || chunk2 != chunk {
					t.Errorf("%d chains, %d elements: rows %d×%d with block %d, %d×%d with block %d", chains, n, gy, chunk, block, gy2, chunk2, other)
				}
			}
			threads := chains * gy
			if chunk > cudagen.MinChunk && threads < min(inFlight, chains*cudagen.MaxBlockRows)/2 {
				t.Errorf("%d chains, %d elements: %d threads in flight with rows of %d: the device is not filled", chains, n, threads, chunk)
			}
		}
	}
}

// colMajorGemm is BLAS's gemm, C = A · op(B) with alpha 1 and beta 0, column-major, written from
// the reference BLAS definition: element (i, j) of a matrix with leading dimension ld is at i + j·ld.
func colMajorGemm(transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			s := 0.0
			for l := 0; l < k; l++ {
				var bv float64 // op(B)[l, j]
				if transB {
					bv = b[j+l*ldb]
				} else {
					bv = b[l+j*ldb]
				}
				s += a[i+l*lda] * bv
			}
			c[i+j*ldc] = s
		}
	}
}

// TestGemmArgs runs the cuBLAS call gemmArgs describes through colMajorGemm, and requires its result
// to be cudagen.Gemm's definition computed directly: forward out_c = M in_c, backward
// out_c = Mᵀ in_c, with element i of chain c at i·chains + c and M stored row-major.
func TestGemmArgs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range []struct{ chains, rows, cols int }{{1, 3, 2}, {5, 7, 4}, {6, 4, 9}, {33, 10, 1}} {
		for _, trans := range []bool{false, true} {
			t.Run(fmt.Sprintf("C=%d/%dx%d/trans=%v", sz.chains, sz.rows, sz.cols, trans), func(t *testing.T) {
				C := sz.chains
				g := cudagen.Gemm{Trans: trans, Rows: sz.rows, Cols: sz.cols}
				mat := make([]float64, sz.rows*sz.cols)
				for i := range mat {
					mat[i] = rng.NormFloat64()
				}
				inLen, outLen := sz.cols, sz.rows
				if trans {
					inLen, outLen = sz.rows, sz.cols
				}
				in := make([]float64, inLen*C)
				for i := range in {
					in[i] = rng.NormFloat64()
				}
				want := make([]float64, outLen*C)
				for c := 0; c < C; c++ {
					for o := 0; o < outLen; o++ {
						s := 0.0
						for q := 0; q < inLen; q++ {
							var m float64
							if trans {
								m = mat[q*sz.cols+o] // M[q, o], that is Mᵀ[o, q]
							} else {
								m = mat[o*sz.cols+q] // M[o, q]
							}
							s += m * in[q*C+c]
						}
						want[o*C+c] = s
					}
				}
				a := gemmArgs(g, C)
				if a.aLen != len(in) || a.bLen != len(mat) || a.cLen != len(want) {
					t.Fatalf("operand lengths %d, %d, %d; buffers hold %d, %d, %d", a.aLen, a.bLen, a.cLen, len(in), len(mat), len(want))
				}
				got := make([]float64, a.cLen)
				colMajorGemm(a.transB, a.m, a.n, a.k, in, a.lda, mat, a.ldb, got, a.ldc)
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
						t.Fatalf("element %d: cuBLAS's arguments give %g, the definition %g", i, got[i], want[i])
					}
				}
			})
		}
	}
}
