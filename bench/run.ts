/**
 * `npm run bench` (node --expose-gc --import tsx bench/run.ts): planning time of one plan() pass
 * on large synthetic snapshots, and simulation throughput on the largest shared trace, with the
 * memory each needs. A benchmark that prints figures, not a test: nothing here asserts timings.
 *
 * Each case runs in its own child process, so its peak RSS is its own.
 *
 * Env: BENCH_TRACE (default ../shared/traces/OSC-Clust-2000-3.1-cln.swf.gz beside the repository),
 *      BENCH_POLICIES (default dcaas,dynamiccluster,starcluster,static), BENCH_REPEAT (default 5).
 */
import {execFileSync} from 'node:child_process'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import type {Config} from '../src/config/types.js'
import type {Instance, Job, SchedulerNode, Snapshot} from '../src/core/model.js'
import {plan} from '../src/core/plan.js'
import type {Shapes} from '../src/core/policy.js'
import {emptyState} from '../src/core/state.js'
import {isPolicyName, type PolicyName} from '../src/sim/policies/index.js'
import {simulate, simulationConfig} from '../src/sim/simulate.js'
import {readSwf} from '../src/sim/swf.js'

const gc = (globalThis as {gc?: () => void}).gc ?? (() => {})
const MiB = 1024 * 1024

/** Heap in use after a full collection, in MiB. */
function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / MiB
}

/** Peak resident set size of the process so far, in MiB. */
function peakRss(): number {
  return process.resourceUsage().maxRSS / 1024
}

/** Builds a snapshot with `queued` queued jobs, `nodeCount` workers over `resources` resources. */
function syntheticSnapshot(queued: number, nodeCount: number, resources: number): {snapshot: Snapshot; config: Config; shapes: Shapes} {
  const coreChoices = [8, 16, 32, 48, 64]
  const resourceConfigs = Array.from({length: resources}, (_, r) => ({
    name: `r${r}`,
    min: 0,
    max: Math.ceil((nodeCount / resources) * 1.5),
    priority: r,
    cores: coreChoices[r % coreChoices.length],
    memoryMiB: coreChoices[r % coreChoices.length] * 4096,
    cloud: {type: 'sim' as const, cores: coreChoices[r % coreChoices.length], memoryMiB: coreChoices[r % coreChoices.length] * 4096, bootTime: 120, bootFailureRate: 0, apiFailureRate: 0},
    ...(r === resources - 1 ? {reservation: {queue: 'special'}} : {}),
  }))
  const config: Config = {
    ...simulationConfig(undefined, {bootTime: {kind: 'fixed', seconds: 120}}),
    cluster: {name: 'bench'},
    resources: resourceConfigs,
  }
  config.autoscale.maxNodes = Math.ceil(nodeCount * 1.2)
  const shapes: Shapes = Object.fromEntries(resourceConfigs.map((r) => [r.name, {cores: r.cores, memoryMiB: r.memoryMiB}]))
  const now = 1_000_000
  const nodes: SchedulerNode[] = []
  const instances: Instance[] = []
  const jobs: Job[] = []
  let seed = 12345
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  for (let i = 0; i < nodeCount; i++) {
    const r = resourceConfigs[i % resources]
    const name = `bench-${r.name}-${String(Math.floor(i / resources) + 1).padStart(3, '0')}`
    const starting = i % 50 === 0
    const idle = i % 7 === 0
    instances.push({id: `i-${i}`, name, resource: r.name, state: starting ? 'pending' : 'running', launchedAt: now - (starting ? 60 : 3600)})
    if (starting) continue
    const used = idle ? 0 : r.cores
    const running = idle ? [] : [`run-${i}`]
    nodes.push({name, status: 'up', held: false, slots: r.cores, slotsUsed: used, jobs: running})
    if (!idle) jobs.push({id: `run-${i}`, state: 'running', cores: r.cores, submittedAt: now - 4000, startedAt: now - 3000, hosts: [name]})
  }
  for (let q = 0; q < queued; q++) {
    const cores = [1, 2, 4, 8, 16, 32, 64, 128][Math.floor(rand() * 8)]
    jobs.push({id: `q-${q}`, state: 'queued', cores, spread: cores > 64 ? true : undefined, memoryMiBPerCore: rand() < 0.3 ? 2048 : undefined, queue: rand() < 0.05 ? 'special' : undefined, submittedAt: now - Math.floor(rand() * 86400), hosts: []})
  }
  return {snapshot: {version: 1, time: now, cluster: 'bench', scheduler: {ok: true}, cloud: {ok: true}, nodes, jobs, instances}, config, shapes}
}

const repeat = Number(process.env.BENCH_REPEAT ?? 5)
const trace = process.env.BENCH_TRACE ?? fileURLToPath(new URL('../../shared/traces/OSC-Clust-2000-3.1-cln.swf.gz', import.meta.url))
const QUEUES = [1_000, 10_000, 100_000]

/** One measured case, as a child process prints it. */
interface CaseResult {
  name: string
  detail: string
  seconds?: number
  rate?: number
  heapMiB: number
  rssMiB: number
}

/** Runs one plan() case: median time of `repeat` passes, heap held by one result. */
function planCase(queued: number): CaseResult {
  const input = syntheticSnapshot(queued, 2000, 10)
  const before = heapAfterGc()
  const times: number[] = []
  let result
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now()
    result = plan({...input, state: emptyState(), now: input.snapshot.time})
    times.push(performance.now() - t0)
  }
  const held = heapAfterGc() - before
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  return {
    name: `plan, ${queued.toLocaleString('en')} queued`,
    detail: `${median.toFixed(1)} ms median (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}, n=${repeat}); ${result?.actions.length ?? 0} actions, ${result?.unplaced.length ?? 0} unplaced`,
    seconds: median / 1000,
    heapMiB: held,
    rssMiB: peakRss(),
  }
}

/** Runs one policy over the whole trace: jobs per second, heap held by the run's result. */
async function simulateCase(policy: PolicyName): Promise<CaseResult> {
  const workload = await readSwf(trace)
  const maxNodes = Math.ceil((workload.header.maxProcs ?? 800) / 8)
  const config = simulationConfig(undefined, {maxNodes, coresPerNode: 8, bootTime: {kind: 'fixed', seconds: 120}})
  const before = heapAfterGc()
  const start = performance.now()
  const run = await simulate(policy, {jobs: workload.jobs, config, bootTime: {kind: 'fixed', seconds: 120}, price: 1})
  const seconds = (performance.now() - start) / 1000
  const held = heapAfterGc() - before
  const rate = workload.jobs.length / seconds
  return {
    name: `simulate ${policy}`,
    detail: `${seconds.toFixed(2)} s, ${Math.round(rate).toLocaleString('en')} jobs/s, ${run.passes.toLocaleString('en')} passes planned (${Math.round(run.passes / seconds).toLocaleString('en')}/s)`,
    seconds,
    rate,
    heapMiB: held,
    rssMiB: peakRss(),
  }
}

if (process.argv[2] === '--case') {
  const [kind, arg] = [process.argv[3], process.argv[4]]
  const result = kind === 'plan' ? planCase(Number(arg)) : await simulateCase(arg as PolicyName)
  console.log(JSON.stringify(result))
} else {
  const self = fileURLToPath(import.meta.url)
  const runCase = (kind: string, arg: string): CaseResult => {
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--case', kind, arg], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']})
    return JSON.parse(out.trim().split('\n').pop() as string) as CaseResult
  }
  console.log(`dcaas bench — node ${process.version}, ${process.arch}; gc ${typeof (globalThis as {gc?: unknown}).gc === 'function' ? 'exposed' : 'NOT exposed (run with --expose-gc)'}; each case in its own process\n`)
  console.log('plan(): one pass over a synthetic snapshot — 2,000 nodes, 10 resources')
  const planRows = QUEUES.map((q) => runCase('plan', String(q)))
  for (const r of planRows) console.log(`  ${r.name.padEnd(24)} ${r.detail}; result ${r.heapMiB.toFixed(1)} MiB heap, peak RSS ${r.rssMiB.toFixed(0)} MiB`)
  for (let i = 1; i < planRows.length; i++) {
    const a = planRows[i - 1]
    const b = planRows[i]
    console.log(`  ${QUEUES[i] / QUEUES[i - 1]}× the queue → ${((b.seconds ?? 0) / (a.seconds ?? 1)).toFixed(1)}× the time`)
  }
  const policies = (process.env.BENCH_POLICIES ?? 'dcaas,dynamiccluster,starcluster,static').split(',').filter(isPolicyName) as PolicyName[]
  console.log(`\nsimulate: ${trace}; 8-core nodes, max nodes = MaxProcs / 8, 120 s boot`)
  const simRows = policies.map((p) => runCase('simulate', p))
  for (const r of simRows) console.log(`  ${r.name.padEnd(24)} ${r.detail}; result ${r.heapMiB.toFixed(1)} MiB heap, peak RSS ${r.rssMiB.toFixed(0)} MiB`)
  const dcaas = simRows.find((r) => r.name === 'simulate dcaas')
  if (dcaas?.rate) for (const r of simRows) if (r !== dcaas && r.rate) console.log(`  throughput dcaas / ${r.name.slice(9)}: ${(dcaas.rate / r.rate).toFixed(2)}×`)
  console.log(`  all ${simRows.length} policies: ${simRows.reduce((s, r) => s + (r.seconds ?? 0), 0).toFixed(1)} s of simulation`)
}
