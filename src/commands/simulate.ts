import {Flags} from '@oclif/core'
import {writeFile} from 'node:fs/promises'
import {parseDuration} from '../config/durations.js'
import {DcaasError, EXIT} from '../errors.js'
import type {PolicyMetrics} from '../sim/metrics.js'
import {renderPlot} from '../sim/plot.js'
import {isPolicyName, POLICY_NAMES, type PolicyName} from '../sim/policies/index.js'
import {renderComparison} from '../sim/report.js'
import {parseBootTime, parseMemoryMiB, simulate, simulationConfig, type SimulationRun} from '../sim/simulate.js'
import {readSwf, selectWindow} from '../sim/swf.js'
import {BaseCommand} from '../ui/base-command.js'

const usage = (message: string, suggestion?: string): DcaasError => new DcaasError(message, EXIT.USAGE, suggestion ? [suggestion] : [])

/** Parses a duration flag, or throws a usage error naming the flag. */
function duration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = parseDuration(value)
  if (seconds === undefined) throw usage(`--${flag} ${value} is not a duration`, 'Give seconds (600) or a value like 10m, 1h30m.')
  return seconds
}

export default class Simulate extends BaseCommand {
  static override summary = 'Replay a real workload (SWF trace) through the autoscaler and compare policies: cost, waits, slowdown.'
  static override description =
    'Runs the real planner (the same plan() as `dcaas autoscale`) and baseline policies against a simulated cloud and an FCFS + EASY-backfilling scheduler, in virtual time. ' +
    'Input is a Standard Workload Format trace (.swf or .swf.gz). Node-hours are billed per second from launch to termination. ' +
    'Jobs larger than the cluster can ever hold are counted as never-fit. Policies: dcaas (the real planner), dynamiccluster (Dynamic Cluster 1.0), starcluster (StarCluster SGE load balancer), static (max nodes all the time).'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --trace KTH-SP2-1996-2.1-cln.swf.gz',
    '<%= config.bin %> <%= command.id %> --trace OSC-Clust-2000-3.1-cln.swf.gz --max-nodes 4x --boot-time 1m-5m --policy dcaas,starcluster --plot osc.svg',
    '<%= config.bin %> <%= command.id %> --trace HPC2N.swf --config cluster.yaml --price 0.38 --to 30d --json',
  ]

  static override flags = {
    trace: Flags.string({char: 't', required: true, summary: 'Workload in the Standard Workload Format (.swf or .swf.gz).'}),
    policy: Flags.string({char: 'p', default: POLICY_NAMES.join(','), summary: `Policy, or a comma-separated list compared side by side: ${POLICY_NAMES.join(', ')}.`}),
    'cores-per-node': Flags.integer({min: 1, summary: 'Cores of one worker (default: the config, else 8).'}),
    'memory-per-node': Flags.string({summary: 'Memory of one worker (MiB, or 32G); when given, jobs also need their trace memory per core.'}),
    'max-nodes': Flags.string({summary: 'Most workers: a number, or Nx for N times the trace machine (MaxProcs / cores per node). Default 1x.'}),
    'boot-time': Flags.string({default: '120', summary: 'Launch-to-ready time: seconds, "2m", or a uniform range "1m-5m".'}),
    'idle-timeout': Flags.string({summary: 'Idle time before a node is removed (default: the config, else 600 s).'}),
    interval: Flags.string({summary: 'Seconds between autoscale passes (default: the config, else 60 s).'}),
    'max-launch': Flags.string({summary: 'Launch-to-ready time after which an instance counts as failed (default 1200 s).'}),
    price: Flags.string({default: '1', summary: 'Price of one node-hour (cost = node-hours × price).'}),
    from: Flags.string({summary: 'Start of the replayed window, from the first submit ("30d").'}),
    to: Flags.string({summary: 'End of the replayed window, from the first submit ("60d").'}),
    jobs: Flags.integer({min: 1, summary: 'Replay only the first N jobs (of the window).'}),
    plot: Flags.string({summary: 'Write nodes and queued jobs over time for each policy to this SVG file.'}),
    'use-trace-memory': Flags.boolean({summary: 'Give jobs their trace memory per core even without --memory-per-node.'}),
    exact: Flags.boolean({summary: 'Run every pass (slower) instead of skipping passes that cannot change anything; results are the same.', hidden: true}),
    seed: Flags.integer({summary: 'Seed of boot-time draws (default: the config, else 1).'}),
  }

  public async run(): Promise<PolicyMetrics[]> {
    const {flags} = await this.parse(Simulate)
    const policies = flags.policy.split(',').map((p) => p.trim()).filter(Boolean)
    const bad = policies.filter((p) => !isPolicyName(p))
    if (bad.length > 0 || policies.length === 0) throw usage(`unknown policy ${bad.join(', ') || '(none)'}`, `Choose from ${POLICY_NAMES.join(', ')}.`)
    const workload = await readSwf(flags.trace).catch((error: NodeJS.ErrnoException) => {
      throw new DcaasError(`cannot read trace ${flags.trace}: ${error.message}`, error.code === 'ENOENT' ? EXIT.NOT_FOUND : EXIT.INTERNAL)
    })
    const jobs = selectWindow(workload.jobs, {from: duration('from', flags.from), to: duration('to', flags.to), jobs: flags.jobs})
    const base = flags.config ? (await this.loadConfig(flags.config)).config : undefined
    const bootTime = parseBootTime(flags['boot-time'], (v) => parseDuration(v))
    if (!bootTime) throw usage(`--boot-time ${flags['boot-time']} is not a duration or a range`, 'Give 120, 2m, or 1m-5m.')
    const memory = flags['memory-per-node'] === undefined ? undefined : parseMemoryMiB(flags['memory-per-node'])
    if (flags['memory-per-node'] !== undefined && memory === undefined) throw usage(`--memory-per-node ${flags['memory-per-node']} is not a size`, 'Give MiB (32768) or 32G.')
    const price = Number(flags.price)
    if (!(price >= 0)) throw usage(`--price ${flags.price} is not a number >= 0`)
    const cores = flags['cores-per-node'] ?? base?.resources[0]?.cores ?? (base?.resources[0]?.cloud.type === 'sim' ? base.resources[0].cloud.cores : undefined) ?? 8
    const config = simulationConfig(base, {
      coresPerNode: flags['cores-per-node'],
      memoryPerNodeMiB: memory,
      maxNodes: this.maxNodes(flags['max-nodes'], workload.header.maxProcs, cores, base === undefined),
      idleTimeout: duration('idle-timeout', flags['idle-timeout']),
      interval: duration('interval', flags.interval),
      maxLaunch: duration('max-launch', flags['max-launch']),
      bootTime,
    })
    const runs = await this.runAll(policies as PolicyName[], {jobs, config, bootTime, price, useMemory: memory !== undefined || flags['use-trace-memory'], exact: flags.exact, seed: flags.seed})
    if (flags.plot) await writeFile(flags.plot, renderPlot(runs.map((r, i) => ({policy: policies[i], ...r.series})), `${flags.trace} — ${config.autoscale.maxNodes ?? config.resources[0].max} nodes × ${config.resources[0].cores} cores`))
    const rows = runs.map((r) => r.metrics)
    if (!this.jsonEnabled()) {
      this.log(`${jobs.length} jobs from ${flags.trace} (${workload.skipped.noRunTime + workload.skipped.noCores + workload.skipped.malformed} lines skipped: no run time ${workload.skipped.noRunTime}, no processors ${workload.skipped.noCores}, malformed ${workload.skipped.malformed}); ${config.resources.map((r) => `${r.name}: max ${r.max} × ${r.cores} cores`).join(', ')}; billed per second`)
      this.log(renderComparison(rows))
      const killed = runs.reduce((s, r) => s + r.killed, 0)
      if (killed > 0) this.warn(`${killed} job(s) were killed by node removals`)
      if (flags.plot) this.log(`plot written to ${flags.plot}`)
    }
    return rows
  }

  /** Resolves --max-nodes (a number, or Nx of the trace machine). */
  private maxNodes(value: string | undefined, maxProcs: number | undefined, cores: number, required: boolean): number | undefined {
    if (value === undefined && !required) return undefined
    const m = /^\s*(\d+(?:\.\d+)?)\s*(x)?\s*$/i.exec(value ?? '1x')
    if (!m) throw usage(`--max-nodes ${value} is not a number or a multiple like 4x`)
    if (!m[2]) return Math.max(1, Math.floor(Number(m[1])))
    if (!maxProcs) throw usage('the trace has no MaxProcs header: give --max-nodes as a number')
    return Math.max(1, Math.ceil((Number(m[1]) * maxProcs) / cores))
  }

  /** Runs each policy in turn with a progress bar on stderr when stdout is a terminal. */
  private async runAll(policies: PolicyName[], setup: Parameters<typeof simulate>[1]): Promise<SimulationRun[]> {
    const bar = !this.jsonEnabled() && process.stdout.isTTY === true
    const runs: SimulationRun[] = []
    for (const [i, policy] of policies.entries()) {
      const onProgress = bar
        ? (f: number) => {
            const width = 30
            const done = Math.round(f * width)
            process.stderr.write(`\r${policy.padEnd(15)} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(f * 100).toFixed(0).padStart(3)}% (${i + 1}/${policies.length})`)
          }
        : undefined
      runs.push(await simulate(policy, {...setup, onProgress}))
      if (bar) process.stderr.write('\r\x1b[2K')
    }
    return runs
  }
}
