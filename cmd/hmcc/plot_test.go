package main

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
)

// plotRun samples eight schools briefly: enough draws for every panel, fast enough for a unit test.
func plotRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	code, _, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "4", "--warmup", "100", "--draws", "60", "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("run exit %d: %s", code, errs)
	}
	return dir
}

func TestPlotWritesImages(t *testing.T) {
	dir := plotRun(t)

	// Default: the first 12 of eight schools' 18 quantities, one image each, in DIR/plots (SVG
	// here, which is quicker to draw than PNG).
	code, out, errs := hmcc(t, "plot", dir, "--format", "svg")
	if code != 0 {
		t.Fatalf("plot exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 13 || lines[0] != "wrote "+filepath.Join(dir, "plots", "mu.svg") ||
		lines[11] != "wrote "+filepath.Join(dir, "plots", "theta.2.svg") {
		t.Fatalf("stdout:\n%s", out)
	}
	if want := "note: plotted the first 12 of 18 quantities; pick others with --vars, e.g. --vars theta.3,theta.4 (--vars theta takes every theta.N)"; lines[12] != want {
		t.Errorf("note %q, want %q", lines[12], want)
	}
	for _, line := range lines[:12] {
		checkSVG(t, strings.TrimPrefix(line, "wrote "))
	}

	// PNG, the default format.
	code, out, errs = hmcc(t, "plot", dir, "--vars", "mu,tau")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || lines[1] != "wrote "+filepath.Join(dir, "plots", "tau.png") {
		t.Fatalf("plot exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	for _, line := range lines {
		b, err := os.ReadFile(strings.TrimPrefix(line, "wrote "))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		// 7 × 7.8 inches at 96 dots per inch: three panels stacked.
		if sz := img.Bounds().Size(); sz.X != 672 || sz.Y < 745 || sz.Y > 750 {
			t.Errorf("%s is %v", line, sz)
		}
	}

	// One SVG grid of a vector and a scalar: a row per quantity, a column per kind of panel, six
	// rows a page. Titles name elements as Stan does, with R-hat and bulk-ESS.
	grid := filepath.Join(t.TempDir(), "sub", "all.svg")
	code, out, errs = hmcc(t, "plot", dir, "--vars", "theta,mu", "--out", grid)
	page1, page2 := filepath.Join(filepath.Dir(grid), "all-1.svg"), filepath.Join(filepath.Dir(grid), "all-2.svg")
	if code != 0 || out != "wrote "+page1+"\nwrote "+page2+"\n" {
		t.Fatalf("plot exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	text := checkSVG(t, page1)
	for _, title := range []string{"theta[1] (R-hat ", "): trace", "theta[6] (R-hat "} {
		if !strings.Contains(text, title) {
			t.Errorf("%s lacks %q", page1, title)
		}
	}
	text = checkSVG(t, page2)
	if !strings.Contains(text, "theta[8] (R-hat ") || !strings.Contains(text, "mu (R-hat ") || strings.Contains(text, "theta[6] (R-hat ") {
		t.Errorf("%s should hold theta[7], theta[8] and mu", page2)
	}

	// Only the trace, as SVG into a directory of our choosing.
	svgDir := filepath.Join(t.TempDir(), "svg")
	code, out, errs = hmcc(t, "plot", dir, "--vars", "tau,lp__", "--format", "svg", "--kind", "trace", "--out", svgDir)
	if want := "wrote " + filepath.Join(svgDir, "tau.svg") + "\nwrote " + filepath.Join(svgDir, "lp__.svg") + "\n"; code != 0 || out != want {
		t.Fatalf("plot exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if text := checkSVG(t, filepath.Join(svgDir, "tau.svg")); !strings.Contains(text, "): trace") || strings.Contains(text, "): rank") {
		t.Error("--kind trace should draw the trace alone")
	}
}

// checkSVG parses the file as XML, checks that its root is <svg> and returns its text.
func checkSVG(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if root.XMLName.Local != "svg" {
		t.Fatalf("%s: root element <%s>, want <svg>", path, root.XMLName.Local)
	}
	return string(b)
}

func TestPlotBadInput(t *testing.T) {
	dir := plotRun(t)
	notDir := filepath.Join(dir, "output_1.csv")
	empty := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing directory", []string{"plot", filepath.Join(dir, "nope")}, "hmcc: <dir>: stat " + filepath.Join(dir, "nope") + ": no such file or directory\n"},
		{"no chain CSVs", []string{"plot", empty}, "error: " + empty + " holds no chain CSVs\n"},
		{"misspelt quantity", []string{"plot", dir, "--vars", "mu,thetta"}, "error: --vars: no quantity \"thetta\"; did you mean \"theta\"?\n"},
		{"unknown quantity", []string{"plot", dir, "--vars", "sigma_school"},
			"error: --vars: no quantity \"sigma_school\"; the chains hold mu, tau, theta_raw, theta and the sampler columns lp__, accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__, energy__\n"},
		{"unwritable directory", []string{"plot", dir, "--vars", "mu", "--out", filepath.Join(notDir, "plots")},
			"error: cannot write the plots: mkdir " + notDir + ": not a directory\n"},
		{"unwritable file", []string{"plot", dir, "--vars", "mu", "--out", filepath.Join(notDir, "mu.png")},
			"error: cannot write the plots: mkdir " + notDir + ": not a directory\n"},
		{"unknown format", []string{"plot", dir, "--format", "pdf"}, "error: --format must be png or svg, got \"pdf\"\n"},
		{"format against extension", []string{"plot", dir, "--out", "x.png", "--format", "svg"}, "error: --out x.png is a .png file but --format is svg; drop one of them\n"},
		{"other image extension", []string{"plot", dir, "--out", "x.pdf"}, "error: --out x.pdf: hmcc plot writes png or svg\n"},
		{"unknown kind", []string{"plot", dir, "--kind", "trace,autocorrelation"}, "hmcc: --kind must be one of \"trace\",\"rank\",\"density\",\"autocorr\",\"forest\",\"pairs\",\"energy\" but got \"autocorrelation\"\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := hmcc(t, c.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, errs)
			}
			if !strings.HasPrefix(errs, c.want) {
				t.Errorf("stderr:\n%s\nwant it to begin:\n%s", errs, c.want)
			}
			if strings.Contains(errs, "panic") || out != "" {
				t.Errorf("stdout: %q\nstderr: %s", out, errs)
			}
		})
	}
}

// The figures of a whole run: pairs with every divergent transition in red in each panel, the
// energy plot with each chain's E-BFMI, the forest plot with every quantity.
func TestPlotRunFigures(t *testing.T) {
	dir := t.TempDir()
	code, runOut, errs := hmcc(t, "run", "testdata/eight_schools_centered.model", "../../models/eight_schools.csv", "--sampler", "nuts",
		"--target-accept", "0.6", "--chains", "4", "--warmup", "200", "--draws", "200", "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var div int
	for _, line := range strings.Split(runOut, "\n") {
		if strings.HasPrefix(line, "divergences: ") {
			div, _ = strconv.Atoi(strings.Fields(line)[1])
		}
	}
	if div == 0 {
		t.Fatalf("the centred model gave no divergences to mark:\n%s", runOut)
	}
	out := t.TempDir()
	code, stdout, errs := hmcc(t, "plot", dir, "--vars", "mu,tau,theta.1", "--kind", "pairs,energy,forest", "--format", "svg", "--out", out)
	if code != 0 {
		t.Fatalf("plot exit %d: %s", code, errs)
	}
	for _, k := range []string{"forest", "pairs", "energy"} {
		if !strings.Contains(stdout, "wrote "+filepath.Join(out, k+".svg")) {
			t.Errorf("stdout lacks %s.svg:\n%s", k, stdout)
		}
	}
	pairs := checkSVG(t, filepath.Join(out, "pairs.svg"))
	raw := string(mustRead(t, filepath.Join(out, "pairs.svg")))
	if got := strings.Count(raw, "fill:#DC1414"); got != 3*div { // 3 panels: (mu, tau), (mu, theta[1]), (tau, theta[1])
		t.Errorf("pairs.svg marks %d divergent points, want 3 panels × %d", got, div)
	}
	for _, label := range []string{"mu", "tau", "theta[1]"} {
		if !strings.Contains(pairs, label) {
			t.Errorf("pairs.svg lacks the axis %q", label)
		}
	}
	energy := checkSVG(t, filepath.Join(out, "energy.svg"))
	var want []string
	for _, e := range readChainDraws(t, dir)["energy__"] {
		want = append(want, strconv.FormatFloat(diagnostics.EBFMI(e), 'f', 2, 64))
	}
	if !strings.Contains(energy, "E-BFMI by chain "+strings.Join(want, ", ")) {
		t.Errorf("energy.svg lacks the E-BFMI of every chain %v", want)
	}
	forest := checkSVG(t, filepath.Join(out, "forest.svg"))
	for _, label := range []string{"mu", "tau", "theta[1]", "medians, 50% and 90% intervals"} {
		if !strings.Contains(forest, label) {
			t.Errorf("forest.svg lacks %q", label)
		}
	}
}

// --ppc overlays the observed column's density on 50 replicated data sets' and explains what
// it needs when it cannot.
func TestPlotPPC(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := hmcc(t, "run", "testdata/kidiq_ppc.model", "../../models/kidiq.csv", "--chains", "2", "--warmup", "150",
		"--draws", "60", "--output-dir", dir, "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	out := t.TempDir()
	code, stdout, errs := hmcc(t, "plot", dir, "--kind", "trace", "--vars", "sigma", "--ppc", "y_rep=kid_score", "--data", "../../models/kidiq.csv",
		"--format", "svg", "--out", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+filepath.Join(out, "ppc.svg")) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	text := checkSVG(t, filepath.Join(out, "ppc.svg"))
	raw := string(mustRead(t, filepath.Join(out, "ppc.svg")))
	// 50 replicate curves and one legend sample in the replicates' colour.
	// NRGBA{90, 140, 210, 110} is written premultiplied and rounded, #598BD1.
	if got := strings.Count(raw, "stroke:#598BD1"); got != 51 {
		t.Errorf("%d curves in the replicates' colour, want 50 and the legend's", got)
	}
	for _, want := range []string{"observed kid_score", "replicated y_rep", "y_rep (50 draws)"} {
		if !strings.Contains(text, want) {
			t.Errorf("ppc.svg lacks %q", want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ppc", "y_rep=kid_score"}, "--ppc y_rep=kid_score needs --data"},
		{[]string{"--ppc", "y_rep", "--data", "../../models/kidiq.csv"}, "--ppc takes NAME=COLUMN"},
		{[]string{"--ppc", "z=kid_score", "--data", "../../models/kidiq.csv"}, "the chains have no generated vector z"},
		{[]string{"--ppc", "y_rep=kid", "--data", "../../models/kidiq.csv"}, "kid"},
	} {
		code, _, errs := hmcc(t, append([]string{"plot", dir, "--kind", "trace", "--vars", "sigma", "--out", t.TempDir()}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

// TestPlotLeavesOutLogLik: by default hmcc plot draws the model's quantities, not --log-lik's
// pointwise columns (which the summary leaves out too); --vars log_lik still draws them.
func TestPlotLeavesOutLogLik(t *testing.T) {
	dir := t.TempDir()
	model, data := filepath.Join(dir, "m.model"), filepath.Join(dir, "d.csv")
	os.WriteFile(model, []byte("data y[N] = column \"y\"\nparam a ~ Normal(0, 5)\nparam s ~ HalfNormal(2)\ny ~ Normal(a, s)\n"), 0o644)
	os.WriteFile(data, []byte("y\n1.2\n0.3\n2.5\n"), 0o644)
	out := filepath.Join(dir, "out")
	if code, o, errs := hmcc(t, "run", model, data, "--log-lik", "--chains", "2", "--warmup", "100", "--draws", "20", "--output-dir", out, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, o, errs)
	}
	code, o, errs := hmcc(t, "plot", out, "--format", "svg")
	if code != 0 {
		t.Fatalf("plot exit %d: %s", code, errs)
	}
	if strings.Contains(o, "log_lik") || strings.Count(o, "wrote ") != 2 {
		t.Errorf("default plot, want a and s only:\n%s", o)
	}
	if code, o, errs := hmcc(t, "plot", out, "--format", "svg", "--vars", "log_lik"); code != 0 || strings.Count(o, "wrote ") != 3 {
		t.Errorf("--vars log_lik: exit %d, %s%s", code, o, errs)
	}
}
