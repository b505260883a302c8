// Package cudagen turns a bound model into CUDA C for the GPU backend: one fused kernel per
// log-density term that computes, for every chain, the term's log density and its gradient with
// respect to the unconstrained parameters, plus the kernels around it (the parameter transforms,
// the vectors that feed matrix products and sums, and their backward passes). Matrix products are
// not generated: the Program lists them as cuBLAS-style gemm steps between kernels.
//
// The output is plain text and a plan, so this package needs no GPU and no cgo. runtime/gpu
// compiles the source with NVRTC and follows the plan with cuBLAS; the tests compile the same
// source with the host C compiler through a small shim for the CUDA built-ins and compare it with
// the CPU executor.
//
// # Layout
//
// Every per-chain buffer is coordinate-major with the chain fastest: element i of chain c sits at
// i*C + c. One thread handles one chain, so neighbouring threads read neighbouring addresses
// (coalesced), data shared by the chains is one broadcast load, and no kernel needs shared memory
// or a barrier. A kernel over n elements is launched on a grid of ⌈C/blockDim⌉ × ⌈n/chunk⌉
// blocks: block row y handles elements [y·chunk, (y+1)·chunk) of every chain, so long data vectors
// still fill the device when there are few chains. Per-chain sums across those chunks (the log
// density, the gradient of a scalar parameter, a sum) are deterministic, with no atomics: each
// block row writes its partial sum, and a second kernel (the first's name and _reduce) adds the
// partials in block-row order; a gradient scattered through a grouping is written per element and
// summed per group, in element order, by a third (_scatterN). So a fixed seed and number of chains
// reproduce bit for bit, whatever the block size or the order blocks run in. A launch may have at
// most MaxBlockRows block rows of at least MinChunk elements (runtime/gpu's grid); a kernel over
// at most MinChunk elements has one row and adds directly.
//
// Every kernel has the signature (void *const *B, int C, int chunk): B is the table of buffer
// pointers in the order of Program.Buffers, C the number of chains.
package cudagen

import (
	"fmt"
	"strings"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// MaxBlockRows is the most block rows a launch may have (HMCC_ROWS in the source): the partial
// sums of a kernel are MaxBlockRows rows per slot. MinChunk (HMCC_MIN_CHUNK) is the fewest
// elements a block row may have (except the last), so a kernel over at most MinChunk elements
// has one row and adds its per-chain sums directly.
const (
	MaxBlockRows = 64
	MinChunk     = 8
)

// Precision is the floating-point type of the generated kernels.
type Precision int

const (
	Float64 Precision = iota
	Float32
)

func (p Precision) String() string {
	if p == Float32 {
		return "float32"
	}
	return "float64"
}

// ParsePrecision reads "float32" or "float64".
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "float64":
		return Float64, nil
	case "float32":
		return Float32, nil
	}
	return 0, fmt.Errorf("precision must be float32 or float64, got %q", s)
}

// Buffer is one device allocation. A per-chain buffer holds Rows values per chain (Rows*C in all,
// element i of chain c at i*C + c); a data buffer holds Data, shared by every chain and uploaded
// once. Double buffers are always float64 (the log density, which the Metropolis step differences);
// the others have the kernels' precision.
type Buffer struct {
	Name     string
	PerChain bool
	Rows     int
	Data     []float64
	Double   bool
}

// ctype is the buffer's element type in the generated source: real is the kernels' precision.
func (b Buffer) ctype() string {
	if b.Double {
		return "double"
	}
	return "real"
}

// Len returns the number of elements of the buffer for C chains.
func (b Buffer) Len(chains int) int {
	if b.PerChain {
		return b.Rows * chains
	}
	return len(b.Data)
}

// StepKind says what a plan step does.
type StepKind int

const (
	// Zero sets buffer Buf to zero.
	Zero StepKind = iota
	// Launch runs Kernel over N elements of every chain.
	Launch
	// MatMul runs the gemm in Gemm.
	MatMul
)

// Step is one action of the plan, in order, on one stream.
type Step struct {
	Kind   StepKind
	Buf    int
	Kernel string
	N      int
	Gemm   Gemm
}

// Gemm is Out = In · op(Mat) for every chain at once, in the column-major terms of cuBLAS. In and
// Out are per-chain buffers: with the chain fastest they are column-major C×k and C×n matrices with
// leading dimension C. Mat is the data matrix M[Rows, Cols] stored row-major, which column-major
// reads as Mᵀ (Cols×Rows, leading dimension Cols).
//
// Forward (Trans false): Out[C×Rows] = In[C×Cols] · Mᵀ, that is out_c = M in_c.
// Backward (Trans true): Out[C×Cols] = In[C×Rows] · M, that is out_c = Mᵀ in_c.
type Gemm struct {
	Trans      bool
	Rows, Cols int
	In, Mat    int
	Out        int
}

// Program is the generated source and the plan that evaluates the log density and its gradient.
type Program struct {
	Precision Precision
	Source    string
	Dim       int
	Buffers   []Buffer
	Steps     []Step
	Kernels   []string // every kernel's name, in source order
	// Fixed buffer indices: Theta [Dim × C] in, LogP [C] (float64) and Grad [Dim × C] out.
	Theta, LogP, Grad int
	// HMC holds the buffers of the device-resident transition (hmc.go).
	HMC HMCBuffers
	// Adapt holds the buffers of warmup's adaptation statistics reduced on the device (adapt.go).
	Adapt AdaptBuffers
}

// Device runs plan steps. runtime/gpu implements it with CUDA; the tests with the host shim.
type Device interface {
	Zero(buf int) error
	Launch(kernel string, n int) error
	Gemm(g Gemm) error
}

// Eval runs every step of the plan on d: after it, LogP and Grad hold the log density and its
// gradient at Theta.
func (p *Program) Eval(d Device) error {
	for _, s := range p.Steps {
		var err error
		switch s.Kind {
		case Zero:
			err = d.Zero(s.Buf)
		case Launch:
			err = d.Launch(s.Kernel, s.N)
		case MatMul:
			err = d.Gemm(s.Gemm)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Unsupported is the error for a model construct the GPU backend cannot compile yet.
type Unsupported struct{ What string }

func (e *Unsupported) Error() string {
	return "the GPU backend does not support " + e.What + " yet; run this model on the CPU (--device cpu)"
}

// Generate compiles a bound model (after compiler.Check and compiler.BindData) to CUDA C and a plan.
func Generate(m *ir.Model, prec Precision) (*Program, error) {
	if !m.Bound() {
		return nil, diag.Internalf("generating CUDA for a model with no data bound")
	}
	g := &gen{m: m, prec: prec, p: &Program{Precision: prec, Dim: m.Dim()}, mats: map[ir.Expr]*mat{},
		data: map[any]int{}}
	p := g.p
	p.Theta = g.perChain("theta", p.Dim, false)
	p.LogP = g.perChain("logp", 1, true)
	p.Grad = g.perChain("grad", p.Dim, false)
	g.con = g.perChain("con", p.Dim, false) // constrained parameter values
	// The gradient with respect to them is accumulated (through partial sums across block rows, for
	// scalar parameters read at every element) in double in both precisions.
	g.gcon = g.perChain("gcon", p.Dim, true)
	g.part = g.perChain("part", 0, true) // sized when every kernel is written
	g.follow = map[string][]Step{}

	var terms []*ir.Term
	for _, pv := range m.Params {
		terms = append(terms, pv.Prior)
	}
	terms = append(terms, m.Terms...)
	if err := notOnGPUYet(m, terms); err != nil {
		return nil, err
	}
	// Discover the matrix products and sums first: they become buffers and kernels of their own,
	// in an order where every one is computed before anything reads it.
	for _, t := range terms {
		for _, e := range append([]ir.Expr{t.Variate}, t.Args...) {
			if err := g.collect(e); err != nil {
				return nil, err
			}
		}
	}
	g.dists = map[string]bool{}
	for _, t := range terms {
		if _, ok := distributions[t.Dist.Name]; !ok || !t.Dist.GPU.CUDA {
			return nil, &Unsupported{What: fmt.Sprintf("the distribution %s (it has %s)", t.Dist.Name,
				strings.Join(SupportedDistributions(), ", "))}
		}
		g.dists[t.Dist.Name] = true
	}
	transform := g.transformKernels()
	var kernels strings.Builder
	var fwd, bwd []Step
	// emit adds a kernel's source (with those that complete it) and returns its launch and theirs.
	emit := func(name, src string, n int) []Step {
		kernels.WriteString(src)
		steps := append([]Step{{Kind: Launch, Kernel: name, N: n}}, g.follow[name]...)
		for _, s := range steps {
			p.Kernels = append(p.Kernels, s.Kernel)
		}
		return steps
	}
	for i, mt := range g.order {
		name := fmt.Sprintf("hmcc_%s%d_forward", mt.kind(), i)
		k, err := g.matForward(name, mt)
		if err != nil {
			return nil, err
		}
		fwd = append(fwd, emit(name, k, mt.n)...)
		if mt.mv != nil {
			fwd = append(fwd, Step{Kind: MatMul, Gemm: Gemm{Rows: mt.rows, Cols: mt.cols, In: mt.in, Mat: mt.matrix, Out: mt.out}})
		}
	}
	for i, t := range terms {
		name := fmt.Sprintf("hmcc_term%d_%s", i, t.Dist.Name)
		k, n, err := g.termKernel(name, t)
		if err != nil {
			return nil, err
		}
		fwd = append(fwd, emit(name, k, n)...)
	}
	for i := len(g.order) - 1; i >= 0; i-- {
		mt := g.order[i]
		name := fmt.Sprintf("hmcc_%s%d_backward", mt.kind(), i)
		if mt.mv != nil {
			bwd = append(bwd, Step{Kind: MatMul, Gemm: Gemm{Trans: true, Rows: mt.rows, Cols: mt.cols, In: mt.adjOut, Mat: mt.matrix, Out: mt.adjIn}})
		}
		k, err := g.matBackward(name, mt)
		if err != nil {
			return nil, err
		}
		bwd = append(bwd, emit(name, k, mt.n)...)
	}
	// Everything that is accumulated into starts at zero.
	p.Steps = append(p.Steps, Step{Kind: Zero, Buf: p.LogP}, Step{Kind: Zero, Buf: g.gcon})
	for _, mt := range g.order {
		switch {
		case mt.sum != nil:
			p.Steps = append(p.Steps, Step{Kind: Zero, Buf: mt.out}, Step{Kind: Zero, Buf: mt.adjOut})
		case mt.mv != nil:
			p.Steps = append(p.Steps, Step{Kind: Zero, Buf: mt.adjOut})
		case mt.gather != nil:
			p.Steps = append(p.Steps, Step{Kind: Zero, Buf: mt.adjIn})
		}
	}
	p.Steps = append(p.Steps, Step{Kind: Launch, Kernel: "hmcc_transform", N: p.Dim})
	p.Steps = append(p.Steps, g.follow["hmcc_transform"]...)
	p.Steps = append(p.Steps, fwd...)
	p.Steps = append(p.Steps, bwd...)
	p.Steps = append(p.Steps, Step{Kind: Launch, Kernel: "hmcc_finish", N: p.Dim})
	var src strings.Builder
	src.WriteString(g.header())
	src.WriteString(transform)
	src.WriteString(kernels.String())
	p.Buffers[g.part].Rows = max(1, g.slots) * MaxBlockRows
	g.addHMC()
	src.WriteString(g.hmcKernels())
	g.addAdapt()
	src.WriteString(g.adaptKernels())
	src.WriteString(g.kernelTable())
	p.Source = src.String()
	return p, nil
}

// gen holds the state of one generation.
type gen struct {
	m         *ir.Model
	prec      Precision
	p         *Program
	con, gcon int
	mats      map[ir.Expr]*mat // keyed by the *ir.MatVec, *ir.Sum, *ir.Mean, *ir.Dot or *ir.Gather node
	order     []*mat           // inner before outer
	data      map[any]int      // *ir.DataVar or *ir.Tensor → buffer
	dists     map[string]bool  // distributions whose device functions are needed
	// part is the buffer of block rows' partial sums (MaxBlockRows rows per slot; slots, the most
	// any kernel uses); follow lists, for a kernel, the kernels that complete it (its _reduce and
	// _scatter kernels), launched right after it over the elements given.
	part, slots int
	follow      map[string][]Step
}

// mat is a value that a kernel cannot compute element by element: a matrix product M @ v, whose
// vector is computed by a kernel into `in` and multiplied by gemm into `out`; a sum, reduced by
// its kernel into `out` (a mean is a sum scaled by 1/n, dot(a, b) the sum of a * b); or a gather x[g], whose vector x is computed into `in` and read there at
// each element's group. adjOut receives the gradient with respect to out from the kernels that read
// it; for a product, gemm carries it back to adjIn, the gradient with respect to the vector. The
// readers of a gather scatter-add into adjIn themselves.
type mat struct {
	mv         *ir.MatVec
	sum        ir.Expr // *ir.Sum, *ir.Mean or *ir.Dot
	scale      float64 // of a sum: 1, or 1/n for a mean
	gather     *ir.Gather
	inner      ir.Expr // the vector: v of M @ v, x of sum(x) and mean(x), a * b of dot(a, b)
	n          int     // its length
	rows, cols int     // M's shape
	matrix     int
	in, out    int
	adjIn      int
	adjOut     int
}

func (mt *mat) kind() string {
	switch {
	case mt.mv != nil:
		return "matvec"
	case mt.gather != nil:
		return "gather"
	}
	return "sum"
}

func (g *gen) perChain(name string, rows int, double bool) int {
	g.p.Buffers = append(g.p.Buffers, Buffer{Name: name, PerChain: true, Rows: rows, Double: double})
	return len(g.p.Buffers) - 1
}

// dataBuffer returns the buffer holding a data value, uploading each value once.
func (g *gen) dataBuffer(key any, name string, t *ir.Tensor) int {
	if i, ok := g.data[key]; ok {
		return i
	}
	g.p.Buffers = append(g.p.Buffers, Buffer{Name: name, Data: t.Data})
	i := len(g.p.Buffers) - 1
	g.data[key] = i
	return i
}

// collect finds every matrix product and sum that depends on the parameters, inner ones first.
func (g *gen) collect(e ir.Expr) error {
	switch e := e.(type) {
	case *ir.Const, *ir.DataRef, *ir.ParamRef, *ir.Folded:
		return nil
	case *ir.LetRef:
		return g.collect(e.Var.Value)
	case *ir.Unary:
		return g.collect(e.X)
	case *ir.Binary:
		if e.Op.Comparison() {
			return &Unsupported{What: describe(e)}
		}
		if err := g.collect(e.L); err != nil {
			return err
		}
		return g.collect(e.R)
	case *ir.MatVec:
		return g.addMat(e, e.V, func(i int) (*mat, error) {
			mtx, name, err := matrixOf(e.M)
			if err != nil {
				return nil, err
			}
			if len(mtx.Shape) != 2 {
				return nil, diag.Internalf("the left side of @ has shape %v", mtx.Shape)
			}
			mt := &mat{mv: e, inner: e.V, n: mtx.Shape[1], rows: mtx.Shape[0], cols: mtx.Shape[1]}
			mt.matrix = g.dataBuffer(mtx, name, mtx)
			mt.in = g.perChain(fmt.Sprintf("matvec%d_in", i), mt.cols, false)
			mt.out = g.perChain(fmt.Sprintf("matvec%d_out", i), mt.rows, false)
			mt.adjIn = g.perChain(fmt.Sprintf("matvec%d_adj_in", i), mt.cols, false)
			mt.adjOut = g.perChain(fmt.Sprintf("matvec%d_adj_out", i), mt.rows, false)
			return mt, nil
		})
	case *ir.Sum:
		return g.addSum(e, e.X, false)
	case *ir.Mean:
		return g.addSum(e, e.X, true)
	case *ir.Dot:
		// dot(a, b) is sum(a * b): the product is an elementwise value the sum's kernels compute
		// and differentiate like any other, so it needs no kernels of its own.
		start, end := e.Span()
		return g.addSum(e, ir.NewBinary(ir.NewSpan(start, end), ir.BinaryOps["*"], e.A, e.B, e.A.Shape()), false)
	case *ir.Gather:
		return g.addMat(e, e.X, func(i int) (*mat, error) {
			mt := &mat{gather: e, inner: e.X, n: g.m.Sizes.Len(e.X.Shape())}
			mt.in = g.perChain(fmt.Sprintf("gather%d_in", i), mt.n, false)
			mt.adjIn = g.perChain(fmt.Sprintf("gather%d_adj_in", i), mt.n, true) // scatter-added
			return mt, nil
		})
	}
	return &Unsupported{What: describe(e)}
}

// addSum records a reduction of inner to one number per chain: its sum, or with mean its mean.
func (g *gen) addSum(e, inner ir.Expr, mean bool) error {
	return g.addMat(e, inner, func(i int) (*mat, error) {
		mt := &mat{sum: e, inner: inner, n: g.m.Sizes.Len(inner.Shape()), scale: 1}
		if mean {
			mt.scale = 1 / float64(mt.n)
		}
		mt.out = g.perChain(fmt.Sprintf("sum%d_out", i), 1, true)
		mt.adjOut = g.perChain(fmt.Sprintf("sum%d_adj_out", i), 1, true)
		return mt, nil
	})
}

// addMat records e, a product, sum or gather of inner, as the next of g.order, after collecting
// those inside inner; build makes its entry given its index in g.order. An e already recorded, or
// one that depends on data only (the kernels evaluate it once, at generation time), is left.
func (g *gen) addMat(e, inner ir.Expr, build func(i int) (*mat, error)) error {
	if _, ok := g.mats[e]; ok || !e.DependsOnParams() {
		return nil
	}
	if err := g.collect(inner); err != nil {
		return err
	}
	mt, err := build(len(g.order))
	if err != nil {
		return err
	}
	g.mats[e] = mt
	g.order = append(g.order, mt)
	return nil
}

// matrixOf returns the data matrix on the left of @.
func matrixOf(e ir.Expr) (*ir.Tensor, string, error) {
	switch e := e.(type) {
	case *ir.DataRef:
		if e.Var.Value == nil {
			return nil, "", diag.Internalf("data %s is not bound", e.Var.Name)
		}
		return e.Var.Value, e.Var.Name, nil
	case *ir.Folded:
		return e.Value, "folded_matrix", nil
	case *ir.LetRef:
		return matrixOf(e.Var.Value)
	}
	if !e.DependsOnParams() { // transpose(X) that binding did not fold: computed here, once
		if t, err := ir.Eval(e, ir.NewEnv(nil, nil)); err == nil && len(t.Shape) == 2 {
			return t, "folded_matrix", nil
		}
	}
	return nil, "", &Unsupported{What: "a matrix on the left of @ that is computed from parameters"}
}

// Transpose returns the cols×rows transpose of a rows×cols row-major matrix: it converts θ between
// the samplers' chains×dim layout and the kernels' dim×chains one.
func Transpose(a []float64, rows, cols int) []float64 {
	out := make([]float64, len(a))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = a[r*cols+c]
		}
	}
	return out
}
