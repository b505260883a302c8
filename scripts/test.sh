#!/usr/bin/env bash
# Sets up what the test suite needs on a fresh Debian machine, then runs every check CI runs:
# go vet, gofmt, the tests (including the ones that load our CSVs with R's rstan and compare our
# diagnostics with R's posterior package), and the race detector on the concurrent packages.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
[ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || need+=(libopenblas-dev)
Rscript -e 'suppressMessages({library(rstan); library(posterior); library(bayesplot)})' >/dev/null 2>&1 || need+=(r-cran-rstan r-cran-posterior r-cran-bayesplot)
Rscript -e 'suppressMessages(library(loo))' >/dev/null 2>&1 || need+=(r-cran-loo) # the --log-lik test
if [ ${#need[@]} -gt 0 ]; then
  # OpenBLAS for the matrix products; R's rstan, posterior and bayesplot for the output-format,
  # diagnostics and plotting tests.
  echo "installing ${need[*]} from Debian..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
HMCC_REQUIRE_R=1 go test -count=1 -timeout 30m ./...
# The pure-Go build (no cgo: gonum's BLAS and the Go Bernoulli-logit kernel) must work too.
CGO_ENABLED=0 go test -count=1 -short ./autodiff/... ./compiler/... ./runtime/...
# Under the race detector the posterior comparisons with Stan (run in full above) only cost
# time: they exercise no concurrency that the interrupt, output-directory and parallel-worker
# tests do not.
go test -count=1 -race -short -timeout 30m -skip 'TestSamplersMatchStan' ./runtime/... ./autodiff/... ./cmd/... ./internal/...
# The sink writes many chains' rows from several goroutines (sink.go's writeRows).
go test -count=1 -race -run 'TestParallelRowsEqualSerial' .
# The GPU build (tag hmcc_cuda) compiles, vets and builds its test binary with CUDA headers and
# link stubs, without a GPU; the generated CUDA C is checked on the host (docs/gpu.md).
./scripts/cuda-check.sh
# Shards on a real scheduler: a one-node Slurm cluster on this machine (the script installs
# slurm-wlm and munge, stops every daemon it starts), an array of four shards merged and compared
# bytewise with the same shards run here, and a requeued shard resumed (docs/scale-out.md).
go build -o /tmp/hmcc-slurm-check ./cmd/hmcc
as_root env HMCC=/tmp/hmcc-slurm-check deploy/slurm/check.sh
# Fuzz every target briefly; crashers found earlier live in testdata/fuzz and run above. The
# budget is a count of executions, not a duration: a duration races Go's fuzz coordinator at its
# deadline (golang/go#75804, "context deadline exceeded" with no failing input, under load), and
# a count only takes longer on a loaded machine. Minimising a new interesting input runs
# uncounted for up to 60 s by default (the "0/sec" stalls); 200 executions are enough here.
# -timeout still stops a hung target. Each input's own work is bounded too: the slow inputs found
# (thousands of nested brackets, long chains of lets) are refused or linear now and kept in
# testdata/fuzz, which the go test run above replays.
for target in "lang FuzzParse" "lang FuzzFormat" "compiler FuzzCheck" "compiler FuzzBind" "dataset FuzzRead" "dataset FuzzReadJSON" "runtime/cmdstan FuzzRoundTrip" "runtime/cmdstan FuzzRead"; do
  set -- $target
  go test -run XXX -fuzz "^$2\$" -fuzztime 5000x -fuzzminimizetime 200x -timeout 10m "./$1/"
done
