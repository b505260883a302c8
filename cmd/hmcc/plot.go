package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

type plotCmd struct {
	Dir    string   `arg:"" help:"Directory with one CmdStan CSV per chain (hmcc's output_N.csv, or CmdStan's own)." type:"existingdir"`
	Vars   []string `help:"Quantities to plot, comma-separated; a name such as theta picks theta.1, theta.2, … (default: the first 12 model quantities)." placeholder:"NAME,..."`
	Out    string   `help:"A directory for one image per quantity (default DIR/plots), or a .png or .svg file for one grid of them all." placeholder:"FILE_OR_DIR"`
	Format string   `help:"png or svg (default: the extension of --out, else png)."`
	PPC    string   `name:"ppc" help:"Posterior predictive check: NAME=COLUMN overlays the density of COLUMN of --data (the observed data) on those of 50 draws of the generated vector NAME (e.g. y_rep=log_radon); written as ppc.png." placeholder:"NAME=COLUMN"`
	Data   string   `help:"The data file the run used, for --ppc." type:"existingfile"`
	Kind   []string `help:"Panels to draw, comma-separated: per quantity trace, rank, density (inside the parameter's support) and autocorr (each chain's autocorrelation), each a row of the image; and figures of the whole run: forest (medians with 50% and 90% intervals), pairs (scatter plots of the quantities, divergent transitions in red) and energy (E-BFMI: the energy's and its changes' distributions)." enum:"trace,rank,density,autocorr,forest,pairs,energy" default:"trace,rank,density"`
}

// plotCap bounds the default selection: a model with hundreds of coefficients would otherwise
// write hundreds of images nobody asked for.
const plotCap = 12

// The panels in the order they are drawn, whatever order --kind names them in.
var plotKinds = []string{"trace", "rank", "density", "autocorr"}

// runKinds are the figures of the whole run rather than of one quantity.
var runKinds = []string{"forest", "pairs", "energy"}

// gridPage is the most quantities one grid image holds; more go to further pages.
const gridPage = 6

// Run draws, for each selected quantity, the trace, rank and density plots of its draws from
// every chain, and prints the files it wrote.
func (c *plotCmd) Run(e *env) error {
	format, single, err := plotTarget(c.Out, c.Format)
	if err != nil {
		return err
	}
	set, err := readChainDir(c.Dir)
	if err != nil {
		return err
	}
	if set.draws == 0 {
		return userError{fmt.Errorf("%s: the chains hold no draws to plot", c.Dir)}
	}
	cols := set.files[0].Columns
	pick := cols
	// hmcc run --log-lik's columns come last; by default they are left out, as the summary
	// leaves them out (--vars log_lik draws them).
	if n, err := strconv.Atoi(set.files[0].Config["hmcc_log_lik"]); err == nil && n > 0 && n < len(cols) && len(c.Vars) == 0 {
		pick = cols[:len(cols)-n]
	}
	names, note, err := selectQuantities(pick, c.Vars)
	if err != nil {
		return err
	}
	var kinds []string
	for _, k := range plotKinds {
		if slices.Contains(c.Kind, k) {
			kinds = append(kinds, k)
		}
	}
	labels := make([]string, len(set.paths))
	for i, p := range set.paths {
		n := chainIndex(p)
		if n == 0 {
			n = i + 1
		}
		labels[i] = fmt.Sprintf("chain %d", n)
	}
	out := c.Out
	if out == "" {
		out = filepath.Join(c.Dir, "plots")
	}
	bounds := parseBounds(set.files[0].Config["hmcc_bounds"])
	grid := make([][]*plot.Plot, len(names))
	all := make([][][]float64, len(names))
	for q, name := range names {
		chains := set.column(name)
		all[q] = chains
		title := panelTitle(name, chains)
		lo, hi := bounds.of(name)
		for _, k := range kinds {
			var p *plot.Plot
			switch k {
			case "trace":
				p, err = tracePlot(title, name, chains)
			case "rank":
				p, err = rankPlot(title, chains)
			case "density":
				p, err = densityPlot(title, name, chains, labels, lo, hi)
			case "autocorr":
				p, err = autocorrPlot(title, chains)
			}
			if err != nil {
				return fmt.Errorf("plotting %s: %w", name, err)
			}
			grid[q] = append(grid[q], tidy(p))
		}
	}
	var written []string
	if len(kinds) == 0 {
		// Only figures of the whole run.
	} else if single {
		// One row per quantity, one column per kind of panel, at most gridPage rows an image:
		// all.png, or all-1.png, all-2.png, … when there are more.
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return userError{fmt.Errorf("cannot write the plots: %w", err)}
		}
		pages := (len(names) + gridPage - 1) / gridPage
		for pg := range pages {
			rows := grid[pg*gridPage : min(len(grid), (pg+1)*gridPage)]
			path := out
			if pages > 1 {
				path = strings.TrimSuffix(out, filepath.Ext(out)) + fmt.Sprintf("-%d", pg+1) + filepath.Ext(out)
			}
			w := vg.Length(len(kinds)) * 3.5 * vg.Inch
			h := vg.Length(len(rows)) * 2.5 * vg.Inch
			if err := savePlots(rows, w, h, format, path); err != nil {
				return err
			}
			written = append(written, path)
		}
	} else {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return userError{fmt.Errorf("cannot write the plots: %w", err)}
		}
		used := map[string]bool{}
		for q, name := range names {
			// One column, the panels stacked so that trace, ranks and density share a width.
			column := make([][]*plot.Plot, len(grid[q]))
			for k, p := range grid[q] {
				column[k] = []*plot.Plot{p}
			}
			path := filepath.Join(out, plotFileName(name, used)+"."+format)
			if err := savePlots(column, 7*vg.Inch, vg.Length(len(kinds))*2.6*vg.Inch, format, path); err != nil {
				return err
			}
			written = append(written, path)
		}
	}
	for _, k := range runKinds {
		if !slices.Contains(c.Kind, k) {
			continue
		}
		path := filepath.Join(out, k+"."+format)
		if single {
			path = strings.TrimSuffix(out, filepath.Ext(out)) + "-" + k + filepath.Ext(out)
		} else if err := os.MkdirAll(out, 0o755); err != nil {
			return userError{fmt.Errorf("cannot write the plots: %w", err)}
		}
		if err := c.runFigure(k, set, names, all, format, path); err != nil {
			return err
		}
		written = append(written, path)
	}
	if c.PPC != "" {
		path := filepath.Join(out, "ppc."+format)
		if single {
			path = strings.TrimSuffix(out, filepath.Ext(out)) + "-ppc" + filepath.Ext(out)
		} else if err := os.MkdirAll(out, 0o755); err != nil {
			return userError{fmt.Errorf("cannot write the plots: %w", err)}
		}
		if err := c.ppcFigure(set, format, path); err != nil {
			return err
		}
		written = append(written, path)
	}
	for _, p := range written {
		fmt.Fprintln(e.stdout, "wrote", p)
	}
	if note != "" {
		fmt.Fprintln(e.stdout, note)
	}
	return nil
}

// plotTarget decides from --out and --format whether one grid file or a directory of images is
// wanted, and in which format. A directory may have a dot in its name, so only an image
// extension makes --out a file.
func plotTarget(out, format string) (string, bool, error) {
	if format != "" && format != "png" && format != "svg" {
		return "", false, userError{fmt.Errorf("--format must be png or svg, got %q", format)}
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(out), "."))
	if info, err := os.Stat(out); out == "" || (err == nil && info.IsDir()) {
		ext = ""
	}
	switch ext {
	case "png", "svg":
		if format != "" && format != ext {
			return "", false, userError{fmt.Errorf("--out %s is a .%s file but --format is %s; drop one of them", out, ext, format)}
		}
		return ext, true, nil
	case "pdf", "eps", "jpg", "jpeg", "tif", "tiff", "gif":
		return "", false, userError{fmt.Errorf("--out %s: hmcc plot writes png or svg", out)}
	}
	if format == "" {
		format = "png"
	}
	return format, false, nil
}

// selectQuantities turns --vars into column names. With no --vars it takes every column but the
// sampler's (names ending in __), at most plotCap of them, and returns a note saying how to see
// the rest. A name that is not a column but prefixes some (theta for theta.1, theta.2, …) picks
// them all, since that is how a vector is named in the model.
func selectQuantities(cols, vars []string) ([]string, string, error) {
	var model []string
	for _, c := range cols {
		if !isSamplerColumn(c) {
			model = append(model, c)
		}
	}
	if len(vars) == 0 {
		if len(model) == 0 {
			return nil, "", userError{fmt.Errorf("the chains have only sampler columns; pick one with --vars, e.g. --vars lp__")}
		}
		if len(model) <= plotCap {
			return model, "", nil
		}
		rest := model[plotCap:]
		example := strings.Join(rest[:min(2, len(rest))], ",")
		note := fmt.Sprintf("note: plotted the first %d of %d quantities; pick others with --vars, e.g. --vars %s", plotCap, len(model), example)
		if base, _, ok := strings.Cut(rest[0], "."); ok {
			note += fmt.Sprintf(" (--vars %s takes every %s.N)", base, base)
		}
		return model[:plotCap], note, nil
	}
	var names []string
	add := func(n string) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, v := range vars {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if slices.Contains(cols, v) {
			add(v)
			continue
		}
		found := false
		for _, c := range cols {
			if strings.HasPrefix(c, v+".") {
				add(c)
				found = true
			}
		}
		if !found {
			return nil, "", userError{unknownQuantity(v, cols, model)}
		}
	}
	if len(names) == 0 {
		return nil, "", userError{fmt.Errorf("--vars names no quantity")}
	}
	return names, "", nil
}

func unknownQuantity(v string, cols, model []string) error {
	// Candidates are the columns and the vector names they come from, so that "thetta" finds theta.
	var bases []string
	for _, c := range model {
		if b, _, _ := strings.Cut(c, "."); !slices.Contains(bases, b) {
			bases = append(bases, b)
		}
	}
	if s := diag.Suggest(v, append(append([]string{}, bases...), cols...)); s != "" {
		return fmt.Errorf("--vars: no quantity %q; did you mean %q?", v, s)
	}
	return fmt.Errorf("--vars: no quantity %q; the chains hold %s and the sampler columns %s",
		v, strings.Join(bases, ", "), strings.Join(slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return !isSamplerColumn(c) }), ", "))
}

// plotFileName makes a file name from a quantity's name, keeping it unique among those used.
func plotFileName(name string, used map[string]bool) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	base, s := string(b), string(b)
	for i := 2; used[s]; i++ {
		s = fmt.Sprintf("%s_%d", base, i)
	}
	used[s] = true
	return s
}

func savePlots(rows [][]*plot.Plot, w, h vg.Length, format, path string) error {
	var c vg.CanvasWriterTo
	if format == "svg" {
		c = vgsvg.New(w, h)
	} else {
		c = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: len(rows[0]), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(rows, tiles, draw.New(c))
	for i, row := range rows {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return userError{fmt.Errorf("cannot write the plots: %w", err)}
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return userError{fmt.Errorf("cannot write the plots: %w", err)}
	}
	if err := f.Close(); err != nil {
		return userError{fmt.Errorf("cannot write the plots: %w", err)}
	}
	return nil
}

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

// ranks replaces every draw by its rank among the draws of all chains pooled, 1 for the
// smallest, ties given the mean of the ranks they span (Vehtari et al. 2021, section 4: the
// rank normalisation behind R-hat, and the rank plot of section 5).
func ranks(chains [][]float64) [][]float64 {
	type at struct {
		x      float64
		ch, it int
	}
	var pool []at
	for ch, xs := range chains {
		for it, x := range xs {
			pool = append(pool, at{x, ch, it})
		}
	}
	sort.SliceStable(pool, func(a, b int) bool { return pool[a].x < pool[b].x })
	out := make([][]float64, len(chains))
	for ch, xs := range chains {
		out[ch] = make([]float64, len(xs))
	}
	for i := 0; i < len(pool); {
		j := i
		for j+1 < len(pool) && pool[j+1].x == pool[i].x {
			j++
		}
		r := float64(i+j)/2 + 1 // mean of the ranks i+1 … j+1
		for k := i; k <= j; k++ {
			out[pool[k].ch][pool[k].it] = r
		}
		i = j + 1
	}
	return out
}

// rankCounts bins each chain's ranks (1 … total) into bins of equal width and counts them.
func rankCounts(r [][]float64, total, bins int) [][]float64 {
	out := make([][]float64, len(r))
	for ch, rs := range r {
		out[ch] = make([]float64, bins)
		for _, x := range rs {
			b := min(bins-1, int((x-1)*float64(bins)/float64(total)))
			out[ch][b]++
		}
	}
	return out
}

// rankBins is ArviZ's choice for plot_rank, Sturges' rule doubled: ⌈2·log₂ n⌉ + 1 for n draws
// per chain, enough bins to show a chain stuck in one tail, few enough that a uniform histogram
// looks flat.
func rankBins(n int) int {
	if n < 2 {
		return 1
	}
	return int(math.Ceil(2*math.Log2(float64(n)))) + 1
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
	bins := rankBins(longest)
	counts := rankCounts(ranks(fin), total, bins)
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

// bandwidth is Silverman's rule of thumb for a Gaussian kernel (Silverman 1986, eq. 3.31) as R's
// bw.nrd0 computes it, the default of density(): 0.9·min(sd, IQR/1.34)·n^(−1/5), the IQR keeping
// heavy tails from widening it. Where that spread is 0 it falls back, as R does, to the sd, then
// |x₁|, then 1, so that equal draws give a bump rather than a division by zero.
func bandwidth(xs []float64) float64 {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	sd := 0.0
	if len(xs) > 1 {
		sd = stat.StdDev(xs, nil)
	}
	lo := min(sd, (quantile7(sorted, 0.75)-quantile7(sorted, 0.25))/1.34)
	for _, fallback := range []float64{sd, math.Abs(xs[0]), 1} {
		if lo > 0 {
			break
		}
		lo = fallback
	}
	return 0.9 * lo * math.Pow(float64(len(xs)), -0.2)
}

// quantile7 is R's default quantile (type 7, linear between order statistics), which bw.nrd0's
// IQR uses; gonum's stat.Quantile offers other definitions.
func quantile7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	k := int(h)
	if k+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[k] + (h-float64(k))*(sorted[k+1]-sorted[k])
}

// kde is the Gaussian kernel density estimate of xs with bandwidth h at each point of at:
// (1/(n·h)) Σᵢ φ((x − xᵢ)/h).
func kde(xs []float64, h float64, at []float64) []float64 {
	out := make([]float64, len(at))
	c := 1 / (float64(len(xs)) * h * math.Sqrt(2*math.Pi))
	for k, x := range at {
		s := 0.0
		for _, xi := range xs {
			z := (x - xi) / h
			s += math.Exp(-0.5 * z * z)
		}
		out[k] = c * s
	}
	return out
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
	h := bandwidth(pooled)
	from, to := math.Max(lo, slices.Min(pooled)-3*h), math.Min(hi, slices.Max(pooled)+3*h)
	const points = 256
	at := make([]float64, points)
	for k := range at {
		at[k] = from + (to-from)*float64(k)/(points-1)
	}
	top := 0.0
	curve := func(xs []float64, hx float64) (*plotter.Line, error) {
		ys := reflectedKDE(xs, hx, at, lo, hi)
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
		l, err := curve(xs, bandwidth(xs))
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
