#!/usr/bin/env bash
# Time to a trustworthy answer (issue 13): the wall time of `hmcc run MODEL DATA` at its defaults
# with --target-ess 1000 (sampling in rounds until min bulk- and tail-ESS >= 1000 with a clean
# verdict), against Stan's compile + sampling (NUTS, 4 chains, 1000 warmup) for the same min
# bulk-ESS: Stan's draws per chain start at 1000 and are raised (ESS per draw from the last try,
# + 10%) until min bulk-ESS >= 1000 and max R-hat <= 1.01; its time is the compile plus the
# sampling of the try that reached it. Run both in one sitting on a quiet machine:
#
#   bench/time_to_answer.sh [MODEL...]          (default: german_credit breast_cancer eight_schools radon)
#   HMCC_ARGS="--warmup auto" CHAINS="4 64" bench/time_to_answer.sh german_credit
#
# Prints one Markdown row per model and hmcc chain count. Installs what it needs from Debian
# (r-cran-rstan, r-cran-posterior; bench/lib/stan.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/stan.sh
stan_install
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
target=${TARGET:-1000}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(german_credit breast_cancer eight_schools radon)
read -r -a chain_counts <<< "${CHAINS:-4}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC'); target min bulk-ESS $target"
echo
echo "| model | Stan: compile s + sampling s (draws/chain, min bulk-ESS, max R-hat, divergences) | hmcc run | hmcc wall s (draws/chain, min bulk-ESS, verdict) | Stan ÷ hmcc |"
echo "|---|---|---|---|---|"
for model in "${models[@]}"; do
  files=$(model_files "$model")
  read -r mfile dfile <<< "$files"
  d="$work/$model"; mkdir -p "$d"
  stan_compile "$model" "$d"
  compile=$(get compile_s "$d/compile.txt")
  draws=1000
  for try in 1 2 3 4; do
    stan_sample "$model" "$d" "$draws"
    ess=$(get min_bulk_ess "$d/stan.txt"); rhat=$(get max_rhat "$d/stan.txt")
    if awk -v e="$ess" -v r="$rhat" -v t="$target" 'BEGIN { exit !(e >= t && r <= 1.01) }'; then break; fi
    draws=$(awk -v e="$ess" -v n="$draws" -v t="$target" 'BEGIN { m = (e > 0 ? n * t / e * 1.1 : 2 * n); if (m < 1.5 * n) m = 1.5 * n; printf "%d", m + 0.5 }')
  done
  s_wall=$(get sampling_s "$d/stan.txt")
  stan_total=$(awk -v a="$compile" -v b="$s_wall" 'BEGIN { print a + b }')
  for c in "${chain_counts[@]}"; do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    bin/hmcc run "$mfile" "$dfile" --chains "$c" --target-ess "$target" --output-dir "$d/h$c" --quiet ${HMCC_ARGS:-} > "$d/h$c.txt" 2> "$d/h$c.err" || true
    wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    hdraws=$(sed -n 's/^# *num_samples = *\([0-9]*\).*/\1/p' "$d/h$c/output_1.csv" | head -1)
    hess=$(sed -n 's/^min bulk-ESS \([0-9]*\),.*/\1/p' "$d/h$c.txt")
    # "ESS reached" with problems left: the ESS target was met and only problems more draws
    # cannot clear remain (divergences: Stan's count is shown beside it for the same comparison)
    verdict="NOT reached"
    grep -q "^target ESS $target: reached" "$d/h$c.txt" && verdict="clean, reached"
    grep -q "^target ESS $target: ESS reached" "$d/h$c.txt" && verdict="ESS reached, $(sed -n 's/^divergences: \([0-9]*\) of.*/\1/p' "$d/h$c.txt") divergences"
    printf "| %s | %.1f + %.1f (%d, %.0f, %.4f, %d) | %d chains%s | %.1f (%s, %s, %s) | %.1f× |\n" "$model" "$compile" "$s_wall" "$draws" "$ess" "$rhat" "$(get divergences "$d/stan.txt")" \
      "$c" "${HMCC_ARGS:+ $HMCC_ARGS}" "$wall" "$hdraws" "$hess" "$verdict" "$(awk -v a="$stan_total" -v b="$wall" 'BEGIN { print a / b }')"
  done
done
