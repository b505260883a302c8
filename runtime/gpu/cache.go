package gpu

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
)

// NVRTC takes seconds on a large model, and the generated source of a model with its data is the
// same run after run, so the PTX is kept in the user's cache folder
// ($XDG_CACHE_HOME/hmcc/ptx or ~/.cache/hmcc/ptx) under the hash of everything that determines
// it: the source, the compile options (the device's architecture) and NVRTC's version. A file
// that cannot be read or written costs a compilation, never the run.

// ptxCacheDir is the cache folder, or "" when the system has none (then nothing is cached).
// HMCC_PTX_CACHE overrides it; HMCC_PTX_CACHE=off turns caching off.
func ptxCacheDir() string {
	if d := os.Getenv("HMCC_PTX_CACHE"); d != "" {
		if d == "off" {
			return ""
		}
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "hmcc", "ptx")
}

// ptxKey names the cached PTX of src compiled with opts by the given NVRTC.
func ptxKey(src, nvrtcVersion string, opts []string) string {
	h := sha256.New()
	for _, part := range append([]string{src, nvrtcVersion}, opts...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cachedPTX returns the PTX stored in dir under key, or runs compile and stores its result there;
// hit says which. An empty dir disables the cache.
func cachedPTX(dir, key string, compile func() (string, error)) (ptx string, hit bool, err error) {
	path := filepath.Join(dir, key+".ptx")
	if dir != "" {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), ".entry") {
			return string(b), true, nil
		}
	}
	ptx, err = compile()
	if err != nil || dir == "" {
		return ptx, false, err
	}
	// Written under a temporary name and renamed, so that a concurrent run never reads half a file.
	if os.MkdirAll(dir, 0o755) == nil {
		if f, err := os.CreateTemp(dir, key+".*.tmp"); err == nil {
			_, werr := f.WriteString(ptx)
			if cerr := f.Close(); werr == nil && cerr == nil {
				if os.Rename(f.Name(), path) != nil {
					os.Remove(f.Name())
				}
			} else {
				os.Remove(f.Name())
			}
		}
	}
	return ptx, false, nil
}
