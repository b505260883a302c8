#!/usr/bin/env bash
# Wall time and min bulk-ESS per second of `hmcc run` on the German credit sparse logistic model
# at several chain counts (default settings: 1000 warmup + 1000 draws per chain), one after the
# other on an otherwise idle machine. Compare with bench/stan/german_credit_timing.R (Stan NUTS,
# 4 chains on 2 cores) run in the same session.
#
#   [SAMPLER=hmc|chees|nuts] [THREADS=n] bench/german_credit_chains.sh [CHAINS...]   (default: 4 16 64)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
chains=("$@")
[ ${#chains[@]} -gt 0 ] || chains=(4 16 64)
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); sampler ${SAMPLER:-hmc}, threads ${THREADS:-$(nproc)}"
for c in "${chains[@]}"; do
  out=$(mktemp -d)
  start=$(date +%s.%N)
  bin/hmcc run models/sparse_logistic.model models/german_credit.csv --chains "$c" --seed 1 --output-dir "$out" --quiet \
    --sampler "${SAMPLER:-hmc}" --threads "${THREADS:-$(nproc)}" > "$out/stdout.txt"
  end=$(date +%s.%N)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
  # min bulk-ESS over parameters and reported lets (not lp__), from summary.csv's named columns
  minbulk=$(awk -F, 'NR==1 {for (i = 1; i <= NF; i++) c[$i] = i; next} $1 != "lp__" && ($c["ess_bulk"]+0) > 0 {if (m == "" || $c["ess_bulk"] < m) m = $c["ess_bulk"]} END {print m}' "$out/summary.csv")
  maxrhat=$(awk -F, 'NR==1 {for (i = 1; i <= NF; i++) c[$i] = i; next} $1 != "lp__" {if ($c["rhat"] > m) m = $c["rhat"]} END {print m}' "$out/summary.csv")
  grads=$(sed -n 's/.*; \([0-9]*\) gradient evaluations.*/\1/p' "$out/stdout.txt")
  div=$(sed -n 's/^divergences: \([0-9]*\) of.*/\1/p' "$out/stdout.txt")
  printf "sampler=%s chains=%-4s wall=%7.1fs min_bulk_ess=%8.0f ess_per_s=%7.1f max_rhat=%s chain_gradients=%s divergences=%s\n" \
    "${SAMPLER:-hmc}" "$c" "$wall" "$minbulk" "$(awk -v e="$minbulk" -v w="$wall" 'BEGIN {print e / w}')" "$maxrhat" "$grads" "$div"
  rm -rf "$out"
done
