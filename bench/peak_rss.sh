#!/usr/bin/env bash
# Runs a command and prints, on stderr as "peak_rss_mb=N", the largest total resident memory of
# the command and all its descendants, sampled every second with one `ps` call (GNU time reports
# the largest single process, which undercounts Stan's, whose chains run in worker processes). A
# single process's peak is also read exactly from GNU time's maximum resident set size, and the
# larger of the two is printed. Polling takes CPU from a CPU-bound run (measured: 20% of a
# two-core hmcc run at a 0.5 s interval), so bench/compare.sh takes timings from separate runs.
#   bench/peak_rss.sh CMD [ARGS...]
set -uo pipefail
timefile=$(mktemp)
/usr/bin/time -f "%M" -o "$timefile" "$@" &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
  rss=$(ps -e -o pid=,ppid=,rss= | awk -v root="$pid" '
    { parent[$1] = $2; rss[$1] = $3 }
    END {
      for (p in parent) {
        q = p
        while (q != "" && q != 0 && q != 1 && q != root) q = parent[q]
        if (q == root) sum += rss[p]
      }
      print sum + 0 }')
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 1
done
wait "$pid"
status=$?
single=$(tail -1 "$timefile" 2>/dev/null)
rm -f "$timefile"
[[ "$single" =~ ^[0-9]+$ ]] && [ "$single" -gt "$peak" ] && peak=$single
echo "peak_rss_mb=$((peak / 1024))" >&2
exit $status
