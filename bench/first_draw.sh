#!/usr/bin/env bash
# Wall time of a whole `hmcc run --chains 4 --warmup 1 --draws 1` for every bundled model: parse,
# check, bind, lower, one warmup iteration, one draw and the summary — an upper bound on the time
# from `hmcc run` to the first warmup iteration (issue 4's target: under 1 s).
#   bench/first_draw.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for pair in "sparse_logistic german_credit" "sparse_logistic breast_cancer" "eight_schools eight_schools" \
  "kidiq kidiq" "radon radon_mn" "radon_slopes radon_mn"; do
  set -- $pair
  start=$(date +%s.%N)
  bin/hmcc run "models/$1.model" "models/$2.csv" --chains 4 --warmup 1 --draws 1 --output-dir "$out" --overwrite --quiet >/dev/null 2>&1
  printf "%-16s %-14s %.3f s\n" "$1" "$2" "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')"
done
