#!/bin/sh
# dcaas: turn this machine into a Son of Grid Engine worker (exec host) and start sge_execd.
# Run it from the worker's user data, after the head has registered this host
# (dcaas does that: admin host, exec host, hostgroup, queue slots). Idempotent.
# The test suite runs this same script inside network namespaces.
#
# Environment:
#   DCAAS_SGE_MASTER        host name of the head node (qmaster) — required
#   DCAAS_SGE_MASTER_ADDR   its address, written to /etc/hosts when the name does not resolve
#   SGE_ROOT, SGE_CELL      default /var/lib/gridengine, default
#   DCAAS_SGE_INSTALL       1: install gridengine-exec when missing (default 1)
set -eu
SGE_ROOT=${SGE_ROOT:-/var/lib/gridengine}
SGE_CELL=${SGE_CELL:-default}
export SGE_ROOT SGE_CELL
master=${DCAAS_SGE_MASTER:?set DCAAS_SGE_MASTER to the head node host name}

if [ -n "${DCAAS_SGE_MASTER_ADDR:-}" ] && ! getent hosts "$master" >/dev/null 2>&1; then
  echo "$DCAAS_SGE_MASTER_ADDR $master" >>/etc/hosts
fi

if [ ! -x /usr/sbin/sge_execd ] && [ "${DCAAS_SGE_INSTALL:-1}" = 1 ]; then
  for pkg in gridengine-common gridengine-exec gridengine-client; do
    printf '%s shared/gridengineconfig boolean true\n%s shared/gridenginecell string %s\n%s shared/gridenginemaster string %s\n' \
      "$pkg" "$pkg" "$SGE_CELL" "$pkg" "$master" | debconf-set-selections
  done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gridengine-exec gridengine-client >/dev/null
fi

common=$SGE_ROOT/$SGE_CELL/common
if [ ! -s "$common/act_qmaster" ]; then
  mkdir -p "$common"
  echo "$master" >"$common/act_qmaster"
fi

# sge_execd daemonises; exec so that a caller's namespace wrapper ends with it.
exec /usr/sbin/sge_execd
