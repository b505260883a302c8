package cudagen

import (
	"sort"
	"strings"

	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
)

// SupportMarkdown is docs/gpu.md's support list: every distribution of dist and every function
// and operator of ir's tables with its GPU mark, a CUDA lowering or CPU-only with the reason.
// It is generated from the rows, and TestGPUDoc holds the document equal to it, so a row added
// without a mark fails the coverage test and a mark changed without the docs fails this one.
func SupportMarkdown() string {
	var b strings.Builder
	b.WriteString("| distribution | on the GPU |\n|---|---|\n")
	for _, name := range dist.Names() {
		d, _ := dist.Lookup(name)
		b.WriteString("| `" + name + "` | " + mark(d.GPU) + " |\n")
	}
	for _, name := range dist.MultiNames() { // distributions of vectors and matrices
		d, _ := dist.LookupMulti(name)
		b.WriteString("| `" + name + "` | " + mark(d.GPU) + " |\n")
	}
	b.WriteString("\n| function or operator | on the GPU |\n|---|---|\n")
	for _, f := range supportFuncs() {
		b.WriteString("| " + f.name + " | " + mark(f.gpu) + " |\n")
	}
	return b.String()
}

func mark(g dist.GPU) string {
	if g.CUDA {
		return "yes"
	}
	return "CPU only: " + g.CPUOnly
}

// supportFunc is one row of ir's function and operator tables, named as a model writes it.
type supportFunc struct {
	name string
	gpu  dist.GPU
}

// supportFuncs lists the elementwise functions and then the others (each sorted), unary minus, the arithmetic operators,
// the comparisons and the two-argument log_sum_exp.
func supportFuncs() []supportFunc {
	var out []supportFunc
	var names []string
	for n := range ir.Funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, supportFunc{"`" + n + "(x)`", ir.Funcs[n].GPU})
	}
	names = names[:0]
	for n := range ir.Reductions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, supportFunc{"`" + ir.Reductions[n].Call + "`", ir.Reductions[n].GPU})
	}
	out = append(out, supportFunc{"`-x`", ir.Negate.GPU})
	for _, sym := range []string{"+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==", "!="} {
		out = append(out, supportFunc{"`a " + sym + " b`", ir.BinaryOps[sym].GPU})
	}
	return append(out, supportFunc{"`log_sum_exp(a, b)`", ir.LogSumExp2.GPU})
}
