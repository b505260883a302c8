#!/usr/bin/env bash
# A/B of the random number generator change (one PCG stream consumed in chain order → Philox
# streams per chain, iteration and purpose): an old hmcc binary against this tree's, interleaved
# round by round in one sitting, on German credit (64 chains, one thread, gradient-dominated),
# per sampler. The draws differ between the builds, so the figure to compare is the wall time
# per chain-gradient evaluation (warmup + sampling seconds over the run's gradient evaluations).
#   bench/rng_ab.sh OLD_HMCC [ROUNDS] [WARMUP] [DRAWS]
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 rounds=${2:-3} warmup=${3:-300} draws=${4:-300}
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  for sampler in chees nuts; do
    for v in old new; do
      if [ $v = old ]; then h=$old; else h=$PWD/bin/hmcc; fi
      out=$(mktemp -d)
      line=$("$h" run models/sparse_logistic.model models/german_credit.csv --chains 64 --threads 1 --seed "$r" \
        --sampler "$sampler" --warmup "$warmup" --draws "$draws" --output-dir "$out" --quiet | grep 'gradient evaluations')
      rm -rf "$out"
      # "...; 94400 gradient evaluations (...); warmup 0.44s, sampling 1.10s (total 1.55s)"
      echo "$line" | awk -v r="$r" -v v="$v" -v s="$sampler" '{
        for (i = 1; i <= NF; i++) { if ($(i+1) == "gradient") g = $i; if ($i == "warmup") w = $(i+1); if ($i == "sampling") t = $(i+1) }
        gsub(/[s,]/, "", w); gsub(/[s,]/, "", t)
        printf "round %s %-5s %-3s %9d chain-gradients  %7.2f s  %6.1f us/chain-gradient\n", r, s, v, g, w + t, 1e6 * (w + t) / g }'
    done
  done
done
