package diagnostics

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const relTol = 1e-8

// close reports whether got matches want to relTol relative error; NaN
// matches NaN (posterior's NA).
func approxEqual(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if got == want {
		return true
	}
	return math.Abs(got-want) <= relTol*math.Max(math.Abs(want), math.Abs(got))
}

func readCSV(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("open fixture: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func parseNum(t *testing.T, s string) float64 {
	t.Helper()
	if s == "NA" {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// loadDraws reads testdata/draws.csv into variable -> [chain][draw].
func loadDraws(t *testing.T) map[string][][]float64 {
	t.Helper()
	rows := readCSV(t, "draws.csv")
	out := map[string][][]float64{}
	for _, row := range rows {
		ch := int(parseNum(t, row["chain"])) - 1
		d := int(parseNum(t, row["draw"])) - 1
		for name, val := range row {
			if name == "chain" || name == "draw" {
				continue
			}
			m := out[name]
			for len(m) <= ch {
				m = append(m, nil)
			}
			for len(m[ch]) <= d {
				m[ch] = append(m[ch], math.NaN())
			}
			m[ch][d] = parseNum(t, val)
			out[name] = m
		}
	}
	return out
}

// TestAgainstPosterior compares every statistic with the values of R's
// posterior package in testdata/expected.csv (see testdata/README.md).
func TestAgainstPosterior(t *testing.T) {
	draws := loadDraws(t)
	rows := readCSV(t, "expected.csv")
	if len(rows) == 0 {
		t.Fatal("no rows in expected.csv")
	}
	for _, row := range rows {
		name := row["name"]
		d, ok := draws[name]
		if !ok {
			t.Fatalf("variable %q missing from draws.csv", name)
		}
		if len(d) != 4 || len(d[0]) != 300 {
			t.Fatalf("%s: got %d chains of %d draws", name, len(d), len(d[0]))
		}
		s := Summarize(d)
		checks := []struct {
			col string
			got float64
		}{
			{"mean", s.Mean},
			{"sd", s.SD},
			{"q5", s.Q5},
			{"q50", s.Q50},
			{"q95", s.Q95},
			{"rhat", s.Rhat},
			{"ess_bulk", s.EssBulk},
			{"ess_tail", s.EssTail},
			{"mcse_mean", s.McseMean},
			{"mcse_q5", s.McseQ5},
			{"mcse_q95", s.McseQ95},
			// The standalone functions must agree with Summarize.
			{"rhat", Rhat(d)},
			{"ess_bulk", EssBulk(d)},
			{"ess_tail", EssTail(d)},
			{"mcse_mean", McseMean(d)},
			{"mcse_q5", McseQuantile(d, 0.05)},
			{"mcse_q95", McseQuantile(d, 0.95)},
			{"q50", Quantile(flatten(d), 0.5)},
		}
		for _, c := range checks {
			want := parseNum(t, row[c.col])
			if !approxEqual(c.got, want) {
				t.Errorf("%s %s: got %.17g, posterior %.17g (rel diff %.3g)",
					name, c.col, c.got, want, math.Abs(c.got-want)/math.Abs(want))
			}
		}
		if v, ok := row["rhat_nested"]; ok {
			got := RhatNested(d, []int{1, 1, 2, 2})
			if want := parseNum(t, v); !approxEqual(got, want) {
				t.Errorf("%s rhat_nested: got %.17g, posterior %.17g", name, got, want)
			}
		}
	}
}

// TestRhatNested compares with testdata/expected_nested.csv, made by
// testdata/make_nested.R from the same draws.
func TestRhatNested(t *testing.T) {
	draws := loadDraws(t)
	rows := readCSV(t, "expected_nested.csv")
	if len(rows) == 0 {
		t.Fatal("no rows in expected_nested.csv")
	}
	for _, row := range rows {
		var ids []int
		for _, s := range strings.Split(row["superchains"], "-") {
			ids = append(ids, int(parseNum(t, s)))
		}
		got := RhatNested(draws[row["name"]], ids)
		if want := parseNum(t, row["rhat_nested"]); !approxEqual(got, want) {
			t.Errorf("%s superchains %v: got %.17g, want %.17g", row["name"], ids, got, want)
		}
	}
	d := draws["iid"]
	for _, ids := range [][]int{{1, 1, 2}, {1, 1, 1, 2}, {1, 1, 1, 1}} {
		if got := RhatNested(d, ids); !math.IsNaN(got) {
			t.Errorf("superchains %v: got %g, want NaN", ids, got)
		}
	}
}

// Odd-length chains (the middle iteration is dropped when splitting), ties,
// the ESS lower bound on tau, and an indicator that becomes constant after
// splitting. Expected values from posterior 1.4.0 (R 4.2.2):
//
//	set.seed(7)
//	A <- matrix(round(rnorm(21), 3), nrow = 7, ncol = 3)
//	set.seed(11)
//	B <- matrix(round(as.vector(stats::filter(rnorm(82), 0.8,
//	  method = "recursive")), 1), nrow = 41, ncol = 2)
//	B[, 2] <- B[, 2] + 0.5
//	f <- function(v) sprintf("%.17g", v)
//	for (m in list(A, B)) print(f(c(rhat(m), rhat_basic(m), ess_bulk(m),
//	  ess_tail(m), ess_mean(m), mcse_mean(m),
//	  mcse_quantile(m, c(0.05, 0.25, 0.95, 1)),
//	  ess_quantile(m, c(0.05, 0.25, 0.95, 1)),
//	  quantile2(m, c(0.05, 0.5, 0.95)))))
//
// (chains are the columns of A and B, printed below with 17+ digits).
func TestOddLengthAgainstPosterior(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name                              string
		draws                             [][]float64
		rhat, rhatBasic, essBulk, essTail float64
		essMean, mcseMean                 float64
		mcseQ, essQ                       [4]float64 // p = 0.05, 0.25, 0.95, 1
		q                                 [3]float64 // p = 0.05, 0.5, 0.95
	}{
		{
			name: "A 3x7",
			draws: [][]float64{
				{2.28699999999999992, -1.19700000000000006, -0.69399999999999995, -0.41199999999999998, -0.97099999999999997, -0.94699999999999995, 0.74800000000000000},
				{-0.11700000000000001, 0.15300000000000000, 2.18999999999999995, 0.35699999999999998, 2.71700000000000008, 2.28100000000000014, 0.32400000000000001},
				{1.8959999999999999076, 0.4680000000000000271, -0.8940000000000000169, -0.3069999999999999951, -0.0050000000000000001, 0.9879999999999999893, 0.8399999999999999689},
			},
			rhat: 1.0090438856214745, rhatBasic: 0.98979613566356028,
			essBulk: 9, essTail: 9, essMean: 9, mcseMean: 0.40323953848404476,
			mcseQ: [4]float64{0.25150000000000006, 0.54999999999999993, 0.86450000000000005, 0.41050000000000009},
			essQ:  [4]float64{9, 9, 9, 9},
			q:     [3]float64{-0.97099999999999997, 0.32400000000000001, 2.2869999999999999},
		},
		{
			name: "B 2x41 with ties",
			draws: [][]float64{
				{-0.59999999999999998, -0.40000000000000002, -1.89999999999999991, -2.89999999999999991, -1.10000000000000009, -1.80000000000000004, -0.10000000000000001, 0.50000000000000000, 0.40000000000000002, -0.69999999999999996, -1.39999999999999991, -1.50000000000000000, -2.70000000000000018, -2.39999999999999991, -3.10000000000000009, -2.50000000000000000, -2.20000000000000018, -0.90000000000000002, -1.30000000000000004, -1.69999999999999996, -2.00000000000000000, -1.60000000000000009, -1.80000000000000004, -1.10000000000000009, -0.80000000000000004, -0.59999999999999998, -0.69999999999999996, -1.30000000000000004, -1.30000000000000004, -2.00000000000000000, -2.70000000000000018, -3.10000000000000009, -1.80000000000000004, -3.00000000000000000, -3.29999999999999982, -2.10000000000000009, -1.89999999999999991, 0.00000000000000000, -0.59999999999999998, -0.80000000000000004, -2.29999999999999982},
				{-1.300000000000000044, -0.099999999999999978, -0.800000000000000044, 0.299999999999999989, 0.000000000000000000, -2.100000000000000089, -0.699999999999999956, 0.299999999999999989, 0.500000000000000000, 1.300000000000000044, 0.900000000000000022, 0.000000000000000000, 0.599999999999999978, 0.800000000000000044, 1.199999999999999956, 0.900000000000000022, 1.300000000000000044, 2.600000000000000089, 2.299999999999999822, 1.100000000000000089, 3.299999999999999822, 2.600000000000000089, 0.200000000000000011, 0.800000000000000044, 2.500000000000000000, 1.300000000000000044, 0.000000000000000000, -0.500000000000000000, 0.500000000000000000, 0.900000000000000022, 0.699999999999999956, -0.099999999999999978, 0.299999999999999989, 1.399999999999999911, 1.399999999999999911, 0.500000000000000000, 1.000000000000000000, -0.199999999999999956, 0.400000000000000022, 0.299999999999999989, 0.699999999999999956},
			},
			rhat: 1.5343198868827823, rhatBasic: 1.5837501778923222,
			essBulk: 4.4537463890752704, essTail: 44.89712772458747,
			essMean: 4.2494338060834034, mcseMean: 0.72746591586301113,
			// p = 1: the only draw above the quantile is the dropped middle
			// iteration of chain 2, so the split indicator is constant: NA.
			mcseQ: [4]float64{0.35000000000000009, 0.70000000000000007, 0.65000000000000002, nan},
			essQ:  [4]float64{49.002619383437462, 9.8100092800227117, 44.89712772458747, nan},
			q:     [3]float64{-2.8899999999999997, -0.45000000000000001, 2.2550000000000021},
		},
	}
	ps := [4]float64{0.05, 0.25, 0.95, 1}
	for _, c := range cases {
		chk := func(what string, got, want float64) {
			if !approxEqual(got, want) {
				t.Errorf("%s %s: got %.17g, posterior %.17g", c.name, what, got, want)
			}
		}
		chk("rhat", Rhat(c.draws), c.rhat)
		chk("rhat_basic", RhatBasic(c.draws), c.rhatBasic)
		chk("ess_bulk", EssBulk(c.draws), c.essBulk)
		chk("ess_tail", EssTail(c.draws), c.essTail)
		chk("ess_mean", EssMean(c.draws), c.essMean)
		chk("mcse_mean", McseMean(c.draws), c.mcseMean)
		for i, p := range ps {
			chk("mcse_quantile("+strconv.FormatFloat(p, 'g', -1, 64)+")", McseQuantile(c.draws, p), c.mcseQ[i])
			chk("ess_quantile("+strconv.FormatFloat(p, 'g', -1, 64)+")", EssQuantile(c.draws, p), c.essQ[i])
		}
		x := flatten(c.draws)
		for i, p := range [3]float64{0.05, 0.5, 0.95} {
			chk("quantile2("+strconv.FormatFloat(p, 'g', -1, 64)+")", Quantile(x, p), c.q[i])
		}
	}
}

func TestSplitChainsOdd(t *testing.T) {
	got := splitChains([][]float64{{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}})
	want := [][]float64{{1, 2}, {6, 7}, {4, 5}, {9, 10}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		for j := range want[i] {
			if len(got[i]) != len(want[i]) || got[i][j] != want[i][j] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
}

// Constant input: posterior returns NA for rhat, ess and mcse; here NaN.
func TestConstantInputGivesNaN(t *testing.T) {
	d := [][]float64{{2.5, 2.5, 2.5, 2.5, 2.5}, {2.5, 2.5, 2.5, 2.5, 2.5}}
	s := Summarize(d)
	for name, v := range map[string]float64{
		"Rhat": s.Rhat, "EssBulk": s.EssBulk, "EssTail": s.EssTail,
		"McseMean": s.McseMean, "McseQ5": s.McseQ5, "McseQ95": s.McseQ95,
		"EssMean": EssMean(d), "RhatBasic": RhatBasic(d),
		"RhatNested": RhatNested(d, []int{1, 2}),
	} {
		if !math.IsNaN(v) {
			t.Errorf("%s = %g, want NaN", name, v)
		}
	}
	if s.Mean != 2.5 || s.SD != 0 || s.Q5 != 2.5 || s.Q50 != 2.5 || s.Q95 != 2.5 {
		t.Errorf("summary of constant draws: %+v", s)
	}
	// Symmetric two-point draws: the folded draws |x - median| are constant,
	// so the tail Rhat, and with it Rhat, is NA in posterior.
	sym := [][]float64{{-1, 1, -1, 1}, {1, -1, 1, -1}}
	if r := Rhat(sym); !math.IsNaN(r) {
		t.Errorf("Rhat with constant folded draws = %g, want NaN", r)
	}
}

func TestDegenerateInputDoesNotPanic(t *testing.T) {
	inputs := [][][]float64{
		nil,
		{},
		{{}},
		{{1}},
		{{1, 2}},
		{{1, 2}, {3, 4}},
		{{1, math.NaN(), 3, 4}, {1, 2, 3, 4}},
		{{1, math.Inf(1), 3, 4}, {1, 2, 3, 4}},
	}
	for _, d := range inputs {
		s := Summarize(d)
		_ = RhatNested(d, []int{1, 2})
		_ = EssMean(d)
		if !math.IsNaN(s.Rhat) && len(d) > 0 && len(d[0]) < 2 {
			t.Errorf("%v: Rhat %g, want NaN", d, s.Rhat)
		}
		if !math.IsNaN(s.EssBulk) && (len(d) == 0 || len(d[0]) < 6) {
			t.Errorf("%v: EssBulk %g, want NaN", d, s.EssBulk)
		}
	}
}

func TestRaggedPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for chains of different lengths")
		}
	}()
	Rhat([][]float64{{1, 2, 3}, {1, 2}})
}

func TestQuantileType7(t *testing.T) {
	x := []float64{5, 1, 4, 2, 3}
	for _, c := range [][2]float64{{0, 1}, {1, 5}, {0.5, 3}, {0.1, 1.4}, {0.95, 4.8}} {
		if got := Quantile(x, c[0]); !approxEqual(got, c[1]) {
			t.Errorf("Quantile(%g) = %g, want %g", c[0], got, c[1])
		}
	}
	if x[0] != 5 || x[1] != 1 {
		t.Error("Quantile modified its input")
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("Quantile(nil) not NaN")
	}
}

// The FFT path of the autocovariance must agree with the direct sums.
func TestAutocovFFTMatchesDirect(t *testing.T) {
	n := 1001
	x := make([]float64, n)
	s := uint32(12345)
	prev := 0.0
	for i := range x {
		s = s*1664525 + 1013904223
		prev = 0.999*prev + float64(s>>8)/float64(1<<24) - 0.5
		x[i] = prev
	}
	a := newAutocov(x)
	all := autocovFFT(a.yc, a.varx)
	fn := float64(n)
	for _, k := range []int{0, 1, 2, 17, 63, 64, 200, 999, 1000} {
		direct := lagProduct(a.yc, k) / lagProduct(a.yc, 0) * a.varx * (fn - 1) / fn
		if math.Abs(all[k]-direct) > 1e-12*all[0] {
			t.Errorf("lag %d: fft %.17g direct %.17g", k, all[k], direct)
		}
	}
	// A strongly autocorrelated chain uses the FFT path inside the ESS;
	// it must give the same ESS as forcing the direct path.
	d := [][]float64{x[:500], x[500:1000]}
	m := splitChains(d)
	lazy := make([]*autocov, len(m))
	full := make([]*autocov, len(m))
	for c, ch := range m {
		lazy[c] = newAutocov(ch)
		full[c] = newAutocov(ch)
		for k := 0; k < len(ch); k++ {
			full[c].direct = append(full[c].direct, lagProduct(full[c].yc, k))
		}
	}
	viaFFT := essWith(m, lazy)
	if lazy[0].all == nil {
		t.Fatal("FFT path not exercised")
	}
	direct := essWith(m, full)
	if !approxEqual(viaFFT, direct) || !approxEqual(EssMean(d), direct) {
		t.Errorf("ess via fft %.17g, direct %.17g, EssMean %.17g", viaFFT, direct, EssMean(d))
	}
	t.Logf("ess %.17g (fft) %.17g (direct)", viaFFT, direct)
}

// TestSummarizeEqualsEachDiagnostic: Summarize shares sorting and rank normalisation between the
// diagnostics; it must give exactly what the exported functions give one at a time.
func TestSummarizeEqualsEachDiagnostic(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	ar := func(chains, n int, phi float64) [][]float64 {
		d := make([][]float64, chains)
		for c := range d {
			d[c] = make([]float64, n)
			x := float64(c)
			for i := range d[c] {
				x = phi*x + rng.NormFloat64()
				d[c][i] = x
			}
		}
		return d
	}
	withInf := ar(3, 50, 0.5)
	withInf[1][7] = math.Inf(1)
	ties := ar(4, 40, 0)
	for c := range ties {
		for i := range ties[c] {
			ties[c][i] = math.Round(ties[c][i])
		}
	}
	constant := [][]float64{{2, 2, 2, 2}, {2, 2, 2, 2}}
	for name, d := range map[string][][]float64{
		"ar 0.9": ar(8, 300, 0.9), "ar 0.3": ar(4, 1000, 0.3), "few draws": ar(2, 5, 0.5),
		"with Inf": withInf, "ties": ties, "constant": constant,
	} {
		got, want := Summarize(d), summarizeEach(d, flatten(d))
		if !sameSummary(got, want) {
			t.Errorf("%s: Summarize %+v, one at a time %+v", name, got, want)
		}
	}
}

func sameSummary(a, b Summary) bool {
	x := []float64{a.Mean, a.SD, a.Q5, a.Q50, a.Q95, a.Rhat, a.EssBulk, a.EssTail, a.McseMean, a.McseQ5, a.McseQ95}
	y := []float64{b.Mean, b.SD, b.Q5, b.Q50, b.Q95, b.Rhat, b.EssBulk, b.EssTail, b.McseMean, b.McseQ5, b.McseQ95}
	for i := range x {
		if x[i] != y[i] && !(math.IsNaN(x[i]) && math.IsNaN(y[i])) {
			return false
		}
	}
	return true
}

// BenchmarkSummarize is one quantity of a 64-chain, 1000-draw run (AR(1) draws, φ = 0.9), the
// unit of work at the end of `hmcc run`: `go test -run XXX -bench Summarize ./runtime/diagnostics/`.
func BenchmarkSummarize(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	d := make([][]float64, 64)
	for c := range d {
		d[c] = make([]float64, 1000)
		x := 0.0
		for i := range d[c] {
			x = 0.9*x + rng.NormFloat64()
			d[c][i] = x
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Summarize(d)
	}
}
