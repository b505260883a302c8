package gpu

import (
	"github.com/hmcc-dev/hmcc/compiler/cudagen"
)

// The launch geometry and the cuBLAS argument mapping are pure functions, apart from the CUDA
// calls that use them, so that the tests check them on machines without a GPU (plan_test.go).

// inFlight is about how many threads a launch should have: enough to fill an H100 or H200 (132
// SMs × 2048 resident threads is 270,336) several times over.
const inFlight = 1 << 20

// grid is the launch of a kernel over n elements of every chain: gx blocks of `block` threads
// cover the chains; the elements are split into gy block rows of `chunk` elements each (the last
// may be shorter), sized so that about inFlight threads run: few chains with long data still
// fill the device, many chains need few rows. Every element of every chain is covered exactly
// once: gy·chunk ≥ n > (gy−1)·chunk. The rows depend on the chains and n only, not on the block
// size or the device, and there are at most cudagen.MaxBlockRows of them, of at least
// cudagen.MinChunk elements: the kernels' per-chain sums add the rows' partial sums in row order,
// so the results are the same bit for bit whatever the block.
func grid(chains, block, n int) (gx, gy, chunk int) {
	gx = (chains + block - 1) / block
	rows := min(cudagen.MaxBlockRows, max(1, inFlight/max(chains, 1)))
	chunk = max(cudagen.MinChunk, (max(n, 1)+rows-1)/rows)
	gy = (max(n, 1) + chunk - 1) / chunk
	return gx, gy, chunk
}

// blockSize is the threads per block for a batch of chains: whole warps, at most 128.
func blockSize(chains int) int { return min(128, (chains+31)/32*32) }

// gemmCall is one column-major cuBLAS gemm, C = A · op(B): A is m×k with leading dimension lda,
// op(B) is k×n, C is m×n with leading dimension ldc; aLen, bLen and cLen are the elements each
// operand spans, for the views of device memory cu/blas takes.
type gemmCall struct {
	transB           bool
	m, n, k          int
	lda, ldb, ldc    int
	aLen, bLen, cLen int
}

// gemmArgs maps cudagen's Gemm for a batch of chains to cuBLAS: In (chains×k, the chain fastest,
// so column-major with leading dimension chains) times the data matrix, which cuBLAS reads
// column-major as Mᵀ (Cols×Rows, leading dimension Cols). Forward, out_c = M in_c for every
// chain: Out (chains×Rows) = In (chains×Cols) · B with B the stored Cols×Rows matrix as it is.
// Backward, out_c = Mᵀ in_c: Out (chains×Cols) = In (chains×Rows) · Bᵀ.
func gemmArgs(g cudagen.Gemm, chains int) gemmCall {
	n, k := g.Rows, g.Cols
	if g.Trans {
		n, k = g.Cols, g.Rows
	}
	return gemmCall{transB: g.Trans, m: chains, n: n, k: k, lda: chains, ldb: g.Cols, ldc: chains,
		aLen: chains * k, bLen: g.Rows * g.Cols, cLen: chains * n}
}
