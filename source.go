package hmcc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hmcc-dev/hmcc/ir"
)

// Bounds on what can be a model: the bundled ones are a few KiB, with lines under 200 bytes.
const (
	maxModelBytes = 1 << 20
	maxModelLine  = 10_000
)

// plausibleModel says why src cannot be a model's text, or nil.
func plausibleModel(path string, src []byte) error {
	notText := func(what string, at int) error {
		line, col := lineCol(src, at)
		return fmt.Errorf("%s:%d:%d: not a model: %s (the file starts %s); a model is a UTF-8 text file", path, line, col, what, excerpt(src))
	}
	switch {
	case bytes.HasPrefix(src, []byte{0x1f, 0x8b}):
		return fmt.Errorf("%s: not a model: it is gzip-compressed; decompress it first (gunzip -k %s)", path, path)
	case bytes.HasPrefix(src, []byte("PK\x03\x04")):
		return fmt.Errorf("%s: not a model: it is a zip archive; extract the model file from it first", path)
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return notText("it holds a NUL byte", i)
	}
	if len(src) > maxModelBytes {
		return fmt.Errorf("%s: not a model: it is larger than %d MiB (a model is a short text file; the data go in the CSV)", path, maxModelBytes>>20)
	}
	if !utf8.Valid(src) {
		i := 0
		for i < len(src) {
			r, n := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return notText(fmt.Sprintf("byte 0x%02x is not UTF-8", src[i]), i)
	}
	start := 0
	for i := 0; i <= len(src); i++ {
		if i == len(src) || src[i] == '\n' {
			if i-start > maxModelLine {
				line, _ := lineCol(src, start)
				return fmt.Errorf("%s:%d: not a model: the line is %d bytes long, more than the %d a model's line may have (the file starts %s)", path, line, i-start, maxModelLine, excerpt(src))
			}
			start = i + 1
		}
	}
	return nil
}

// lineCol is the 1-based line and column (in runes) of byte offset at.
func lineCol(src []byte, at int) (line, col int) {
	line = 1 + bytes.Count(src[:at], []byte("\n"))
	lineStart := bytes.LastIndexByte(src[:at], '\n') + 1
	return line, 1 + utf8.RuneCount(src[lineStart:at])
}

// excerpt quotes the first bytes of src, escaped, for a message about a file that is not text.
func excerpt(src []byte) string {
	const n = 24
	if len(src) > n {
		return strconv.QuoteToASCII(string(src[:n])) + "…"
	}
	return strconv.QuoteToASCII(string(src))
}

// CheckMemory refuses a model whose sampling state cannot fit in the memory this machine has
// available, before anything that size is allocated: param a[1000000000] asks for 8 GB per
// chain and per copy of the state. The estimate counts the per-chain arrays the samplers and
// the gradient keep (position, momentum, gradient, proposals, metric adaptation: about 16
// copies), so it is a lower bound; the check catches sizes that are wrong by orders of
// magnitude, not tight ones.
func (cm *Model) CheckMemory(chains int) error {
	m := cm.ir
	const copies = 16
	avail, byLimit := memoryBound()
	dim := uint64(m.Dim())
	if dim == 0 || avail == 0 || dim <= avail/8/copies/uint64(chains) {
		return nil
	}
	var biggest *ir.ParamVar
	for _, p := range m.Params {
		if biggest == nil || p.Len > biggest.Len {
			biggest = p
		}
	}
	need := float64(dim) * 8 * copies * float64(chains)
	where := "available"
	if byLimit {
		where = "available under the address-space limit (ulimit -v; raise it or lift it)"
	}
	return UserError{fmt.Errorf("the model has %d unknowns (parameter %s alone has %d); %d chain(s) need at least %s of memory, more than the %s %s; check the sizes in the param declarations (and the data that bind them), or use fewer chains",
		dim, biggest.Name, biggest.Len, chains, bytesWords(need), bytesWords(float64(avail)), where)}
}

// availableMemory is MemAvailable from /proc/meminfo, or what the address-space limit leaves
// (ulimit -v) where that is less, or 0 when unknown.
func availableMemory() uint64 {
	avail, _ := memoryBound()
	return avail
}

// memoryBound is availableMemory and whether the address-space limit is what bounds it. One
// reading of both: what the limit leaves shrinks as the process grows, so a second reading
// would not compare equal to the first.
func memoryBound() (avail uint64, byLimit bool) {
	avail = memAvailable()
	if left := addressSpaceLeft(); left > 0 && (avail == 0 || left < avail) {
		return left, true
	}
	return avail, false
}

// memAvailable is MemAvailable from /proc/meminfo, or 0 when unknown.
func memAvailable() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func bytesWords(n float64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", n/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", n/(1<<20))
}
