package compiler

import (
	"math"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// inputsFor reads each name → text as a CSV, or as JSON when the name ends in .json.
func inputsFor(t testing.TB, files ...string) []Input {
	t.Helper()
	var ins []Input
	for i := 0; i < len(files); i += 2 {
		name, text := files[i], files[i+1]
		in := Input{Name: InputName(name)}
		var err error
		if strings.HasSuffix(name, ".json") {
			in.JSON, err = dataset.ReadJSONFrom(name, strings.NewReader(text))
		} else {
			in.Table, err = dataset.ReadFrom(name, strings.NewReader(text))
		}
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	return ins
}

// TestBindSeveralTables binds a per-row table and a per-group table: the group-level vector
// takes its size from its own table's rows, which must equal the number of groups.
func TestBindSeveralTables(t *testing.T) {
	src := lines(`data y[N] = column "y"`, `data g[N] = levels "g" as J`, `data u[J] = column "u" from "groups"`,
		"param a ~ Normal(0, 1)", "param b ~ Normal(0, 1)", "y ~ Normal(a + b * u[g], 1)")
	m, err := checkSrc(t, src)
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	ins := inputsFor(t, "obs.csv", "y,g\n1,1\n2,2\n3,2\n4,3\n", "groups.csv", "u\n0.5\n-1\n2\n")
	m, err = BindData(m, ins...)
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	if m.Sizes["N"] != 4 || m.Sizes["J"] != 3 {
		t.Errorf("sizes %v", m.Sizes)
	}
	u := m.Data[2].Value.Data
	if len(u) != 3 || u[0] != 0.5 || u[1] != -1 || u[2] != 2 {
		t.Errorf("u = %v", u)
	}
	// the density reads u through the grouping: closed form with a = 0.1, b = 2
	env := ir.NewEnv(m.Sizes, map[*ir.ParamVar][]float64{m.Params[0]: {0.1}, m.Params[1]: {2}})
	got, err := m.Terms[0].LogDensity(env)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i, y := range []float64{1, 2, 3, 4} {
		mu := 0.1 + 2*[]float64{0.5, -1, -1, 2}[i]
		want += normalLogPDF(y, mu, 1)
	}
	if d := got - want; d > 1e-12 || d < -1e-12 {
		t.Errorf("log density %v, want %v", got, want)
	}

	// the same groups in a table of new data are numbered as the first table numbers them
	src2 := lines(`data y[N] = column "y"`, `data g[N] = levels "g" as J`, `data x[M] = column "x" from "new"`,
		`data h[M] = levels "g" as J from "new"`, "param a[J] ~ Normal(0, 1)", "y ~ Normal(a[g], 1)",
		"generate y_new = a[h] + x")
	m2, err := checkSrc(t, src2)
	if err != nil {
		t.Fatal(diag.Render(err, src2))
	}
	b2, err := BindData(m2, inputsFor(t, "obs.csv", "y,g\n1,b\n2,a\n3,c\n", "new.csv", "x,g\n0,c\n1,a\n")...)
	if err != nil {
		t.Fatal(diag.Render(err, src2))
	}
	if h := b2.Data[3].Value.Data; h[0] != 3 || h[1] != 1 || b2.Sizes["J"] != 3 {
		t.Errorf("h = %v (J = %d), want groups 3 and 1 of obs.csv's a, b, c", h, b2.Sizes["J"])
	}
	_, err = BindData(m2, inputsFor(t, "obs.csv", "y,g\n1,b\n2,a\n", "new.csv", "x,g\n0,z\n")...)
	if want := `new.csv:2: column "g": group z is not one of the 2 groups of g; h numbers its groups as g does, since both have size J`; err == nil || err.Error() != want {
		t.Errorf("unknown group in new data: got %v\nwant %s", err, want)
	}

	for _, c := range []struct {
		name  string
		files []string
		want  string
	}{
		{"groups and the table disagree", []string{"obs.csv", "y,g\n1,1\n2,2\n", "groups.csv", "u\n0.5\n-1\n2\n"},
			"t.model:3:1: error: size J is 2 (bound by g), but u has 3 rows (in groups.csv)"},
		{"no such table", []string{"obs.csv", "y,g\n1,1\n", "group.csv", "u\n1\n"},
			`t.model:3:29: error: data u reads the data file "groups", but no data file of that name was given (given: "obs", "group")
  data u[J] = column "u" from "groups"
                              ^^^^^^^^
  hint: did you mean "group"? A file is named by its base name without the extension`},
		{"a group table in another order", []string{"obs.csv", "y,g\n1,b\n2,a\n3,c\n", "groups.csv", "g,u\na,1\nc,2\nb,3\n"},
			`groups.csv:3: column "g": row 2 is group c, but u reads this table's rows as groups 1 … 3 of g in obs.csv, and group 2 is b; sort the table by "g" so that row k holds group k`},
	} {
		m, _ := checkSrc(t, src)
		_, err := BindData(m, inputsFor(t, c.files...)...)
		if err == nil || !strings.Contains(diag.Render(err, src), c.want) {
			t.Errorf("%s: got\n%v\nwant\n%s", c.name, diag.Render(err, src), c.want)
		}
	}
}

// TestBindJSON binds Stan-style JSON: scalars (one a size), vectors, a matrix, and vectors as
// the columns of a matrix.
func TestBindJSON(t *testing.T) {
	src := lines(`data K = value "K"`, `data y[N] = column "y"`, `data X[N, D] = value "X"`, `data Z[N, K] = columns "a", "b"`,
		`data s = value "s"`, `data g[N] = levels "g" as J`,
		"param w[D] ~ Normal(0, s)", "param c[K] ~ Normal(0, 1)", "param v[J] ~ Normal(0, 1)",
		"y ~ Normal(X @ w + Z @ c + v[g], 1)")
	m, err := checkSrc(t, src)
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	ins := inputsFor(t, "d.json", `{"K": 2, "s": 2.5, "y": [1, 2, 3], "X": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
		"a": [1, 0, 1], "b": [0, 1, 1], "g": [0, 2.5, 0]}`)
	m, err = BindData(m, ins...)
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	if m.Sizes["K"] != 2 || m.Sizes["N"] != 3 || m.Sizes["D"] != 3 || m.Sizes["J"] != 2 {
		t.Errorf("sizes %v", m.Sizes)
	}
	if got := m.Data[3].Value.Data; len(got) != 6 || got[0] != 1 || got[1] != 0 || got[3] != 1 || got[5] != 1 {
		t.Errorf("Z = %v, want rows (1,0) (0,1) (1,1)", got)
	}
	if got := m.Data[5].Value.Data; got[0] != 1 || got[1] != 2 || got[2] != 1 || strings.Join(m.Data[5].Labels, ",") != "0,2.5" {
		t.Errorf("g = %v, labels %v", got, m.Data[5].Labels)
	}
	if m.Data[4].Value.Data[0] != 2.5 {
		t.Errorf("s = %v", m.Data[4].Value.Data)
	}

	for _, c := range []struct{ name, json, want string }{
		{"a size that is not whole", `{"K": 2.5, "s": 1, "y": [1], "X": [[1]], "a": [1], "b": [1], "g": [1]}`,
			"t.model:1:6: error: K is used as a size, but its value in d.json is 2.5"},
		{"a vector where a matrix is declared", `{"K": 2, "s": 1, "y": [1], "X": [1], "a": [1], "b": [1], "g": [1]}`,
			`t.model:3:22: error: data X: "X" in d.json is a vector of 1, but X is declared as a matrix (two sizes)`},
		{"columns of different lengths", `{"K": 2, "s": 1, "y": [1], "X": [[1]], "a": [1], "b": [1, 2], "g": [1]}`,
			`t.model:4:29: error: data Z: "b" in d.json is a vector of 2, but "a" has 1 elements`},
	} {
		m, _ := checkSrc(t, src)
		_, err := BindData(m, inputsFor(t, "d.json", c.json)...)
		if err == nil || !strings.Contains(diag.Render(err, src), c.want) {
			t.Errorf("%s: got\n%v\nwant\n%s", c.name, diag.Render(err, src), c.want)
		}
	}

	// a size in the file that the data contradict, although the model does not read it
	srcN := lines(`data y[N] = value "y"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1)")
	mN, err := checkSrc(t, srcN)
	if err != nil {
		t.Fatal(err)
	}
	_, err = BindData(mN, inputsFor(t, "n.json", `{"N": 4, "y": [1, 2, 3]}`)...)
	if want := `n.json: column "N": is 4, but the model's size N is 3 (bound by y)`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("size in the file: got %v, want %s", err, want)
	}

	// value reads JSON only
	src2 := lines(`data y = value "y"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1)")
	m2, err := checkSrc(t, src2)
	if err != nil {
		t.Fatal(diag.Render(err, src2))
	}
	_, err = BindData(m2, inputsFor(t, "d.csv", "y\n1\n")...)
	if want := "t.model:1:16: error: data y: value reads a named value of a JSON data file, but d.csv is a CSV table"; err == nil || !strings.Contains(diag.Render(err, src2), want) {
		t.Errorf("value on a CSV: %v", err)
	}
}

// normalLogPDF is Stan's normal_lpdf (Stan Functions Reference).
func normalLogPDF(y, mu, sigma float64) float64 {
	z := (y - mu) / sigma
	return -0.5*math.Log(2*math.Pi) - math.Log(sigma) - 0.5*z*z
}
