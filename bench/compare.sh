#!/usr/bin/env bash
# hmcc against Stan on the same model, data and machine, in one run: installs what it needs
# (Debian's r-cran-rstan and r-cran-posterior, OpenBLAS), builds hmcc, then for each model runs
# Stan's NUTS (4 chains × (1000 warmup + 1000 draws), both cores) and `hmcc run` (default sampler,
# every core, 1000 + 1000) at each chain count, and prints one Markdown row per run and the ratios
# hmcc/Stan of gradients per second, min bulk-ESS per second, time to the first draw and peak
# memory. Finally it measures chain-gradients per second of German credit's compiled log density
# at 1…1024 chains (`go test -bench`), writes bench/results/throughput.tsv with Stan's level beside
# it, and plots it to docs/img/throughput.svg.
#
#   bench/compare.sh [MODEL...]        (default: german_credit eight_schools)
#   CHAINS="4 64" SKIP_THROUGHPUT=1 bench/compare.sh radon_correlated gp_poisson   (issue 15)
#   CHAINS="4 64" SKIP_THROUGHPUT=1 bench/compare.sh german_credit
#   HMCC_ARGS="--warmup 500" bench/compare.sh german_credit     (extra flags for every hmcc run)
#
# Definitions. Gradients/s: all gradient evaluations (warmup included; every chain's) over wall
# time. Stan's wall time is sampling only; its compile time is shown apart and in "with compile".
# Time to first draw: for Stan, loading the compiled model and data and one warmup iteration of one
# chain (plus compile time in the last column); for hmcc, a whole `hmcc run --warmup 1 --draws 1`
# (parse, check, bind, lower, one warmup iteration, one draw, summary): an upper bound. Peak
# memory: for hmcc, GNU time's maximum resident set size; for Stan, the largest total resident
# memory of the sampling process and its chain workers (bench/peak_rss.sh, in a second run so the
# polling does not slow the timed one), not of the compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib/stan.sh
stan_install
mkdir -p bin bench/results docs/img
go build -o bin/hmcc ./cmd/hmcc

models=("$@")
[ ${#models[@]} -gt 0 ] || models=(german_credit eight_schools)
read -r -a chain_counts <<< "${CHAINS:-4 64}"
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3g", a / b; else print "nan" }'; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stan_grad_rate=""
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/Mem:/ {print $2}') GiB; $(go version | cut -d' ' -f3); rstan $(Rscript -e 'cat(as.character(packageVersion("rstan")))'); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| model | run | wall s | gradients/s | min bulk-ESS | min bulk-ESS/s | max R-hat | first draw s | peak MB |"
echo "|---|---|---|---|---|---|---|---|---|"
for model in "${models[@]}"; do
  files=$(model_files "$model")
  read -r mfile dfile <<< "$files"
  d="$work/$model"; mkdir -p "$d"
  stan_compile "$model" "$d"
  stan_sample "$model" "$d"
  s_peak=$(stan_peak_mb "$model" "$d")
  compile=$(get compile_s "$d/compile.txt"); s_wall=$(get sampling_s "$d/stan.txt"); s_grads=$(get gradients "$d/stan.txt")
  s_ess=$(get min_bulk_ess "$d/stan.txt"); s_rhat=$(get max_rhat "$d/stan.txt"); s_first=$(get first_draw_s "$d/stan.txt")
  s_rate=$(div "$s_grads" "$s_wall"); s_essps=$(div "$s_ess" "$s_wall")
  [ "$model" = german_credit ] && stan_grad_rate=$s_rate
  printf "| %s | Stan NUTS, 4 chains (compile %.1f s) | %.1f | %.0f | %.0f | %.1f (%.1f with compile) | %.4f | %.2f (%.1f with compile) | %s |\n" \
    "$model" "$compile" "$s_wall" "$s_rate" "$s_ess" "$s_essps" "$(div "$s_ess" "$(awk -v a="$s_wall" -v b="$compile" 'BEGIN {print a + b}')")" "$s_rhat" "$s_first" \
    "$(awk -v a="$s_first" -v b="$compile" 'BEGIN {print a + b}')" "$s_peak"
  for c in "${chain_counts[@]}"; do
    out="$d/hmcc$c"
    start=$(date +%s.%N)
    # hmcc is one process: GNU time's maximum resident set size is its exact peak, at no cost.
    /usr/bin/time -f "peak_rss_kb=%M" -o "$d/h$c.err" bin/hmcc run "$mfile" "$dfile" --chains "$c" --seed 1 --output-dir "$out" --quiet ${HMCC_ARGS:-} > "$d/h$c.txt"
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
    fstart=$(date +%s.%N)
    bin/hmcc run "$mfile" "$dfile" --chains "$c" --warmup 1 --draws 1 --seed 1 --output-dir "$d/first$c" --quiet > /dev/null 2>&1 || true
    first=$(awk -v a="$fstart" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
    grads=$(sed -n 's/.*; \([0-9]*\) gradient evaluations.*/\1/p' "$d/h$c.txt")
    # a matrix element's name is quoted and holds a comma ("L[2,1]"): drop the name field first
    ess=$(sed 's/^"[^"]*",/x,/' "$out/summary.csv" | awk -F, 'NR > 2 && ($8 + 0) > 0 { if (m == "" || $8 < m) m = $8 } END { print m }')
    rhat=$(sed 's/^"[^"]*",/x,/' "$out/summary.csv" | awk -F, 'NR > 2 && $7 != "NaN" { if ($7 > m) m = $7 } END { print m }')
    peak=$(( $(get peak_rss_kb "$d/h$c.err") / 1024 ))
    rate=$(div "$grads" "$wall"); essps=$(div "$ess" "$wall")
    printf "| %s | hmcc, %d chains${HMCC_ARGS:+ $HMCC_ARGS} | %.1f | %.0f | %.0f | %.1f | %.4f | %.2f | %s |\n" "$model" "$c" "$wall" "$rate" "$ess" "$essps" "$rhat" "$first" "$peak"
    printf "| | hmcc ÷ Stan | | %s× | | %s× (%s× with compile) | | %s× (%s× with compile) | %s× |\n" \
      "$(div "$rate" "$s_rate")" "$(div "$essps" "$s_essps")" \
      "$(div "$essps" "$(div "$s_ess" "$(awk -v a="$s_wall" -v b="$compile" 'BEGIN {print a + b}')")")" \
      "$(div "$first" "$s_first")" "$(div "$first" "$(awk -v a="$s_first" -v b="$compile" 'BEGIN {print a + b}')")" "$(div "$peak" "$s_peak")"
    rm -rf "$out" "$d/first$c"
  done
done

[ -n "${SKIP_THROUGHPUT:-}" ] && exit 0
echo
echo "chain-gradients/s of German credit's log density (go test -bench, 2 s per case):"
tsv=bench/results/throughput.tsv
go test -run XXX -bench 'LogDensityGrad/german_credit/' -benchtime 2s ./compiler/ | tee "$work/bench.txt" | grep chain-grads
{
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); bench/compare.sh"
  awk '/chain-grads\/s/ {
    split($1, p, "/"); v = p[3] "/" p[4]; c = p[5]; sub(/^C=/, "", c); sub(/-[0-9]+$/, "", c)
    for (i = 1; i <= NF; i++) if ($(i + 1) == "chain-grads/s") r = $i
    name = (v ~ /^f32/ ? "hmcc, float32 products, " : "hmcc, ") (v ~ /T=1$/ ? "1 thread" : "all cores")
    printf "%s\t%s\t%s\n", name, c, r }' "$work/bench.txt"
  [ -n "$stan_grad_rate" ] && printf "Stan NUTS, 4 chains on all cores\t0\t%s\n" "$stan_grad_rate"
} > "$tsv"
go run ./bench/plot -in "$tsv" -out docs/img/throughput.svg
echo "wrote $tsv and docs/img/throughput.svg"
