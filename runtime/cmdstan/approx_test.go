package cmdstan

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// WriteApprox writes CmdStan's header layout, the lead columns before the names, 9 significant
// digits and CmdStan's spellings of non-finite values.
func TestWriteApprox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pathfinder.csv")
	h := ApproxHeader{Model: "dir/m.model", Data: []string{"a.csv", "b.json"}, Version: "9.9", Seed: 7, LPNote: "stan_convention",
		Method: "pathfinder", Lines: []string{"    pathfinder", "      num_paths = 4"}}
	err := WriteApprox(path, h, []string{"lp_approx__", "lp__"}, []string{"mu", "tau"},
		[][]float64{{-1.5, -2}, {math.Inf(-1), math.NaN()}}, [][]float64{{1.0 / 3, 2e-10}, {math.Inf(1), 12345678901}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `# stan_version_major = 2
# stan_version_minor = 33
# stan_version_patch = 0
# hmcc_version = 9.9
# model = m.model
# method = pathfinder
#    pathfinder
#      num_paths = 4
# id = 1 (Default)
# data
#   file = a.csv,b.json
# init = 2 (Default)
# random
#   seed = 7
# output
#   file = ` + path + `
# hmcc_lp = stan_convention
lp_approx__,lp__,mu,tau
-1.5,-2,0.333333333,2e-10
-inf,nan,inf,1.23456789e+10
`
	if got := string(raw); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if err := WriteApprox(filepath.Join(t.TempDir(), "no", "such", "dir.csv"), h, nil, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "no such") {
		t.Errorf("writing into a missing directory: %v", err)
	}
}
