package cudagen

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// clangCUDA returns a clang++ that compiles CUDA, or skips (fails when HMCC_REQUIRE_CLANG is set,
// as scripts/cuda-check.sh does, so that CI cannot skip it silently).
func clangCUDA(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("HMCC_CLANG"), "clang++", "clang++-19", "clang++-16", "clang++-15", "clang++-14"} {
		if name == "" {
			continue
		}
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("HMCC_REQUIRE_CLANG") != "" {
		t.Fatal("HMCC_REQUIRE_CLANG is set but there is no clang++ (install clang-14)")
	}
	t.Skip("no clang++: the generated source is not compiled as CUDA here (scripts/cuda-check.sh installs clang-14)")
	return ""
}

// TestCompilesAsCUDA compiles the generated source of every test model, in both precisions, as
// CUDA device code with clang (the closest thing to NVRTC without a CUDA toolkit; the header
// testdata/clang_cuda.h supplies what NVRTC predeclares) and checks that every kernel of the plan
// is an unmangled PTX entry, as cuModuleGetFunction will look it up. The host shim checks what the
// code computes; this checks that it is valid CUDA: attributes, device-only calls, atomics.
func TestCompilesAsCUDA(t *testing.T) {
	clang := clangCUDA(t)
	header, err := filepath.Abs("testdata/clang_cuda.h")
	if err != nil {
		t.Fatal(err)
	}
	eachGenerated(t, func(t *testing.T, _ string, p *Program) {
		dir := t.TempDir()
		src, ptx := filepath.Join(dir, "kernels.cu"), filepath.Join(dir, "kernels.ptx")
		if err := os.WriteFile(src, []byte(p.Source), 0o644); err != nil {
			t.Fatal(err)
		}
		// -Werror with the warnings that only reflect the generated code's shape turned off:
		// helpers a model does not call, and values a backward kernel recomputes unused.
		cmd := exec.Command(clang, "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib",
			"--cuda-gpu-arch=sm_80", "-O2", "-Wall", "-Werror", "-Wno-unused-function", "-Wno-unused-variable",
			"-Wno-unused-but-set-variable", "-S", "-include", header, src, "-o", ptx)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("clang could not compile the generated source as CUDA: %v\n%s", err, out)
		}
		text, err := os.ReadFile(ptx)
		if err != nil {
			t.Fatal(err)
		}
		entries := map[string]bool{}
		for _, m := range regexp.MustCompile(`\.entry\s+([A-Za-z0-9_]+)\(`).FindAllStringSubmatch(string(text), -1) {
			entries[m[1]] = true
		}
		for _, k := range p.Kernels {
			if !entries[k] {
				t.Errorf("kernel %s is not a PTX entry (entries: %s)", k, strings.Join(keys(entries), " "))
			}
		}
	})
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
