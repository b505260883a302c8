#!/usr/bin/env bash
# The first hour on a GPU machine, as one command. Build here with scripts/cuda-check.sh, carry the
# working tree with bin/ to the GPU machine (it has no Go toolchain) and run from the repository
# root there:
#
#   scripts/gpu-check.sh            # about 8 minutes at most on one H100/H200
#
# Every check prints one summary line "gpu-check: CHECK: PASS|FAIL|SKIP details"; the full output of
# each goes to $OUT (default a temporary folder; the device tool brings back $OUT). Checks:
#   env         driver, card, compute capability, the libraries the binaries load (ldd, no
#               "not found"), every CUDA symbol bound (LD_BIND_NOW)
#   memcheck    compute-sanitizer memcheck over every kernel: the log density of every bundled
#               model (7 chains, both precisions), the transition (device draws too), the ring and
#               the warmup reductions
#   tests       the GPU tests at 1, 7, 300, 1024 and 16384 chains in both precisions: log density
#               and gradient against the CPU executor, bitwise repeatable (any block size), the
#               transition, sampling through the ring, warmup statistics reduced on the device
#   throughput  chain-gradients/s, German credit, at 128, 1024, 4096, 16384 chains: log density
#               with θ crossing the bus (both precisions) and whole transitions on the device
#   end-to-end  hmcc-gpu run on German credit, 16384 chains: min bulk-ESS/s and max R-hat
# Exit status 0 when every check passes. On a machine without a GPU each check says so and fails
# (scripts/cuda-check.sh runs it that way, against the stub driver, to keep it working).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$(mktemp -d)}
BUDGET=${HMCC_GPU_CHECK_BUDGET:-470} # seconds for everything; each check gets its share
mkdir -p "$OUT"
start=$SECONDS
failed=0
line() { # check status details
  echo "gpu-check: $1: $2 $3"
  [ "$2" = PASS ] || [ "$2" = SKIP ] || failed=1
}
# limit SHARE: the seconds a check may take, its share but never past the budget
limit() { local left=$((BUDGET - (SECONDS - start))); echo $(( $1 < left ? $1 : (left > 5 ? left : 5) )); }
# last: the last meaningful line of a log, for a summary; on a machine without a GPU, saying so
last() {
  if grep -q 'NoDevice' "$1"; then
    echo "no CUDA device: the binary stopped in cu's initialiser (NoDevice)"
  else
    grep -v '^\s*$' "$1" | tail -1 | cut -c1-200
  fi
}
GPUTEST=$PWD/bin/gpu.test HMCC=$PWD/bin/hmcc-gpu
for f in "$GPUTEST" "$HMCC"; do
  [ -x "$f" ] || { echo "gpu-check: $f is missing: build it with scripts/cuda-check.sh and carry bin/" >&2; exit 2; }
done

# env
{
  if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader 2>&1; fi
  for f in "$HMCC" "$GPUTEST"; do echo "== ldd $f"; ldd "$f" 2>&1; done
  echo "== LD_BIND_NOW=1 hmcc-gpu version"; LD_BIND_NOW=1 timeout 60 "$HMCC" version 2>&1
} > "$OUT/env.txt"
status=$?
gpu=$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>/dev/null | head -1)
libs=$(grep -oE '(libcuda|libcublasLt|libcublas|libnvrtc)[^ ]* => [^ ]+' "$OUT/env.txt" | sort -u | sed 's/ => /=/' | tr '\n' ' ')
if grep -q '=> not found' "$OUT/env.txt"; then
  line env FAIL "libraries not found: $(grep '=> not found' "$OUT/env.txt" | sort -u | tr -s ' \t\n' ' ')"
elif [ -z "$gpu" ]; then
  line env FAIL "no NVIDIA driver or GPU (no nvidia-smi, or it sees no card); libraries: $libs"
elif [ "$status" -ne 0 ]; then
  line env FAIL "$gpu; hmcc-gpu version failed: $(last "$OUT/env.txt")"
else
  line env PASS "$gpu; $(grep -A1 'hmcc-gpu version' "$OUT/env.txt" | tail -1); $libs"
fi

# memcheck
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -z "$sanitizer" ]; then
  line memcheck SKIP "compute-sanitizer not found (CUDA toolkit's bin/)"
else
  (cd runtime/gpu && HMCC_GPU_CHAINS=7 HMCC_PTX_CACHE=off timeout "$(limit 100)" "$sanitizer" --tool memcheck --error-exitcode 3 \
    --leak-check no "$GPUTEST" -test.run 'TestMatchesCPU|TestTransition|TestWarmupStats' -test.count 1) > "$OUT/memcheck.txt" 2>&1
  status=$?
  errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) error.*/\1/p' "$OUT/memcheck.txt" | tail -1)
  if [ "$status" -eq 0 ] && [ "${errors:-0}" = 0 ]; then
    line memcheck PASS "0 errors over $(grep -c '^=== RUN' "$OUT/memcheck.txt" || true) tests"
  else
    line memcheck FAIL "status $status, ${errors:-?} errors: $(last "$OUT/memcheck.txt")"
  fi
fi

# tests
(cd runtime/gpu && timeout "$(limit 150)" "$GPUTEST" -test.v -test.count 1 -test.run 'TestMatchesCPU|TestDeterministic|TestTransition|TestSamples|TestWarmupStats') > "$OUT/tests.txt" 2>&1
status=$?
pass=$(grep -c -- '--- PASS' "$OUT/tests.txt") fail=$(grep -c -- '--- FAIL' "$OUT/tests.txt")
if [ "$status" -eq 0 ]; then
  line tests PASS "$pass passed (1 … 16384 chains, float32 and float64)"
else
  line tests FAIL "status $status, $pass passed, $fail failed: $(grep -m1 -- '--- FAIL' "$OUT/tests.txt" || last "$OUT/tests.txt")"
fi

# throughput
(cd runtime/gpu && timeout "$(limit 80)" "$GPUTEST" -test.run XXX -test.bench 'LogDensityGrad|Transition|WarmupReduce' -test.benchtime 1s) > "$OUT/throughput.txt" 2>&1
status=$?
figures=$(awk '/chain-grads\/s/ {for (i = 1; i < NF; i++) if ($(i+1) == "chain-grads/s") v = $i; n = $1; sub(/^Benchmark/, "", n); sub(/-[0-9]+$/, "", n); printf "%s %.3g; ", n, v}' "$OUT/throughput.txt")
reduce=$(awk '/^BenchmarkWarmupReduce/ && $4 == "ns/op" {n = $1; sub(/^Benchmark/, "", n); sub(/-[0-9]+$/, "", n); printf "%s %.3g us; ", n, $3 / 1000}' "$OUT/throughput.txt")
if [ "$status" -eq 0 ] && [ -n "$figures" ]; then
  line throughput PASS "chain-gradients/s: $figures(goal: Transition/float32/C=16384 >= 3e7); warmup reduction per iteration: ${reduce:-none}"
else
  line throughput FAIL "status $status: ${figures:-$(last "$OUT/throughput.txt")}"
fi

# end-to-end
WARMUP=${WARMUP:-500} DRAWS=${DRAWS:-200} OUT="$OUT/e2e" HMCC="$HMCC" timeout "$(limit 140)" \
  bench/german_credit_device.sh 16384 --device gpu --precision float32 > "$OUT/e2e.txt" 2>&1
status=$?
result=$(grep '^chains=' "$OUT/e2e.txt" | tr -s ' ')
rhat=$(sed -n 's/.*max_rhat=\([0-9.]*\).*/\1/p' <<<"$result")
if [ "$status" -eq 0 ] && [ -n "$result" ] && awk -v r="${rhat:-9}" 'BEGIN {exit !(r < 1.01)}'; then
  line end-to-end PASS "German credit, $result (goal: ess_per_s >= 20000)"
else
  detail=$(last "$OUT/e2e.txt")
  [ -s "$OUT/e2e/german_credit_16384/stdout.txt" ] && detail=$(last "$OUT/e2e/german_credit_16384/stdout.txt")
  line end-to-end FAIL "status $status: ${result:-$detail}"
fi
rm -rf "$OUT/e2e/german_credit_16384"/output*.csv 2>/dev/null # 16384 CSVs are not worth bringing back

echo "gpu-check: $((SECONDS - start)) s; logs in $OUT"
exit $failed
