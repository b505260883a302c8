package dist

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every distribution says what Stan's ~ drops, for every pattern of which arguments can vary with
// the parameters (not a discrete variate, nor a count parameter: those are data), without reading the values of those that vary; with nothing varying the
// whole density is dropped.
func TestStanDroppedEveryDistribution(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range Names() {
		d, _ := Lookup(name)
		n := len(d.Params)
		for mask := 0; mask < 1<<(n+1); mask++ {
			vx, vp := mask&1 != 0, make([]bool, n)
			skip := vx && d.Discrete // a count's variate is always data
			for i := range vp {
				vp[i] = mask&(2<<i) != 0
				skip = skip || vp[i] && d.Params[i].Domain == Count // so is a count parameter
			}
			if skip {
				continue
			}
			if d.Vector {
				x := []float64{0.2, 0.3, 0.5}
				p := [][]float64{{1.5, 2, 0.7}}
				c, ok := d.StanDroppedVector(x, p, vx, vp)
				if !ok {
					t.Fatalf("%s has no rule for Stan's dropped constants", name)
				}
				if vp[0] {
					p[0] = []float64{math.NaN(), math.NaN(), math.NaN()}
				}
				if vx {
					x = []float64{math.NaN(), math.NaN(), math.NaN()}
				}
				if c2, _ := d.StanDroppedVector(x, p, vx, vp); c2 != c || math.IsNaN(c) {
					t.Errorf("%s vx=%v vp=%v: %v, with the varying arguments NaN %v", name, vx, vp, c, c2)
				}
				continue
			}
			for trial := 0; trial < 20; trial++ {
				x, p := sampleArgs(d, rng)
				c, ok := d.StanDropped(x, p, vx, vp)
				if !ok {
					t.Fatalf("%s has no rule for Stan's dropped constants", name)
				}
				if !vx && !anyTrue(vp) {
					if c != d.LogDensity(x, p, nil) {
						t.Errorf("%s with nothing varying drops %v, not the whole density %v", name, c, d.LogDensity(x, p, nil))
					}
					continue
				}
				// The varying arguments' values must not matter: replace them by NaN.
				xn, pn := x, append([]float64(nil), p...)
				if vx {
					xn = math.NaN()
				}
				for i := range pn {
					if vp[i] {
						pn[i] = math.NaN()
					}
				}
				if c2, _ := d.StanDropped(xn, pn, vx, vp); c2 != c || math.IsNaN(c) || math.IsInf(c, 0) {
					t.Errorf("%s vx=%v vp=%v at x=%v p=%v: dropped %v, with the varying arguments NaN %v", name, vx, vp, x, p, c, c2)
				}
			}
		}
	}
}

// sampleArgs draws a variate in the support and parameters in their domains.
func sampleArgs(d *Dist, rng *rand.Rand) (float64, []float64) {
	p := make([]float64, len(d.Params))
	for i, par := range d.Params {
		switch par.Domain {
		case Real:
			p[i] = rng.NormFloat64()
		case Positive:
			p[i] = 0.5 + 2*rng.Float64()
		case Probability, UnitInterval:
			p[i] = 0.1 + 0.8*rng.Float64()
		case Count:
			p[i] = float64(5 + rng.IntN(10))
		}
	}
	if d.Name == "Uniform" {
		p[1] = p[0] + 1 + rng.Float64()
	}
	return d.Rand(rng, p), p
}

// Stan's normal with a data scale drops −½ log 2π − log σ; with a parameter scale only −½ log 2π.
// (Stan Math normal_lpdf: NEG_LOG_SQRT_TWO_PI under include_summand<propto>, log σ under
// include_summand<propto, T_scale>.)
func TestStanDroppedNormal(t *testing.T) {
	d, _ := Lookup("Normal")
	if c, _ := d.StanDropped(1, []float64{0, 5}, true, []bool{false, false}); math.Abs(c-(-0.5*math.Log(2*math.Pi)-math.Log(5))) > 1e-15 {
		t.Errorf("data scale: %v", c)
	}
	if c, _ := d.StanDropped(1, []float64{0, 5}, false, []bool{true, true}); math.Abs(c-(-0.5*math.Log(2*math.Pi))) > 1e-15 {
		t.Errorf("parameter scale: %v", c)
	}
}
