package ir

import (
	"math"

	"github.com/hmcc-dev/hmcc/dist"
	"gonum.org/v1/gonum/mathext"
)

// UnaryFunc is an elementwise function of the language with its derivative. D receives x and
// y = F(x) so derivatives that reuse the value (exp, inv_logit) cost nothing extra.
type UnaryFunc struct {
	Name string
	F    func(x float64) float64
	D    func(x, y float64) float64
	Doc  string
	// GPU says whether compiler/cudagen lowers the function to CUDA, or why not (a test there
	// holds the mark to its table; docs/gpu.md lists it).
	GPU dist.GPU
}

// Softplus is dist.Softplus, log(1 + e^x) without overflow, for the IR's function table and
// transforms (ir cannot be imported by dist, so the one implementation lives there).
func Softplus(x float64) float64 { return dist.Softplus(x) }

// InvLogit is dist.InvLogit, the logistic function 1/(1 + e^−x) without overflow.
func InvLogit(x float64) float64 { return dist.InvLogit(x) }

func lgamma(x float64) float64 { v, _ := math.Lgamma(x); return v }

// Funcs are the elementwise functions a model may call; sum is a reduction and handled apart.
var Funcs = map[string]*UnaryFunc{
	"exp":       {Name: "exp", F: math.Exp, D: func(_, y float64) float64 { return y }, Doc: "e^x", GPU: dist.OnGPU},
	"log":       {Name: "log", F: math.Log, D: func(x, _ float64) float64 { return 1 / x }, Doc: "natural logarithm", GPU: dist.OnGPU},
	"log1p":     {Name: "log1p", F: math.Log1p, D: func(x, _ float64) float64 { return 1 / (1 + x) }, Doc: "log(1 + x), accurate near 0", GPU: dist.OnGPU},
	"sqrt":      {Name: "sqrt", F: math.Sqrt, D: func(_, y float64) float64 { return 0.5 / y }, Doc: "square root", GPU: dist.OnGPU},
	"inv_logit": {Name: "inv_logit", F: InvLogit, D: func(_, y float64) float64 { return y * (1 - y) }, Doc: "logistic function 1/(1+e^-x)", GPU: dist.OnGPU},
	"softplus":  {Name: "softplus", F: Softplus, D: func(x, _ float64) float64 { return InvLogit(x) }, Doc: "log(1 + e^x)", GPU: dist.OnGPU},
	"lgamma":    {Name: "lgamma", F: lgamma, D: func(x, _ float64) float64 { return mathext.Digamma(x) }, Doc: "log |Γ(x)|", GPU: dist.OnGPU},
}

// Reduction is a function of the language that is not elementwise: it changes the shape of its
// arguments (sum, mean, dot, transpose, log_sum_exp of a vector) or selects (ifelse), so the
// checker types each apart and builds its own node. The row carries what the backends need to
// know by name: its GPU mark.
type Reduction struct {
	Name string
	// Call is how a model writes it, for the docs: "dot(a, b)".
	Call string
	// GPU says whether compiler/cudagen lowers the function, or why not (a test there generates
	// a model calling each one and holds the result to the mark).
	GPU dist.GPU
}

// Reductions are the functions that are not elementwise, keyed by name.
var Reductions = map[string]*Reduction{
	"sum":         {Name: "sum", Call: "sum(x)", GPU: dist.OnGPU},
	"mean":        {Name: "mean", Call: "mean(x)", GPU: dist.OnGPU},
	"dot":         {Name: "dot", Call: "dot(a, b)", GPU: dist.OnGPU},
	"transpose":   {Name: "transpose", Call: "transpose(M)", GPU: dist.OnGPU}, // of data only, folded when the data are bound
	"ifelse":      {Name: "ifelse", Call: "ifelse(c, a, b)", GPU: dist.CPUOnly("no CUDA lowering yet")},
	"log_sum_exp": {Name: "log_sum_exp", Call: "log_sum_exp(x)", GPU: dist.CPUOnly("no CUDA lowering yet")},
	// The matrix functions (matrix.go); @ and transpose of matrices of parameters are not on the GPU either.
	"diag_pre_multiply":  {Name: "diag_pre_multiply", Call: "diag_pre_multiply(v, M)", GPU: dist.CPUOnly(matrixCPUOnly)},
	"add_diag":           {Name: "add_diag", Call: "add_diag(M, d)", GPU: dist.CPUOnly(matrixCPUOnly)},
	"gp_exp_quad_cov":    {Name: "gp_exp_quad_cov", Call: "gp_exp_quad_cov(x, alpha, rho)", GPU: dist.CPUOnly(matrixCPUOnly)},
	"cholesky_decompose": {Name: "cholesky_decompose", Call: "cholesky_decompose(S)", GPU: dist.CPUOnly(matrixCPUOnly)},
}

// matrixCPUOnly is why the functions of matrices of parameters are CPU only.
const matrixCPUOnly = "not on the GPU yet: matrices of parameters have no CUDA lowering"

// Negate is unary minus, kept apart from Funcs because it is an operator, not a callable name.
var Negate = &UnaryFunc{Name: "neg", F: func(x float64) float64 { return -x }, D: func(float64, float64) float64 { return -1 }, GPU: dist.OnGPU}

// BinaryOp is an elementwise arithmetic operator with its partial derivatives, each given the
// operands and the result.
type BinaryOp struct {
	Symbol string
	F      func(a, b float64) float64
	DA, DB func(a, b, y float64) float64
	// GPU says whether compiler/cudagen lowers the operator to CUDA, or why not.
	GPU dist.GPU
}

// comparison is an operator giving 1 where it holds and 0 where not; flat, so its derivatives are 0.
func comparison(sym string, f func(a, b float64) bool) *BinaryOp {
	zero := func(a, b, y float64) float64 { return 0 }
	return &BinaryOp{Symbol: sym, F: func(a, b float64) float64 {
		if f(a, b) {
			return 1
		}
		return 0
	}, DA: zero, DB: zero, GPU: dist.CPUOnly(comparisonCPUOnly)}
}

// comparisonCPUOnly is why the comparisons are marked CPU-only: those that read parameters are.
const comparisonCPUOnly = "when it reads parameters (one of data only is computed when the data are bound)"

// Comparison reports whether op is one of < <= > >= == !=.
func (op *BinaryOp) Comparison() bool {
	switch op.Symbol {
	case "<", "<=", ">", ">=", "==", "!=":
		return true
	}
	return false
}

// BinaryOps maps the operator symbols of the language to their definitions.
var BinaryOps = map[string]*BinaryOp{
	"<":  comparison("<", func(a, b float64) bool { return a < b }),
	"<=": comparison("<=", func(a, b float64) bool { return a <= b }),
	">":  comparison(">", func(a, b float64) bool { return a > b }),
	">=": comparison(">=", func(a, b float64) bool { return a >= b }),
	"==": comparison("==", func(a, b float64) bool { return a == b }),
	"!=": comparison("!=", func(a, b float64) bool { return a != b }),
	"+": {Symbol: "+", GPU: dist.OnGPU, F: func(a, b float64) float64 { return a + b },
		DA: func(a, b, y float64) float64 { return 1 }, DB: func(a, b, y float64) float64 { return 1 }},
	"-": {Symbol: "-", GPU: dist.OnGPU, F: func(a, b float64) float64 { return a - b },
		DA: func(a, b, y float64) float64 { return 1 }, DB: func(a, b, y float64) float64 { return -1 }},
	"*": {Symbol: "*", GPU: dist.OnGPU, F: func(a, b float64) float64 { return a * b },
		DA: func(a, b, y float64) float64 { return b }, DB: func(a, b, y float64) float64 { return a }},
	"/": {Symbol: "/", GPU: dist.OnGPU, F: func(a, b float64) float64 { return a / b },
		DA: func(a, b, y float64) float64 { return 1 / b }, DB: func(a, b, y float64) float64 { return -y / b }},
	"^": {Symbol: "^", GPU: dist.OnGPU, F: math.Pow,
		DA: func(a, b, y float64) float64 {
			if b == 0 {
				return 0
			}
			return b * math.Pow(a, b-1)
		},
		DB: func(a, b, y float64) float64 {
			if y == 0 {
				return 0
			}
			return y * math.Log(a)
		}},
}

// LogSumExp2 is log(eᵃ + eᵇ), the two-argument log_sum_exp, computed around the larger argument;
// its partial derivatives are the softmax weights eᵃ⁻ʸ and eᵇ⁻ʸ. It is applied elementwise like
// an operator, with scalars broadcast.
var LogSumExp2 = &BinaryOp{Symbol: "log_sum_exp", GPU: dist.CPUOnly("no CUDA lowering yet"),
	F: func(a, b float64) float64 {
		m := max(a, b)
		if math.IsInf(m, 0) {
			return m
		}
		return m + math.Log(math.Exp(a-m)+math.Exp(b-m))
	},
	DA: func(a, b, y float64) float64 {
		if math.IsInf(y, -1) {
			return 0
		}
		return math.Exp(a - y)
	},
	DB: func(a, b, y float64) float64 {
		if math.IsInf(y, -1) {
			return 0
		}
		return math.Exp(b - y)
	}}
