package main

import (
	"fmt"
	"strconv"
	"strings"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// load runs the front half of the pipeline through hmcclib.Compile: parse, check, and (when dataPath
// is set) bind data. More data files may follow dataPath; each is a CSV table or a JSON file of
// named values, and a data declaration reads the first, or the one its from "name" names.
func load(e *env, modelPath, dataPath string, more ...string) (*hmcclib.Model, error) {
	src, err := hmcclib.ReadSource(modelPath)
	if err != nil {
		return nil, err
	}
	e.src = src
	if modelPath == "-" {
		modelPath = "<stdin>" // for positions in messages
	}
	var data []hmcclib.Data
	for _, p := range append([]string{dataPath}, more...) {
		if p != "" {
			data = append(data, hmcclib.File(p))
		}
	}
	return hmcclib.Compile(modelPath, src, data...)
}

type checkCmd struct {
	Model string `arg:"" help:"Model file (.model), or - for standard input."`
	Data  string `arg:"" optional:"" help:"Data file (CSV)."`
	Dump  string `enum:",ast,ir,graph" default:"" help:"Print a stage instead of the summary: ast (the parse tree), ir (the checked model; with DATA, bound and folded) or graph (the log-density graph in Graphviz DOT; needs DATA)."`
	// Strict makes warnings fail the check, for CI: a model that warns exits with status 2.
	Strict bool `help:"Exit with status 2 when there are warnings (very wide priors, unused data, centred hierarchies)."`

	// More holds further data files (several tables: data u[J] = column "u" from "counties").
	More []string `arg:"" optional:"" help:"More data files (CSV or JSON), which data declarations name with from \"name\" (the base name)."`
}

func (c *checkCmd) Run(e *env) error {
	if c.Dump == "ast" {
		src, err := hmcclib.ReadSource(c.Model)
		if err != nil {
			return err
		}
		e.src = src
		ast, err := lang.Parse(c.Model, e.src)
		if err != nil {
			return err
		}
		fmt.Fprint(e.stdout, lang.Dump(ast))
		return nil
	}
	if c.Dump == "graph" && c.Data == "" {
		return userError{fmt.Errorf("--dump graph needs the data file: hmcc check MODEL DATA --dump graph")}
	}
	cm, err := load(e, c.Model, c.Data, c.More...)
	if err != nil {
		return err
	}
	m := cm.IR()
	switch c.Dump {
	case "ir":
		fmt.Fprint(e.stdout, ir.Dump(m))
		return nil
	case "graph":
		prog, err := compiler.Lower(m, 1)
		if err != nil {
			return err
		}
		fmt.Fprint(e.stdout, prog.Dot())
		return nil
	}
	// Warnings go to stderr, rendered like errors, and leave the exit status alone unless
	// --strict: they describe models that run but are likely to sample badly.
	ws := compiler.Warnings(m)
	if len(ws) > 0 {
		fmt.Fprint(e.stderr, diag.Render(ws, e.src))
	}
	if c.Strict && len(ws) > 0 {
		n := fmt.Sprintf("%d warnings", len(ws))
		if len(ws) == 1 {
			n = "1 warning"
		}
		return userError{fmt.Errorf("%s, and --strict treats warnings as errors", n)}
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", c.Model)
	for _, p := range m.Params {
		size := p.Shape.String()
		if m.Bound() && len(p.Shape) > 0 {
			size = fmt.Sprintf("%s = %v", size, m.Sizes.Resolve(p.Shape))
		}
		fmt.Fprintf(e.stdout, "  param %-10s %-14s %-9s ~ %s\n", p.Name, size, p.Constraint, p.Prior.Dist.Name)
	}
	for _, d := range m.Data {
		if d.Labels == nil {
			fmt.Fprintf(e.stdout, "  data  %-10s %s\n", d.Name, d.Shape)
			continue
		}
		fmt.Fprintf(e.stdout, "  data  %-10s %-14s %d groups (%s): %s\n", d.Name, d.Shape, len(d.Labels),
			d.Source.LevelsSize, groupLabels(d.Labels))
	}
	return nil
}

// groupLabels lists a grouping's labels by number, "1 = AITKIN, 2 = ANOKA, …", the first few
// and the last, so that a.17 in the output can be told apart.
func groupLabels(labels []string) string {
	const head = 6
	same := true
	for i, l := range labels {
		same = same && l == strconv.Itoa(i+1)
	}
	if same {
		return "numbered as in the data"
	}
	var parts []string
	for i, l := range labels {
		if i == head && len(labels) > head+1 {
			parts = append(parts, "…")
			i = len(labels) - 1
			parts = append(parts, fmt.Sprintf("%d = %s", i+1, labels[i]))
			break
		}
		parts = append(parts, fmt.Sprintf("%d = %s", i+1, l))
	}
	return strings.Join(parts, ", ")
}
