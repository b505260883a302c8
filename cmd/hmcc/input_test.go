package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputsThatCannotBeModelsOrData: the model and data readers refuse what cannot be a model or
// a CSV with a message naming the cause, exit 2, and never echo more than a short excerpt.
func TestInputsThatCannotBeModelsOrData(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("school,y,sigma\nA,28,15\n"))
	zw.Close()
	binary := append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0xff, 0x00, 'a'}, 3000)...)
	long := append([]byte("param mu ~ Normal(0, 1)\nlet x = "), bytes.Repeat([]byte("1 + "), 5000)...)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"/dev/zero as model", []string{"check", "/dev/zero"}, `/dev/zero:1:1: not a model: it holds a NUL byte (the file starts "\x00\x00`},
		{"/dev/zero as data", []string{"logdensity", schoolsModel, "/dev/zero"}, "/dev/zero:1: holds a NUL byte: this is not a CSV text file"},
		{"binary model", []string{"check", put("bin.model", binary)}, `bin.model:1:8: not a model: it holds a NUL byte (the file starts "\x7fELF\x02\x01\x01\x00\xff`},
		{"non-UTF-8 model", []string{"check", put("latin1.model", []byte("param mu ~ Normal(0, 1) # caf\xe9\n"))}, "latin1.model:1:30: not a model: byte 0xe9 is not UTF-8"},
		{"gzipped model", []string{"check", put("gz.model", gz.Bytes())}, "gz.model: not a model: it is gzip-compressed; decompress it first (gunzip -k"},
		{"overlong line", []string{"check", put("long.model", long)}, "long.model:2: not a model: the line is 20008 bytes long, more than the 10000"},
		{"model over 1 MiB", []string{"check", put("huge.model", bytes.Repeat([]byte("# comment\n"), 200000))}, "huge.model: not a model: it is larger than 1 MiB"},
		{"gzipped CSV", []string{"logdensity", schoolsModel, put("gz.csv", gz.Bytes())}, "gz.csv: is gzip-compressed, not CSV text; decompress it first (gunzip -k"},
		{"xlsx as CSV", []string{"logdensity", schoolsModel, put("sheet.csv", []byte("PK\x03\x04rest"))}, "is a zip archive (an .xlsx spreadsheet is one), not CSV text; export the sheet as CSV"},
		{"semicolon CSV", []string{"logdensity", schoolsModel, put("semi.csv", []byte("school;y;sigma\nA;28;15\n"))},
			`semi.csv:1: the header is one column, "school;y;sigma": the file is semicolon-separated`},
		{"tab-separated CSV", []string{"logdensity", schoolsModel, put("tab.csv", []byte("school\ty\tsigma\nA\t28\t15\n"))}, "the file is tab-separated; hmcc reads comma-separated values"},
		{"NUL inside a CSV", []string{"logdensity", schoolsModel, put("nul.csv", []byte("school,y,sigma\nA,28,15\nB,8\x00,10\n"))}, "nul.csv:3: holds a NUL byte"},
		{"non-ASCII name", []string{"check", put("sigma.model", []byte("param σ ~ HalfNormal(1)\n"))}, "hint: names are ASCII: letters a-z and A-Z, digits and _ (write sigma for σ)"},
		{"a billion parameters", []string{"logdensity", put("big.model", []byte("param a[2000000000] ~ Normal(0, 1)\nparam b[2000000000] ~ Normal(0, 1)\nparam c[2000000000] ~ Normal(0, 1)\n")), schoolsData},
			"the model has 6000000000 unknowns (parameter a alone has 2000000000); 1 chain(s) need at least 715.3 GiB of memory, more than the"},
		{"check without data: negative scale", []string{"check", put("neg.model", []byte("param mu ~ Normal(0, -1)\n"))}, "neg.model:1:22: error: argument sigma of Normal must be positive, but it is -1"},
		{"check without data: 1/0", []string{"check", put("inf.model", []byte("param mu ~ Normal(0, 1/0)\n"))}, "argument sigma of Normal must be positive, but it is +Inf"},
		{"check without data: Gamma(0, 1)", []string{"check", put("gamma.model", []byte("param g ~ Gamma(0, 1)\n"))}, "argument shape of Gamma must be positive, but it is 0"},
		{"NaN density", []string{"run", put("nan.model", []byte("data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(log(mu - 10), 1)\n")), schoolsData,
			"--output-dir", filepath.Join(dir, "nan-out"), "--quiet"}, "nan.model:3:1 is -Inf there, because log(…) at " + filepath.Join(dir, "nan.model") + ":3:12 is NaN"},
		{"NaN constant", []string{"run", put("nan2.model", []byte("data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu * (0/0), 1)\n")), schoolsData,
			"--output-dir", filepath.Join(dir, "nan-out"), "--quiet"}, "because the constant expression at " + filepath.Join(dir, "nan2.model") + ":3:18 is NaN"},
		{"20-digit size", []string{"check", put("size.model", []byte("param a[99999999999999999999] ~ Normal(0, 1)\n"))}, "size.model:1:9: error: a size must be a whole number from 1 to 2147483647"},
		{"--output-dir is a file", []string{"run", schoolsModel, schoolsData, "--output-dir", put("out.txt", []byte("x"))}, "out.txt is a file, not a directory; name a directory, e.g. --output-dir "},
		{"--at beyond float64", []string{"logdensity", schoolsModel, schoolsData, "--at", put("at.json", []byte(`{"mu": 1e999}`))},
			`"mu": 1e999 is beyond the range of a float64 (about ±1.8e308); give a finite value, e.g. {"mu": 1.5}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := hmcc(t, c.args...)
			if code != 2 || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, want 2 and %q\nstdout: %s\nstderr: %s", code, c.want, out, errs)
			}
			if len(errs) > 600 || strings.Contains(errs, "goroutine") {
				t.Errorf("%d bytes of stderr:\n%.2000s", len(errs), errs)
			}
		})
	}
}

// TestModelInputsThatAreAccepted: a byte-order mark, standard input, and paths printed as given.
func TestModelInputsThatAreAccepted(t *testing.T) {
	bin := buildHmcc(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bom.model"), []byte("\ufeffparam mu ~ Normal(0, 1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.model"), []byte("param mu ~ Normal(0 1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if code, out, errs := hmcc(t, "check", "bom.model"); code != 0 || !strings.Contains(out, "bom.model: ok") {
		t.Errorf("BOM: exit %d\n%s%s", code, out, errs)
	}
	if _, _, errs := hmcc(t, "check", "bad.model"); !strings.HasPrefix(errs, "bad.model:1:21: error: syntax") {
		t.Errorf("a relative path is not printed as given:\n%s", errs)
	}
	if _, _, errs := hmcc(t, "check", "./bad.model"); !strings.HasPrefix(errs, "./bad.model:1:21:") {
		t.Errorf("./bad.model is printed as:\n%s", errs)
	}
	code, out, errs := runBinary(t, `printf 'param mu ~ Normal(0, 1)\nparam s ~ HalfNormal(2)\n' | "$@"`, bin, "check", "-")
	if code != 0 || !strings.Contains(out, "param s") {
		t.Errorf("check -: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runBinary(t, `printf 'param mu ~ Normal(0 1)\n' | "$@"`, bin, "check", "-")
	if code != 2 || !strings.HasPrefix(errs, "<stdin>:1:21: error: syntax") {
		t.Errorf("check - with an error: exit %d\n%s", code, errs)
	}
}

// TestFmtWritesThroughASymlink: hmcc fmt -w on a link rewrites the file it points to and leaves
// the link a link.
func TestFmtWritesThroughASymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.model")
	if err := os.WriteFile(target, []byte("param mu~Normal(0,1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.model")
	if err := os.Symlink("real.model", link); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := hmcc(t, "fmt", "-w", link); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced (%v, %v)", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "param mu ~ Normal(0, 1)\n" {
		t.Errorf("the target holds %q", b)
	}
}
