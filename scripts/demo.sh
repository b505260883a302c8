#!/usr/bin/env bash
# Builds hmcc and samples the sparse logistic regression on the bundled breast cancer data.
# Go modules are fetched by the go command itself; OpenBLAS comes from Debian (libopenblas-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! [ -e /usr/include/x86_64-linux-gnu/cblas.h ] && ! [ -e /usr/include/cblas.h ]; then
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopenblas-dev >/dev/null
fi
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
bin/hmcc run models/sparse_logistic.model models/breast_cancer.csv --chains 16 --output-dir output/breast_cancer --overwrite "$@"
