package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/internal/progress"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

type runCmd struct {
	Model        string  `arg:"" optional:"" help:"Model file (.model)."`
	Data         string  `arg:"" optional:"" help:"Data file (CSV)."`
	Chains       int     `default:"4" help:"Number of chains, all evaluated in one batch."`
	Warmup       warmup  `default:"1000" help:"Warmup (adaptation) iterations per chain, or auto: end warmup once adaptation has settled (chains agree over a metric window and the step size has stopped moving), at most 1000 iterations. See docs/samplers.md."`
	Draws        int     `default:"1000" help:"Post-warmup draws per chain."`
	Seed         uint64  `default:"1" help:"Random seed; the same seed and chain count give the same draws."`
	OutputDir    string  `default:"output" help:"Directory for output_<chain>.csv and summary.csv; a directory holding an earlier run's files is refused unless --overwrite."`
	Overwrite    bool    `help:"Replace the files of an earlier run in --output-dir (every output_N.csv, summary.csv, plots/), once this run is about to write its first draw."`
	TargetAccept float64 `default:"0.8" help:"Mean acceptance rate the per-chain step size adaptation aims for (hmc, nuts, and ChEES during its initial buffer; ChEES's shared step size targets a harmonic mean of 0.651)."`
	PathLength   float64 `default:"3" help:"hmc: mean integration time, in posterior standard deviations after metric adaptation; each iteration jitters it uniformly on (0, 2x]."`
	MaxSteps     int     `default:"1024" help:"Maximum leapfrog steps per iteration."`
	Sampler      string  `default:"chees" enum:"chees,nuts,hmc" help:"Kernel: chees (ChEES-HMC: shared step size and learned trajectory length; needs 2+ chains), nuts (Stan's No-U-Turn sampler) or hmc (jittered HMC, per-chain step sizes). See docs/samplers.md."`
	MaxTreedepth int     `default:"10" help:"NUTS: maximum tree depth (2^depth leapfrog steps)."`
	Device       string  `default:"${device}" enum:"cpu,gpu" help:"Where to run: cpu, or gpu (only in the hmcc-gpu build, where it is the default; see docs/gpu.md)."`
	Precision    string  `default:"${precision}" enum:"float32,float64" help:"Arithmetic: float32 (the hmcc-gpu default; sums and the Metropolis step stay float64; on the CPU only the matrix products X @ w) or float64."`
	Superchains  int     `help:"Group the chains into K superchains whose chains share an initial point, and judge convergence by nested R-hat (Margossian et al. 2022), made for many short chains. Default: superchains of 4 chains when there are 16 or more chains of at most 250 draws, else none."`
	Threads      int     `default:"${cores}" help:"Goroutines evaluating the chains, in fixed blocks of up to 8 chains (default: all cores); the draws do not depend on it."`
	Quiet        bool    `help:"No progress bar."`
	SaveWarmup   bool    `name:"save-warmup" help:"Also write the warmup iterations to the chain CSVs, before the adaptation block (CmdStan's save_warmup); they are never counted as draws."`
	Thin         int     `default:"1" help:"Keep every k-th iteration (CmdStan's thin): --draws counts iterations, and ceil(draws/k) are written and summarised."`
	MetricFile   string  `name:"metric-file" help:"CmdStan metric file (JSON {\"inv_metric\": [...]}, a diagonal inverse metric): the metric warmup starts from, and the one sampling uses with --warmup 0." type:"existingfile"`
	SaveMetric   bool    `name:"save-metric" help:"Also write each chain's adapted step size and inverse metric to output_<chain>_metric.json (CmdStan's save_metric), which --metric-file reads; of a dense metric, its diagonal."`

	// More holds further data files (several tables: data u[J] = column "u" from "counties").
	More []string `arg:"" optional:"" help:"More data files (CSV or JSON), which data declarations name with from \"name\" (the base name)."`
	// LogLik adds the pointwise log-likelihood columns that R's loo reads.
	LogLik bool   `name:"log-lik" help:"Also write log_lik.1 … log_lik.M, the log density of every observed element at each draw (the observed statements' elements in source order), as R's loo::extract_log_lik reads them. Not summarised."`
	Init   string `help:"JSON file of starting values on the natural scale, {\"name\": number or [numbers]}, for some or all parameters; every chain starts there (parameters not given start uniform(-2, 2) on the unconstrained scale). --init pathfinder starts each chain (each superchain) from its own multi-path Pathfinder draw, falling back to uniform(-2, 2) with a message when Pathfinder fails; --init uniform starts uniform(-2, 2). Default: pathfinder for models of 20 or more unconstrained coordinates, uniform below (docs/samplers.md)."`
	// Shard runs one shard of a run split over processes or machines (docs/scale-out.md).
	Shard  string `help:"Run shard i of n (1-based: 1 <= i <= n), e.g. --shard 2/4: --chains is this shard's number of chains, global chains (i-1)*chains+1 to i*chains, written as output_<global id>.csv; each chain draws the random numbers of its global id, and each shard adapts on its own chains. See docs/scale-out.md."`
	Metric string `default:"auto" enum:"diag,dense,auto" help:"Inverse metric learned in warmup: diag (per-coordinate variances), dense (full covariance, with shrinkage; for strongly correlated posteriors) or auto (at each metric window, dense when it allows steps 1.5x larger; up to 200 dimensions). See docs/samplers.md."`
	// Resume continues a stopped run (resume.go, docs/scale-out.md).
	Resume          string        `placeholder:"DIR" help:"Continue the stopped run in DIR (its --output-dir) with its own settings: each chain picks up from its last checkpointed draw and the finished files are the ones the run would have written uninterrupted. A run stopped in warmup starts warmup again. MODEL and DATA may be given if they moved (they must be the same files); of the other flags only --threads, --quiet and --checkpoint-every."`
	CheckpointEvery time.Duration `name:"checkpoint-every" default:"10s" help:"Least time between two checkpoints (output-dir/hmcc_checkpoint.json) while sampling, which --resume continues from; one is also written with the first draw and whenever a run is interrupted. 0 checkpoints every draw."`

	// TargetESS and MaxDraws sample in rounds until the ESS target (docs/samplers.md).
	TargetESS int `name:"target-ess" help:"Keep sampling in rounds (the first of --draws) until the smallest bulk- and tail-ESS over every quantity reach N with a clean verdict, or --max-draws; the CSV headers' num_samples say how many were drawn."`
	MaxDraws  int `name:"max-draws" help:"With --target-ess: the most post-warmup iterations per chain (default 10 x --draws)."`
}

func (r *runCmd) validate() error {
	if err := r.validateNumbers(); err != nil {
		return err
	}
	switch {
	case r.checkDevice() != nil:
		return r.checkDevice()
	case r.Chains < 2 && r.Sampler == "chees":
		return fmt.Errorf("the chees sampler learns its trajectory length across chains and needs --chains 2 or more; with one chain use --sampler nuts")
	case r.Thin < 1:
		return fmt.Errorf("--thin must be at least 1, got %d", r.Thin)
	case r.Superchains < 0 || r.Superchains == 1 || (r.Superchains > 0 && r.Chains%r.Superchains != 0):
		return fmt.Errorf("--superchains must be at least 2 and divide --chains (%d), got %d", r.Chains, r.Superchains)
	}
	_, err := r.shard()
	return err
}

// shard parses --shard i/n (the zero Shard, 1 of 1, when it is not given).
func (r *runCmd) shard() (hmcclib.Shard, error) {
	if r.Shard == "" {
		return hmcclib.Shard{}, nil
	}
	is, ns, ok := strings.Cut(r.Shard, "/")
	i, ierr := strconv.Atoi(is)
	n, nerr := strconv.Atoi(ns)
	if !ok || ierr != nil || nerr != nil || n < 1 || i < 1 || i > n {
		return hmcclib.Shard{}, fmt.Errorf("--shard takes i/n, shard i of n with whole numbers 1 <= i <= n (e.g. --shard 2/4), got %q", r.Shard)
	}
	if int64(n)*int64(r.Chains) > math.MaxInt32 {
		return hmcclib.Shard{}, fmt.Errorf("--shard %s with --chains %d is more than %d chains in all", r.Shard, r.Chains, math.MaxInt32)
	}
	return hmcclib.Shard{Index: i, Count: n}, nil
}

func (r *runCmd) Run(e *env, kctx *kong.Context) error {
	var out *hmcclib.OutputDir
	var ck *hmcclib.Checkpoint // the run --resume continues
	var err error
	if r.Resume != "" {
		if out, ck, err = r.resume(kctx); err != nil {
			return err
		}
		defer out.Close()
	} else if r.Model == "" || r.Data == "" {
		return hmcclib.UserError{Err: errors.New("hmcc run needs a model and its data: hmcc run MODEL DATA (or hmcc run --resume DIR to continue a stopped run)")}
	}
	if err := r.validate(); err != nil {
		return hmcclib.UserError{Err: err}
	}
	settings := *r // what the checkpoint records, and --resume reads back
	if out == nil {
		if out, err = hmcclib.OpenOutputDir(r.OutputDir, r.Overwrite); err != nil {
			return err
		}
		defer out.Close()
	}
	m, err := load(e, r.Model, r.Data, r.More...)
	if err != nil {
		return err
	}
	inputs, content, err := r.inputs(m)
	if err != nil {
		return err
	}
	if ck != nil {
		if err := checkInputs(r.Resume, ck.Inputs, inputs); err != nil {
			return err
		}
	}
	if err := m.CheckMemory(r.Chains); err != nil {
		return err
	}
	// The checker's warnings (a centred hierarchy, a very wide prior, unused data) matter most
	// right before a run that they predict will sample badly.
	if ws := compiler.Warnings(m.IR()); len(ws) > 0 {
		fmt.Fprint(e.stderr, diag.Render(ws, e.src))
	}
	if r.Superchains == 0 {
		r.Superchains = hmcclib.AutoSuperchains(r.Chains, r.Draws)
	}
	// hmcclib.Config's zero Warmup and Superchains are the defaults; -1 is none.
	cfg := hmcclib.Config{Sampler: r.Sampler, Warmup: cmp.Or(r.Warmup.N, -1), WarmupAuto: r.Warmup.Auto, Draws: r.Draws, Seed: r.Seed, TargetAccept: r.TargetAccept,
		TargetESS: r.TargetESS, MaxDraws: r.MaxDraws,
		PathLength: r.PathLength, MaxSteps: r.MaxSteps, MaxTreeDepth: r.MaxTreedepth, Metric: r.Metric,
		Superchains: cmp.Or(r.Superchains, -1), Thin: r.Thin, LogLik: r.LogLik}
	cfg.Shard, _ = r.shard() // validated above
	// The default start (docs/samplers.md).
	if r.Init == "" {
		r.Init = defaultInit(m.Dim())
	}
	if _, statErr := os.Stat(r.Init); r.Init != "" && r.Init != "pathfinder" && r.Init != "uniform" && statErr != nil {
		return hmcclib.UserError{Err: fmt.Errorf("--init %s: %w; give a JSON file of starting values, --init pathfinder or --init uniform", r.Init, statErr)}
	}
	if r.Init == "uniform" {
		r.Init = ""
	} else if r.Init == "pathfinder" {
		cfg.InitPathfinder, cfg.Messages = true, e.stderr
	} else if b, ok := content["init"]; !ok {
		return fmt.Errorf("--init %s was not read with the other inputs", r.Init) // internal: inputs reads every --init file
	} else if cfg.Init, _, err = m.ParsePoint(r.Init, b); err != nil {
		return err
	}
	if r.MetricFile != "" {
		if cfg.InvMetric, cfg.StepSize, err = cmdstan.ParseMetricFile(r.MetricFile, content["metric"], m.Dim()); err != nil {
			return hmcclib.UserError{Err: err}
		}
	}
	cfg.Output = &hmcclib.Output{Dir: out, SaveWarmup: r.SaveWarmup, SaveMetric: r.SaveMetric, Header: cmdstan.Config{
		Model: filepath.Base(r.Model), DataFile: strings.Join(append([]string{r.Data}, r.More...), ","),
		Version: version, MetricFile: r.MetricFile, Init: r.Init}} // the hashes: the model's (sink)
	cfg.Output.Resumable = &hmcclib.Resumable{Settings: settings, Inputs: inputs, Every: r.CheckpointEvery, From: ck}
	if ck != nil { // the headers as the run wrote them, whatever the paths are now
		h := &cfg.Output.Header
		h.Model, h.DataFile, h.MetricFile, h.Init = ck.Header.Model, ck.Header.DataFile, ck.Header.MetricFile, ck.Header.Init
		fmt.Fprint(e.stderr, resumeNote(r.Resume, ck, (r.Draws+r.Thin-1)/r.Thin))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer out.WatchSignals(cancel, e.stderr)()
	bar := progress.New(e.stderr, r.Quiet)
	cfg.Progress, cfg.Observe = pauseForTests(bar.Update), bar.Observe
	start := time.Now()
	fit, err := m.Sample(ctx, hmcclib.Target{Device: r.Device, Chains: r.Chains, Threads: r.Threads, Precision: r.Precision}, cfg)
	bar.Done()
	var failure *hmcclib.WriteFailure
	if errors.As(err, &failure) {
		return r.keepWhatWasWritten(e, failure)
	}
	if err != nil {
		return err
	}
	defer fit.Close()
	res := fit.Result
	if !fit.Wrote {
		fmt.Fprintf(e.stdout, "no draws: interrupted during warmup, before the first draw; %s was left as it was\n", r.OutputDir)
		return errInterrupted
	}
	if res.DrawsDone == 0 {
		// Interrupted before the first draw: nothing is summarised. Only --save-warmup has
		// written anything by then: its warmup rows, closed as whole rows.
		fmt.Fprintf(e.stdout, "no draws: interrupted during warmup, before the first draw; the warmup rows saved so far are in %s\n", r.OutputDir)
		return errInterrupted
	}
	if len(res.Relocations) > 0 {
		moved, iters := 0, []int{}
		for _, m := range res.Relocations {
			moved += len(m.Chains)
			iters = append(iters, m.Iter)
		}
		fmt.Fprintf(e.stderr, "warmup: moved %d stray chain(s) (log density far below the others') onto other chains' positions, at iterations %v\n", moved, iters)
	}
	if r.Warmup.Auto {
		fmt.Fprintf(e.stderr, "warmup: %s\n", warmupAutoLine(res))
	}
	elapsed := time.Since(start)
	// The summary describes the rows written (thinned), as `hmcc summary` does reading them back.
	sum, run, err := fit.Summary(r.Chains, elapsed)
	if err != nil {
		return err
	}
	out.Lock()
	err = summary.WriteCSV(filepath.Join(r.OutputDir, "summary.csv"), sum)
	out.Unlock()
	if err != nil {
		return hmcclib.IOError{Err: fmt.Errorf("writing summary.csv: %w; the chain CSVs are complete, so hmcc summary %s prints the summary (free space or fix the directory first to have it written)", err, r.OutputDir)}
	}
	if res.Interrupted {
		fmt.Fprintf(e.stdout, "PARTIAL RESULTS: interrupted after %d of %d draws per chain; hmcc run --resume %s continues the run\n", res.DrawsDone, (r.Draws+r.Thin-1)/r.Thin, r.OutputDir) // rows, as --thin keeps them
	}
	if ck != nil && !ck.InWarmup() {
		fmt.Fprintf(e.stdout, "RESUMED: draws 1 to %d per chain were written before the run stopped, draws %d to %d by this process\n", ck.Rows, ck.Rows+1, res.DrawsDone)
	}
	summary.Print(e.stdout, sum, run)
	if r.TargetESS > 0 {
		fmt.Fprintln(e.stdout, targetLine(r.TargetESS, fit))
	}
	if sh := cfg.Shard; !sh.IsZero() {
		first := sh.FirstChain(r.Chains)
		fmt.Fprintf(e.stdout, "\nwrote %d chain CSVs (shard %s: output_%d.csv to output_%d.csv) and summary.csv to %s\n", r.Chains, sh, first+1, first+r.Chains, r.OutputDir)
	} else {
		fmt.Fprintf(e.stdout, "\nwrote %d chain CSVs and summary.csv to %s\n", r.Chains, r.OutputDir)
	}
	if res.Interrupted {
		return errInterrupted
	}
	return nil
}
