package cudagen

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// kgen writes one kernel over n elements of every chain. Values that do not depend on the element
// index j (scalars, per-chain scalars) are computed once per thread before the loop ("pre"), the
// others inside it. The backward pass is reverse mode over the same values: adjoints of looped
// values are local to an iteration; adjoints of hoisted values accumulate over the loop and are
// propagated after it ("post"), which is valid because the chain rule is linear in the adjoint.
type kgen struct {
	g    *gen
	n    int
	bufs map[int]bool
	pre  strings.Builder
	fwd  strings.Builder // loop body: forward values
	decl strings.Builder // loop body: adjoints of looped values
	seed strings.Builder // loop body: what the kernel does with the values (density, stores)
	bwd  strings.Builder // loop body: backward pass
	post strings.Builder
	vals map[ir.Expr]*val
	list []*val
	tmp  int
	// forwardOnly kernels compute values and no gradient.
	forwardOnly bool
	// reds are the targets (C lvalues of per-chain double buffers) of the per-chain sums across
	// block rows, one per slot of the partial buffer; scatters the gradients through groupings.
	reds     []string
	scatters []scatter
}

// scatter is a gradient with respect to a gathered vector x[g]: the kernel writes each element's
// adjoint to elem, and a kernel over x's entries adds, for every entry, its elements' adjoints in
// element order (off and idx list them, CSR) to adj.
type scatter struct {
	elem, adj, off, idx, groups int
}

// reduce emits the addition of v to target, a per-chain double summed over the kernel's elements:
// directly when the kernel has one block row, else as this block row's partial sum, which the
// kernel's _reduce kernel adds in block-row order.
func (k *kgen) reduce(w *strings.Builder, target, v string) {
	if k.n <= MinChunk {
		fmt.Fprintf(w, "    %s += %s;\n", target, v)
		return
	}
	fmt.Fprintf(w, "    %s[HMCC_AT((hmcc_idx)%d * HMCC_ROWS + blockIdx.y)] = %s;\n", k.buf(k.g.part), len(k.reds), v)
	k.reds = append(k.reds, target)
}

// val is one value of the kernel.
type val struct {
	ref    string // C expression: a temporary, a literal or a data load
	vec    bool   // depends on the element index j
	active bool   // depends on the parameters; then adj names its adjoint
	adj    string
	// back emits the propagation of adj to the value's inputs (nil for data and constants).
	back func(w *strings.Builder)
}

func newKernel(g *gen, n int) *kgen {
	return &kgen{g: g, n: n, bufs: map[int]bool{}, vals: map[ir.Expr]*val{}}
}

func (k *kgen) temp(prefix string) string {
	k.tmp++
	return fmt.Sprintf("%s%d", prefix, k.tmp)
}

var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]`)

// buf names buffer i in the kernel and records that the kernel reads or writes it.
func (k *kgen) buf(i int) string {
	k.bufs[i] = true
	return fmt.Sprintf("b%d_%s", i, notIdent.ReplaceAllString(k.g.p.Buffers[i].Name, "_"))
}

// at is the offset of row `row` of chain c in a per-chain buffer; row is a C expression.
func at(row string) string {
	if row == "0" {
		return "c"
	}
	return "HMCC_AT(" + row + ")"
}

func literal(v float64) string {
	return "(real)" + strconv.FormatFloat(v, 'g', -1, 64)
}

// index returns the C index of a vector of length l read at element j, broadcasting length 1.
func (k *kgen) index(l int, what string) (string, bool, error) {
	switch {
	case l == k.n && l > 1:
		return "j", true, nil
	case l == 1:
		return "0", false, nil
	}
	return "", false, &Unsupported{What: fmt.Sprintf("%s of length %d broadcast against length %d", what, l, k.n)}
}

// add registers a computed value: looped values go in the loop body, hoisted ones before it.
func (k *kgen) add(v *val, code string) *val {
	w := &k.pre
	if v.vec {
		w = &k.fwd
	}
	w.WriteString(code)
	if v.active && !k.forwardOnly {
		v.adj = k.temp("a")
		// A looped value's adjoint is one element's; a hoisted value's sums the adjoints of every
		// element of the loop, so it is accumulated in double whatever the kernels' precision.
		d, typ := &k.pre, "double"
		if v.vec {
			d, typ = &k.decl, "real"
		}
		fmt.Fprintf(d, "%s%s %s = 0;\n", k.stmt(v), typ, v.adj)
	}
	k.list = append(k.list, v)
	return v
}

// define names v by a new temporary, whose forward code sets it to rhs.
func (k *kgen) define(v *val, rhs string) {
	v.ref = k.temp("t")
	k.add(v, fmt.Sprintf("%sreal %s = %s;\n", k.stmt(v), v.ref, rhs))
}

// stmt is the indentation of a value's code: hoisted values (pre, post) and looped ones (loop body).
func (k *kgen) stmt(v *val) string {
	if v.vec {
		return "      "
	}
	return "    "
}

// leaf reads row `row` of a per-chain buffer (a constrained parameter, a product, a sum) and sends
// its adjoint to row `row` of the buffer adj: directly when the value is per element (one thread
// owns that address in this kernel), as a per-chain sum (reduce) after the loop when it is per
// chain (every chunk of the chain's elements adds to it).
func (k *kgen) leaf(src, adj int, row string, vec bool) *val {
	v := &val{vec: vec, active: true}
	k.define(v, fmt.Sprintf("%s[%s]", k.buf(src), at(row)))
	v.back = func(w *strings.Builder) {
		target := fmt.Sprintf("%s[%s]", k.buf(adj), at(row))
		if vec {
			fmt.Fprintf(w, "      %s += %s;\n", target, v.adj)
		} else {
			k.reduce(w, target, v.adj)
		}
	}
	return v
}

// gathered reads x[g] at element j, mt the gather of x: the group index of every element is data
// (groups, 1-based), so several elements, possibly in other block rows, share an entry of x. The
// adjoint of each element is written to a per-element buffer and summed per entry of x by the
// kernel's _scatter kernel, in element order, so no two threads add to one address.
func (k *kgen) gathered(mt *mat, groups int, t *ir.Tensor) *val {
	row := fmt.Sprintf("(int)%s[j] - 1", k.buf(groups))
	v := &val{vec: true, active: true}
	k.define(v, fmt.Sprintf("%s[%s]", k.buf(mt.in), at(row)))
	if k.forwardOnly {
		return v
	}
	g := k.g
	elem := g.perChain(fmt.Sprintf("%s_elem%d", g.p.Buffers[mt.adjIn].Name, len(g.p.Buffers)), k.n, true)
	sc := scatter{elem: elem, adj: mt.adjIn, groups: mt.n}
	sc.off, sc.idx = g.csr(groups, t, mt.n)
	k.scatters = append(k.scatters, sc)
	v.back = func(w *strings.Builder) {
		fmt.Fprintf(w, "      %s[%s] = %s;\n", k.buf(elem), at("j"), v.adj)
	}
	return v
}

// csr returns the buffers listing, for each of the n entries a grouping indexes, its elements in
// order: entry r's are idx[off[r]] … idx[off[r+1]-1]. Both are double data (exact to 2^53).
func (g *gen) csr(groups int, t *ir.Tensor, n int) (off, idx int) {
	type key struct{ groups, part int }
	if i, ok := g.data[key{groups, 0}]; ok {
		return i, g.data[key{groups, 1}]
	}
	count := make([]float64, n+1)
	for _, v := range t.Data {
		count[int(v)]++ // v is 1-based: entry v-1 ends at off[v]
	}
	for r := 1; r <= n; r++ {
		count[r] += count[r-1]
	}
	list := make([]float64, len(t.Data))
	next := append([]float64(nil), count[:n]...)
	for j, v := range t.Data {
		list[int(next[int(v)-1])] = float64(j)
		next[int(v)-1]++
	}
	name := g.p.Buffers[groups].Name
	g.p.Buffers = append(g.p.Buffers, Buffer{Name: name + "_csr_off", Data: count, Double: true},
		Buffer{Name: name + "_csr_idx", Data: list, Double: true})
	off, idx = len(g.p.Buffers)-2, len(g.p.Buffers)-1
	g.data[key{groups, 0}], g.data[key{groups, 1}] = off, idx
	return off, idx
}

// data places a data value: a literal when it is one number, else a buffer read at the element.
func (k *kgen) data(key any, name string, t *ir.Tensor) (*val, error) {
	if len(t.Shape) == 2 {
		return nil, &Unsupported{What: "a data matrix used outside M @ v"}
	}
	if len(t.Data) == 1 && len(t.Shape) == 0 {
		return &val{ref: literal(t.Data[0])}, nil
	}
	idx, vec, err := k.index(len(t.Data), "data "+name)
	if err != nil {
		return nil, err
	}
	b := k.g.dataBuffer(key, name, t)
	return &val{ref: fmt.Sprintf("%s[%s]", k.buf(b), idx), vec: vec}, nil
}

// expr emits e at element j and returns its value; shared subexpressions (lets) are emitted once.
func (k *kgen) expr(e ir.Expr) (*val, error) {
	if v, ok := k.vals[e]; ok {
		return v, nil
	}
	v, err := k.emit(e)
	if err != nil {
		return nil, err
	}
	k.vals[e] = v
	return v, nil
}

func (k *kgen) emit(e ir.Expr) (*val, error) {
	if l, ok := e.(*ir.LetRef); ok {
		return k.expr(l.Var.Value)
	}
	if !e.DependsOnParams() {
		switch e := e.(type) {
		case *ir.Const:
			return &val{ref: literal(e.Value)}, nil
		case *ir.DataRef:
			if e.Var.Value == nil {
				return nil, diag.Internalf("data %s is not bound", e.Var.Name)
			}
			return k.data(e.Var, e.Var.Name, e.Var.Value)
		case *ir.Folded:
			return k.data(e.Value, fmt.Sprintf("folded%d", len(k.g.p.Buffers)), e.Value)
		}
		// A data-only expression that binding did not fold: evaluate it here, once.
		t, err := ir.Eval(e, ir.NewEnv(k.g.m.Sizes, nil))
		if err != nil {
			return nil, diag.Internalf("evaluating data: %w", err)
		}
		return k.data(e, fmt.Sprintf("folded%d", len(k.g.p.Buffers)), t)
	}
	switch e := e.(type) {
	case *ir.ParamRef:
		p := e.Var
		if p.Len == 1 && len(p.Shape) == 0 {
			return k.leaf(k.g.con, k.g.gcon, strconv.Itoa(p.Offset), false), nil
		}
		idx, vec, err := k.index(p.Len, "parameter "+p.Name)
		if err != nil {
			return nil, err
		}
		row := strconv.Itoa(p.Offset)
		if vec {
			row = fmt.Sprintf("%d + j", p.Offset)
		} else if idx != "0" {
			row = fmt.Sprintf("%d + %s", p.Offset, idx)
		}
		return k.leaf(k.g.con, k.g.gcon, row, vec), nil
	case *ir.MatVec:
		mt := k.g.mats[e]
		if mt == nil {
			return nil, diag.Internalf("matrix product not collected")
		}
		idx, vec, err := k.index(mt.rows, "a matrix product")
		if err != nil {
			return nil, err
		}
		return k.leaf(mt.out, mt.adjOut, idx, vec), nil
	case *ir.Sum, *ir.Mean, *ir.Dot:
		mt := k.g.mats[e]
		if mt == nil {
			return nil, diag.Internalf("sum not collected")
		}
		return k.leaf(mt.out, mt.adjOut, "0", false), nil
	case *ir.Gather:
		mt := k.g.mats[e]
		if mt == nil {
			return nil, diag.Internalf("gather not collected")
		}
		groups := e.Index.Value
		if groups == nil {
			return nil, diag.Internalf("data %s is not bound", e.Index.Name)
		}
		idx, vec, err := k.index(len(groups.Data), "grouping "+e.Index.Name)
		if err != nil {
			return nil, err
		}
		b := k.g.dataBuffer(e.Index, e.Index.Name, groups)
		// groups are 1-based whole numbers, checked when the data were bound
		if vec {
			return k.gathered(mt, b, groups), nil
		}
		return k.leaf(mt.in, mt.adjIn, fmt.Sprintf("(int)%s[%s] - 1", k.buf(b), idx), false), nil
	case *ir.Unary:
		return k.unary(e)
	case *ir.Binary:
		return k.binary(e)
	}
	return nil, &Unsupported{What: fmt.Sprintf("the expression %T", e)}
}

// unaryC gives each elementwise function its C forward code and derivative, in terms of the
// argument x and the result y, mirroring ir.Funcs; a function is lowered when its row is marked
// dist.OnGPU and it is here (TestGPUCoverage holds the two together).
var unaryC = map[string]struct{ f, d string }{
	"exp":       {"hexp(x)", "y"},
	"log":       {"hlog(x)", "1 / x"},
	"log1p":     {"hlog1p(x)", "1 / (1 + x)"},
	"sqrt":      {"hsqrt(x)", "(real)0.5 / y"},
	"inv_logit": {"hmcc_inv_logit(x)", "y * (1 - y)"},
	"softplus":  {"hmcc_softplus(x)", "hmcc_inv_logit(x)"},
	"lgamma":    {"hlgamma(x)", "hmcc_digamma(x)"},
	"neg":       {"-x", "(real)-1"},
}

var (
	reX = regexp.MustCompile(`\bx\b`)
	reY = regexp.MustCompile(`\by\b`)
	reA = regexp.MustCompile(`\ba\b`)
	reB = regexp.MustCompile(`\bb\b`)
)

func (k *kgen) unary(e *ir.Unary) (*val, error) {
	fc, ok := unaryC[e.Func.Name]
	if !ok || !e.Func.GPU.CUDA {
		return nil, &Unsupported{What: "the function " + e.Func.Name}
	}
	x, err := k.expr(e.X)
	if err != nil {
		return nil, err
	}
	v := &val{vec: x.vec, active: x.active}
	k.define(v, reX.ReplaceAllString(fc.f, x.ref))
	if x.active {
		d := reY.ReplaceAllString(reX.ReplaceAllString(fc.d, x.ref), v.ref)
		v.back = func(w *strings.Builder) {
			fmt.Fprintf(w, "%s%s += %s * (%s);\n", k.stmt(v), x.adj, v.adj, d)
		}
	}
	return v, nil
}

// binaryC mirrors ir.BinaryOps: the result and the partial derivatives in a, b and the result y;
// an operator is lowered when its row is marked dist.OnGPU and it is here.
var binaryC = map[string]struct{ f, da, db string }{
	"+": {"a + b", "1", "1"},
	"-": {"a - b", "1", "-1"},
	"*": {"a * b", "b", "a"},
	"/": {"a / b", "1 / b", "-y / b"},
	"^": {"hpow(a, b)", "(b == 0 ? (real)0 : b * hpow(a, b - 1))", "(y == 0 ? (real)0 : y * hlog(a))"},
}

func (k *kgen) binary(e *ir.Binary) (*val, error) {
	fc, ok := binaryC[e.Op.Symbol]
	if !ok || !e.Op.GPU.CUDA {
		return nil, &Unsupported{What: "the operator " + e.Op.Symbol}
	}
	l, err := k.expr(e.L)
	if err != nil {
		return nil, err
	}
	r, err := k.expr(e.R)
	if err != nil {
		return nil, err
	}
	subst := func(s, y string) string {
		s = reA.ReplaceAllString(s, "("+l.ref+")")
		s = reB.ReplaceAllString(s, "("+r.ref+")")
		return reY.ReplaceAllString(s, y)
	}
	v := &val{vec: l.vec || r.vec, active: l.active || r.active}
	k.define(v, subst(fc.f, ""))
	v.back = func(w *strings.Builder) {
		for _, side := range []struct {
			in *val
			d  string
		}{{l, fc.da}, {r, fc.db}} {
			if !side.in.active {
				continue
			}
			switch side.d {
			case "1":
				fmt.Fprintf(w, "%s%s += %s;\n", k.stmt(v), side.in.adj, v.adj)
			case "-1":
				fmt.Fprintf(w, "%s%s -= %s;\n", k.stmt(v), side.in.adj, v.adj)
			default:
				fmt.Fprintf(w, "%s%s += %s * %s;\n", k.stmt(v), side.in.adj, v.adj, subst(side.d, v.ref))
			}
		}
	}
	return v, nil
}

// finish writes the backward pass and wraps everything in the kernel.
func (k *kgen) finish(name, comment string) string {
	for i := len(k.list) - 1; i >= 0 && !k.forwardOnly; i-- {
		v := k.list[i]
		if !v.active || v.back == nil {
			continue
		}
		if v.vec {
			v.back(&k.bwd)
		} else {
			v.back(&k.post)
		}
	}
	var decls strings.Builder
	fmt.Fprintf(&decls, "  const int j0 = blockIdx.y * chunk, j1 = hmcc_min(j0 + chunk, %d);\n", k.n)
	for i := range k.g.p.Buffers {
		if !k.bufs[i] {
			continue
		}
		bf := k.g.p.Buffers[i]
		typ := bf.ctype()
		if bf.PerChain {
			fmt.Fprintf(&decls, "  %s *%s = (%s *)B[%d];\n", typ, k.buf(i), typ, i)
		} else {
			fmt.Fprintf(&decls, "  const %s *%s = (const %s *)B[%d];\n", typ, k.buf(i), typ, i)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n/* %s */\n", comment)
	kernelHead(&b, name)
	b.WriteString(decls.String())
	b.WriteString("  {\n")
	b.WriteString(k.pre.String())
	b.WriteString("    for (int j = j0; j < j1; j++) {\n")
	b.WriteString(k.fwd.String())
	b.WriteString(k.decl.String())
	b.WriteString(k.seed.String())
	b.WriteString(k.bwd.String())
	b.WriteString("    }\n")
	b.WriteString(k.post.String())
	b.WriteString("  }\n}\n")
	k.finishReductions(&b, name, decls.String())
	return b.String()
}

// finishReductions writes the kernels that complete kernel name, launched right after it (g.follow):
// _reduce adds each slot's partial sums in block-row order to its target (one block row does it,
// over the same elements so that it knows the rows), and _scatterN sums each gathered entry's
// element adjoints.
func (k *kgen) finishReductions(b *strings.Builder, name, decls string) {
	g := k.g
	if len(k.reds) > 0 {
		rn := name + "_reduce"
		fmt.Fprintf(b, "\n/* %s's per-chain sums: the block rows' partials in row order */\n", name)
		kernelHead(b, rn)
		b.WriteString(decls)
		b.WriteString("  if (blockIdx.y != 0) return;\n")
		fmt.Fprintf(b, "  const int rows = (%d + chunk - 1) / chunk;\n", k.n)
		for s, target := range k.reds {
			fmt.Fprintf(b, "  {\n    double s = 0;\n    for (int y = 0; y < rows; y++) s += %s[HMCC_AT((hmcc_idx)%d * HMCC_ROWS + y)];\n    %s += s;\n  }\n",
				k.buf(g.part), s, target)
		}
		b.WriteString("}\n")
		g.follow[name] = append(g.follow[name], Step{Kind: Launch, Kernel: rn, N: k.n})
		g.slots = max(g.slots, len(k.reds))
	}
	for i, sc := range k.scatters {
		sn := fmt.Sprintf("%s_scatter%d", name, i)
		typ := func(j int) string { return g.p.Buffers[j].ctype() }
		fmt.Fprintf(b, "\n/* %s's gradient through a grouping: each entry's elements in order */\n", name)
		kernelHead(b, sn)
		fmt.Fprintf(b, `  const int j0 = blockIdx.y * chunk, j1 = hmcc_min(j0 + chunk, %d);
  const double *off = (const double *)B[%d];
  const double *idx = (const double *)B[%d];
  const %s *elem = (const %s *)B[%d];
  %s *adj = (%s *)B[%d];
  for (int j = j0; j < j1; j++) {
    double s = 0;
    for (hmcc_idx q = (hmcc_idx)off[j]; q < (hmcc_idx)off[j + 1]; q++) s += elem[HMCC_AT((hmcc_idx)idx[q])];
    adj[HMCC_AT(j)] += s;
  }
}
`, sc.groups, sc.off, sc.idx, typ(sc.elem), typ(sc.elem), sc.elem, typ(sc.adj), typ(sc.adj), sc.adj)
		g.follow[name] = append(g.follow[name], Step{Kind: Launch, Kernel: sn, N: sc.groups})
	}
}

// kernelHead opens a kernel: its signature, every kernel's, and the chain c of its thread, which
// returns if it has none.
func kernelHead(b *strings.Builder, name string) {
	fmt.Fprintf(b, "HMCC_KERNEL void %s(void *const *B, const int C, const int chunk) {\n", name)
	b.WriteString("  const int c = blockIdx.x * blockDim.x + threadIdx.x;\n")
	b.WriteString("  if (c >= C) return;\n")
}

// kernelWithBuffers opens the kernel name, one thread per chain, with a typed pointer to each of
// the buffers it names (bufs maps a name to its index in g.p.Buffers; what says whose buffers
// they are, for the panic on a name the generator does not have).
func (g *gen) kernelWithBuffers(b *strings.Builder, bufs map[string]int, what, name string, names ...string) {
	kernelHead(b, name)
	for _, n := range names {
		i, ok := bufs[n]
		if !ok {
			panic("cudagen: no " + what + " buffer " + n)
		}
		typ := g.p.Buffers[i].ctype()
		fmt.Fprintf(b, "  %s *%s = (%s *)B[%d];\n", typ, n, typ, i)
	}
}

// termKernel adds one term's log density over its elements to logp and its gradient to the
// adjoints of whatever it reads.
func (g *gen) termKernel(name string, t *ir.Term) (string, int, error) {
	dc := distributions[t.Dist.Name]
	n := 1
	inputs := append([]ir.Expr{t.Variate}, t.Args...)
	for _, e := range inputs {
		n = max(n, g.m.Sizes.Len(e.Shape()))
	}
	k := newKernel(g, n)
	vals := make([]*val, len(inputs))
	for i, e := range inputs {
		v, err := k.expr(e)
		if err != nil {
			return "", 0, err
		}
		vals[i] = v
	}
	fmt.Fprintf(&k.pre, "    double lp = 0;\n    real d[%d];\n", dc.params+1)
	refs := make([]string, len(vals))
	for i, v := range vals {
		refs[i] = v.ref
	}
	fmt.Fprintf(&k.seed, "      lp += hmcc_lpdf_%s(%s, d);\n", t.Dist.Name, strings.Join(refs, ", "))
	for i, v := range vals {
		if v.active {
			fmt.Fprintf(&k.seed, "      %s += d[%d];\n", v.adj, i)
		}
	}
	k.reduce(&k.post, k.buf(g.p.LogP)+"[c]", "lp")
	start, _ := t.Variate.Span()
	return k.finish(name, fmt.Sprintf("%s ~ %s (line %d), %d elements", exprName(t.Variate), t.Dist.Name, start.Line, n)), n, nil
}

func exprName(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.DataRef:
		return e.Var.Name
	case *ir.ParamRef:
		return e.Var.Name
	case *ir.LetRef:
		return e.Var.Name
	}
	return "expression"
}

// matForward computes the vector of a product into its buffer (gemm follows), or a sum.
func (g *gen) matForward(name string, mt *mat) (string, error) {
	k := newKernel(g, mt.n)
	k.forwardOnly = true
	v, err := k.expr(mt.inner)
	if err != nil {
		return "", err
	}
	if mt.mv != nil {
		fmt.Fprintf(&k.seed, "      %s[%s] = %s;\n", k.buf(mt.in), at("j"), v.ref)
		return k.finish(name, fmt.Sprintf("the vector of a matrix product [%d x %d] @ [%d], for gemm", mt.rows, mt.cols, mt.cols)), nil
	}
	if mt.gather != nil {
		fmt.Fprintf(&k.seed, "      %s[%s] = %s;\n", k.buf(mt.in), at("j"), v.ref)
		return k.finish(name, fmt.Sprintf("the %d-vector a grouping %s indexes", mt.n, mt.gather.Index.Name)), nil
	}
	// Sums are accumulated in double in both precisions, within a block row and across them.
	k.pre.WriteString("    double acc = 0;\n")
	fmt.Fprintf(&k.seed, "      acc += %s;\n", v.ref)
	if mt.scale != 1 { // a mean: each block row's partial sum is scaled, and the scaled parts add up
		k.reduce(&k.post, k.buf(mt.out)+"[c]", "acc * "+strconv.FormatFloat(mt.scale, 'g', -1, 64))
		return k.finish(name, fmt.Sprintf("a mean over %d elements", mt.n)), nil
	}
	k.reduce(&k.post, k.buf(mt.out)+"[c]", "acc")
	return k.finish(name, fmt.Sprintf("a sum over %d elements", mt.n)), nil
}

// matBackward recomputes the vector of a product or sum and sends the gradient with respect to it
// (from gemm for a product, the sum's own adjoint for a sum) back to its inputs.
func (g *gen) matBackward(name string, mt *mat) (string, error) {
	k := newKernel(g, mt.n)
	v, err := k.expr(mt.inner)
	if err != nil {
		return "", err
	}
	if mt.mv != nil || mt.gather != nil {
		what := "the gradient of a matrix product's vector, from gemm"
		if mt.gather != nil {
			what = "the gradient of a gathered vector, scatter-added by the kernels that read it"
		}
		fmt.Fprintf(&k.seed, "      %s += %s[%s];\n", v.adj, k.buf(mt.adjIn), at("j"))
		return k.finish(name, what), nil
	}
	if mt.scale != 1 {
		fmt.Fprintf(&k.pre, "    const real seed = (real)(%s[c] * %s);\n", k.buf(mt.adjOut), strconv.FormatFloat(mt.scale, 'g', -1, 64))
	} else {
		fmt.Fprintf(&k.pre, "    const real seed = (real)%s[c];\n", k.buf(mt.adjOut))
	}
	fmt.Fprintf(&k.seed, "      %s += seed;\n", v.adj)
	return k.finish(name, "the gradient of a sum's elements"), nil
}

// transformKernels maps θ to the constrained values with the log-Jacobian (hmcc_transform) and,
// after the terms, the gradient with respect to the constrained values back to θ (hmcc_finish).
func (g *gen) transformKernels() string {
	var b strings.Builder
	b.WriteString("\n/* ir.Constraint for coordinate i of theta: y = T(x), dy/dx, log |dy/dx| and its derivative */\n")
	b.WriteString("HMCC_DEVICE void hmcc_constrain(int i, real x, real *y, real *dy, real *lj, real *dlj) {\n")
	for _, p := range g.m.Params {
		c := p.Constraint
		if c.Kind == ir.Unconstrained {
			continue
		}
		fmt.Fprintf(&b, "  if (i >= %d && i < %d) { /* %s: %s */\n", p.Offset, p.Offset+p.Len, p.Name, c)
		switch c.Kind {
		case ir.LowerBound:
			b.WriteString("    real e = hexp(x);\n")
			fmt.Fprintf(&b, "    *y = %s + e; *dy = e; *lj = x; *dlj = 1;\n", literal(c.Lo))
		case ir.Interval:
			b.WriteString("    real s = hmcc_inv_logit(x);\n")
			fmt.Fprintf(&b, "    *y = %s + %s * s; *dy = %s * s * (1 - s);\n", literal(c.Lo), literal(c.Hi-c.Lo), literal(c.Hi-c.Lo))
			fmt.Fprintf(&b, "    *lj = hlog(%s) - hmcc_softplus(-x) - hmcc_softplus(x); *dlj = 1 - 2 * s;\n", literal(c.Hi-c.Lo))
		}
		b.WriteString("    return;\n  }\n")
	}
	b.WriteString("  *y = x; *dy = 1; *lj = 0; *dlj = 0;\n}\n")

	k := newKernel(g, g.p.Dim)
	th, con, lp := k.buf(g.p.Theta), k.buf(g.con), k.buf(g.p.LogP)
	var add strings.Builder
	k.reduce(&add, lp+"[c]", "lj_sum")
	var decls strings.Builder
	fmt.Fprintf(&decls, `  const int j0 = blockIdx.y * chunk, j1 = hmcc_min(j0 + chunk, %d);
  const real *%s = (const real *)B[%d];
  real *%s = (real *)B[%d];
  double *%s = (double *)B[%d];
`, g.p.Dim, th, g.p.Theta, con, g.con, lp, g.p.LogP)
	if len(k.reds) > 0 {
		fmt.Fprintf(&decls, "  double *%s = (double *)B[%d];\n", k.buf(g.part), g.part)
	}
	fmt.Fprintf(&b, `
/* theta -> constrained values, and the log-Jacobian added to logp */
HMCC_KERNEL void hmcc_transform(void *const *B, const int C, const int chunk) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
%s  double lj_sum = 0;
  for (int j = j0; j < j1; j++) {
    real y, dy, lj, dlj;
    hmcc_constrain(j, %s[HMCC_AT(j)], &y, &dy, &lj, &dlj);
    %s[HMCC_AT(j)] = y;
    lj_sum += lj;
  }
%s}
`, decls.String(), th, con, add.String())
	k.finishReductions(&b, "hmcc_transform", decls.String())
	gr, gc := k.buf(g.p.Grad), k.buf(g.gcon)
	fmt.Fprintf(&b, `
/* gradient with respect to the constrained values -> gradient with respect to theta */
HMCC_KERNEL void hmcc_finish(void *const *B, const int C, const int chunk) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const int j0 = blockIdx.y * chunk, j1 = hmcc_min(j0 + chunk, %d);
  const real *%s = (const real *)B[%d];
  const double *%s = (const double *)B[%d];
  real *%s = (real *)B[%d];
  for (int j = j0; j < j1; j++) {
    real y, dy, lj, dlj;
    hmcc_constrain(j, %s[HMCC_AT(j)], &y, &dy, &lj, &dlj);
    %s[HMCC_AT(j)] = (real)(%s[HMCC_AT(j)] * dy + dlj);
  }
}
`, g.p.Dim, th, g.p.Theta, gc, g.gcon, gr, g.p.Grad, th, gr, gc)
	g.p.Kernels = append(g.p.Kernels, "hmcc_transform")
	for _, s := range g.follow["hmcc_transform"] {
		g.p.Kernels = append(g.p.Kernels, s.Kernel)
	}
	g.p.Kernels = append(g.p.Kernels, "hmcc_finish")
	return b.String()
}

// kernelTable lists the kernels for the host shim, which looks them up by name as
// cuModuleGetFunction does on the device.
func (g *gen) kernelTable() string {
	var b strings.Builder
	b.WriteString("\n#ifdef HMCC_HOST\nstatic const struct hmcc_kernel_entry hmcc_kernels[] = {\n")
	for _, n := range g.p.Kernels {
		fmt.Fprintf(&b, "  {\"%s\", %s},\n", n, n)
	}
	b.WriteString("  {0, 0},\n};\n#endif\n")
	return b.String()
}
