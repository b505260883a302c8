#!/usr/bin/env bash
# Runs a command and prints, on stderr as "peak_rss_mb=N", the largest total resident memory of
# the command and all its descendants, polled every 50 ms. (GNU time reports the largest single
# process, which undercounts Stan's, whose chains run in worker processes.)
#   bench/peak_rss.sh CMD [ARGS...]
set -uo pipefail
"$@" &
pid=$!
peak=0
tree_rss() {
  local pids=($1) frontier=($1) next
  while [ ${#frontier[@]} -gt 0 ]; do
    next=($(for p in "${frontier[@]}"; do pgrep -P "$p"; done))
    pids+=("${next[@]}")
    frontier=("${next[@]}")
  done
  ps -o rss= -p "$(IFS=,; echo "${pids[*]}")" 2>/dev/null | awk '{s += $1} END {print s + 0}'
}
while kill -0 "$pid" 2>/dev/null; do
  rss=$(tree_rss "$pid")
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.05
done
wait "$pid"
status=$?
echo "peak_rss_mb=$((peak / 1024))" >&2
exit $status
