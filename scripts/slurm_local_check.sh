#!/usr/bin/env bash
# Runs the sbatch scripts of docs/CLUSTER.md (scripts/slurm/) end to end on a private
# single-node Slurm: munged, slurmctld and slurmd on this machine, their state, sockets and
# logs in a scratch folder, ports 6917/6918; everything is stopped at the end. Not in CI
# (it needs root and Debian's slurm-wlm and munge: scripts/install-deps.sh --slurm).
#
#   FAULTBENCH_DATA=ROOT scripts/slurm_local_check.sh [BUILD_DIR]     (default: build)
#
# The campaign: ResNet20 with the reference weights of the data root (docs/DATA.md), 24
# faults, 64 test images. Checks: the MPI job (2 ranks, 1 CPU each), the job array (3 parts)
# + merge, and srun --mpi=pmix (2 ranks) all write the bytes of a single-process run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
FB=$BUILD/faultbench
DATA=${FAULTBENCH_DATA:?set FAULTBENCH_DATA to a data root with CIFAR-10 and the ResNet20 weights}
[ "$(id -u)" = 0 ] || { echo "slurm_local_check: run as root (slurmd starts jobs as their user)" >&2; exit 2; }
for c in munged slurmctld slurmd sbatch mpirun python3; do
  command -v "$c" > /dev/null || { echo "slurm_local_check: $c is missing (scripts/install-deps.sh --slurm)" >&2; exit 2; }
done
W=$(mktemp -d /tmp/fb-slurm.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  for _ in $(seq 20); do  # the daemons save their state before they exit
    alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2> /dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  echo "slurm_local_check: logs kept in $W"
}
trap cleanup EXIT

echo "== munge (private key and socket)"
mkdir -m 700 "$W/munge"
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge/munge.key"
munged --force --socket="$W/munge/munge.socket" --key-file="$W/munge/munge.key" \
  --pid-file="$W/munge/munged.pid" --log-file="$W/munge/munged.log" --seed-file="$W/munge/munged.seed"
PIDS+=("$(cat "$W/munge/munged.pid")")

echo "== slurmctld + slurmd on $(hostname -s)"
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
mkdir -p "$W/ctld" "$W/d"
cat > "$W/slurm.conf" << CONF
ClusterName=fbcheck
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6917
SlurmdPort=6918
AuthType=auth/munge
AuthInfo=socket=$W/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$W/ctld
SlurmdSpoolDir=$W/d
SlurmctldPidFile=$W/ctld.pid
SlurmdPidFile=$W/d.pid
SlurmctldLogFile=$W/ctld.log
SlurmdLogFile=$W/d.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=check Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$W/slurm.conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 30); do
  [ -f "$W/ctld.pid" ] && [ -f "$W/d.pid" ] && sinfo -h -o %T 2> /dev/null | grep -q idle && break
  sleep 1
done
PIDS+=("$(cat "$W/d.pid")" "$(cat "$W/ctld.pid")")
sinfo

echo "== the campaign's inputs"
cd "$W"
"$FB" faultlist --model resnet20 --dataset cifar10 --count 24 --seed 3 --out list.csv 2>&1 | tail -n 1
EXTRA="--data-dir $DATA --images 64"
"$FB" campaign --model resnet20 --dataset cifar10 --faults list.csv --out single.csv --threads 1 $EXTRA 2> single.log
echo "single process: $(wc -l < single.csv) lines, sha256 $(sha256sum < single.csv | cut -c1-16)"

wait_job() {
  local job=$1
  while squeue -h -j "$job" 2> /dev/null | grep -q .; do sleep 1; done
}

echo "== MPI job: sbatch --nodes=1 --ntasks=2 --cpus-per-task=1 scripts/slurm/campaign_mpi.sbatch"
job=$(sbatch --parsable --nodes=1 --ntasks=2 --cpus-per-task=1 \
  --export=ALL,FAULTBENCH="$FB",FAULTS=list.csv,OUT=mpi.csv,EXTRA="$EXTRA" "$ROOT/scripts/slurm/campaign_mpi.sbatch")
wait_job "$job"
cat "fb-campaign-$job.log"

echo "== job array: sbatch --array=1-3 scripts/slurm/campaign_array.sbatch, then merge.sbatch after it"
array=$(sbatch --parsable --array=1-3 --cpus-per-task=1 \
  --export=ALL,FAULTBENCH="$FB",FAULTS=list.csv,PARTS=parts,EXTRA="$EXTRA" "$ROOT/scripts/slurm/campaign_array.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" \
  --export=ALL,FAULTBENCH="$FB",PARTS=parts,OUT=merged.csv "$ROOT/scripts/slurm/merge.sbatch")
wait_job "$array"
wait_job "$merge"
for k in 1 2 3; do tail -n 2 "fb-part-${array}_$k.log"; done
cat "fb-merge-$merge.log"

echo "== srun: srun --mpi=pmix --ntasks=2 --cpus-per-task=1 faultbench campaign ... (Slurm starts the ranks)"
# shellcheck disable=SC2086 # EXTRA is a list of options
srun --mpi=pmix --ntasks=2 --cpus-per-task=1 "$FB" campaign --model resnet20 --dataset cifar10 --faults list.csv \
  --out srun.csv --threads 1 $EXTRA 2>&1 | grep -v '^campaign:  ' || true

echo "== results"
status=0
for f in mpi.csv merged.csv srun.csv; do
  if cmp -s single.csv "$f"; then
    echo "$f: byte-identical to the single-process run"
  else
    echo "$f: DIFFERS from the single-process run (or is missing)"
    status=1
  fi
done
exit $status
