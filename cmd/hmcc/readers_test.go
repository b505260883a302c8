package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Neither CmdStanPy nor ArviZ installs here (no Python packages on the test machines), so these
// tests transcribe, check for check, what their CmdStan CSV readers do with a file, and run
// hmcc's output for every sampler through them. The sources transcribed:
//   - CmdStanPy 1.2.x, cmdstanpy/stanfit/__init__.py from_csv, cmdstanpy/stanfit/mcmc.py
//     CmdStanMCMC._validate_csv_files and _assemble_draws, and cmdstanpy/utils/stancsv.py
//     check_sampler_csv, scan_config, scan_column_names, scan_warmup_iters, scan_hmc_params,
//     scan_sampling_iters, scan_time, munge_varname; and the newer parse_hmc_adaptation_lines.
//   - ArviZ 0.x, arviz/data/io_cmdstan.py _read_output_file, _process_configuration, _read_output.
// A failure names the Python exception the real reader would raise.

// pyValue converts a header value as scan_config does: int, else float, else the string.
func pyValue(raw string) any {
	if v, err := strconv.Atoi(raw); err == nil {
		return v
	}
	if v, err := strconv.ParseFloat(raw, 64); err == nil && !strings.ContainsAny(raw, "xX_") {
		return v
	}
	switch raw {
	case "true":
		return 1
	case "false":
		return 0
	}
	return raw
}

// cmdstanpyMeta is what check_sampler_csv returns for one file.
type cmdstanpyMeta struct {
	config                      map[string]any
	columns                     []string // munged, theta.1 → theta[1]
	drawsWarmup, drawsSampling  int
	divergences, maxTreedepth   int
	stepSize                    float64
	metric                      []float64
	warmupSec, samplingSec, tot float64
}

// cmdstanpyCheckSamplerCSV transcribes check_sampler_csv(path, iter_sampling, iter_warmup,
// save_warmup, thin) with the arguments from_csv passes: the first file's own config.
func cmdstanpyCheckSamplerCSV(path string, numSamples, numWarmup, thin int, saveWarmup bool) (*cmdstanpyMeta, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.SplitAfter(string(b), "\n")
	i := 0
	next := func() (string, bool) { // fd.readline().strip(); false at end of file
		if i >= len(lines) || lines[i] == "" {
			return "", false
		}
		l := lines[i]
		i++
		return strings.TrimSpace(l), true
	}
	peek := func() string {
		if i >= len(lines) {
			return ""
		}
		return strings.TrimSpace(lines[i])
	}
	meta := &cmdstanpyMeta{config: map[string]any{}}
	// scan_config
	for l := peek(); len(l) > 0 && strings.HasPrefix(l, "#"); l = peek() {
		next()
		if strings.HasSuffix(l, "(Default)") {
			l = strings.ReplaceAll(l, "(Default)", "")
		}
		l = strings.TrimLeft(l, " #\t")
		kv := strings.Split(l, "=")
		if len(kv) != 2 {
			continue
		}
		key := strings.TrimSpace(kv[0])
		if key == "file" {
			if !strings.HasSuffix(kv[1], "csv") {
				meta.config["data_file"] = strings.TrimSpace(kv[1])
			}
			continue
		}
		meta.config[key] = pyValue(strings.TrimSpace(kv[1]))
	}
	// scan_column_names
	header, _ := next()
	for _, name := range strings.Split(header, ",") {
		meta.columns = append(meta.columns, mungeVarname(name))
	}
	// scan_warmup_iters
	if _, ok := meta.config["save_warmup"]; ok {
		for l := peek(); len(l) > 0 && !strings.HasPrefix(l, "#"); l = peek() {
			next()
			meta.drawsWarmup++
		}
	}
	// scan_hmc_params
	metric, ok := meta.config["metric"]
	if !ok {
		return nil, fmt.Errorf("KeyError: 'metric'")
	}
	if l, _ := next(); l != "# Adaptation terminated" {
		return nil, fmt.Errorf("ValueError: expecting metric, found %q", l)
	}
	l, _ := next()
	parts := strings.Split(l, "=")
	if len(parts) != 2 {
		return nil, fmt.Errorf("ValueError: not enough/too many values to unpack in %q", l)
	}
	if !strings.HasPrefix(parts[0], "# Step size") {
		return nil, fmt.Errorf("ValueError: expecting step size, found %q", l)
	}
	if meta.stepSize, err = strconv.ParseFloat(strings.TrimSpace(parts[1]), 64); err != nil {
		return nil, fmt.Errorf("ValueError: invalid step size %q", parts[1])
	}
	l, _ = next()
	if !(metric == "diag_e" && l == "# Diagonal elements of inverse mass matrix:" || metric == "dense_e" && l == "# Elements of inverse mass matrix:") {
		return nil, fmt.Errorf("ValueError: invalid or missing mass matrix specification: %q", l)
	}
	raw, _ := next()
	nParams := len(strings.Split(strings.TrimLeft(raw, " #\t"), ","))
	for _, cell := range strings.Split(strings.TrimLeft(raw, " #\t"), ",") { // _assemble_draws
		v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
		if err != nil {
			return nil, fmt.Errorf("ValueError: could not convert string to float: %q", cell)
		}
		meta.metric = append(meta.metric, v)
	}
	if metric == "dense_e" {
		for k := 1; k < nParams; k++ {
			row, _ := next()
			if len(strings.Split(strings.TrimLeft(row, " #\t"), ",")) != nParams {
				return nil, fmt.Errorf("ValueError: invalid or missing mass matrix specification")
			}
		}
	}
	// scan_sampling_iters
	idx := func(name string) (int, error) {
		for j, c := range meta.columns {
			if c == name {
				return j, nil
			}
		}
		return 0, fmt.Errorf("ValueError: tuple.index(x): %s not in tuple", name)
	}
	iDiv, err := idx("divergent__")
	if err != nil {
		return nil, err
	}
	iDepth, err := idx("treedepth__")
	if err != nil {
		return nil, err
	}
	maxDepth, ok := meta.config["max_depth"]
	if !ok {
		return nil, fmt.Errorf("KeyError: 'max_depth'")
	}
	for l := peek(); len(l) > 0 && !strings.HasPrefix(l, "#"); l = peek() {
		next()
		meta.drawsSampling++
		data := strings.Split(l, ",")
		if len(data) != len(meta.columns) {
			return nil, fmt.Errorf("ValueError: bad draw, expecting %d items, found %d", len(meta.columns), len(data))
		}
		d, err1 := strconv.Atoi(data[iDiv])
		t, err2 := strconv.Atoi(data[iDepth])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("ValueError: invalid literal for int() in %q or %q", data[iDiv], data[iDepth])
		}
		meta.divergences += d
		if t == maxDepth {
			meta.maxTreedepth++
		}
		for _, cell := range data { // _assemble_draws: float(x)
			if _, err := strconv.ParseFloat(cell, 64); err != nil {
				return nil, fmt.Errorf("ValueError: could not convert string to float: %q", cell)
			}
		}
	}
	// scan_time
	have := map[string]bool{}
	for i < len(lines) && lines[i] != "" {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "#") {
			break
		}
		i++
		content := strings.TrimSpace(strings.TrimLeft(l, "#"))
		if content == "" {
			continue
		}
		tokens := strings.Fields(content)
		if len(tokens) < 3 {
			return nil, fmt.Errorf("ValueError: Invalid time: %q", content)
		}
		var key, s string
		switch {
		case strings.Contains(content, "Warm-up"):
			key, s = "warmup", tokens[2]
		case strings.Contains(content, "Sampling"):
			key, s = "sampling", tokens[0]
		case strings.Contains(content, "Total"):
			key, s = "total", tokens[0]
		default:
			return nil, fmt.Errorf("ValueError: Invalid time: %q", content)
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("ValueError: Invalid time: %q", content)
		}
		have[key] = true
		switch key {
		case "warmup":
			meta.warmupSec = v
		case "sampling":
			meta.samplingSec = v
		default:
			meta.tot = v
		}
	}
	if len(have) != 3 {
		return nil, fmt.Errorf("ValueError: Invalid time, found %v", have)
	}
	// check_sampler_csv
	if thin > 1 && meta.config["thin"] != thin {
		return nil, fmt.Errorf("ValueError: config error, expected thin = %d, found %v", thin, meta.config["thin"])
	}
	if want := (numSamples + thin - 1) / thin; meta.drawsSampling != want {
		return nil, fmt.Errorf("ValueError: expected %d draws, found %d", want, meta.drawsSampling)
	}
	if saveWarmup {
		if meta.config["save_warmup"] != 1 {
			return nil, fmt.Errorf("ValueError: config error, expected save_warmup = 1")
		}
		if want := (numWarmup + thin - 1) / thin; meta.drawsWarmup != want {
			return nil, fmt.Errorf("ValueError: expected %d warmup draws, found %d", want, meta.drawsWarmup)
		}
	}
	return meta, nil
}

func mungeVarname(name string) string {
	if !strings.ContainsAny(name, ".:") {
		return name
	}
	parts := strings.Split(name, ":")
	for i, p := range parts {
		if strings.Contains(p, ".") {
			p = strings.Replace(p, ".", "[", 1)
			parts[i] = strings.ReplaceAll(p, ".", ",") + "]"
		}
	}
	return strings.Join(parts, ".")
}

// cmdstanpyFromCSV transcribes cmdstanpy.from_csv(files) for method sample: the first file's
// config, check_sampler_csv on it and on every chain, and the cross-chain checks.
func cmdstanpyFromCSV(files []string) ([]*cmdstanpyMeta, error) {
	first, err := os.Open(files[0])
	if err != nil {
		return nil, err
	}
	config := map[string]any{}
	sc := bufio.NewScanner(first)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(l, "#") {
			break
		}
		l = strings.TrimLeft(strings.ReplaceAll(l, "(Default)", ""), " #\t")
		if kv := strings.Split(l, "="); len(kv) == 2 && strings.TrimSpace(kv[0]) != "file" {
			config[strings.TrimSpace(kv[0])] = pyValue(strings.TrimSpace(kv[1]))
		}
	}
	first.Close()
	for _, k := range []string{"model", "method", "num_samples", "num_warmup", "thin", "save_warmup"} {
		if _, ok := config[k]; !ok {
			return nil, fmt.Errorf("KeyError: %q (from_csv)", k)
		}
	}
	if config["method"] != "sample" {
		return nil, fmt.Errorf("from_csv: method %v", config["method"])
	}
	num, _ := config["num_samples"].(int)
	warm, _ := config["num_warmup"].(int)
	thin, _ := config["thin"].(int)
	save := config["save_warmup"] == 1
	var metas []*cmdstanpyMeta
	for _, f := range files {
		m, err := cmdstanpyCheckSamplerCSV(f, num, warm, thin, save)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if len(metas) > 0 {
			for _, k := range []string{"stan_version_major", "stan_version_minor", "stan_version_patch", "stanc_version", "model", "num_samples", "num_warmup", "save_warmup", "thin", "refresh"} {
				if fmt.Sprint(m.config[k]) != fmt.Sprint(metas[0].config[k]) {
					return nil, fmt.Errorf("ValueError: CmdStan config mismatch in %s: arg %s", f, k)
				}
			}
		}
		metas = append(metas, m)
	}
	return metas, nil
}

// cmdstanpyParseAdaptation transcribes the newer parse_hmc_adaptation_lines over a file's
// comment lines: the step size, and the metric's lines up to the timing block.
func cmdstanpyParseAdaptation(path string) (float64, [][]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	stepSize := math.NaN()
	var matrix [][]float64
	inMatrix := false
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			continue
		}
		line := strings.TrimLeft(l, "# ")
		switch {
		case inMatrix && strings.TrimSpace(line) != "":
			if strings.HasPrefix(line, "Elapsed Time") {
				return stepSize, matrix, nil
			}
			var row []float64
			for _, cell := range strings.Split(strings.TrimSpace(line), ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
				if err != nil {
					return 0, nil, fmt.Errorf("metric line %q: %v", line, err)
				}
				row = append(row, v)
			}
			matrix = append(matrix, row)
		case strings.HasPrefix(line, "Step size"):
			parts := strings.Split(line, " = ")
			if len(parts) != 2 {
				return 0, nil, fmt.Errorf("ValueError: step size line %q", line)
			}
			if stepSize, err = strconv.ParseFloat(strings.TrimSpace(parts[1]), 64); err != nil {
				return 0, nil, err
			}
		case strings.HasPrefix(line, "Diagonal") || strings.HasPrefix(line, "Elements"):
			inMatrix = true
		}
	}
	if math.IsNaN(stepSize) {
		return 0, nil, fmt.Errorf("ValueError: Unable to parse adapated step size")
	}
	return stepSize, matrix, nil
}

var (
	arvizInt   = regexp.MustCompile(`^(\S+)\s*=\s*([-+]?[0-9]+)$`)
	arvizFloat = regexp.MustCompile(`^(\S+)\s*=\s*([-+]?[0-9]+\.[0-9]+)$`)
	arvizStr   = regexp.MustCompile(`^(\S+)\s*=\s*(\S+)$`)
	arvizTrim  = regexp.MustCompile(`^\s*#\s*|\s*\(Default\)\s*$`)
	arvizTime  = regexp.MustCompile(`^Elapsed\s*Time:\s*|\s*seconds\s*\(Warm-up\)\s*|\s*seconds\s*\(Sampling\)\s*|\s*seconds\s*\(Total\)\s*`)
)

// arvizRead transcribes ArviZ's _read_output: the comments through _process_configuration, the
// rows split into warmup (save_warmup · num_warmup // thin of them) and draws.
func arvizRead(path string) (conf map[string]string, warmup, draws int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	var comments []string
	var columns []string
	rows := 0
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "#"):
			comments = append(comments, l)
		case columns == nil:
			columns = strings.Split(l, ",")
		case l != "":
			cells := strings.Split(l, ",")
			if len(cells) != len(columns) {
				return nil, 0, 0, fmt.Errorf("ValueError: inhomogeneous rows")
			}
			for _, c := range cells {
				if _, err := strconv.ParseFloat(c, 64); err != nil {
					return nil, 0, 0, fmt.Errorf("ValueError: could not convert %q to float", c)
				}
			}
			rows++
		}
	}
	conf = map[string]string{}
	for k := 0; k < len(comments); k++ {
		c := strings.TrimSpace(arvizTrim.ReplaceAllString(comments[k], ""))
		switch {
		case strings.HasPrefix(c, "stan_version_"):
			if len(strings.Split(c, "=")) != 2 {
				return nil, 0, 0, fmt.Errorf("ValueError: too many values to unpack: %q", c)
			}
		case strings.HasPrefix(c, "Step size"):
			kv := strings.Split(c, "=")
			if len(kv) != 2 {
				return nil, 0, 0, fmt.Errorf("ValueError: too many values to unpack: %q", c)
			}
			if _, err := strconv.ParseFloat(strings.TrimSpace(kv[1]), 64); err != nil {
				return nil, 0, 0, fmt.Errorf("ValueError: step size %q", c)
			}
		case strings.Contains(c, "inverse mass matrix"):
			if k+1 >= len(comments) {
				return nil, 0, 0, fmt.Errorf("StopIteration after %q", c)
			}
			k++
			for _, cell := range strings.Split(strings.TrimSpace(strings.TrimLeft(comments[k], "# ")), ",") {
				if _, err := strconv.ParseFloat(strings.TrimSpace(cell), 64); err != nil {
					return nil, 0, 0, fmt.Errorf("ValueError: inverse mass matrix %q", comments[k])
				}
			}
		case strings.Contains(c, "seconds") && (strings.Contains(c, "(Warm-up)") || strings.Contains(c, "(Sampling)") || strings.Contains(c, "(Total)")):
			if _, err := strconv.ParseFloat(arvizTime.ReplaceAllString(c, ""), 64); err != nil {
				return nil, 0, 0, fmt.Errorf("ValueError: time %q", c)
			}
		case strings.Contains(c, "="):
			if m := arvizInt.FindStringSubmatch(c); m != nil {
				conf[m[1]] = m[2]
			} else if m := arvizFloat.FindStringSubmatch(c); m != nil {
				conf[m[1]] = m[2]
			} else if m := arvizStr.FindStringSubmatch(c); m != nil {
				conf[m[1]] = m[2]
			}
		}
	}
	atoi := func(k, def string) int {
		v, ok := conf[k]
		if !ok {
			v = def
		}
		n, e := strconv.Atoi(v)
		if e != nil && err == nil {
			err = fmt.Errorf("ValueError: int(%q) for %s", v, k)
		}
		return n
	}
	warmup = atoi("save_warmup", "0") * atoi("num_warmup", "0") / atoi("thin", "1")
	if err != nil {
		return nil, 0, 0, err
	}
	return conf, warmup, rows - warmup, nil
}

// TestCmdStanPyAndArviZReadEverySampler runs every sampler, plain and with --save-warmup and
// --thin, through the transcribed readers, and checks what they get: the draws, the warmup rows,
// the step size and metric, and the header's account of the run.
func TestCmdStanPyAndArviZReadEverySampler(t *testing.T) {
	cases := []struct {
		sampler string
		extra   []string
		thin    int
		save    bool
	}{
		{"chees", nil, 1, false},
		{"nuts", nil, 1, false},
		{"hmc", nil, 1, false},
		{"chees", []string{"--save-warmup", "--thin", "2"}, 2, true},
		{"nuts", []string{"--save-warmup", "--thin", "3"}, 3, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/thin%d/save%v", tc.sampler, tc.thin, tc.save), func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"run", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--sampler", tc.sampler,
				"--chains", "2", "--warmup", "60", "--draws", "40", "--threads", "1", "--output-dir", dir, "--quiet",
				"--metric", "diag"}, tc.extra...) // a dense metric's layout: TestDenseMetricInHeaderAndAdaptation
			if code, out, errs := hmcc(t, args...); code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			files := []string{filepath.Join(dir, "output_1.csv"), filepath.Join(dir, "output_2.csv")}
			metas, err := cmdstanpyFromCSV(files)
			if err != nil {
				t.Fatalf("CmdStanPy would reject the output: %v", err)
			}
			m := metas[0]
			if want := (40 + tc.thin - 1) / tc.thin; m.drawsSampling != want {
				t.Errorf("CmdStanPy sees %d draws, want %d", m.drawsSampling, want)
			}
			if tc.save {
				if want := (60 + tc.thin - 1) / tc.thin; m.drawsWarmup != want {
					t.Errorf("CmdStanPy sees %d warmup draws, want %d", m.drawsWarmup, want)
				}
			}
			if len(m.metric) != 10 || !(m.stepSize > 0) {
				t.Errorf("CmdStanPy reads step size %v and a metric of %d elements, want > 0 and 10", m.stepSize, len(m.metric))
			}
			if m.columns[7] != "mu" || m.columns[9] != "theta_raw[1]" {
				t.Errorf("CmdStanPy's column names %v", m.columns[:10])
			}
			if m.maxTreedepth != 0 && tc.sampler != "nuts" {
				t.Errorf("CmdStanPy counts %d iterations at the maximum tree depth for %s, which builds no tree", m.maxTreedepth, tc.sampler)
			}
			eps, matrix, err := cmdstanpyParseAdaptation(files[0])
			if err != nil || eps != m.stepSize || len(matrix) != 1 || len(matrix[0]) != 10 {
				t.Errorf("parse_hmc_adaptation_lines: step size %v (scan: %v), metric %v, %v", eps, m.stepSize, matrix, err)
			}
			// The header says what ran.
			c := m.config
			want := map[string]any{"hmcc_sampler": tc.sampler, "hmcc_threads": 1, "hmcc_chains": 2, "hmcc_superchains": 0,
				"hmcc_version": version, "metric": "diag_e", "hmcc_lp": "stan_convention", "thin": tc.thin}
			for k, v := range want {
				if fmt.Sprint(c[k]) != fmt.Sprint(v) {
					t.Errorf("header %s = %v, want %v", k, c[k], v)
				}
			}
			if c["hmcc_step_size"] != m.stepSize {
				t.Errorf("header hmcc_step_size = %v, the adaptation block says %v", c["hmcc_step_size"], m.stepSize)
			}
			switch tc.sampler {
			case "chees":
				T, ok := c["hmcc_trajectory_length"].(float64)
				if !ok || !(T > 0) || c["int_time"] != T || c["engine"] != "static" {
					t.Errorf("chees header: trajectory length %v, int_time %v, engine %v", c["hmcc_trajectory_length"], c["int_time"], c["engine"])
				}
			case "nuts":
				if c["engine"] != "nuts" || c["max_depth"] != 10 {
					t.Errorf("nuts header: engine %v, max_depth %v", c["engine"], c["max_depth"])
				}
			case "hmc":
				if c["engine"] != "static" || c["hmcc_trajectory_length"] != 3 {
					t.Errorf("hmc header: engine %v, trajectory length %v", c["engine"], c["hmcc_trajectory_length"])
				}
			}
			// ArviZ.
			for _, f := range files {
				conf, warmup, draws, err := arvizRead(f)
				if err != nil {
					t.Fatalf("ArviZ would reject %s: %v", f, err)
				}
				if draws != m.drawsSampling || warmup != m.drawsWarmup {
					t.Errorf("ArviZ splits %s into %d warmup rows and %d draws, want %d and %d", f, warmup, draws, m.drawsWarmup, m.drawsSampling)
				}
				if conf["hmcc_sampler"] != tc.sampler {
					t.Errorf("ArviZ's attrs: hmcc_sampler = %q", conf["hmcc_sampler"])
				}
			}
		})
	}
}
