#!/usr/bin/env bash
# The German credit benchmark with a prebuilt binary, for a GPU machine (which has no Go
# toolchain): wall time, chain-gradient evaluations per second and min bulk-ESS per second of
# `hmcc run` at each chain count, one after the other. Extra flags go to hmcc run.
#
#   HMCC=bin/hmcc-gpu bench/german_credit_device.sh "128 1024 4096 16384" --device gpu --precision float32
#   HMCC=bin/hmcc     bench/german_credit_device.sh "128 1024" --device cpu
#
# WARMUP and DRAWS (default 1000 each) set the run length; OUT (default a temporary directory)
# keeps the outputs. At 16384 chains every draw is 16384 CSV rows, so fewer draws keep the disk
# and the time bounded (docs/gpu.md).
set -euo pipefail
cd "$(dirname "$0")/.."
HMCC=${HMCC:-bin/hmcc-gpu}
chains=$1
shift
echo "binary: $HMCC; $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); flags: $*"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
for c in $chains; do
  out=${OUT:-$(mktemp -d)}/german_credit_$c
  mkdir -p "$out"
  start=$(date +%s.%N)
  "$HMCC" run models/sparse_logistic.model models/german_credit.csv --chains "$c" --seed 1 --output-dir "$out" --overwrite --quiet \
    --warmup "${WARMUP:-1000}" --draws "${DRAWS:-1000}" "$@" > "$out/stdout.txt"
  end=$(date +%s.%N)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
  minbulk=$(awk -F, 'NR==1 {for (i = 1; i <= NF; i++) c[$i] = i; next} $1 != "lp__" && ($c["ess_bulk"]+0) > 0 {if (m == "" || $c["ess_bulk"] < m) m = $c["ess_bulk"]} END {print m}' "$out/summary.csv")
  maxrhat=$(awk -F, 'NR==1 {for (i = 1; i <= NF; i++) c[$i] = i; next} $1 != "lp__" {if ($c["rhat"] > m) m = $c["rhat"]} END {print m}' "$out/summary.csv")
  grads=$(sed -n 's/.*; \([0-9]*\) gradient evaluations.*/\1/p' "$out/stdout.txt")
  printf "chains=%-6s wall=%8.1fs chain_gradients=%s grads_per_s=%s min_bulk_ess=%8.0f ess_per_s=%8.1f max_rhat=%s\n" \
    "$c" "$wall" "$grads" "$(awk -v g="${grads:-0}" -v w="$wall" 'BEGIN {printf "%.0f", g / w}')" "$minbulk" \
    "$(awk -v e="$minbulk" -v w="$wall" 'BEGIN {print e / w}')" "$maxrhat"
  [ -n "${OUT:-}" ] || rm -rf "$out"
done
