package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// TestDumpGolden holds the dumps of every stage (hmcc check --dump ast|ir) of the shipped models
// and of testdata/dump/*.model equal to the golden files in testdata/dump: NAME.ast (the parse
// tree), NAME.ir (the checked IR) and NAME.bound.ir (the IR once the data are bound and folded).
// HMCC_UPDATE_GOLDEN=1 rewrites them; review the diff.
func TestDumpGolden(t *testing.T) {
	data := map[string]string{
		"eight_schools": "eight_schools.csv", "kidiq": "kidiq.csv", "radon": "radon_mn.csv",
		"radon_slopes": "radon_mn.csv", "sparse_logistic": "german_credit.csv", "radon_ppc": "radon_mn.csv",
		"ar2": "ar2.csv", "arma11": "arma11.csv", "garch11": "garch11.csv",
		"radon_uranium": "radon_mn.csv,radon_counties.csv", "normal_mixture": "mixture.csv", "poisson_exposure": "claims.csv",
		"wide_regression": "wide_regression.csv", "poly_regression": "poly_regression.csv",
		"radon_correlated": "radon_mn.csv", "gp_poisson": "gp_poisson.csv", "mvn": "mvn.csv",
	}
	models, _ := filepath.Glob("../models/*.model")
	extra, _ := filepath.Glob("testdata/dump/*.model")
	models = append(models, extra...)
	if len(models) < 6 {
		t.Fatalf("found %d models", len(models))
	}
	update := os.Getenv("HMCC_UPDATE_GOLDEN") == "1"
	for _, path := range models {
		name := strings.TrimSuffix(filepath.Base(path), ".model")
		t.Run(name, func(t *testing.T) {
			csv, ok := data[name]
			if !ok {
				t.Fatalf("no data set for %s; add it to the table", name)
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ast, err := lang.Parse(filepath.Base(path), string(src))
			if err != nil {
				t.Fatal(diag.Render(err, string(src)))
			}
			m, err := Check(ast)
			if err != nil {
				t.Fatal(diag.Render(err, string(src)))
			}
			checked := ir.Dump(m)
			var inputs []Input // several tables, comma separated
			for _, f := range strings.Split(csv, ",") {
				tab, err := dataset.Read(filepath.Join("../models", f))
				if err != nil {
					t.Fatal(err)
				}
				inputs = append(inputs, Input{Name: InputName(f), Table: tab})
			}
			bound, err := BindData(m, inputs...)
			if err != nil {
				t.Fatal(diag.Render(err, string(src)))
			}
			// Binding leaves the checked model as it was, so that it can be bound again.
			if after := ir.Dump(m); after != checked || m.Bound() || !bound.Bound() {
				t.Errorf("binding changed the checked model (bound %v), from\n%s\nto\n%s", m.Bound(), checked, after)
			}
			again, err := BindData(m, inputs...)
			if err != nil {
				t.Fatal(diag.Render(err, string(src)))
			}
			if ir.Dump(again) != ir.Dump(bound) {
				t.Errorf("binding the checked model again gave\n%s\nnot\n%s", ir.Dump(again), ir.Dump(bound))
			}
			for _, p := range []string{sharedPointers(m, bound), sharedPointers(bound, again)} {
				if p != "" {
					t.Errorf("two of the checked and bound models share %s", p)
				}
			}
			for ext, got := range map[string]string{".ast": lang.Dump(ast), ".ir": checked, ".bound.ir": ir.Dump(bound)} {
				golden := filepath.Join("testdata/dump", name+ext)
				if update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (HMCC_UPDATE_GOLDEN=1 writes it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the dump:\n%s\nwant\n%s", golden, got, want)
				}
			}
		})
	}
}
