#!/bin/sh
# Runs hmcc at its default settings (only --chains and --seed set) on models whose geometry is
# hard for a diagonal metric, for seeds 1..5, and compares each run with the long Stan reference
# in testdata/reference: every quantity's mean within 4 combined MCSEs and sd within 10 %.
# Usage (repository root): [MODELS="wide_regression ..."] bench/hard_models.sh [HMCC_BINARY] [CHAINS...]
# Prints one line per run: model chains seed ok/FAIL, the worst mean z and sd ratio, max R-hat,
# the verdict and the wall time.
set -eu
bin=${1:-hmcc}
shift || true
chains=${*:-"4 16"}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for model in ${MODELS:-wide_regression poly_regression}; do
  for c in $chains; do
    for seed in 1 2 3 4 5; do
      dir="$out/$model-$c-$seed"
      start=$(date +%s.%N)
      "$bin" run "models/$model.model" "models/$model.csv" --chains "$c" --seed "$seed" \
        --output-dir "$dir" --quiet > "$dir.log" 2>&1 || true
      end=$(date +%s.%N)
      python3 - "$dir/summary.csv" "testdata/reference/$model.csv" "$dir.log" "$model" "$c" "$seed" \
        "$(echo "$end - $start" | bc)" <<'PY'
import csv, math, sys
got_path, ref_path, log_path, model, chains, seed, wall = sys.argv[1:]
try:
    got = {r["name"]: r for r in csv.DictReader(open(got_path))}
except FileNotFoundError:
    print(f"{model} {chains} {seed} FAIL (no summary)")
    sys.exit(0)
def stan_name(n):  # the reference's beta.1 is summary.csv's beta[1]
    base, _, idx = n.partition(".")
    return base + "[" + idx.replace(".", ",") + "]" if idx else n
ref = {stan_name(r["name"]): r for r in csv.DictReader(open(ref_path))}
zmax, worst_sd, rhat = 0.0, 1.0, 0.0
for name, r in ref.items():
    g = got[name]
    se = math.hypot(float(g["mcse_mean"]), float(r["mcse_mean"]))
    zmax = max(zmax, abs(float(g["mean"]) - float(r["mean"])) / se)
    ratio = float(g["sd"]) / float(r["sd"])
    if abs(math.log(ratio)) > abs(math.log(worst_sd)):
        worst_sd = ratio
    rhat = max(rhat, float(g["rhat"]))
ok = zmax <= 4 and abs(worst_sd - 1) <= 0.10
verdict = "clean" if "no problems found" in open(log_path).read() else "flagged"
print(f"{model} {chains} {seed} {'ok' if ok else 'FAIL'} max|z|={zmax:.1f} sd-ratio={worst_sd:.3g} "
      f"max-rhat={rhat:.3f} verdict={verdict} wall={float(wall):.1f}s")
PY
    done
  done
done
