#!/bin/sh
# dcaas: set up a Son of Grid Engine head node (Debian gridengine packages).
# Idempotent: run it again and it only does what is missing. The test suite runs
# this same script to stand up the real SGE it tests against.
#
# Environment (all optional):
#   SGE_ROOT, SGE_CELL            default /var/lib/gridengine, default
#   DCAAS_SGE_QUEUE               cluster queue workers join (default all.q)
#   DCAAS_SGE_HOSTGROUP           hostgroup of workers (default @allhosts)
#   DCAAS_SGE_LOAD_THRESHOLDS     queue load_thresholds (default np_load_avg=1.75; tests use NONE)
#   DCAAS_SGE_SCHEDULE_INTERVAL   scheduler interval, e.g. 0:0:15 (default: leave as is)
#   DCAAS_SGE_SUBMIT_USER         a non-root user to create for submitting jobs (min_uid is 1000)
#   DCAAS_SGE_INSTALL             1: install the packages when missing (default 1)
set -eu
SGE_ROOT=${SGE_ROOT:-/var/lib/gridengine}
SGE_CELL=${SGE_CELL:-default}
export SGE_ROOT SGE_CELL
queue=${DCAAS_SGE_QUEUE:-all.q}
hostgroup=${DCAAS_SGE_HOSTGROUP:-@allhosts}
thresholds=${DCAAS_SGE_LOAD_THRESHOLDS:-np_load_avg=1.75}
host=$(hostname)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Packages, preseeded so that the package creates the cell itself.
if [ ! -x /usr/sbin/sge_qmaster ] && [ "${DCAAS_SGE_INSTALL:-1}" = 1 ]; then
  for pkg in gridengine-common gridengine-master gridengine-exec gridengine-client; do
    printf '%s shared/gridengineconfig boolean true\n%s shared/gridenginecell string %s\n%s shared/gridenginemaster string %s\n' \
      "$pkg" "$pkg" "$SGE_CELL" "$pkg" "$host" | debconf-set-selections
  done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    gridengine-master gridengine-exec gridengine-client >/dev/null
fi
common=$SGE_ROOT/$SGE_CELL/common

# 2. When the host name resolves to a loopback address, qmaster rejects local clients
#    ("resolved to host name localhost"): alias localhost to the host name.
addr=$(getent hosts "$host" | awk '{print $1; exit}')
case "$addr" in
  127.*|::1)
    if ! grep -qs "^$host localhost\$" "$common/host_aliases"; then
      echo "$host localhost" >>"$common/host_aliases"
      chown --reference="$common" "$common/host_aliases" 2>/dev/null || true
      # a running qmaster reads host_aliases only at start
      if [ -s /var/spool/gridengine/qmaster/qmaster.pid ]; then
        kill "$(cat /var/spool/gridengine/qmaster/qmaster.pid)" 2>/dev/null || true
        sleep 1
      fi
    fi
    ;;
esac

# 3. qmaster: start it unless it answers.
if ! qconf -sh >/dev/null 2>&1; then
  /usr/sbin/sge_qmaster
  i=0
  until qconf -sh >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then echo "sge_qmaster did not answer within 20 s" >&2; exit 1; fi
    sleep 0.2
  done
fi

# 4. The head is an admin and submit host.
qconf -sh | grep -qx "$host" || qconf -ah "$host" >/dev/null 2>&1
qconf -ss 2>/dev/null | grep -qx "$host" || qconf -as "$host" >/dev/null 2>&1

# 5. Scheduler interval (tests want jobs dispatched within a second or two).
if [ -n "${DCAAS_SGE_SCHEDULE_INTERVAL:-}" ]; then
  qconf -ssconf | sed -e "s/^schedule_interval .*/schedule_interval $DCAAS_SGE_SCHEDULE_INTERVAL/" \
    -e 's/^flush_submit_sec .*/flush_submit_sec 1/' -e 's/^flush_finish_sec .*/flush_finish_sec 1/' >"$tmp/sconf"
  qconf -Msconf "$tmp/sconf" >/dev/null 2>&1
fi

# 6. Hostgroup of the workers.
if ! qconf -shgrp "$hostgroup" >/dev/null 2>&1; then
  printf 'group_name %s\nhostlist NONE\n' "$hostgroup" >"$tmp/hgrp"
  qconf -Ahgrp "$tmp/hgrp" >/dev/null
fi

# 7. Parallel environments: smp (all slots on one node) and mpi (filled over nodes).
for pe in smp:'$pe_slots' mpi:'$fill_up'; do
  name=${pe%%:*}
  rule=${pe#*:}
  if ! qconf -sp "$name" >/dev/null 2>&1; then
    cat >"$tmp/$name" <<PE
pe_name            $name
slots              99999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    $rule
control_slaves     TRUE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
PE
    qconf -Ap "$tmp/$name" >/dev/null
  fi
done

# 8. The cluster queue: on the workers' hostgroup, with both PEs, 1 slot per host unless set per host.
if ! qconf -sq "$queue" >/dev/null 2>&1; then
  qconf -sq | sed -e "s/^qname .*/qname $queue/" -e "s/^hostlist .*/hostlist $hostgroup/" \
    -e 's/^pe_list .*/pe_list smp mpi/' -e "s/^load_thresholds .*/load_thresholds $thresholds/" >"$tmp/queue"
  qconf -Aq "$tmp/queue" >/dev/null
else
  qconf -rattr queue load_thresholds "$thresholds" "$queue" >/dev/null 2>&1 || true
  qconf -rattr queue pe_list "smp mpi" "$queue" >/dev/null 2>&1 || true
fi

# 9. A non-root user to submit jobs as.
if [ -n "${DCAAS_SGE_SUBMIT_USER:-}" ] && ! id "$DCAAS_SGE_SUBMIT_USER" >/dev/null 2>&1; then
  useradd -m "$DCAAS_SGE_SUBMIT_USER"
fi
echo "sge head ready: $host queue=$queue hostgroup=$hostgroup"
