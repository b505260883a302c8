#!/usr/bin/env bash
# The sampler comparison behind docs/samplers.md: every bundled model with every sampler at 4, 64
# and 512 chains, printed as Markdown table rows. Settings per chain count (warmup + draws per
# chain): 4 chains 1000+1000, 64 chains 500+200, 512 chains 300+50; seed 1; all cores.
# Stan's NUTS on the same machine: Rscript bench/stan/samplers_stan.R (run it in the same session).
#
#   bench/samplers.sh [MODELS] [SAMPLERS] [CHAINS]
#   e.g. bench/samplers.sh "eight_schools kidiq" "chees nuts" "4 64"
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
models=${1:-"german_credit breast_cancer eight_schools kidiq"}
samplers=${2:-"hmc chees nuts"}
chainsets=${3:-"4 64 512"}
model_file() { case "$1" in german_credit|breast_cancer) echo sparse_logistic;; *) echo "$1";; esac; }
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%d)"
echo "| data | sampler | chains | warmup+draws | chain-gradients | wall s | min bulk-ESS | ESS/s | ESS per 1000 gradients | max R-hat | divergences |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for data in $models; do
  for sampler in $samplers; do
    for c in $chainsets; do
      case $c in 4) w=1000; d=1000;; 64) w=500; d=200;; *) w=300; d=50;; esac
      out=$(mktemp -d)
      start=$(date +%s.%N)
      bin/hmcc run "models/$(model_file "$data").model" "models/$data.csv" --sampler "$sampler" --chains "$c" \
        --warmup "$w" --draws "$d" --seed 1 --output-dir "$out" --quiet > "$out/stdout.txt" || true
      end=$(date +%s.%N)
      awk -F, -v data="$data" -v s="$sampler" -v c="$c" -v wd="$w+$d" -v start="$start" -v end="$end" \
        -v grads="$(sed -n 's/.*; \([0-9]*\) gradient evaluations.*/\1/p' "$out/stdout.txt")" \
        -v div="$(sed -n 's/^divergences: \([0-9]*\) of.*/\1/p' "$out/stdout.txt")" '
        NR > 2 { if (min == "" || $8 < min) min = $8; if ($7 > rhat) rhat = $7 }
        END {
          wall = end - start
          printf "| %s | %s | %d | %s | %d | %.1f | %.0f | %.1f | %.2f | %.4f | %d |\n", data, s, c, wd, grads, wall, min, min / wall, 1000 * min / grads, rhat, div
        }' "$out/summary.csv"
      rm -rf "$out"
    done
  done
done
