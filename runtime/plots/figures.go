package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// runFigure draws one figure of the whole run.
func runFigure(req Request, kind string, files []*cmdstan.File, names []string, all [][][]float64, format, path string) error {
	switch kind {
	case "forest":
		p, err := forestPlot(names, all)
		if err != nil {
			return err
		}
		return savePlots([][]*plot.Plot{{p}}, 6*vg.Inch, vg.Length(1.2+0.3*float64(len(names)))*vg.Inch, format, path)
	case "energy":
		energy := column(files, "energy__")
		if energy == nil {
			return inputError(fmt.Errorf("%s: the chains have no energy__ column to plot", req.Dir))
		}
		p, err := energyPlot(energy)
		if err != nil {
			return err
		}
		return savePlots([][]*plot.Plot{{p}}, 6*vg.Inch, 4*vg.Inch, format, path)
	case "pairs":
		// At most 6 quantities: 15 panels already; more are unreadable.
		k := min(len(names), 6)
		if k < 2 {
			return inputError(fmt.Errorf("a pairs plot needs two quantities or more; name them with --vars"))
		}
		div := column(files, "divergent__")
		rows := make([][]*plot.Plot, k-1)
		for i := 1; i < k; i++ {
			for j := 0; j < k-1; j++ {
				p := plot.New()
				if j < i {
					var err error
					if p, err = pairPanel(names[j], names[i], all[j], all[i], div); err != nil {
						return err
					}
				} else {
					p.HideAxes()
				}
				rows[i-1] = append(rows[i-1], p)
			}
		}
		side := vg.Length(k-1) * 2.4 * vg.Inch
		return savePlots(rows, side, side, format, path)
	}
	return fmt.Errorf("unknown figure %q", kind)
}

// forestPlot draws, for each quantity, its median (a dot), 50% interval (thick) and 90%
// interval (thin) from all chains' draws, one row each, top to bottom in the order given.
func forestPlot(names []string, all [][][]float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "medians, 50% and 90% intervals"
	p.X.Label.Text = "value"
	var ticks []plot.Tick
	n := len(names)
	for q, chains := range all {
		var pooled []float64
		for _, xs := range chains {
			pooled = append(pooled, finite(xs)...)
		}
		if len(pooled) == 0 {
			continue
		}
		slices.Sort(pooled)
		y := float64(n - q)
		ticks = append(ticks, plot.Tick{Value: y, Label: summary.StanName(names[q])})
		for _, iv := range []struct {
			p     float64
			width vg.Length
		}{{0.05, 1}, {0.25, 3.5}} {
			l, err := plotter.NewLine(plotter.XYs{{X: diagnostics.Quantile(pooled, iv.p), Y: y}, {X: diagnostics.Quantile(pooled, 1-iv.p), Y: y}})
			if err != nil {
				return nil, err
			}
			l.Width = vg.Points(float64(iv.width))
			l.Color = color.RGBA{30, 80, 160, 255}
			p.Add(l)
		}
		s, err := plotter.NewScatter(plotter.XYs{{X: diagnostics.Quantile(pooled, 0.5), Y: y}})
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		s.GlyphStyle.Radius = vg.Points(3)
		s.GlyphStyle.Color = color.Black
		p.Add(s)
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = 0.5, float64(n)+0.5
	return p, nil
}

// energyPlot is Betancourt's (2016) energy diagnostic, as bayesplot's mcmc_nuts_energy: the
// histogram of the energy (centred per chain) against that of its changes between iterations.
// When the changes' histogram is much narrower, momentum resampling cannot move the chain
// through the energy levels (low E-BFMI, which the title gives per chain).
func energyPlot(energy [][]float64) (*plot.Plot, error) {
	p := plot.New()
	var centred, diffs []float64
	var bfmi []string
	for _, e := range energy {
		e = finite(e)
		if len(e) < 3 {
			continue
		}
		m := 0.0
		for _, v := range e {
			m += v
		}
		m /= float64(len(e))
		for i, v := range e {
			centred = append(centred, v-m)
			if i > 0 {
				diffs = append(diffs, v-e[i-1])
			}
		}
		bfmi = append(bfmi, fmt.Sprintf("%.2f", diagnostics.EBFMI(e)))
	}
	p.Title.Text = "energy: E-BFMI by chain " + strings.Join(bfmi, ", ")
	p.X.Label.Text = "energy − its chain's mean, and its change between iterations"
	p.Y.Label.Text = "density"
	if len(centred) == 0 {
		return p, nil
	}
	top := 0.0
	for i, xs := range [][]float64{centred, diffs} {
		h, err := plotter.NewHist(plotter.Values(xs), 30)
		if err != nil {
			return nil, err
		}
		h.Normalize(1)
		if i == 0 {
			h.FillColor = color.NRGBA{R: 70, G: 110, B: 190, A: 140}
			p.Legend.Add("energy − mean", h)
		} else {
			h.FillColor = color.NRGBA{R: 220, G: 110, B: 60, A: 140}
			p.Legend.Add("change between iterations", h)
		}
		h.LineStyle.Width = vg.Points(0.5)
		p.Add(h)
		for _, b := range h.Bins {
			top = math.Max(top, b.Weight)
		}
	}
	// Headroom above the bars for the legend.
	p.Y.Min, p.Y.Max = 0, 1.4*top
	p.Legend.Top = true
	return p, nil
}

// pairPanel scatters the draws of y against x, the divergent transitions in red on top, where a
// funnel or a ridge shows where the sampler failed.
func pairPanel(xName, yName string, xs, ys, divergent [][]float64) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = summary.StanName(xName)
	p.Y.Label.Text = summary.StanName(yName)
	var ok, bad plotter.XYs
	for ch := range xs {
		for it := range xs[ch] {
			pt := plotter.XY{X: xs[ch][it], Y: ys[ch][it]}
			if math.IsNaN(pt.X) || math.IsNaN(pt.Y) || math.IsInf(pt.X, 0) || math.IsInf(pt.Y, 0) {
				continue
			}
			if divergent != nil && divergent[ch][it] == 1 {
				bad = append(bad, pt)
			} else {
				ok = append(ok, pt)
			}
		}
	}
	for i, pts := range []plotter.XYs{ok, bad} {
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		s.GlyphStyle.Radius = vg.Points(1)
		s.GlyphStyle.Color = color.NRGBA{R: 40, G: 40, B: 40, A: 90}
		if i == 1 {
			s.GlyphStyle.Radius = vg.Points(1.8)
			s.GlyphStyle.Color = color.RGBA{220, 20, 20, 255}
		}
		p.Add(s)
	}
	return p, nil
}

// cleanTicks are gonum's default tick positions labelled in the shortest form (25, not 25.00).
type cleanTicks struct{}

func (cleanTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 6, 64)
		}
	}
	return ts
}

// tidy gives a panel's axes cleanTicks.
func tidy(p *plot.Plot) *plot.Plot {
	p.X.Tick.Marker, p.Y.Tick.Marker = cleanTicks{}, cleanTicks{}
	return p
}

// ppcFigure is the posterior predictive check of --ppc NAME=COLUMN, as bayesplot's
// ppc_dens_overlay: the densities of 50 replicated data sets (draws of the generated vector
// NAME, spread evenly over all chains' draws) in light blue, and the density of the observed
// COLUMN of --data in black. Observed data unlike the replicates are what the model misses.
func ppcFigure(req Request, files []*cmdstan.File, format, path string) error {
	draws := len(files[0].Draws)
	name, column, ok := strings.Cut(req.PPC, "=")
	if !ok || name == "" || column == "" {
		return inputError(fmt.Errorf("--ppc takes NAME=COLUMN, a generated vector and the data column it replicates (e.g. y_rep=log_radon), got %q", req.PPC))
	}
	if req.Data == "" {
		return inputError(fmt.Errorf("--ppc %s needs --data, the data file the run used, for the observed %s", req.PPC, column))
	}
	tab, err := dataset.Read(req.Data)
	if err != nil {
		return inputError(err)
	}
	observed, err := tab.Column(column)
	if err != nil {
		return inputError(err)
	}
	var cols []int
	for j, col := range files[0].Columns {
		if strings.HasPrefix(col, name+".") {
			cols = append(cols, j)
		}
	}
	if len(cols) == 0 {
		return inputError(fmt.Errorf("--ppc: the chains have no generated vector %s (columns %s.1, %s.2, …)", name, name, name))
	}
	if len(cols) != len(observed) {
		return inputError(fmt.Errorf("--ppc: %s has %d elements but %s of %s has %d rows; name the column %s replicates", name, len(cols), column, req.Data, len(observed), name))
	}
	total := len(files) * draws
	reps := min(50, total)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("posterior predictive check: %s (%d draws) against the observed %s", name, reps, column)
	p.X.Label.Text = column
	p.Y.Label.Text = "density"
	h := diagnostics.Bandwidth(finite(observed))
	lo, hi := slices.Min(observed)-3*h, slices.Max(observed)+3*h
	const points = 256
	at := make([]float64, points)
	for k := range at {
		at[k] = lo + (hi-lo)*float64(k)/(points-1)
	}
	top := 0.0
	line := func(xs []float64) (*plotter.Line, error) {
		ys := diagnostics.KDE(xs, diagnostics.Bandwidth(xs), at)
		top = math.Max(top, slices.Max(ys))
		xy := make(plotter.XYs, points)
		for k := range at {
			xy[k] = plotter.XY{X: at[k], Y: ys[k]}
		}
		return plotter.NewLine(xy)
	}
	var rep *plotter.Line
	for r := range reps {
		d := r * total / reps // evenly over chain-major draws
		f := files[d/draws]
		row := f.Draws[d%draws]
		xs := make([]float64, len(cols))
		for i, j := range cols {
			xs[i] = row[j]
		}
		if xs = finite(xs); len(xs) < 2 {
			continue
		}
		l, err := line(xs)
		if err != nil {
			return err
		}
		l.Color = color.NRGBA{R: 90, G: 140, B: 210, A: 110}
		l.Width = vg.Points(0.6)
		p.Add(l)
		rep = l
	}
	obs, err := line(finite(observed))
	if err != nil {
		return err
	}
	obs.Color = color.Black
	obs.Width = vg.Points(2)
	p.Add(obs)
	p.Legend.Top = true
	p.Legend.Add("observed "+column, obs)
	if rep != nil {
		p.Legend.Add("replicated "+name, rep)
	}
	p.Y.Min, p.Y.Max = 0, 1.25*top // headroom for the legend
	return savePlots([][]*plot.Plot{{tidy(p)}}, 7*vg.Inch, 4.5*vg.Inch, format, path)
}
