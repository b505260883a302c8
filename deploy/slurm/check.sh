#!/bin/bash
# The Slurm check (issue 18; docs/scale-out.md, "Slurm"): on this machine, as root, install
# Debian's slurm-wlm and munge if they are missing, start a one-node cluster (munged,
# slurmctld, slurmd) configured for localhost in a temporary directory, submit
# deploy/slurm/hmcc.sbatch as an array of 4 shards of eight schools, wait, merge the shards with
# `hmcc summary`, and compare with the same 4 shards run here without Slurm: every chain file's
# draw rows must be the same bytes, and so the merged summaries' tables. Every daemon it
# started is stopped by its process id, and the temporary directory removed, on success and on
# failure. Prints how long each phase took.
#
#   deploy/slurm/check.sh                 # from the repository root; exit 0 when it passes
#   KEEP=1 deploy/slurm/check.sh          # keep the temporary directory (logs, shards)
#   HMCC=/path/to/hmcc deploy/slurm/check.sh   # test that binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/../.."
t0=$(date +%s)
phase_start=$t0
phase() { # phase NAME: print how long the phase that just ended took
	local now
	now=$(date +%s)
	printf 'check.sh: %-28s %4ds\n' "$1" $((now - phase_start))
	phase_start=$now
}
fail() {
	echo "check.sh: FAIL: $*" >&2
	exit 1
}

if [ "$(id -u)" != 0 ]; then
	fail "run as root: it installs packages and starts slurmctld and slurmd as root"
fi

tmp=$(mktemp -d /tmp/hmcc-slurm.XXXXXX)
pids=() # daemons started here, stopped in reverse order
cleanup() {
	local status=$?
	set +e
	trap '' INT TERM # a second Ctrl-C must not cut the cleanup short
	if [ -n "${SLURM_CONF:-}" ] && [ -n "${job:-}" ]; then
		# Jobs still queued or running (a failure mid-check): cancel them before the daemons
		# that would reap them go.
		scancel "$job" 2>/dev/null
		for _ in $(seq 30); do
			[ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
			sleep 1
		done
	fi
	for ((k = ${#pids[@]} - 1; k >= 0; k--)); do
		kill -TERM "${pids[k]}" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "${pids[k]}" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "${pids[k]}" 2>/dev/null
		wait "${pids[k]}" 2>/dev/null
	done
	if [ "$status" != 0 ]; then
		for log in "$tmp"/*.log "$tmp"/slurm-*.out; do
			[ -f "$log" ] && { echo "--- $log (last 20 lines)"; tail -n 20 "$log"; }
		done >&2
	fi
	if [ -n "${KEEP:-}" ]; then
		echo "check.sh: kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. hmcc itself (HMCC: a binary built already, e.g. when called through sudo without Go).
if [ -n "${HMCC:-}" ]; then
	hmcc=$(realpath "$HMCC")
else
	go build -o "$tmp/hmcc" ./cmd/hmcc
	hmcc=$tmp/hmcc
fi
"$hmcc" version >/dev/null || fail "$hmcc does not run"
phase "build hmcc"

# 2. Debian's Slurm and MUNGE. (In a container, policy-rc.d keeps the packages from starting
# their own daemons; on a machine with systemd they start on their default ports and socket,
# which the cluster below does not use.)
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
	install() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends slurm-wlm munge; }
	install >"$tmp/apt.log" 2>&1 || { apt-get -o DPkg::Lock::Timeout=900 update && install; } >>"$tmp/apt.log" 2>&1 ||
		{ tail -n 20 "$tmp/apt.log"; fail "cannot install slurm-wlm and munge"; }
	phase "install slurm-wlm, munge"
else
	phase "slurm-wlm, munge installed"
fi
echo "check.sh: $(slurmctld -V), munge $(dpkg-query -W -f '${Version}' munge 2>/dev/null)"

# 3. MUNGE with a key, socket and files of its own (--force: as root, in a world-writable /tmp).
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 600 "$tmp/munge.key"
munged -F --force --key-file="$tmp/munge.key" --socket="$tmp/munge.socket" \
	--pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed" >"$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge.socket" ] || fail "munged did not start (see $tmp/munged.log)"

# 4. A one-node cluster on this machine. Ports away from Slurm's defaults, so that a cluster
# already here is not disturbed.
host=$(hostname)
port=$((20000 + $$ % 20000))
mem=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
mkdir -p "$tmp/state" "$tmp/spool"
cat >"$tmp/slurm.conf" <<CONF
ClusterName=hmcccheck
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -c -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 120); do
	state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
	case $state in idle | mixed | allocated) break ;; esac
	sleep 0.5
done
case $state in idle | mixed | allocated) ;; *) fail "the node did not come up (state '$state'; see $tmp/slurmctld.log, $tmp/slurmd.log)" ;; esac
phase "start munged, slurmctld, slurmd"

# 5. The array: 4 shards of 4 chains each, through the job script.
flags=(--chains 4 --warmup 300 --draws 300 --seed 18)
model=models/eight_schools.model data=models/eight_schools.csv
job=$(HMCC=$hmcc sbatch --parsable --array=1-4 --output="$tmp/slurm-%A_%a.out" \
	deploy/slurm/hmcc.sbatch "$model" "$data" "$tmp/slurm" "${flags[@]}")
echo "check.sh: submitted array job $job"
for _ in $(seq 600); do
	[ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
	sleep 0.5
done
[ -z "$(squeue -h -j "$job")" ] || fail "the array job $job did not finish in 5 minutes"
for i in 1 2 3 4; do
	[ -s "$tmp/slurm/shard-$i/summary.csv" ] || fail "array task $i left no summary.csv in $tmp/slurm/shard-$i"
done
phase "sbatch --array=1-4, wait"

# 6. The same shards here, without Slurm.
for i in 1 2 3 4; do
	"$hmcc" run "$model" "$data" --shard "$i/4" --output-dir "$tmp/local/shard-$i" --quiet "${flags[@]}" >/dev/null
done
phase "the 4 shards run locally"

# 7. Merge both and compare: the draws bytewise, and the summaries' tables.
"$hmcc" summary "$tmp"/slurm/shard-{1,2,3,4} | tee "$tmp/merged-slurm.txt"
"$hmcc" summary "$tmp"/local/shard-{1,2,3,4} >"$tmp/merged-local.txt"
grep -q '^merging 4 of 4 shard(s):' "$tmp/merged-slurm.txt" || fail "the merge does not say it merged 4 of 4 shards"
grep -q '^criterion: .*nested R-hat ≤ 1.01 over the 4 shards' "$tmp/merged-slurm.txt" || fail "the merge does not judge nested R-hat over the shards"
n=0
for i in 1 2 3 4; do
	for f in "$tmp/local/shard-$i"/output_*.csv; do
		g=$(basename "$f")
		cmp -s <(grep -v '^#' "$f") <(grep -v '^#' "$tmp/slurm/shard-$i/$g") ||
			fail "shard $i's $g: the draw rows differ between the Slurm task and the local run"
		n=$((n + 1))
	done
done
[ "$n" = 16 ] || fail "compared $n chain files, want 16"
table() { sed -n '/^ *mean /,/^$/p' "$1"; }
cmp -s <(table "$tmp/merged-slurm.txt") <(table "$tmp/merged-local.txt") || fail "the merged summaries' tables differ"
phase "merge and compare"
# 8. The time limit's warning mid-run (what --signal sends): the task stops hmcc, requeues
# itself and, run again, continues with hmcc run --resume; the shard's files must be those of
# the same shard run here without a stop.
long=(--chains 4 --warmup 300 --draws 20000 --seed 18)
job=$(HMCC=$hmcc HMCC_SHARDS=4 sbatch --parsable --array=2 --output="$tmp/slurm-%A_%a.out" \
	deploy/slurm/hmcc.sbatch "$model" "$data" "$tmp/requeue" "${long[@]}")
task=${job}_2
out=$tmp/requeue/shard-2
rows() { if [ -f "$1" ]; then grep -vc '^#' "$1" || true; else echo 0; fi; }
for _ in $(seq 600); do
	[ -f "$out/hmcc_checkpoint.json" ] && [ "$(rows "$out/output_5.csv")" -gt 2000 ] && break
	sleep 0.2
done
[ -f "$out/hmcc_checkpoint.json" ] && [ "$(rows "$out/output_5.csv")" -gt 2000 ] || fail "the long shard did not get going (see $tmp/slurm-${task}.out)"
scancel --batch --signal=USR1 "$task" || fail "cannot signal task $task: did it finish before it could be stopped?"
for _ in $(seq 150); do
	grep -q "requeueing shard 2/4" "$tmp/slurm-${task}.out" 2>/dev/null && [ "$(squeue -h -j "$task" -o %T 2>/dev/null)" = PENDING ] && break
	sleep 0.2
done
[ "$(squeue -h -j "$task" -o %T 2>/dev/null)" = PENDING ] || fail "the task did not requeue itself after SIGUSR1 (see $tmp/slurm-${task}.out)"
stopped=$(rows "$out/output_5.csv")
scontrol update JobId="$task" StartTime=now # a requeued job waits a while before it may start
for _ in $(seq 900); do
	[ -z "$(squeue -h -j "$task" 2>/dev/null)" ] && break
	sleep 0.2
done
[ -z "$(squeue -h -j "$task" 2>/dev/null)" ] || fail "the requeued task did not finish in 3 minutes"
grep -q "continuing the stopped run" "$tmp/slurm-${task}.out" || fail "the requeued task did not continue with --resume (see $tmp/slurm-${task}.out)"
"$hmcc" run "$model" "$data" --shard 2/4 --output-dir "$tmp/local-long" --quiet "${long[@]}" >/dev/null
for g in 5 6 7 8; do
	cmp -s <(grep -v '^#' "$tmp/local-long/output_$g.csv") <(grep -v '^#' "$out/output_$g.csv") ||
		fail "output_$g.csv: the draw rows of the stopped and continued task differ from an uninterrupted run's"
done
echo "check.sh: stopped at $((stopped - 1)) of 20000 draws, requeued, resumed: the same draws as an uninterrupted run"
phase "stop, requeue, --resume"
echo "check.sh: PASS: 4 Slurm array tasks wrote the same draws as the 4 shards run here (16 chain files compared bytewise); a task stopped by the time limit's warning, requeued and resumed wrote those of an uninterrupted run; total $(($(date +%s) - t0))s"
