#!/usr/bin/env bash
# Installs the Debian packages the integration tests need: a real sshd, a real
# Son of Grid Engine (qmaster, execd, client) and iproute2 for network namespaces.
# Safe to run again; does nothing that is already done.
set -euo pipefail
need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
[ -x /usr/sbin/sge_qmaster ] || need+=(gridengine-master gridengine-exec gridengine-client)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
host=$(hostname)
for pkg in gridengine-common gridengine-master gridengine-exec gridengine-client; do
  printf '%s shared/gridengineconfig boolean true\n%s shared/gridenginecell string default\n%s shared/gridenginemaster string %s\n' \
    "$pkg" "$pkg" "$pkg" "$host" | debconf-set-selections
done
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
