package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWarnings: hmcc check prints warnings on stderr with the source line and caret, sorted,
// and still exits 0 with its listing on stdout; --strict makes the same model exit 2. A clean
// model prints no warning either way.
func TestCheckWarnings(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "w.model")
	src := "data y[J] = column \"y\"\n" +
		"data sigma[J] = column \"sigma\"\n" +
		"data school[J] = column \"school_id\"\n" +
		"param mu ~ Normal(0, 1e6)\n" +
		"param tau ~ HalfCauchy(5)\n" +
		"param theta[J] ~ Normal(mu, tau)\n" +
		"y ~ Normal(theta, sigma)\n"
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := hmcc(t, "check", model)
	if code != 0 || !strings.Contains(out, "w.model: ok") {
		t.Fatalf("exit %d, want 0 with the listing\nstdout: %s\nstderr: %s", code, out, errs)
	}
	want := []string{
		"w.model:3:6: warning: data school is not used by the model\n  data school[J] = column \"school_id\"\n       ^^^^^^\n",
		"w.model:4:22: warning: the prior of mu is very wide: Normal with sigma = 1e+06\n",
		"w.model:6:18: warning: parameter theta has a centred hierarchical prior",
		"hint: write it non-centred, as in models/eight_schools.model: param theta_raw[J] ~ Normal(0, 1) and let theta = mu + tau * theta_raw\n",
	}
	last := -1
	for _, w := range want {
		i := strings.Index(errs, w)
		if i < 0 {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
			continue
		}
		if i < last {
			t.Errorf("%q is out of order:\n%s", w, errs)
		}
		last = i
	}
	code, _, errs = hmcc(t, "check", model, "--strict")
	if code != 2 || !strings.Contains(errs, "error: 3 warnings, and --strict treats warnings as errors") {
		t.Errorf("--strict: exit %d, want 2\n%s", code, errs)
	}
	for _, args := range [][]string{
		{"check", "../../models/eight_schools.model"},
		{"check", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--strict"},
	} {
		if code, _, errs := hmcc(t, args...); code != 0 || errs != "" {
			t.Errorf("%v: exit %d, stderr %q; want 0 and nothing", args, code, errs)
		}
	}
}

// TestRunPrintsWarnings: hmcc run shows the checker's warnings before sampling and still runs.
func TestRunPrintsWarnings(t *testing.T) {
	code, _, errs := hmcc(t, "run", "../../models/radon.model", "../../models/radon_mn.csv", "--chains", "2",
		"--warmup", "20", "--draws", "10", "--output-dir", t.TempDir(), "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "radon.model:10:17: warning: parameter a has a centred hierarchical prior") {
		t.Errorf("no funnel warning on stderr:\n%s", errs)
	}
}
