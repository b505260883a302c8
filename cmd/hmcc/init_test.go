package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// --init: a wrong shape, a value outside the support or an unknown name is a user error (exit 2)
// naming the parameter; given values are where every chain starts.
func TestRunInitFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	model, data := "../../models/kidiq.model", "../../models/kidiq.csv"
	for _, c := range []struct{ body, want string }{
		{`{"beta": [1, 2, 3]}`, "parameter beta has 2 elements, but 3 values were given"},
		{`{"sigma": -1}`, "parameter sigma: -1 is outside the support"},
		{`{"gamma": 1}`, `"gamma" is not a parameter of the model`},
		{`{"alpha": "x"}`, `"alpha" must be a number or an array of numbers`},
	} {
		path := write("bad.json", c.body)
		code, out, errs := hmcc(t, "run", model, data, "--init", path, "--output-dir", filepath.Join(dir, "out"), "--quiet")
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q (stdout %q)", c.body, code, errs, c.want, out)
		}
	}
	// Starting at the posterior mode region with no warmup: the first draw of every chain is near
	// the given point (one transition away), not uniform(−2, 2) on the unconstrained scale.
	path := write("good.json", `{"alpha": 26, "beta": [0, 0], "sigma": 18}`)
	out := filepath.Join(dir, "good")
	code, stdout, errs := hmcc(t, "run", model, data, "--init", path, "--warmup", "0", "--draws", "1", "--output-dir", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	draws := readChainDraws(t, out)
	for c, v := range draws["sigma"] {
		if v[0] < 10 || v[0] > 30 {
			t.Errorf("chain %d: sigma %g after one transition from 18", c+1, v[0])
		}
	}
	// The header names the file, as CmdStan's init = does, not its default "2".
	f, err := cmdstan.ReadFile(filepath.Join(out, "output_1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Config["init"] != path {
		t.Errorf("header init = %q, want %q", f.Config["init"], path)
	}
}
