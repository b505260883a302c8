#!/bin/sh
# Issue 13's evidence that the defaults are right: every bundled model (bench/models.sh, plus
# mvn, gp_poisson and radon_correlated) and the two hard ones (wide_regression, poly_regression)
# run with `hmcc run MODEL DATA --seed S` and nothing else, seeds 1..5, each compared with its
# long reference in testdata/reference: every quantity's mean within 4 combined MCSEs, every sd
# within 10 %, and the verdict clean ("no problems found"). Correctness, not speed: the machine's
# load does not change the draws.
# Usage (repository root): [MODELS="kidiq ..."] [SEEDS="1 2 3 4 5"] bench/defaults_check.sh [HMCC_BINARY]
# Prints one line per run, then a markdown table per model: runs agreeing, runs clean, the worst
# |z| and sd ratio, the largest R-hat, the divergences, and what the verdicts flagged.
set -eu
. bench/models.sh
bin=${1:-hmcc}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
all_models() {
  bundled_models
  cat <<'LIST'
mvn mvn.model mvn.csv
gp_poisson gp_poisson.model gp_poisson.csv
radon_correlated radon_correlated.model radon_mn.csv
LIST
}
echo "# $("$bin" version 2>/dev/null | head -1 || echo "$bin"); commit $(git rev-parse --short HEAD 2>/dev/null || echo ?); $(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
all_models | while read -r name model data more; do
  case " ${MODELS:-$(all_models | cut -d' ' -f1 | tr '\n' ' ')} " in *" $name "*) ;; *) continue ;; esac
  for seed in ${SEEDS:-1 2 3 4 5}; do
    dir="$out/$name-$seed"
    # shellcheck disable=SC2046
    "$bin" run "models/$model" "models/$data" $(for f in $more; do echo "models/$f"; done) --seed "$seed" \
      --output-dir "$dir" --quiet > "$dir.log" 2>&1 || true
    python3 - "$dir/summary.csv" "testdata/reference/$name.csv" "$dir.log" "$name" "$seed" <<'PY'
import csv, math, re, sys
got_path, ref_path, log_path, name, seed = sys.argv[1:]
log = open(log_path).read()
try:
    got = {r["name"]: r for r in csv.DictReader(open(got_path))}
except FileNotFoundError:
    print(f"RUN {name} {seed} FAIL no-summary 0 1 0 0 -"); sys.exit(0)
def stan_name(n):  # the reference's beta.1 is summary.csv's beta[1], X.2.3 is X[2,3]
    base, _, idx = n.partition(".")
    return base + "[" + idx.replace(".", ",") + "]" if idx else n
ref = {stan_name(r["name"]): r for r in csv.DictReader(open(ref_path))}
def num(v):  # a correlation factor's constants have NA for their MCSE, ESS and R-hat
    try:
        return float(v)
    except ValueError:
        return 0.0
zmax, worst, rhat, worstname = 0.0, 1.0, 0.0, "-"
for n, r in ref.items():
    g = got.get(n)
    if g is None:
        print(f"RUN {name} {seed} FAIL missing:{n} 0 1 0 0 -"); sys.exit(0)
    if float(r["sd"]) <= 1e-12 * max(1, abs(float(r["mean"]))):
        # a constant (a correlation matrix's diagonal): the same number, its sd is rounding
        if abs(float(g["mean"]) - float(r["mean"])) > 1e-9 * max(1, abs(float(r["mean"]))):
            zmax, worstname = math.inf, n
        continue
    se = math.hypot(num(g["mcse_mean"]), num(r["mcse_mean"]))
    if se > 0:
        z = abs(float(g["mean"]) - float(r["mean"])) / se
        if z > zmax:
            zmax, worstname = z, n
    if float(r["sd"]) > 0 and float(g["sd"]) > 0:
        ratio = float(g["sd"]) / float(r["sd"])
        if abs(math.log(ratio)) > abs(math.log(worst)):
            worst = ratio
    rhat = max(rhat, num(g["rhat"]))
ok = zmax <= 4 and abs(worst - 1) <= 0.10
m = re.search(r"divergences: (\d+) of", log)
div = int(m.group(1)) if m else -1
clean = "no problems found" in log
flags = []
for line in log.splitlines():
    s = line.strip()
    if s.startswith("- R-hat"): flags.append("R-hat")
    elif re.match(r"- \d+ divergent", s): flags.append("divergences")
    elif s.startswith("- bulk- or tail-ESS"): flags.append("ESS")
    elif "E-BFMI" in s and s.startswith("-"): flags.append("E-BFMI")
    elif "tree depth" in s and s.startswith("-"): flags.append("treedepth")
print(f"RUN {name} {seed} {'agree' if ok else 'DISAGREE'} {zmax:.2f} {worst:.3f} {rhat:.4f} {div} {'clean' if clean else 'flagged:' + ','.join(flags)} {worstname}")
PY
  done
done | tee "$out/runs.txt"
echo
echo "| model | agree (of runs) | clean verdict | max \\|z\\| | sd ratio range | max R-hat | divergences per run | flagged |"
echo "|---|---|---|---|---|---|---|---|"
python3 - "$out/runs.txt" <<'PY'
import sys, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    f = line.split()
    if not f or f[0] != "RUN": continue
    rows.setdefault(f[1], []).append(f[2:])
for name, runs in rows.items():
    agree = sum(r[1] == "agree" for r in runs)
    clean = sum(r[6] == "clean" for r in runs)
    z = max(float(r[2]) for r in runs)
    sds = [float(r[3]) for r in runs]
    rh = max(float(r[4]) for r in runs)
    divs = " ".join(r[5] for r in runs)
    flags = sorted({fl for r in runs if r[6] != "clean" for fl in r[6].split(":", 1)[1].split(",") if fl})
    print(f"| {name} | {agree}/{len(runs)} | {clean}/{len(runs)} | {z:.1f} | {min(sds):.3f}–{max(sds):.3f} | {rh:.3f} | {divs} | {', '.join(flags) or '—'} |")
PY
