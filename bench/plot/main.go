// Command plot draws chain-gradients per second against the number of chains, one line per
// series, on log–log axes, from a tab-separated file of "series<TAB>chains<TAB>value" rows (the
// format bench/throughput.sh writes). A series whose rows all have chains = 0 is a reference
// level, such as Stan's gradients per second on all cores, and is drawn as a dashed horizontal
// line.
//
//	go run ./bench/plot -in bench/results/throughput.tsv -out docs/img/throughput.svg
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func main() {
	in := flag.String("in", "bench/results/throughput.tsv", "input TSV: series, chains, chain-gradients/s")
	out := flag.String("out", "docs/img/throughput.svg", "output image (.svg or .png)")
	title := flag.String("title", "German credit: chain-gradients per second", "plot title")
	flag.Parse()
	if err := run(*in, *out, *title); err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}

type point struct{ chains, value float64 }

func run(in, out, title string) error {
	series, order, err := read(in)
	if err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "chains in the batch"
	p.Y.Label.Text = "chain-gradients per second"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	// Bottom right, lifted clear of a reference line along the bottom: the curves rise to the right.
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.YOffs = vg.Points(36)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, name := range order {
		for _, pt := range series[name] {
			if pt.chains > 0 {
				lo, hi = math.Min(lo, pt.chains), math.Max(hi, pt.chains)
			}
		}
	}
	if math.IsInf(lo, 0) {
		return fmt.Errorf("%s has no rows with a chain count", in)
	}
	for i, name := range order {
		pts := series[name]
		xy := make(plotter.XYs, 0, len(pts))
		level := true
		for _, pt := range pts {
			level = level && pt.chains == 0
		}
		if level {
			xy = append(xy, plotter.XY{X: lo, Y: pts[0].value}, plotter.XY{X: hi, Y: pts[0].value})
		} else {
			for _, pt := range pts {
				xy = append(xy, plotter.XY{X: pt.chains, Y: pt.value})
			}
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		if level {
			line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			line.Color = color.Black
			p.Add(line)
			p.Legend.Add(name, line)
			continue
		}
		points.Shape = draw.CircleGlyph{}
		points.Color = line.Color
		p.Add(line, points)
		p.Legend.Add(name, line, points)
	}
	return p.Save(7*vg.Inch, 4.5*vg.Inch, out)
}

func read(path string) (map[string][]point, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	series := map[string][]point{}
	var order []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 3 {
			return nil, nil, fmt.Errorf("%s:%d: want series, chains and value separated by tabs", path, line)
		}
		c, err1 := strconv.ParseFloat(fields[1], 64)
		v, err2 := strconv.ParseFloat(fields[2], 64)
		if err1 != nil || err2 != nil || v <= 0 {
			return nil, nil, fmt.Errorf("%s:%d: chains and value must be numbers, the value positive", path, line)
		}
		if _, seen := series[fields[0]]; !seen {
			order = append(order, fields[0])
		}
		series[fields[0]] = append(series[fields[0]], point{c, v})
	}
	return series, order, sc.Err()
}
