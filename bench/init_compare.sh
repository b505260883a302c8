#!/bin/sh
# Uniform(-2, 2) starts against Pathfinder starts (--init pathfinder) on every bundled model, at
# hmcc's defaults otherwise (WARMUP, default 1000, may be auto): chain-gradient evaluations of
# warmup and sampling, Pathfinder's log density evaluations, the warmup length used, min
# bulk-ESS, the verdict, and agreement with the long Stan reference (bench/models.sh). Gradients
# and ESS do not depend on the machine's load.
# Usage (repository root): [MODELS="kidiq radon"] [SEEDS="1 2"] [WARMUP=auto] bench/init_compare.sh [HMCC_BINARY] [CHAINS...]
set -eu
. bench/models.sh
bin=${1:-hmcc}
shift || true
chains=${*:-4}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "model chains seed init warmup_used sampler_gradients pathfinder_evals min_bulk_ess verdict agreement"
bundled_models | while read -r name model data more; do
  case " ${MODELS:-$name} " in *" $name "*) ;; *) continue ;; esac
  for c in $chains; do
    for seed in ${SEEDS:-1 2}; do
      for init in uniform pathfinder; do
        dir="$out/$name-$c-$seed-$init"
        flag=""
        flag="--init $init"
        # shellcheck disable=SC2086
        "$bin" run "models/$model" "models/$data" $(for m in $more; do echo "models/$m"; done) --chains "$c" --seed "$seed" \
          --warmup "${WARMUP:-1000}" $flag --output-dir "$dir" --quiet > "$dir.log" 2>&1 || true
        used=$(sed -n 's/^# *num_warmup = *\([0-9]*\).*/\1/p' "$dir/output_1.csv" 2>/dev/null | head -1)
        grads=$(sed -n 's/.*; \([0-9]*\) gradient evaluations.*/\1/p' "$dir.log")
        pf=$(sed -n 's/^init: Pathfinder draws ([0-9]* of [0-9]* paths, \([0-9]*\) log density.*/\1/p' "$dir.log")
        ess=$(sed -n 's/^min bulk-ESS \([0-9]*\),.*/\1/p' "$dir.log")
        verdict=flagged
        grep -q "no problems found" "$dir.log" && verdict=clean
        grep -q "^init: Pathfinder failed" "$dir.log" && verdict="$verdict(fell-back)"
        echo "$name $c $seed $init ${used:-?} ${grads:-?} ${pf:-0} ${ess:-?} $verdict $(agree "$dir/summary.csv" "testdata/reference/$name.csv")"
      done
    done
  done
done
