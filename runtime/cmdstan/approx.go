package cmdstan

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ApproxHeader is what the comment block of an optimize, laplace or pathfinder CSV says, in
// CmdStan's layout.
type ApproxHeader struct {
	Model   string   // model file (its base name is written)
	Data    []string // data files
	Version string   // hmcc's
	Seed    uint64
	LPNote  string   // hmcc_lp: stan_convention or fully_normalised
	Method  string   // optimize, laplace or pathfinder
	Lines   []string // the method's own section, each line without its leading '#'
}

// WriteApprox writes an optimize, laplace or pathfinder CSV at path: the header, the columns
// lead then names, and per row its lead values then its values. Values are written with 9
// significant digits, as CmdStan's optimizer output.
func WriteApprox(path string, h ApproxHeader, lead, names []string, leadVals, vals [][]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# stan_version_major = 2")
	fmt.Fprintln(w, "# stan_version_minor = 33")
	fmt.Fprintln(w, "# stan_version_patch = 0")
	fmt.Fprintf(w, "# hmcc_version = %s\n", h.Version)
	fmt.Fprintf(w, "# model = %s\n", filepath.Base(h.Model))
	fmt.Fprintf(w, "# method = %s\n", h.Method)
	for _, l := range h.Lines {
		fmt.Fprintf(w, "#%s\n", l)
	}
	fmt.Fprintln(w, "# id = 1 (Default)")
	fmt.Fprintln(w, "# data")
	fmt.Fprintf(w, "#   file = %s\n", strings.Join(h.Data, ","))
	fmt.Fprintln(w, "# init = 2 (Default)")
	fmt.Fprintln(w, "# random")
	fmt.Fprintf(w, "#   seed = %d\n", h.Seed)
	fmt.Fprintln(w, "# output")
	fmt.Fprintf(w, "#   file = %s\n", path)
	fmt.Fprintf(w, "# hmcc_lp = %s\n", h.LPNote)
	fmt.Fprintln(w, strings.Join(append(append([]string(nil), lead...), names...), ","))
	for i, row := range vals {
		cells := make([]string, 0, len(lead)+len(row))
		for _, v := range leadVals[i] {
			cells = append(cells, approxCell(v))
		}
		for _, v := range row {
			cells = append(cells, approxCell(v))
		}
		fmt.Fprintln(w, strings.Join(cells, ","))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func approxCell(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', 9, 64)
}
