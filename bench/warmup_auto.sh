#!/bin/sh
# Fixed (1000) against automatic warmup (--warmup auto) on every bundled model: the warmup length
# used, chain-gradient evaluations (warmup and sampling), min bulk-ESS, the verdict, and agreement
# with the long Stan reference (bench/models.sh's agree). Gradients and ESS do not depend on the
# machine's load; wall times do and are not printed.
# Usage (repository root): [MODELS="kidiq radon"] [SEEDS="1 2"] [WARMUPS=auto] bench/warmup_auto.sh [HMCC_BINARY] [CHAINS...]
set -eu
. bench/models.sh
bin=${1:-hmcc}
shift || true
chains=${*:-"4 16"}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "model chains seed warmup used gradients min_bulk_ess verdict agreement"
bundled_models | while read -r name model data more; do
  case " ${MODELS:-$name} " in *" $name "*) ;; *) continue ;; esac
  for c in $chains; do
    for seed in ${SEEDS:-1}; do
      for w in ${WARMUPS:-1000 auto}; do
        dir="$out/$name-$c-$seed-$w"
        # shellcheck disable=SC2086
        "$bin" run "models/$model" "models/$data" $(for m in $more; do echo "models/$m"; done) --chains "$c" --seed "$seed" \
          --warmup "$w" --output-dir "$dir" --quiet > "$dir.log" 2>&1 || true
        used=$(sed -n 's/^# *num_warmup = *\([0-9]*\).*/\1/p' "$dir/output_1.csv" 2>/dev/null | head -1)
        grads=$(sed -n 's/.*; \([0-9]*\) gradient evaluations.*/\1/p' "$dir.log")
        ess=$(sed -n 's/^min bulk-ESS \([0-9]*\),.*/\1/p' "$dir.log")
        verdict=flagged
        grep -q "no problems found" "$dir.log" && verdict=clean
        echo "$name $c $seed $w ${used:-?} ${grads:-?} ${ess:-?} $verdict $(agree "$dir/summary.csv" "testdata/reference/$name.csv")"
      done
    done
  done
done
