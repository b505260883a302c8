package plots

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// chainColor gives chain i of n a colour of its own: gonum's palette while it lasts, then hues
// spread around the colour wheel (a run of 64 chains would otherwise repeat every 7th).
func chainColor(i, n int) color.Color {
	if n <= len(plotutil.DefaultColors) {
		return plotutil.Color(i)
	}
	h := 6 * float64(i) / float64(n)
	x := uint8(255 * (1 - math.Abs(math.Mod(h, 2)-1)))
	switch int(h) {
	case 0:
		return color.RGBA{230, x, 0, 255}
	case 1:
		return color.RGBA{x, 230, 0, 255}
	case 2:
		return color.RGBA{0, 230, x, 255}
	case 3:
		return color.RGBA{0, x, 230, 255}
	case 4:
		return color.RGBA{x, 0, 230, 255}
	}
	return color.RGBA{230, 0, x, 255}
}

// finite drops NaN and ±Inf, which gonum's plotters reject and which have no rank or density.
func finite(xs []float64) []float64 {
	return slices.DeleteFunc(slices.Clone(xs), func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) })
}

// addLegend lists the chains when there are few enough to tell apart; only the density panel
// has one, where it covers the least.
func addLegend(p *plot.Plot, labels []string, lines []*plotter.Line) {
	if len(labels) > 8 {
		return
	}
	p.Legend.Top = true
	for i, l := range lines {
		if l != nil {
			p.Legend.Add(labels[i], l)
		}
	}
}

// tracePlot draws each chain's draws against the iteration: chains that mix overlap as one band.
func tracePlot(title, name string, chains [][]float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title + ": trace"
	p.X.Label.Text = "iteration after warmup"
	p.Y.Label.Text = summary.StanName(name)
	for ch, xs := range chains {
		var xy plotter.XYs
		for it, x := range xs {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				xy = append(xy, plotter.XY{X: float64(it + 1), Y: x})
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = chainColor(ch, len(chains))
		l.Width = vg.Points(0.6)
		p.Add(l)
	}
	p.X.Min = 0 // so the ticks fall on round iterations
	return p, nil
}

// rankPlot draws, for each chain, the histogram of its draws' ranks among all chains (Vehtari et
// al. 2021, figure 2, as bayesplot's mcmc_rank_overlay): when the chains sample the same
// distribution every histogram is flat at the dashed line; a chain above it at one end sits in
// that tail.
func rankPlot(title string, chains [][]float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title + ": rank"
	p.X.Label.Text = "rank among all chains' draws"
	p.Y.Label.Text = "draws per bin"
	fin := make([][]float64, len(chains))
	total, longest := 0, 0
	for ch, xs := range chains {
		fin[ch] = finite(xs)
		total += len(fin[ch])
		longest = max(longest, len(fin[ch]))
	}
	if total == 0 {
		return p, nil
	}
	bins := diagnostics.RankBins(longest)
	counts := diagnostics.RankCounts(diagnostics.Ranks(fin), total, bins)
	width := float64(total) / float64(bins)
	for ch, cs := range counts {
		if len(fin[ch]) == 0 {
			continue
		}
		// A step outline rather than bars, so that overlapping chains stay visible.
		xy := make(plotter.XYs, 0, 2*bins)
		for b, n := range cs {
			xy = append(xy, plotter.XY{X: float64(b) * width, Y: n}, plotter.XY{X: float64(b+1) * width, Y: n})
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = chainColor(ch, len(chains))
		l.Width = vg.Points(1)
		p.Add(l)
	}
	expected, err := plotter.NewLine(plotter.XYs{{X: 0, Y: float64(total) / float64(len(chains)*bins)}, {X: float64(total), Y: float64(total) / float64(len(chains)*bins)}})
	if err != nil {
		return nil, err
	}
	expected.Color = color.Black
	expected.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(expected)
	p.Y.Min = 0
	return p, nil
}

// densityPlot draws the kernel density of all chains' draws pooled (black) and of each chain
// alone: chains that have found the same distribution draw the same curve. A parameter's
// support (lo, hi) bounds the curves: the kernel mass that would spill past a bound is reflected
// back inside it (Silverman 1986, section 2.10), so a positive parameter's density does not leak
// below 0 and is not halved at it.
func densityPlot(title, name string, chains [][]float64, labels []string, lo, hi float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title + ": density"
	p.X.Label.Text = summary.StanName(name)
	p.Y.Label.Text = "density"
	var pooled []float64
	for _, xs := range chains {
		pooled = append(pooled, finite(xs)...)
	}
	if len(pooled) == 0 {
		return p, nil
	}
	h := diagnostics.Bandwidth(pooled)
	from, to := math.Max(lo, slices.Min(pooled)-3*h), math.Min(hi, slices.Max(pooled)+3*h)
	const points = 256
	at := make([]float64, points)
	for k := range at {
		at[k] = from + (to-from)*float64(k)/(points-1)
	}
	top := 0.0
	curve := func(xs []float64, hx float64) (*plotter.Line, error) {
		ys := diagnostics.ReflectedKDE(xs, hx, at, lo, hi)
		top = math.Max(top, slices.Max(ys))
		xy := make(plotter.XYs, points)
		for k := range at {
			xy[k] = plotter.XY{X: at[k], Y: ys[k]}
		}
		return plotter.NewLine(xy)
	}
	lines := make([]*plotter.Line, len(chains))
	for ch, xs := range chains {
		xs = finite(xs)
		if len(xs) == 0 {
			continue
		}
		l, err := curve(xs, diagnostics.Bandwidth(xs))
		if err != nil {
			return nil, err
		}
		l.Color = chainColor(ch, len(chains))
		l.Width = vg.Points(0.8)
		p.Add(l)
		lines[ch] = l
	}
	all, err := curve(pooled, h)
	if err != nil {
		return nil, err
	}
	all.Color = color.Black
	all.Width = vg.Points(1.6)
	p.Add(all)
	p.Y.Min = 0
	// Headroom above the curves for the legend, which sits at the top.
	p.Y.Max = 1.35 * top
	addLegend(p, labels, lines)
	if len(labels) <= 8 {
		p.Legend.Add("all chains", all)
	}
	return p, nil
}

// autocorrPlot draws each chain's autocorrelation against the lag, up to 40 lags: slowly
// decaying curves mean few effective draws.
func autocorrPlot(title string, chains [][]float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title + ": autocorrelation"
	p.X.Label.Text = "lag"
	p.Y.Label.Text = "autocorrelation"
	for ch, xs := range chains {
		xs = finite(xs)
		if len(xs) < 2 {
			continue
		}
		var xy plotter.XYs
		for k, r := range diagnostics.Autocorrelation(xs, 40) {
			xy = append(xy, plotter.XY{X: float64(k), Y: r})
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = chainColor(ch, len(chains))
		l.Width = vg.Points(0.8)
		p.Add(l)
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 40, Y: 0}})
	if err != nil {
		return nil, err
	}
	zero.Color = color.Gray{Y: 120}
	zero.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(zero)
	p.Y.Min, p.Y.Max = -0.5, 1
	return p, nil
}
