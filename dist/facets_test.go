package dist

import (
	"slices"
	"testing"
)

// TestLocScaleRoles: a row's location and scale indices must name its location and scale
// parameters, or the prior warnings would look at the wrong argument; and the families that
// carry the roles are those the warnings were written for (moved here from compiler/warn.go's
// tables, issue 11), as are those with a vague-prior check, so a change to either set is a change
// to what hmcc check says.
func TestLocScaleRoles(t *testing.T) {
	var scaled, centrable []string
	for _, name := range Names() {
		d, _ := Lookup(name)
		ls := d.LocScale
		if ls == nil {
			continue
		}
		scaled = append(scaled, name)
		if p := d.Params[ls.Scale].Name; p != "sigma" && p != "scale" {
			t.Errorf("argument %d of %s is %s, not a scale", ls.Scale, name, p)
		}
		if ls.Centrable() {
			centrable = append(centrable, name)
			if p := d.Params[ls.Loc].Name; p != "mu" && p != "loc" {
				t.Errorf("argument %d of %s is %s, not a location", ls.Loc, name, p)
			}
		} else if ls.Loc != -1 {
			t.Errorf("%s: Loc is %d; a family that is not centrable has −1", name, ls.Loc)
		}
	}
	if want := []string{"Cauchy", "HalfCauchy", "HalfNormal", "HalfStudentT", "Laplace", "LogNormal", "Logistic", "Normal", "StudentT"}; !slices.Equal(scaled, want) {
		t.Errorf("rows with a scale role: %v, want %v", scaled, want)
	}
	if want := []string{"Cauchy", "Laplace", "Logistic", "Normal", "StudentT"}; !slices.Equal(centrable, want) {
		t.Errorf("centrable rows: %v, want %v", centrable, want)
	}
	var vague []string
	for _, name := range Names() {
		if d, _ := Lookup(name); d.Vague != NotVague {
			vague = append(vague, name)
			if d.LocScale != nil {
				t.Errorf("%s has both a scale role and a vague check; the warnings look at one", name)
			}
		}
	}
	if want := []string{"Exponential", "Gamma", "InverseGamma", "Uniform"}; !slices.Equal(vague, want) {
		t.Errorf("rows with a vague check: %v, want %v", vague, want)
	}
	var none *LocScale
	if none.Centrable() {
		t.Error("a row without roles is centrable")
	}
}

// TestRowsCarryEveryFacet: every row draws and knows Stan's dropped constants (scalar or vector
// functions, matching Vector), and is either lowered to CUDA or marked CPU-only with a reason,
// never both (register enforces the last; this says it for each row by name).
func TestRowsCarryEveryFacet(t *testing.T) {
	for _, name := range Names() {
		d, _ := Lookup(name)
		if d.Vector != (d.vectorSample != nil) || d.Vector == (d.sample != nil) {
			t.Errorf("%s: Vector is %v but sample set %v, vectorSample set %v", name, d.Vector, d.sample != nil, d.vectorSample != nil)
		}
		if d.Vector != (d.stanDropVector != nil) || d.Vector == (d.stanDrop != nil) {
			t.Errorf("%s: no rule for the constants Stan's ~ drops, or one of the wrong kind", name)
		}
		if d.GPU.CUDA == (d.GPU.CPUOnly != "") {
			t.Errorf("%s: GPU %+v: want either a CUDA lowering or a CPU-only reason", name, d.GPU)
		}
		if d.Fast != NoFastPath && !slices.Contains(FastPaths(), d.Fast) {
			t.Errorf("%s: fast path %d is not in FastPaths", name, d.Fast)
		}
	}
}
