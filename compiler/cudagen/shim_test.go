package cudagen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/ir"
)

// The shim tests run the generated CUDA C on the host: testdata/shim_driver.c includes the source
// after testdata/hmcc_shim.h, which defines the CUDA built-ins, and executes the steps that
// Program.Eval sends it, exactly as runtime/gpu sends them to the device. The results are compared
// with the CPU executor (compiler.Lower), an independent implementation of the same density.

// cc returns the host C compiler, or skips the test when there is none.
func cc(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CC"), "cc", "gcc", "clang"} {
		if name == "" {
			continue
		}
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no C compiler (cc, gcc or clang) on PATH: the generated CUDA C cannot be run on the host")
	return ""
}

// shim is a Device backed by a compiled shim driver process.
type shim struct {
	t   *testing.T
	cmd *exec.Cmd
	in  *bufio.Writer
	out *bufio.Reader
	p   *Program
}

// buildShim compiles the program's source into a driver executable, as C or as C++ (lang "c" or
// "c++"): NVRTC compiles C++, so the C++ build catches what C accepts and C++ does not.
func buildShim(t *testing.T, p *Program, lang string) string {
	compiler := cc(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "kernels.cu")
	if err := os.WriteFile(src, []byte(p.Source), 0o644); err != nil {
		t.Fatal(err)
	}
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "shim")
	// -x c: the .cu source is compiled as C. -Werror turns every warning into a failure except
	// unused values: a backward kernel recomputes its forward values and leaves the root unused,
	// which both compilers drop as dead code.
	std := "-std=gnu11"
	if lang == "c++" {
		std = "-std=c++17"
	}
	args := []string{std, "-O1", "-Wall", "-Werror", "-Wno-unused-variable",
		"-Wno-unused-but-set-variable", "-I", testdata, "-I", dir,
		`-DHMCC_SOURCE="kernels.cu"`, "-x", lang, filepath.Join(testdata, "shim_driver.c"), "-o", exe, "-lm"}
	// HMCC_SHIM_SANITIZE=1 builds the driver with AddressSanitizer: a kernel that reads or writes
	// past a buffer (which the device's memcheck would report) fails the test instead of reading
	// a neighbour's memory.
	if os.Getenv("HMCC_SHIM_SANITIZE") != "" {
		args = append([]string{"-fsanitize=address", "-fno-omit-frame-pointer"}, args...)
	}
	cmd := exec.Command(compiler, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compiling the generated source on the host: %v\n%s", err, out)
	}
	return exe
}

// startShim runs the driver for C chains with the given block size and chunk, and uploads the data.
func startShim(t *testing.T, exe string, p *Program, chains, block, chunk int) *shim {
	cmd := exec.Command(exe)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &shim{t: t, cmd: cmd, in: bufio.NewWriter(stdin), out: bufio.NewReader(stdout), p: p}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("shim driver: %v", err)
		}
	})
	fmt.Fprintf(s.in, "init %d %d %d %d\n", chains, len(p.Buffers), block, chunk)
	for i, b := range p.Buffers {
		double := 0
		if b.Double {
			double = 1
		}
		fmt.Fprintf(s.in, "buf %d %d %d\n", i, b.Len(chains), double)
		if !b.PerChain {
			s.set(i, b.Data)
		}
	}
	return s
}

func (s *shim) set(i int, v []float64) {
	fmt.Fprintf(s.in, "set %d", i)
	for _, x := range v {
		s.in.WriteString(" ")
		s.in.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	}
	s.in.WriteString("\n")
}

func (s *shim) get(i int) []float64 {
	fmt.Fprintf(s.in, "get %d\n", i)
	return s.readLine()
}

// readLine flushes the commands sent so far and reads one line of values back.
func (s *shim) readLine() []float64 {
	if err := s.in.Flush(); err != nil {
		s.t.Fatal(err)
	}
	line, err := s.out.ReadString('\n')
	if err != nil && err != io.EOF {
		s.t.Fatal(err)
	}
	fields := strings.Fields(line)
	out := make([]float64, len(fields))
	for k, f := range fields {
		if out[k], err = strconv.ParseFloat(f, 64); err != nil {
			// C prints inf and nan in its own spelling
			switch strings.ToLower(strings.TrimLeft(f, "+")) {
			case "inf":
				out[k] = math.Inf(1)
			case "-inf":
				out[k] = math.Inf(-1)
			default:
				out[k] = math.NaN()
			}
		}
	}
	return out
}

func (s *shim) Zero(buf int) error { _, err := fmt.Fprintf(s.in, "zero %d\n", buf); return err }
func (s *shim) Launch(kernel string, n int) error {
	_, err := fmt.Fprintf(s.in, "launch %s %d\n", kernel, n)
	return err
}
func (s *shim) Gemm(g Gemm) error {
	trans := 0
	if g.Trans {
		trans = 1
	}
	_, err := fmt.Fprintf(s.in, "gemm %d %d %d %d %d %d\n", trans, g.Rows, g.Cols, g.In, g.Mat, g.Out)
	return err
}

// evalShim evaluates the program at theta (chains × dim, row-major, as runtime.Target has it).
func evalShim(t *testing.T, s *shim, p *Program, theta []float64, chains int) (logp, grad []float64) {
	dim := p.Dim
	s.set(p.Theta, Transpose(theta, chains, dim))
	if err := p.Eval(s); err != nil {
		t.Fatal(err)
	}
	return s.get(p.LogP), Transpose(s.get(p.Grad), dim, chains)
}

func cpuEval(t *testing.T, m *ir.Model, theta []float64, chains int) (logp, grad []float64) {
	prog, err := compiler.Lower(m, chains)
	if err != nil {
		t.Fatal(err)
	}
	logp, grad = make([]float64, chains), make([]float64, chains*m.Dim())
	if err := prog.LogDensityGrad(theta, logp, grad); err != nil {
		t.Fatal(err)
	}
	return logp, grad
}

// TestShimMatchesCPU runs every bundled model's float64 kernels on the host at random points for
// several chains and requires the log density and every gradient coordinate to agree with the CPU
// executor to 1e-10 (one test model 1e-9, see testdata/lgamma.model; relative to the magnitude, absolute near zero). Block size and chunk are
// small and do not divide the chain count or the data length, so partial blocks, several block
// rows per chain and the per-chain atomics between them are all exercised.
func TestShimMatchesCPU(t *testing.T) {
	const chains = 7
	for _, c := range bundled {
		for _, lang := range []string{"c", "c++"} {
			t.Run(c.name+"_"+lang, func(t *testing.T) {
				testShimMatchesCPU(t, c.model, c.data, c.tol, lang, chains)
			})
		}
	}
}

func testShimMatchesCPU(t *testing.T, model, data string, tol float64, lang string, chains int) {
	m := cudagentest.Load(t, model, data)
	p, err := Generate(m, Float64)
	if err != nil {
		t.Fatal(err)
	}
	s := startShim(t, buildShim(t, p, lang), p, chains, 3, 5)
	rng := rand.New(rand.NewPCG(1, uint64(len(model))))
	for rep := 0; rep < 3; rep++ {
		theta := cudagentest.RandomTheta(rng, chains*p.Dim)
		lp, grad := evalShim(t, s, p, theta, chains)
		wantLP, wantGrad := cpuEval(t, m, theta, chains)
		compare(t, "log density", lp, wantLP, tol)
		compare(t, "gradient", grad, wantGrad, tol)
	}
}

// TestShimFloat32 runs the float32 kernels the GPU uses by default. Sums are accumulated in double
// but every element is float32, so agreement is to float32 rounding: float32Tol relative to each
// value (cudagentest.Mismatches; its floor keeps gradient coordinates that cancel to near zero
// to the vector's scale). TestShimFloat32Detects shows that this tolerance fails kernels whose
// exp and log are 5% wrong.
func TestShimFloat32(t *testing.T) {
	for _, c := range bundled {
		t.Run(c.name, func(t *testing.T) {
			for _, bad := range shimFloat32(t, c.model, c.data, c.name, nil) {
				t.Error(bad)
			}
		})
	}
}

// float32Tol and float32Floor are the float32 kernels' tolerance against the CPU executor.
const float32Tol, float32Floor = 1e-4, 1e-2

// shimFloat32 runs the float32 kernels at random points and returns the disagreements with the
// CPU executor; edit, if set, rewrites the source before it is compiled.
func shimFloat32(t *testing.T, model, data, name string, edit func(string) string) []string {
	const chains = 5
	m := cudagentest.Load(t, model, data)
	p, err := Generate(m, Float32)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		p.Source = edit(p.Source)
	}
	s := startShim(t, buildShim(t, p, "c"), p, chains, 4, 64)
	rng := rand.New(rand.NewPCG(2, uint64(len(name))))
	theta := cudagentest.RandomTheta(rng, chains*p.Dim)
	// θ as float32 stores it, so that the comparison measures the kernels, not the input.
	for i := range theta {
		theta[i] = float64(float32(theta[i]))
	}
	lp, grad := evalShim(t, s, p, theta, chains)
	wantLP, wantGrad := cpuEval(t, m, theta, chains)
	var bad []string
	for _, b := range cudagentest.Mismatches(lp, wantLP, float32Tol, float32Floor) {
		bad = append(bad, "log density"+b)
	}
	for _, b := range cudagentest.Mismatches(grad, wantGrad, float32Tol, float32Floor) {
		bad = append(bad, "gradient"+b)
	}
	return bad
}

// TestShimFloat32Detects makes the float32 kernels' exp and log 5% wrong (the device functions the
// distributions and transforms call) and requires TestShimFloat32's tolerance to reject the
// result for every model. The tolerance this replaced grew with the square of the values and
// passed such kernels.
func TestShimFloat32Detects(t *testing.T) {
	wrong := func(src string) string {
		src = strings.Replace(src, "#define hexp expf\n", "#define hexp(x) (1.05f * expf(x))\n", 1)
		return strings.Replace(src, "#define hlog logf\n", "#define hlog(x) (1.05f * logf(x))\n", 1)
	}
	for _, c := range bundled {
		t.Run(c.name, func(t *testing.T) {
			if bad := shimFloat32(t, c.model, c.data, c.name, wrong); len(bad) == 0 {
				t.Error("exp and log 5% wrong pass the float32 tolerance")
			}
		})
	}
}

func compare(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range want {
		var ok bool
		if math.IsInf(want[i], 0) || math.IsNaN(want[i]) {
			ok = got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i])
		} else {
			ok = math.Abs(got[i]-want[i]) <= tol*math.Max(1, math.Abs(want[i]))
		}
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s[%d] = %.17g, CPU %.17g (difference %.3g)", what, i, got[i], want[i], got[i]-want[i])
			}
		}
	}
}
