package cmdstan

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"
)

// ChainFile matches the names of the chain CSVs hmcc run writes, output_<chain>.csv.
var ChainFile = regexp.MustCompile(`^output_([0-9]+)\.csv$`)

// metricFile is CmdStan's metric file (JSON): the inverse metric, and, as CmdStan's save_metric
// writes it, the step size and the metric's kind.
type metricFile struct {
	StepSize   *float64        `json:"stepsize,omitempty"`
	MetricType string          `json:"metric_type,omitempty"`
	InvMetric  json.RawMessage `json:"inv_metric"`
}

// ReadMetricFile reads an inverse metric from a CmdStan metric file: a diagonal one (a vector of
// dim numbers) or a dense one (a dim×dim symmetric matrix, returned row-major, dim² numbers), and
// its "stepsize" entry when it has one (as hmcc run --save-metric and CmdStan's save_metric
// write it; 0 when absent).
func ReadMetricFile(path string, dim int) (invMetric []float64, stepSize float64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	return ParseMetricFile(path, b, dim)
}

// ParseMetricFile is ReadMetricFile of the file's content b, already read (path names it in
// messages).
func ParseMetricFile(path string, b []byte, dim int) (invMetric []float64, stepSize float64, err error) {
	var f metricFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, 0, fmt.Errorf("%s: not a CmdStan metric file (JSON with \"inv_metric\"): %v", path, err)
	}
	if f.InvMetric == nil {
		return nil, 0, fmt.Errorf("%s: no \"inv_metric\" entry; a CmdStan metric file is {\"inv_metric\": [v1, v2, …]}", path)
	}
	var diag []float64
	if err := json.Unmarshal(f.InvMetric, &diag); err != nil {
		var dense [][]float64
		if json.Unmarshal(f.InvMetric, &dense) == nil {
			return readDenseMetric(path, dense, dim, f.StepSize)
		}
		return nil, 0, fmt.Errorf("%s: \"inv_metric\" must be a vector of %d numbers (a diagonal metric) or a %d×%d matrix (a dense one): %v", path, dim, dim, dim, err)
	}
	if len(diag) != dim {
		return nil, 0, fmt.Errorf("%s: \"inv_metric\" has %d elements; the model has %d unconstrained coordinates (`hmcc logdensity --json` lists them)", path, len(diag), dim)
	}
	for i, v := range diag {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("%s: \"inv_metric\" element %d is %v; every element must be a positive finite number", path, i+1, v)
		}
	}
	stepSize, err = metricStepSize(path, f.StepSize)
	return diag, stepSize, err
}

// readDenseMetric checks a dense inverse metric's shape, symmetry and positive definiteness (a
// covariance), and flattens it.
func readDenseMetric(path string, rows [][]float64, dim int, stepSize *float64) ([]float64, float64, error) {
	if len(rows) != dim {
		return nil, 0, fmt.Errorf("%s: \"inv_metric\" is a matrix of %d rows; the model has %d unconstrained coordinates (`hmcc logdensity --json` lists them)", path, len(rows), dim)
	}
	flat := make([]float64, 0, dim*dim)
	for i, row := range rows {
		if len(row) != dim {
			return nil, 0, fmt.Errorf("%s: row %d of \"inv_metric\" has %d numbers; a dense metric is %d×%d", path, i+1, len(row), dim, dim)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) || i == j && !(v > 0) {
				return nil, 0, fmt.Errorf("%s: \"inv_metric\" element [%d, %d] is %v; elements must be finite and the diagonal positive", path, i+1, j+1, v)
			}
		}
		flat = append(flat, row...)
	}
	for i := 0; i < dim; i++ {
		for j := 0; j < i; j++ {
			a, b := flat[i*dim+j], flat[j*dim+i]
			if math.Abs(a-b) > 1e-8*math.Max(math.Abs(a), math.Abs(b)) {
				return nil, 0, fmt.Errorf("%s: \"inv_metric\" is not symmetric: element [%d, %d] is %v but [%d, %d] is %v", path, i+1, j+1, a, j+1, i+1, b)
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(dim, append([]float64(nil), flat...))) {
		return nil, 0, fmt.Errorf("%s: \"inv_metric\" is not positive definite, so it is not a covariance matrix", path)
	}
	eps, err := metricStepSize(path, stepSize)
	return flat, eps, err
}

// metricStepSize is a metric file's step size, 0 when it has none.
func metricStepSize(path string, v *float64) (float64, error) {
	if v == nil {
		return 0, nil
	}
	if !(*v > 0) || math.IsInf(*v, 0) {
		return 0, fmt.Errorf("%s: \"stepsize\" is %v; it must be a positive finite number", path, *v)
	}
	return *v, nil
}

// WriteMetricFile writes one chain's adapted tuning as CmdStan's save_metric does: invMetric is
// dim numbers (a diagonal metric, "diag_e") or dim² row-major (a dense one, "dense_e", written
// as the matrix).
func WriteMetricFile(path string, stepSize float64, invMetric []float64, dim int) error {
	var v any = invMetric
	kind := "diag_e"
	if len(invMetric) == dim*dim && dim > 1 { // a dense metric: CmdStan writes the matrix
		rows := make([][]float64, dim)
		for i := range rows {
			rows[i] = invMetric[i*dim : (i+1)*dim]
		}
		v, kind = rows, "dense_e"
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(metricFile{StepSize: &stepSize, MetricType: kind, InvMetric: raw}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ChainFiles lists a fit's chain CSVs: output_*.csv in chain order, or else every CSV but
// summary.csv.
func ChainFiles(dir string) ([]string, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "output_*.csv"))
	if len(paths) == 0 {
		all, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		for _, p := range all {
			if filepath.Base(p) != "summary.csv" {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s has no chain CSVs (output_*.csv); give the --output-dir of a finished hmcc run", dir)
	}
	sort.Slice(paths, func(i, j int) bool { // output_2 before output_10
		if len(paths[i]) != len(paths[j]) {
			return len(paths[i]) < len(paths[j])
		}
		return paths[i] < paths[j]
	})
	return paths, nil
}

// DescribeFiles names a few of the files, "output_1.csv … output_8.csv, summary.csv".
func DescribeFiles(paths []string) string {
	var chains, rest []string
	for _, p := range paths {
		rel := p
		if b := filepath.Base(filepath.Dir(p)); b == "plots" {
			rel = "plots/" + filepath.Base(p)
		} else {
			rel = filepath.Base(p)
		}
		if ChainFile.MatchString(rel) {
			chains = append(chains, rel)
		} else {
			rest = append(rest, rel)
		}
	}
	number := func(name string) int {
		n, _ := strconv.Atoi(ChainFile.FindStringSubmatch(name)[1])
		return n
	}
	slices.SortFunc(chains, func(a, b string) int { return number(a) - number(b) })
	var parts []string
	switch len(chains) {
	case 0:
	case 1, 2:
		parts = append(parts, chains...)
	default:
		parts = append(parts, chains[0]+" … "+chains[len(chains)-1])
	}
	if len(rest) > 3 {
		rest = append(rest[:3], fmt.Sprintf("%d more", len(rest)-3))
	}
	return strings.Join(append(parts, rest...), ", ")
}

// NewRunID names a run: its start time and 32 random bits, e.g. 20261201T095741Z-3f9a1c2b.
func NewRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
