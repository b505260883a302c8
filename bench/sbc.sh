#!/usr/bin/env bash
# Long simulation-based calibration: 1000 replications per sampler and model (the test suite runs
# 120 from uniform starts with a fixed warmup, TestSBC, and 40 from Pathfinder starts with
# --warmup auto, TestSBCPathfinderStartsAutoWarmup). Prints each quantity's chi-square statistic,
# p-value and rank histogram. TESTS='TestSBCPathfinderStartsAutoWarmup' runs only the second.
#   bench/sbc.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
HMCC_SBC_REPS="${1:-1000}" go test -count=1 -run "${TESTS:-TestSBC}" -v -timeout 120m ./runtime/ | grep -E 'χ²|^(---|ok|FAIL)'
