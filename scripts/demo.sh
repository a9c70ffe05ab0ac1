#!/usr/bin/env bash
# The dcaas demo: a short story on the built-in simulated cloud and scheduler (no cloud account).
# Jobs arrive, an autoscaling pass plans and launches workers, the jobs run on them, the workers
# idle out and a later pass removes them. The simulated clock is moved with `dcaas sim advance`.
# Runs in a fresh temp state directory (printed) and stops at the first failing step.
# Usage: npm run demo   (after npm ci && npm run build)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${DCAAS_DEMO_BIN:-$ROOT/bin/run.js}"
if [[ ! -d "$(dirname "$BIN")/../dist/commands" ]]; then
  echo "dcaas is not built ($(cd "$(dirname "$BIN")/.." && pwd)/dist is missing): run npm run build first." >&2
  exit 1
fi

STATE="$(mktemp -d "${TMPDIR:-/tmp}/dcaas-demo.XXXXXX")"
# The built-in simulated default, whatever the caller's environment says: no config file is looked up.
unset DCAAS_CONFIG
export DCAAS_STATE_DIR="$STATE"
export XDG_CONFIG_HOME="$STATE/no-config"
cd "$STATE"

dcaas() {
  echo "\$ dcaas $*"
  node "$BIN" "$@"
}
if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
section() {
  printf '\n%s== %s ==%s\n' "$BOLD" "$*" "$PLAIN"
}
trap 'echo; echo "Demo FAILED at the step above (exit $?). State: $STATE" >&2' ERR

echo "dcaas demo on the built-in simulated cluster (cluster demo, resource sim: 8-core workers, 2 min boot, max 10, 10 min max idle)."
echo "State directory: $STATE"

section "1. An empty cluster"
dcaas status

section "2. A dozen jobs of mixed sizes arrive"
cat > jobs.yaml <<'JOBS'
- {name: small, cores: 1, count: 6, runtime: 10m}
- {name: medium, cores: 4, count: 4, runtime: 15m}
- {name: large, cores: 8, count: 2, runtime: 20m}
JOBS
cat jobs.yaml
dcaas sim submit --file jobs.yaml

section "3. What would a pass do? (dry run: plan with reasons, nothing changed)"
dcaas autoscale --dry-run

section "4. An autoscaling pass launches the workers"
dcaas autoscale

section "5. Three minutes later: the workers have booted and run the jobs"
dcaas sim advance 3m
dcaas status

section "6. Twenty minutes later every job is done; a pass sees the workers idle"
dcaas sim advance 20m
echo "(the pass starts each worker's idle timer; it removes none before max idle, 10 minutes)"
dcaas autoscale

section "7. Past the 10-minute max idle, the next pass removes the idle workers"
dcaas sim advance 11m
dcaas autoscale

section "8. Back to an empty cluster"
dcaas status

# Check the ending: no worker or instance left, every job done, none killed.
node "$BIN" status --json > final-status.json
node "$BIN" sim advance 0 --json > final-counts.json
node --input-type=module -e '
  import {readFileSync} from "node:fs"
  const s = JSON.parse(readFileSync("final-status.json", "utf8"))
  const c = JSON.parse(readFileSync("final-counts.json", "utf8")).counts
  const ok = s.workers.length === 0 && s.instances.length === 0 && s.jobs.length === 0 && c.done === 12 && c.killed === 0
  console.log(`\nDemo ${ok ? "finished" : "FAILED"}: ${s.workers.length} worker(s) and ${s.instances.length} instance(s) left; ${c.done} job(s) done, ${c.killed} killed.`)
  process.exit(ok ? 0 : 1)
'
echo "State kept in $STATE (delete it with: rm -rf $STATE)."
