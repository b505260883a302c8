// Command hmcc compiles a Bayesian model and samples its posterior with many Hamiltonian Monte
// Carlo chains batched into one evaluation.
//
//	hmcc run model.model data.csv
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strconv"

	"github.com/alecthomas/kong"
	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
)

const version = "0.1.0"

// Exit codes: 0 success, 1 internal failure (or files hmcc fmt --check found not canonical), 2 user
// error (model, data, flags), 130 interrupted; hmcclib.Report maps errors to the first two.
const (
	exitInternal    = hmcclib.ExitInternal
	exitUser        = hmcclib.ExitUser
	exitInterrupted = 130
	// hmcc fmt --check found files that are not canonical, like gofmt -l in CI scripts.
	exitNotCanonical = 1
)

type cli struct {
	Run           runCmd           `cmd:"" help:"Sample the posterior of MODEL given DATA and write CmdStan CSVs and a summary."`
	Logdensity    logdensityCmd    `cmd:"" help:"Evaluate the log density and its gradient on the unconstrained scale."`
	Optimize      optimizeCmd      `cmd:"" help:"Find the mode of MODEL given DATA by L-BFGS (--jacobian: of the unconstrained density), optionally with Laplace draws."`
	Pathfinder    pathfinderCmd    `cmd:"" help:"Approximate the posterior by multi-path Pathfinder and write its importance-resampled draws."`
	Generate      generateCmd      `cmd:"" help:"Compute the generated quantities of MODEL for every draw of a finished fit (--draws DIR), on data that may include new data: CmdStan's standalone generated quantities."`
	Check         checkCmd         `cmd:"" help:"Parse and check MODEL (and DATA if given); list its parameters."`
	Summary       summaryCmd       `cmd:"" help:"Re-summarise a directory of CmdStan CSVs (hmcc's or CmdStan's): the table and verdict of hmcc run; several directories: merge the shards of one run (hmcc run --shard)."`
	Plot          plotCmd          `cmd:"" help:"Draw trace, rank and density plots of the draws in a directory of CmdStan CSVs, as PNG or SVG."`
	Distributions distributionsCmd `cmd:"" help:"List the distributions a model may use, with their arguments, supports and log densities."`
	Fmt           fmtCmd           `cmd:"" help:"Print MODEL files canonically formatted; -w rewrites them, --check lists those that are not."`
	Version       versionCmd       `cmd:"" help:"Print the version."`
}

// interrupted is returned by run when a signal stopped sampling early.
var errInterrupted = errors.New("interrupted")

func main() {
	// Under a small ulimit -v the first reservation past the limit would kill the runtime;
	// refuse first (the cgo build already has, before the runtime started: limit_cgo.go).
	if err := hmcclib.CheckAddressSpace(); err != nil {
		fmt.Fprintf(os.Stderr, "hmcc: %v\n", err)
		os.Exit(exitUser)
	}
	hmcclib.RaiseFileLimit()
	hmcclib.RespectAddressSpaceLimit()
	stop := startCPUProfile()
	status := Main(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(status)
}

// Main runs the command line and returns the exit status; tests call it directly.
func Main(args []string, stdout, stderr io.Writer) (status int) {
	var c cli
	exited := -1
	parser, err := kong.New(&c, kong.Name("hmcc"),
		kong.Description("hmcc compiles a Bayesian model and samples it with many batched HMC chains."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exited = code; panic(exitPanic{}) }),
		kong.UsageOnError(),
		kong.Vars{"cores": strconv.Itoa(goruntime.NumCPU()), "device": hmcclib.DefaultDevice, "precision": hmcclib.DefaultPrecision})
	if err != nil {
		fmt.Fprintln(stderr, "hmcc: internal error:", err)
		return exitInternal
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); ok {
				status = exited
				return
			}
			fmt.Fprintf(stderr, "hmcc: internal error: %v\n%s\n", r, diag.ReportTo)
			status = exitInternal
		}
	}()
	ctx, err := parser.Parse(joinNegativeValues(args))
	if err != nil {
		fmt.Fprintf(stderr, "hmcc: %v%s\nrun 'hmcc --help' for usage\n", err, parseErrorHint(err.Error()))
		return exitUser
	}
	env := &env{stdout: stdout, stderr: stderr}
	err = ctx.Run(env)
	return report(err, env, stderr)
}

type exitPanic struct{}

type env struct {
	stdout, stderr io.Writer
	src            string // model source, for rendering diagnostics
}

func report(err error, e *env, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.Is(err, errNotCanonical):
		return exitNotCanonical // the file names on stdout are the message
	}
	return hmcclib.Report(stderr, err, e.src)
}

// distributionsCmd prints the registry, the same table docs/language.md holds.
type distributionsCmd struct{}

func (distributionsCmd) Run(e *env) error {
	fmt.Fprint(e.stdout, dist.TextTable())
	return nil
}

type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	fmt.Fprintln(e.stdout, "hmcc", version)
	return nil
}
