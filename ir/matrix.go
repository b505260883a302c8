package ir

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/dist"
)

// MatKind is the closed set of matrix operations of the language. Matrices are row-major
// [rows, cols] per chain, here and in the graph (flattened to rows·cols values per chain).
type MatKind int

const (
	MatMul            MatKind = iota // A @ B: [K, M] @ [M, J] → [K, J], or [K, M] @ [M] → [K]
	MatTranspose                     // transpose(M) of a matrix that depends on parameters
	DiagPreMultiply                  // diag_pre_multiply(v, M): vᵢ·Mᵢⱼ, v [K], M [K, J]
	AddDiag                          // add_diag(M, d): M + diag(d), d a scalar or a vector [K]
	GPExpQuadCov                     // gp_exp_quad_cov(x, alpha, rho): α² exp(−(xᵢ − xⱼ)²/(2ρ²)), x [N]
	CholeskyDecompose                // cholesky_decompose(S): the lower factor L, L Lᵀ = S
	MatRow                           // M[i, ]: row i, a vector [cols]
	MatCol                           // M[, j]: column j, a vector [rows]
	MatElem                          // M[i, j]: one element
	MatRowGroup                      // M[i, g]: M[i, g[n]] for every row n of the grouping g, a vector [N]
	MatColGroup                      // M[g, j]: M[g[n], j]
)

// MatFuncNames are the functions of the language that build a MatFunc, with their kind.
var MatFuncNames = map[string]MatKind{
	"diag_pre_multiply":  DiagPreMultiply,
	"add_diag":           AddDiag,
	"gp_exp_quad_cov":    GPExpQuadCov,
	"cholesky_decompose": CholeskyDecompose,
}

func (k MatKind) String() string {
	return [...]string{"matmul", "transpose", "diag_pre_multiply", "add_diag", "gp_exp_quad_cov",
		"cholesky_decompose", "row", "col", "element", "row_group", "col_group"}[k]
}

// MatFunc is a matrix operation (MatKind) of its arguments. Row and Col are the fixed indices
// of MatRow, MatCol, MatElem and the group kinds (1-based, resolved with the sizes); Group is the
// grouping of MatRowGroup and MatColGroup.
type MatFunc struct {
	span
	Kind     MatKind
	Args     []Expr
	Row, Col Affine
	Group    *DataVar
	shp      Shape
}

// NewMatFunc builds a matrix operation of the given result shape (the checker computes it).
func NewMatFunc(s span, k MatKind, args []Expr, shp Shape) *MatFunc {
	return &MatFunc{span: s, Kind: k, Args: args, shp: shp}
}

func (e *MatFunc) Shape() Shape { return e.shp }
func (e *MatFunc) DependsOnParams() bool {
	for _, a := range e.Args {
		if a.DependsOnParams() {
			return true
		}
	}
	return false
}

// WithArgs returns a copy of e with other arguments (binding folds them).
func (e *MatFunc) WithArgs(args []Expr) *MatFunc {
	cp := *e
	cp.Args = args
	return &cp
}

// matDims returns the rows and columns of a matrix tensor, or of a vector as a column [n, 1].
func matDims(t *Tensor) (int, int) {
	switch len(t.Shape) {
	case 2:
		return t.Shape[0], t.Shape[1]
	case 1:
		return t.Shape[0], 1
	}
	return 1, 1
}

// index resolves a 1-based fixed index and checks it against n.
func index(a Affine, z Sizes, n int, what string) (int, error) {
	i := a.Resolve(z)
	if i < 1 || i > n {
		return 0, fmt.Errorf("%s %d is outside 1…%d", what, i, n)
	}
	return i - 1, nil
}

func evalMatFunc(e *MatFunc, env *Env) (*Tensor, error) {
	args := make([]*Tensor, len(e.Args))
	for i, a := range e.Args {
		t, err := Eval(a, env)
		if err != nil {
			return nil, err
		}
		args[i] = t
	}
	out := NewTensor(env.Sizes.Resolve(e.shp)...)
	if err := MatForward(e.Kind, MatIndices{Row: e.Row.Resolve(env.Sizes), Col: e.Col.Resolve(env.Sizes), Group: groupOf(e)}, args, out); err != nil {
		return nil, err
	}
	return out, nil
}

func groupOf(e *MatFunc) []int {
	if e.Group == nil || e.Group.Value == nil {
		return nil
	}
	g := make([]int, len(e.Group.Value.Data))
	for i, v := range e.Group.Value.Data {
		g[i] = int(v)
	}
	return g
}

// MatIndices are a MatFunc's fixed indices, resolved: Row and Col 1-based, Group the grouping's
// 1-based groups.
type MatIndices struct {
	Row, Col int
	Group    []int
}

// MatForward computes a matrix operation of one chain's arguments into out, whose shape is the
// result's. It is the one implementation of each operation's value: ir.Eval and the graph's
// kernels (autodiff) both call it.
func MatForward(k MatKind, ix MatIndices, args []*Tensor, out *Tensor) error {
	switch k {
	case MatMul:
		a, b := args[0], args[1]
		K, M := matDims(a)
		_, J := matDims(b)
		if len(b.Data) != M*J {
			return fmt.Errorf("matmul of %v and %v", a.Shape, b.Shape)
		}
		for i := 0; i < K; i++ {
			for j := 0; j < J; j++ {
				s := 0.0
				for m := 0; m < M; m++ {
					s += a.Data[i*M+m] * b.Data[m*J+j]
				}
				out.Data[i*J+j] = s
			}
		}
	case MatTranspose:
		R, C := matDims(args[0])
		for r := 0; r < R; r++ {
			for c := 0; c < C; c++ {
				out.Data[c*R+r] = args[0].Data[r*C+c]
			}
		}
	case DiagPreMultiply:
		v, m := args[0], args[1]
		K, J := matDims(m)
		for i := 0; i < K; i++ {
			for j := 0; j < J; j++ {
				out.Data[i*J+j] = v.Data[i%len(v.Data)] * m.Data[i*J+j]
			}
		}
	case AddDiag:
		m, d := args[0], args[1]
		K, _ := matDims(m)
		copy(out.Data, m.Data)
		for i := 0; i < K; i++ {
			out.Data[i*K+i] += d.Data[i%len(d.Data)]
		}
	case GPExpQuadCov:
		x, alpha, rho := args[0].Data, args[1].Data[0], args[2].Data[0]
		N := len(x)
		a2, inv := alpha*alpha, 1/(2*rho*rho)
		for i := 0; i < N; i++ {
			for j := 0; j < N; j++ {
				d := x[i] - x[j]
				out.Data[i*N+j] = a2 * math.Exp(-d*d*inv)
			}
		}
	case CholeskyDecompose:
		K, _ := matDims(args[0])
		if !Cholesky(args[0].Data, K, out.Data) {
			for i := range out.Data {
				out.Data[i] = math.NaN() // not positive definite: the density is −∞ (NaN rejects)
			}
		}
	case MatRow, MatCol, MatElem:
		R, C := matDims(args[0])
		i, j := ix.Row-1, ix.Col-1
		switch k {
		case MatRow:
			if i < 0 || i >= R {
				return fmt.Errorf("row %d is outside 1…%d", ix.Row, R)
			}
			copy(out.Data, args[0].Data[i*C:(i+1)*C])
		case MatCol:
			if j < 0 || j >= C {
				return fmt.Errorf("column %d is outside 1…%d", ix.Col, C)
			}
			for r := 0; r < R; r++ {
				out.Data[r] = args[0].Data[r*C+j]
			}
		default:
			if i < 0 || i >= R || j < 0 || j >= C {
				return fmt.Errorf("element [%d, %d] is outside [1…%d, 1…%d]", ix.Row, ix.Col, R, C)
			}
			out.Data[0] = args[0].Data[i*C+j]
		}
	case MatRowGroup, MatColGroup:
		R, C := matDims(args[0])
		for n, g := range ix.Group {
			i, j := ix.Row-1, g-1
			if k == MatColGroup {
				i, j = g-1, ix.Col-1
			}
			if i < 0 || i >= R || j < 0 || j >= C {
				return fmt.Errorf("element [%d, %d] is outside [1…%d, 1…%d]", i+1, j+1, R, C)
			}
			out.Data[n] = args[0].Data[i*C+j]
		}
	default:
		return fmt.Errorf("ir: no matrix operation %v", k)
	}
	return nil
}

// Cholesky writes the lower Cholesky factor of the symmetric part ½(S + Sᵀ) of the K×K matrix
// S into L and reports whether it is positive definite (dist.Cholesky). Symmetrising first makes
// the function of every element of S the one whose gradient CholeskyBackward returns, so finite
// differences in any element agree with it.
func Cholesky(S []float64, K int, L []float64) bool { return dist.Cholesky(S, K, L) }

// CholeskyBackward writes into dS the gradient of Σ Lbar∘L with respect to S, where L is the
// Cholesky factor of ½(S + Sᵀ) (Cholesky): with P = Φ(Lᵀ L̄), Φ taking the lower triangle and
// halving the diagonal, G = L⁻ᵀ P L⁻¹ and dS = ½(G + Gᵀ) (Murray 2016, "Differentiation of the
// Cholesky decomposition", eq. 10, symmetrised). work holds 2·K·K scratch values.
func CholeskyBackward(L, Lbar []float64, K int, dS, work []float64) {
	P, G := work[:K*K], work[K*K:2*K*K]
	for i := 0; i < K; i++ { // P = Φ(Lᵀ L̄): (Lᵀ L̄)ᵢⱼ = Σₖ Lₖᵢ L̄ₖⱼ, k ≥ i (L lower)
		for j := 0; j < K; j++ {
			if j > i {
				P[i*K+j] = 0
				continue
			}
			s := 0.0
			for k := i; k < K; k++ {
				s += L[k*K+i] * Lbar[k*K+j]
			}
			if i == j {
				s *= 0.5
			}
			P[i*K+j] = s
		}
	}
	// G = L⁻ᵀ P L⁻¹: solve Lᵀ Y = P, then G Lᵀ... G = Y L⁻¹, i.e. Gᵀ = L⁻ᵀ Yᵀ: solve Lᵀ Gᵀ = Yᵀ.
	copy(G, P)
	solveUpperTransposed(L, K, G) // G ← L⁻ᵀ G (column by column)
	transposeInPlace(G, K)
	solveUpperTransposed(L, K, G) // G ← L⁻ᵀ (L⁻ᵀ P)ᵀ = (L⁻ᵀ P L⁻¹)ᵀ
	for i := 0; i < K; i++ {
		for j := 0; j < K; j++ {
			dS[i*K+j] = 0.5 * (G[i*K+j] + G[j*K+i])
		}
	}
}

// solveUpperTransposed overwrites the K×K matrix B with L⁻ᵀ B, L lower triangular: back
// substitution with Lᵀ, one column of B at a time.
func solveUpperTransposed(L []float64, K int, B []float64) {
	for c := 0; c < K; c++ {
		for i := K - 1; i >= 0; i-- {
			s := B[i*K+c]
			for k := i + 1; k < K; k++ {
				s -= L[k*K+i] * B[k*K+c]
			}
			B[i*K+c] = s / L[i*K+i]
		}
	}
}

func transposeInPlace(B []float64, K int) {
	for i := 0; i < K; i++ {
		for j := i + 1; j < K; j++ {
			B[i*K+j], B[j*K+i] = B[j*K+i], B[i*K+j]
		}
	}
}

// CorrCholeskyConstrain maps K(K−1)/2 unconstrained coordinates x to the K×K Cholesky factor L
// of a correlation matrix (row-major) and returns the log-Jacobian, Stan's transform (Reference
// Manual, "Cholesky factors of correlation matrices"): the canonical partial correlations are
// zₖ = tanh(xₖ), taken row by row below the diagonal; L₁₁ = 1, Lᵢ₁ = z, Lᵢⱼ = z·√(1 − Σₖ₍ₖ<ⱼ₎ Lᵢₖ²)
// for 1 < j < i, Lᵢᵢ = √(1 − Σₖ₍ₖ<ᵢ₎ Lᵢₖ²); log |J| = Σ log(1 − zₖ²) + Σ over the entries with
// 1 < j < i of ½ log(1 − Σₖ₍ₖ<ⱼ₎ Lᵢₖ²). dx, when not nil, is a tangent: the function then returns
// the directional derivatives, L's into dL and the log-Jacobian's as the second value.
func CorrCholeskyConstrain(x []float64, K int, L []float64, dx, dL []float64) (lj, dlj float64) {
	for i := range L[:K*K] {
		L[i] = 0
	}
	if dL != nil {
		for i := range dL[:K*K] {
			dL[i] = 0
		}
	}
	L[0] = 1
	k := 0
	for i := 1; i < K; i++ {
		sum, dsum := 0.0, 0.0
		for j := 0; j < i; j++ {
			z := math.Tanh(x[k])
			dz := 0.0
			if dx != nil {
				dz = (1 - z*z) * dx[k]
			}
			lj += math.Log1p(-z * z)
			dlj += -2 * z * dz / (1 - z*z) // d log(1 − z²) = −2z dz/(1 − z²)
			k++
			if j == 0 {
				L[i*K] = z
				if dL != nil {
					dL[i*K] = dz
				}
			} else {
				lj += 0.5 * math.Log1p(-sum)
				dlj += -0.5 * dsum / (1 - sum)
				r := math.Sqrt(1 - sum)
				L[i*K+j] = z * r
				if dL != nil {
					dL[i*K+j] = dz*r - z*dsum/(2*r)
				}
			}
			v := L[i*K+j]
			sum += v * v
			if dL != nil {
				dsum += 2 * v * dL[i*K+j]
			}
		}
		L[i*K+i] = math.Sqrt(1 - sum)
		if dL != nil {
			dL[i*K+i] = -dsum / (2 * L[i*K+i])
		}
	}
	return lj, dlj
}

// CorrCholeskyUnconstrain is the inverse of CorrCholeskyConstrain: the coordinates of the
// Cholesky factor L of a correlation matrix, or an error saying why L is not one.
func CorrCholeskyUnconstrain(L []float64, K int, x []float64) error {
	for i := 0; i < K; i++ {
		row := 0.0
		for j := 0; j < K; j++ {
			v := L[i*K+j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("element [%d, %d] is %v", i+1, j+1, v)
			}
			if j > i && v != 0 {
				return fmt.Errorf("element [%d, %d] is %v; a Cholesky factor is lower triangular", i+1, j+1, v)
			}
			row += v * v
		}
		if !(L[i*K+i] > 0) {
			return fmt.Errorf("diagonal element [%d, %d] is %v; it must be positive", i+1, i+1, L[i*K+i])
		}
		if math.Abs(row-1) > 1e-8 {
			return fmt.Errorf("row %d has squared length %v; each row of a correlation matrix's Cholesky factor has length 1", i+1, row)
		}
	}
	k := 0
	for i := 1; i < K; i++ {
		sum := 0.0
		for j := 0; j < i; j++ {
			z := L[i*K+j]
			if j > 0 {
				z /= math.Sqrt(1 - sum)
			}
			if !(math.Abs(z) < 1) {
				return fmt.Errorf("element [%d, %d] gives a partial correlation of %v, outside (−1, 1)", i+1, j+1, z)
			}
			x[k] = math.Atanh(z)
			k++
			sum += L[i*K+j] * L[i*K+j]
		}
	}
	return nil
}

// CorrCholeskySize returns K for a K×K factor of n = K² elements.
func CorrCholeskySize(n int) int {
	K := int(math.Round(math.Sqrt(float64(n))))
	return K
}
