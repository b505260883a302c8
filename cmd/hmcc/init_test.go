package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
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

// TestInitMatrixRoundTrip: a matrix parameter in an --init (or logdensity --at) file, given as a
// flat array, lists its elements in the order of the CSV's columns (column by column, L.1.1,
// L.2.1, …, as CmdStan writes them), so a draw's row read back is that draw's position: its
// log density is the draw's lp__. Given as an array of rows (CmdStan's JSON) it is the same
// point. The LKJ factor L of models/mvn.model is lower triangular, so either order mistaken
// for the other puts values above its diagonal.
func TestInitMatrixRoundTrip(t *testing.T) {
	dir := t.TempDir()
	model, data := "../../models/mvn.model", "../../models/mvn.csv"
	out := filepath.Join(dir, "fit")
	if code, stdout, errs := hmcc(t, "run", model, data, "--sampler", "nuts", "--chains", "1", "--warmup", "100", "--draws", "3", "--output-dir", out, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	f, err := cmdstan.ReadFile(filepath.Join(out, "output_1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	row := f.Draws[2]
	flat := map[string][]float64{}
	lp := math.NaN()
	for i, c := range f.Columns {
		if c == "lp__" {
			lp = row[i]
		}
		for _, p := range []string{"mu", "tau", "L"} {
			if strings.HasPrefix(c, p+".") {
				flat[p] = append(flat[p], row[i])
			}
		}
	}
	if len(flat["L"]) != 9 || f.Columns[slices.Index(f.Columns, "L.1.1")+1] != "L.2.1" {
		t.Fatalf("columns %v", f.Columns)
	}
	// the rows of L from the column-major flat values
	var rows [3][3]float64
	for j := 0; j < 3; j++ {
		for i := 0; i < 3; i++ {
			rows[i][j] = flat["L"][j*3+i]
		}
	}
	nested := map[string]any{"mu": flat["mu"], "tau": flat["tau"], "L": rows}
	for name, point := range map[string]any{"flat": flat, "rows": nested} {
		b, err := json.Marshal(point)
		if err != nil {
			t.Fatal(err)
		}
		at := filepath.Join(dir, name+".json")
		if err := os.WriteFile(at, b, 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, errs := hmcc(t, "logdensity", model, data, "--at", at, "--json")
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, stdout, errs)
		}
		var d struct {
			LP *float64 `json:"lp__"`
		}
		if err := json.Unmarshal([]byte(stdout), &d); err != nil || d.LP == nil {
			t.Fatalf("%s: %v %q", name, err, stdout)
		}
		if math.Abs(*d.LP-lp) > 1e-9*math.Max(1, math.Abs(lp)) {
			t.Errorf("%s: log density %.12g at the draw's values, its lp__ %.12g", name, *d.LP, lp)
		}
		// and --init reads the file the same way
		code, stdout, errs = hmcc(t, "run", model, data, "--init", at, "--sampler", "nuts", "--chains", "1", "--warmup", "0", "--draws", "1", "--output-dir", filepath.Join(dir, "init_"+name), "--quiet")
		if code != 0 {
			t.Fatalf("%s: --init: exit %d\n%s\n%s", name, code, stdout, errs)
		}
	}
	// a matrix given as rows of the wrong shape
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"L": [[1, 0], [0, 1]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, errs := hmcc(t, "logdensity", model, data, "--at", bad)
	if want := "parameter L is a 3×3 matrix; give 3 arrays of 3 numbers (its rows), or 9 numbers column by column"; code != 2 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr %q, want 2 and %q (stdout %q)", code, errs, want, stdout)
	}
}
