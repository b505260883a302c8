#!/usr/bin/env bash
# A/B of a change: an old build of hmcc and of the compiler package's test binary (go test -c) against
# this tree's, interleaved round by round in one sitting: BenchmarkLogDensityGrad (German credit and
# eight schools, float64, one thread, 16 and 128 chains) and the wall time of a 64-chain German
# credit hmcc run at default settings.
#   bench/ab.sh OLD_HMCC OLD_COMPILER_TEST [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
old_hmcc=$1 old_test=$2 rounds=${3:-3}
mkdir -p bin
go build -o bin/hmcc ./cmd/hmcc
go test -c -o bin/compiler.test ./compiler
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  for v in old new; do
    if [ $v = old ]; then h=$old_hmcc t=$old_test; else h=$PWD/bin/hmcc t=$PWD/bin/compiler.test; fi
    (cd compiler && "$t" -test.run XXX -test.bench 'LogDensityGrad/(german_credit|eight_schools)/f64/T=1/C=(16|128)$' -test.benchtime 2s) |
      awk -v v=$v -v r=$r '/^Benchmark/ {printf "round %s %-3s %-60s %10s ns/op\n", r, v, $1, $3}'
    out=$(mktemp -d)
    s=$(date +%s.%N)
    "$h" run models/sparse_logistic.model models/german_credit.csv --chains 64 --seed 1 --output-dir "$out" --quiet >/dev/null
    e=$(date +%s.%N)
    printf "round %s %-3s hmcc run german_credit --chains 64: %.2f s\n" "$r" "$v" "$(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')"
    rm -rf "$out"
  done
done
