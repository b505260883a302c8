#!/usr/bin/env bash
# How close `hmcc pathfinder` (defaults) comes to the long Stan references in testdata/reference:
# for each model, Pareto k̂ as hmcc prints it, the largest |mean − reference mean| in reference
# sds, and the range of sd / reference sd over every quantity the reference lists. The figures
# in docs/samplers.md ("Against the long Stan references") come from this script.
#
#   bench/pathfinder_vs_reference.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
seed=${1:-1}
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); seed $seed"
run() { # name model data reference
  local out; out=$(mktemp -d)
  bin/hmcc pathfinder "$2" "$3" --seed "$seed" --output-dir "$out" > "$out/stdout.txt"
  local khat; khat=$(sed -n 's/.*Pareto k-hat \([^ ]*\).*/k̂ \1/p' "$out/stdout.txt" | head -1)
  grep -v '^#' "$out/pathfinder.csv" | awk -F, -v ref="$4" -v name="$1" -v khat="$khat" '
    BEGIN { while ((getline line < ref) > 0) { split(line, f, ","); if (f[1] != "name") { rm[f[1]] = f[2]; rs[f[1]] = f[3] } } }
    NR == 1 { for (i = 1; i <= NF; i++) col[i] = $i; next }
    { for (i = 1; i <= NF; i++) { s[i] += $i; ss[i] += $i * $i }; n++ }
    END {
      worst = 0; lo = 1e300; hi = 0
      for (i in col) {
        c = col[i]; if (!(c in rm) || rs[c] <= 0) continue
        m = s[i] / n; sd = sqrt((ss[i] - n * m * m) / (n - 1))
        z = (m - rm[c]) / rs[c]; if (z < 0) z = -z; if (z > worst) worst = z
        r = sd / rs[c]; if (r < lo) lo = r; if (r > hi) hi = r; k++
      }
      printf "%-14s %s  quantities %d  max |mean diff| %.2f ref sd  sd ratio %.2f–%.2f\n", name, khat, k, worst, lo, hi
    }'
  rm -rf "$out"
}
run kidiq models/kidiq.model models/kidiq.csv testdata/reference/kidiq.csv
run eight_schools models/eight_schools.model models/eight_schools.csv testdata/reference/eight_schools.csv
run german_credit models/sparse_logistic.model models/german_credit.csv testdata/reference/german_credit.csv
