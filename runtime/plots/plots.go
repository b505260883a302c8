// Package plots draws hmcc plot's figures of a run read back from its chain CSVs, with gonum's
// plot package: per quantity a trace, rank, density and autocorrelation panel, and figures of
// the whole run (forest, pairs, energy, posterior predictive check). The statistics they show
// come from package diagnostics; this package lays them out and writes PNG or SVG files.
package plots

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// Request says what to draw and where; hmcc plot's flags fill it.
type Request struct {
	Dir   string   // the run's directory; the images go to Dir/plots unless Out says otherwise
	Vars  []string // quantities to plot; a vector's name picks its elements (default: the first 12)
	Out   string   // a directory for one image per quantity, or a .png or .svg file for one grid
	Kinds []string // panels and figures, from Kinds and RunKinds
	PPC   string   // NAME=COLUMN: the generated vector NAME against COLUMN of Data ("" for none)
	Data  string   // the data file the run used, for PPC
}

// Kinds are the panels drawn per quantity, each a row of the image, in the order drawn whatever
// order a request names them in.
var Kinds = []string{"trace", "rank", "density", "autocorr"}

// RunKinds are the figures of the whole run rather than of one quantity.
var RunKinds = []string{"forest", "pairs", "energy"}

// An InputError is a problem with the request or with what it asks of the files (hmcc exits 2),
// as opposed to a failure inside the plotting library.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

func inputError(err error) error { return InputError{err} }

// IsInputError tells whether err is (or wraps) an InputError.
func IsInputError(err error) bool {
	var in InputError
	return errors.As(err, &in)
}

// plotCap bounds the default selection: a model with hundreds of coefficients would otherwise
// write hundreds of images nobody asked for.
const plotCap = 12

// gridPage is the most quantities one grid image holds; more go to further pages.
const gridPage = 6

// Draw draws, for each selected quantity of the chain files (in chain order, paths their
// names), the panels req.Kinds names, then the figures of the whole run, and returns the files
// it wrote and a note on the quantities left out by default. format and single are what Target
// made of --out and --format.
func Draw(req Request, format string, single bool, paths []string, files []*cmdstan.File) (written []string, note string, err error) {
	cols := files[0].Columns
	pick := cols
	// hmcc run --log-lik's columns come last; by default they are left out, as the summary
	// leaves them out (--vars log_lik draws them).
	if n, err := strconv.Atoi(files[0].Config["hmcc_log_lik"]); err == nil && n > 0 && n < len(cols) && len(req.Vars) == 0 {
		pick = cols[:len(cols)-n]
	}
	names, note, err := selectQuantities(pick, req.Vars)
	if err != nil {
		return nil, "", err
	}
	var kinds []string
	for _, k := range Kinds {
		if slices.Contains(req.Kinds, k) {
			kinds = append(kinds, k)
		}
	}
	labels := make([]string, len(paths))
	for i, p := range paths {
		n := cmdstan.ChainNumber(p)
		if n == 0 {
			n = i + 1
		}
		labels[i] = fmt.Sprintf("chain %d", n)
	}
	out := req.Out
	if out == "" {
		out = filepath.Join(req.Dir, "plots")
	}
	bounds := parseBounds(files[0].Config["hmcc_bounds"])
	grid := make([][]*plot.Plot, len(names))
	all := make([][][]float64, len(names))
	for q, name := range names {
		chains := column(files, name)
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
				return nil, "", fmt.Errorf("plotting %s: %w", name, err)
			}
			grid[q] = append(grid[q], tidy(p))
		}
	}
	if len(kinds) == 0 {
		// Only figures of the whole run.
	} else if single {
		// One row per quantity, one column per kind of panel, at most gridPage rows an image:
		// all.png, or all-1.png, all-2.png, … when there are more.
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, "", inputError(fmt.Errorf("cannot write the plots: %w", err))
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
				return nil, "", err
			}
			written = append(written, path)
		}
	} else {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, "", inputError(fmt.Errorf("cannot write the plots: %w", err))
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
				return nil, "", err
			}
			written = append(written, path)
		}
	}
	for _, k := range RunKinds {
		if !slices.Contains(req.Kinds, k) {
			continue
		}
		path := filepath.Join(out, k+"."+format)
		if single {
			path = strings.TrimSuffix(out, filepath.Ext(out)) + "-" + k + filepath.Ext(out)
		} else if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, "", inputError(fmt.Errorf("cannot write the plots: %w", err))
		}
		if err := runFigure(req, k, files, names, all, format, path); err != nil {
			return nil, "", err
		}
		written = append(written, path)
	}
	if req.PPC != "" {
		path := filepath.Join(out, "ppc."+format)
		if single {
			path = strings.TrimSuffix(out, filepath.Ext(out)) + "-ppc" + filepath.Ext(out)
		} else if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, "", inputError(fmt.Errorf("cannot write the plots: %w", err))
		}
		if err := ppcFigure(req, files, format, path); err != nil {
			return nil, "", err
		}
		written = append(written, path)
	}
	return written, note, nil
}

// Target decides from --out and --format whether one grid file or a directory of images is
// wanted, and in which format. A directory may have a dot in its name, so only an image
// extension makes --out a file.
func Target(out, format string) (string, bool, error) {
	if format != "" && format != "png" && format != "svg" {
		return "", false, inputError(fmt.Errorf("--format must be png or svg, got %q", format))
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(out), "."))
	if info, err := os.Stat(out); out == "" || (err == nil && info.IsDir()) {
		ext = ""
	}
	switch ext {
	case "png", "svg":
		if format != "" && format != ext {
			return "", false, inputError(fmt.Errorf("--out %s is a .%s file but --format is %s; drop one of them", out, ext, format))
		}
		return ext, true, nil
	case "pdf", "eps", "jpg", "jpeg", "tif", "tiff", "gif":
		return "", false, inputError(fmt.Errorf("--out %s: hmcc plot writes png or svg", out))
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
		if !summary.IsSamplerColumn(c) {
			model = append(model, c)
		}
	}
	if len(vars) == 0 {
		if len(model) == 0 {
			return nil, "", inputError(fmt.Errorf("the chains have only sampler columns; pick one with --vars, e.g. --vars lp__"))
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
			return nil, "", inputError(unknownQuantity(v, cols, model))
		}
	}
	if len(names) == 0 {
		return nil, "", inputError(fmt.Errorf("--vars names no quantity"))
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
		v, strings.Join(bases, ", "), strings.Join(slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return !summary.IsSamplerColumn(c) }), ", "))
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
		return inputError(fmt.Errorf("cannot write the plots: %w", err))
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return inputError(fmt.Errorf("cannot write the plots: %w", err))
	}
	if err := f.Close(); err != nil {
		return inputError(fmt.Errorf("cannot write the plots: %w", err))
	}
	return nil
}

// panelTitle names a quantity as Stan does, with its R-hat and bulk-ESS, so that every panel
// says whether its chains agree.
func panelTitle(name string, chains [][]float64) string {
	s := diagnostics.Summarize(chains)
	return fmt.Sprintf("%s (R-hat %.3f, ESS %.0f)", summary.StanName(name), s.Rhat, s.EssBulk)
}

// supports maps a parameter's name to its support, from the header's hmcc_bounds.
type supports map[string][2]float64

func parseBounds(s string) supports {
	out := supports{}
	for _, part := range strings.Split(s, ";") {
		f := strings.Split(part, ":")
		if len(f) != 3 {
			continue
		}
		lo, err1 := strconv.ParseFloat(f[1], 64)
		hi, err2 := strconv.ParseFloat(f[2], 64)
		if err1 == nil && err2 == nil && lo < hi {
			out[f[0]] = [2]float64{lo, hi}
		}
	}
	return out
}

// of returns the support of a column (theta.3 is theta's), the real line when unknown.
func (s supports) of(column string) (float64, float64) {
	base, _, _ := strings.Cut(column, ".")
	if b, ok := s[base]; ok {
		return b[0], b[1]
	}
	return math.Inf(-1), math.Inf(1)
}

// column returns every chain's draws of one CSV column (nil when there is no such column).
func column(files []*cmdstan.File, name string) [][]float64 {
	j := slices.Index(files[0].Columns, name)
	if j < 0 {
		return nil
	}
	chains := make([][]float64, len(files))
	for ch, f := range files {
		chains[ch] = make([]float64, len(f.Draws))
		for it, row := range f.Draws {
			chains[ch][it] = row[j]
		}
	}
	return chains
}
