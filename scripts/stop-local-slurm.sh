#!/usr/bin/env bash
# stop-local-slurm.sh - stop the daemons started by scripts/start-local-slurm.sh (adapted from
# the reference in ../shared/slurm/).
# Only processes named in its pid files (and still running the expected binary)
# are signalled; nothing is killed by name. Config, munge key, logs, saved job
# state and the accounting database stay, so start-local-slurm.sh can bring the
# same cluster back (job ids continue).
#   LOCAL_SLURM_DIR          same folder the start script used (default /var/lib/local-slurm)
#   LOCAL_SLURM_CANCEL_JOBS  1 = scancel pending/running jobs first, so no job
#                            processes outlive slurmd (default 1)
#   LOCAL_SLURM_PURGE        1 = afterwards delete LOCAL_SLURM_DIR and the
#                            /etc/slurm/slurm.conf link (default 0)
set -euo pipefail

LS_DIR=${LOCAL_SLURM_DIR:-/var/lib/local-slurm}
CANCEL=${LOCAL_SLURM_CANCEL_JOBS:-1}
PURGE=${LOCAL_SLURM_PURGE:-0}
CONF=$LS_DIR/etc/slurm.conf
export SLURM_CONF=$CONF

[ "$(id -u)" -eq 0 ] || { echo "must run as root" >&2; exit 1; }

# pid_of <pidfile> <binary>: print the pid if it is alive and runs that binary
# (/usr/sbin/slurmctld is an alternatives link to slurmctld-wlm, hence readlink -f)
pid_of() {
  local pid exe
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' < "$1")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  [ "${exe% (deleted)}" = "$(readlink -f "$2")" ] || return 1
  echo "$pid"
}

stop_one() { # stop_one <pidfile> <binary>
  local pid name=${2##*/}
  if ! pid=$(pid_of "$1" "$2"); then
    [ -e "$2" ] && echo "[local-slurm] $name not running"
    rm -f "$1"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 150); do            # up to 30 s
    [ -d "/proc/$pid" ] || break
    sleep 0.2
  done
  if [ -d "/proc/$pid" ]; then
    echo "[local-slurm] $name (pid $pid) ignored SIGTERM for 30 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
  echo "[local-slurm] stopped $name (pid $pid)"
}

if [ "$CANCEL" = 1 ] && [ -f "$CONF" ] && pid_of "$LS_DIR/run/slurmctld.pid" /usr/sbin/slurmctld >/dev/null; then
  jobs=$(squeue -h -t PENDING,RUNNING,SUSPENDED,COMPLETING -o '%A' 2>/dev/null | sort -u || true)
  if [ -n "$jobs" ]; then
    echo "[local-slurm] cancelling jobs: $(tr "\n" " " <<<"$jobs")"
    # shellcheck disable=SC2086
    scancel $jobs || true
    for _ in $(seq 1 75); do          # up to 15 s for job steps to be torn down
      [ -z "$(squeue -h -t RUNNING,COMPLETING -o '%A' 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
fi

stop_one "$LS_DIR/run/slurmd.pid"       /usr/sbin/slurmd
stop_one "$LS_DIR/run/slurmctld.pid"    /usr/sbin/slurmctld
stop_one "$LS_DIR/run/slurmdbd.pid"     /usr/sbin/slurmdbd
stop_one "$LS_DIR/mysql/mariadbd.pid"   /usr/sbin/mariadbd
stop_one "$LS_DIR/munge/munged.pid"     /usr/sbin/munged

if [ "$PURGE" = 1 ]; then
  if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$CONF" ]; then
    rm -f /etc/slurm/slurm.conf
  fi
  rm -rf "${LS_DIR:?}"
  echo "[local-slurm] removed $LS_DIR"
fi
