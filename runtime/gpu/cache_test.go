package gpu

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestCachedPTX: the first target of a source compiles it, the next ones read the PTX back
// without compiling; another source, architecture or NVRTC version compiles again; a damaged
// cache file and an unwritable folder cost a compilation, never an error; a failed compilation
// is not cached.
func TestCachedPTX(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ptx")
	compiles := 0
	compile := func(out string) func() (string, error) {
		return func() (string, error) { compiles++; return out, nil }
	}
	const ptx = ".version 8.0\n.entry hmcc_finish(\n"
	key := ptxKey("source A", "13.0", []string{"--gpu-architecture=compute_90"})
	for i := 0; i < 3; i++ {
		got, hit, err := cachedPTX(dir, key, compile(ptx))
		if err != nil || got != ptx || hit != (i > 0) {
			t.Fatalf("call %d: %q, hit %v, %v", i, got, hit, err)
		}
	}
	if compiles != 1 {
		t.Errorf("%d compilations for one source", compiles)
	}
	for _, other := range []string{
		ptxKey("source B", "13.0", []string{"--gpu-architecture=compute_90"}),
		ptxKey("source A", "13.0", []string{"--gpu-architecture=compute_80"}),
		ptxKey("source A", "13.1", []string{"--gpu-architecture=compute_90"}),
	} {
		if other == key {
			t.Fatal("two compilations share a key")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, key+".ptx"), []byte("trunc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, hit, err := cachedPTX(dir, key, compile(ptx)); err != nil || hit || got != ptx || compiles != 2 {
		t.Errorf("damaged cache file: %q, hit %v, %v, %d compilations", got, hit, err, compiles)
	}
	failing := func() (string, error) { return "", errors.New("nvrtc: error") }
	if _, _, err := cachedPTX(dir, ptxKey("bad", "13.0", nil), failing); err == nil {
		t.Error("a failed compilation was not reported")
	}
	if _, err := os.Stat(filepath.Join(dir, ptxKey("bad", "13.0", nil)+".ptx")); err == nil {
		t.Error("a failed compilation was cached")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _, err := cachedPTX(filepath.Join(file, "ptx"), key, compile(ptx)); err != nil || got != ptx {
		t.Errorf("unusable cache folder: %q, %v", got, err)
	}
	t.Setenv("HMCC_PTX_CACHE", "off")
	if ptxCacheDir() != "" {
		t.Error("HMCC_PTX_CACHE=off still caches")
	}
}
