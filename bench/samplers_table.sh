#!/bin/sh
# docs/samplers.md's table: for each model × sampler × metric, `hmcc run` with --target-ess 1000
# (everything else default): correct? (every mean within 4 combined MCSEs of the long Stan
# reference and every sd within 10 %, bench/models.sh), min bulk-ESS per second, the time to the
# answer (wall time to a clean verdict with min bulk-ESS >= 1000), and chain-gradients. Stan's
# time to the same answer is bench/time_to_answer.sh's; run both in one sitting on a quiet
# machine:
#
#   go build -o bin/hmcc ./cmd/hmcc
#   bench/samplers_table.sh bin/hmcc > table.md && bench/time_to_answer.sh >> table.md
#   MODELS="german_credit radon" SAMPLERS=chees METRICS="diag auto" bench/samplers_table.sh bin/hmcc
set -eu
. bench/models.sh
bin=${1:-hmcc}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| model | sampler | metric | correct? | min bulk-ESS/s | time to answer s | draws/chain | gradients |"
echo "|---|---|---|---|---|---|---|---|"
bundled_models | while read -r name model data more; do
  case " ${MODELS:-german_credit breast_cancer eight_schools radon kidiq} " in *" $name "*) ;; *) continue ;; esac
  for s in ${SAMPLERS:-chees nuts hmc}; do
    for m in ${METRICS:-diag dense auto}; do
      dir="$out/$name-$s-$m"
      start=$(date +%s.%N)
      # shellcheck disable=SC2046
      "$bin" run "models/$model" "models/$data" $(for f in $more; do echo "models/$f"; done) --sampler "$s" --metric "$m" \
        --target-ess 1000 --output-dir "$dir" --quiet > "$dir.log" 2>&1 || true
      wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
      ess=$(sed -n 's/^min bulk-ESS \([0-9]*\),.*/\1/p' "$dir.log")
      grads=$(sed -n 's/.*; \([0-9]*\) gradient evaluations.*/\1/p' "$dir.log")
      draws=$(sed -n 's/^# *num_samples = *\([0-9]*\).*/\1/p' "$dir/output_1.csv" 2>/dev/null | head -1)
      answer="not reached"
      grep -q "^target ESS 1000: reached" "$dir.log" && answer=$(printf "%.1f" "$wall")
      # the ESS target met with only divergences (or other problems more draws cannot fix) left
      grep -q "^target ESS 1000: ESS reached" "$dir.log" && answer=$(printf "%.1f, %s divergences" "$wall" "$(sed -n 's/^divergences: \([0-9]*\) of.*/\1/p' "$dir.log")")
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n" "$name" "$s" "$m" "$(agree "$dir/summary.csv" "testdata/reference/$name.csv" | sed 's/|/\\|/g')" \
        "$(awk -v e="${ess:-0}" -v w="$wall" 'BEGIN { printf "%.0f", e / w }')" "$answer" "${draws:-?}" "${grads:-?}"
    done
  done
done
