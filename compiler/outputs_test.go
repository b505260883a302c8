package compiler

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestOutputsEightSchools(t *testing.T) {
	m, _ := compile(t, "../models/eight_schools.model", "../models/eight_schools.csv", 1)
	names := OutputNames(m)
	want := []string{"mu", "tau"}
	for _, p := range []string{"theta_raw", "theta"} {
		for j := 1; j <= 8; j++ {
			want = append(want, p+"."+string(rune('0'+j)))
		}
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("OutputNames = %v\nwant %v", names, want)
	}
	theta := make([]float64, m.Dim())
	for i := range theta {
		theta[i] = 0.1*float64(i) - 0.3
	}
	out := make([]float64, len(names))
	if err := Outputs(m, theta, out); err != nil {
		t.Fatal(err)
	}
	mu, tau := theta[0], math.Exp(theta[1])
	if out[0] != mu || math.Abs(out[1]-tau) > 1e-15 {
		t.Errorf("mu, tau = %v, %v; want %v, %v", out[0], out[1], mu, tau)
	}
	for j := 0; j < 8; j++ {
		raw := theta[2+j]
		if out[2+j] != raw {
			t.Errorf("theta_raw.%d = %v, want %v", j+1, out[2+j], raw)
		}
		if want := mu + tau*raw; math.Abs(out[10+j]-want) > 1e-14 {
			t.Errorf("theta.%d = %v, want %v", j+1, out[10+j], want)
		}
	}
	// back to θ from the natural scale
	back := make([]float64, m.Dim())
	vals := map[string][]float64{"mu": {out[0]}, "tau": {out[1]}, "theta_raw": out[2:10]}
	if err := Unconstrain(m, vals, back); err != nil {
		t.Fatal(err)
	}
	for i := range back {
		if math.Abs(back[i]-theta[i]) > 1e-14 {
			t.Errorf("Unconstrain: θ[%d] = %v, want %v", i, back[i], theta[i])
		}
	}
	if err := Unconstrain(m, map[string][]float64{"tau": {-1}}, back); err == nil || err.Error() != "parameter tau: -1 is outside the support positive" {
		t.Errorf("negative tau: %v", err)
	}
	if err := Unconstrain(m, map[string][]float64{"theta_raw": {1, 2}}, back); err == nil ||
		!strings.Contains(err.Error(), "theta_raw has 8 elements, but 2 values were given") {
		t.Errorf("short theta_raw: %v", err)
	}
	if got := ElementName(m, m.Params[2], 4); got != "theta_raw.5" {
		t.Errorf("ElementName = %q", got)
	}
}
