#!/usr/bin/env bash
# Builds hmcc and samples the sparse logistic regression on the bundled breast cancer data.
# Go modules are fetched by the go command itself; nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
bin/hmcc run models/sparse_logistic.model models/breast_cancer.csv --chains 4 --output-dir output/breast_cancer "$@"
