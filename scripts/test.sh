#!/usr/bin/env bash
# Sets up what the test suite needs on a fresh Debian machine, then runs every check CI runs:
# go vet, gofmt, the tests (including the ones that load our CSVs with R's rstan and compare our
# diagnostics with R's posterior package), and the race detector on the concurrent packages.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! Rscript -e 'suppressMessages({library(rstan); library(posterior)})' >/dev/null 2>&1; then
  echo "installing R with rstan and posterior from Debian (needed by the output-format tests)..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-cran-rstan r-cran-posterior >/dev/null
fi

go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
HMCC_REQUIRE_R=1 go test -count=1 -timeout 30m ./...
go test -count=1 -race -short ./runtime/... ./autodiff/... ./cmd/...
