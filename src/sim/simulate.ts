/**
 * The virtual-time driver of `dcaas simulate`: replays a workload through a SimWorld (simulated
 * cloud and FCFS + EASY-backfilling scheduler) under one policy, with the engine's own observe()
 * and act() — the same code path as `dcaas autoscale` — one pass every `autoscale.interval`.
 *
 * Passes that cannot change anything are skipped: when the last pass took no action, the world
 * has not changed since (no arrival, boot or job end), and no timer of the policy is due, the
 * next pass would decide the same; the driver jumps to the next pass after a world change or
 * a due timer. `exact: true` runs every pass instead (the tests check both agree).
 */
import type {Config, ResourceConfig} from '../config/types.js'
import type {CloudProvider, LaunchRequest} from '../cloud/provider.js'
import type {Instance, NodeShape} from '../core/model.js'
import type {PlanInput, Shapes} from '../core/policy.js'
import {emptyState, type EngineState} from '../core/state.js'
import {act} from '../engine/act.js'
import type {Backends} from '../engine/backends.js'
import {observe} from '../engine/observe.js'
import type {Scheduler} from '../scheduler/scheduler.js'
import {SimScheduler} from '../scheduler/sim.js'
import {computeMetrics, type InstanceSpan, type JobRecord, type PolicyMetrics} from './metrics.js'
import {createPolicy, type PolicyName} from './policies/index.js'
import {lifecycleWake, type SimPolicy} from './policies/common.js'
import type {WorkloadJob} from './swf.js'
import {emptyWorldState, SimWorld} from './world.js'

/** How long a launched instance takes to become a ready node. */
export type BootTime = {kind: 'fixed'; seconds: number} | {kind: 'uniform'; min: number; max: number}

/** Everything one simulated run needs. */
export interface SimulationSetup {
  /** Jobs sorted by submit time (from readSwf + selectWindow). */
  jobs: readonly WorkloadJob[]
  /** Resources and autoscale settings; resources must have `cores` and `memoryMiB` set. */
  config: Config
  bootTime: BootTime
  /** Price of one node-hour. */
  price: number
  /** Give jobs their trace memory per core (else memory is not a constraint). */
  useMemory?: boolean
  /** Run every pass instead of skipping passes that cannot change anything. */
  exact?: boolean
  seed?: number
  /** Called now and then with the fraction of jobs finished. */
  onProgress?: (fraction: number) => void
}

/** Nodes and queued jobs over time, recorded when they change (step functions). */
export interface Series {
  t: number[]
  /** Instances alive (billed). */
  nodes: number[]
  /** Jobs waiting in the queue. */
  queued: number[]
}

/** The outcome of one policy on one workload. */
export interface SimulationRun {
  metrics: PolicyMetrics
  series: Series
  /** Jobs the world killed (a correct policy kills none). */
  killed: number
  /** Passes the policy was asked to plan (skipped ones not counted). */
  passes: number
}

/** Returns the shape of a simulated resource's worker. */
export function shapeOf(resource: ResourceConfig): NodeShape {
  const cloud = resource.cloud.type === 'sim' ? resource.cloud : undefined
  return {cores: resource.cores ?? cloud?.cores ?? 1, memoryMiB: resource.memoryMiB ?? cloud?.memoryMiB ?? 0}
}

/** Tells whether a job fits some resource when all its allowed nodes are empty (cores and, when asked, memory). */
export function fitsSomewhere(job: WorkloadJob, config: Config, useMemory: boolean): boolean {
  const clusterMax = config.autoscale.maxNodes ?? Number.POSITIVE_INFINITY
  return config.resources.some((r) => {
    const shape = shapeOf(r)
    const perCore = useMemory && job.memoryMiBPerCore ? job.memoryMiBPerCore : 0
    const coresPerNode = perCore > 0 ? Math.min(shape.cores, Math.floor(shape.memoryMiB / perCore)) : shape.cores
    if (coresPerNode <= 0) return false
    return job.cores <= coresPerNode * Math.min(r.max, clusterMax)
  })
}

/** A cloud provider and scheduler over one SimWorld, recording each instance's billed span. */
class WorldBackends implements Backends {
  readonly spans = new Map<string, InstanceSpan>()
  readonly scheduler: Scheduler
  private readonly cloud: CloudProvider

  constructor(
    readonly world: SimWorld,
    bootTime: BootTime,
  ) {
    const draw = (): number => (bootTime.kind === 'fixed' ? bootTime.seconds : bootTime.min + world.random() * (bootTime.max - bootTime.min))
    const spans = this.spans
    this.cloud = {
      kind: 'sim',
      async launch(request: LaunchRequest): Promise<Instance[]> {
        const shape = shapeOf(request.resource)
        const out: Instance[] = []
        for (const name of request.names) {
          const [inst] = world.launch({resource: request.resource.name, cluster: request.cluster, names: [name], cores: shape.cores, memoryMiB: shape.memoryMiB, bootTime: draw(), bootFails: [false]})
          spans.set(inst.id, {launchedAt: inst.launchedAt})
          out.push(inst)
        }
        return out
      },
      async list(cluster: string): Promise<Instance[]> {
        return world.instances(cluster)
      },
      async terminate(ids: string[]): Promise<void> {
        world.terminate(ids)
        for (const id of ids) {
          const span = spans.get(id)
          if (span && span.endedAt === undefined) span.endedAt = world.now
        }
      },
      async shape(resource: ResourceConfig): Promise<NodeShape> {
        return shapeOf(resource)
      },
    }
    this.scheduler = new SimScheduler(world)
  }

  cloudFor(): CloudProvider {
    return this.cloud
  }

  providers(): CloudProvider[] {
    return [this.cloud]
  }

  now(): number {
    return this.world.now
  }

  async close(): Promise<void> {}
}

/** Replays the workload under one policy and returns its metrics and time series. */
export async function simulate(policyName: PolicyName, setup: SimulationSetup): Promise<SimulationRun> {
  const {config} = setup
  const policy: SimPolicy = createPolicy(policyName)
  const world = new SimWorld(emptyWorldState({now: 0, seed: setup.seed ?? config.sim.seed}))
  const backends = new WorldBackends(world, setup.bootTime)
  const shapes: Shapes = Object.fromEntries(config.resources.map((r) => [r.name, shapeOf(r)]))
  const interval = Math.max(1, config.autoscale.interval)
  const maxNode = Math.max(...config.resources.map((r) => shapeOf(r).cores))

  const neverFit: JobRecord[] = []
  const runTimes = new Map<string, number>()
  let submitted = 0
  let lastSubmit = 0
  for (const job of setup.jobs) {
    if (!fitsSomewhere(job, config, setup.useMemory === true)) {
      neverFit.push({id: job.id, submitAt: job.submitAt, cores: job.cores, runTime: job.runTime, neverFit: true})
      continue
    }
    const id = runTimes.has(job.id) ? `${job.id}#${submitted}` : job.id
    runTimes.set(id, job.runTime)
    world.submit({
      id,
      cores: job.cores,
      spread: job.cores > maxNode ? true : undefined,
      runTime: job.runTime,
      walltime: job.walltime,
      memoryMiBPerCore: setup.useMemory ? job.memoryMiBPerCore : undefined,
      owner: job.owner,
      submitAt: job.submitAt,
    })
    submitted++
    lastSubmit = Math.max(lastSubmit, job.submitAt)
  }

  const series: Series = {t: [], nodes: [], queued: []}
  const record = (t: number, nodes: number, queued: number): void => {
    const n = series.t.length
    if (n > 0 && series.nodes[n - 1] === nodes && series.queued[n - 1] === queued) return
    series.t.push(t)
    series.nodes.push(nodes)
    series.queued.push(queued)
  }

  let state: EngineState = emptyState()
  let lastVersion = -1
  let lastActed = true
  let wake = 0
  let passes = 0
  let lastEnd = 0
  const tail = Math.max(config.autoscale.maxIdle, 3600) + 2 * interval
  let t = 0
  let end = 0
  let nextProgress = 0
  for (;;) {
    world.advanceTo(t)
    const finished = world.done.id.length
    if (setup.onProgress && finished >= nextProgress) {
      setup.onProgress(submitted > 0 ? finished / submitted : 1)
      nextProgress = finished + Math.max(1, Math.floor(submitted / 200))
    }
    if (world.pendingJobs === 0) {
      const ends = world.done.endAt
      lastEnd = ends.length > 0 ? ends[ends.length - 1] : 0
      if (world.instances().length === 0) {
        end = Math.max(t, lastEnd)
        break
      }
      if (t >= lastEnd + tail) {
        end = lastEnd
        break
      }
    } else if (t > lastSubmit + 400 * 86400 && world.version === lastVersion) {
      end = t // nothing can make progress any more (a policy that never launches)
      break
    }
    if (!setup.exact && !lastActed && world.version === lastVersion && t < wake) {
      t += interval
      continue
    }
    const snapshot = await observe(config, backends)
    const input: PlanInput = {snapshot, config, state, shapes, now: t}
    const result = policy(input)
    passes++
    state = result.state
    if (result.actions.length > 0) {
      await act(result.actions, {config, backends, state, shapes, now: t, persist: async () => {}})
    }
    lastActed = result.actions.length > 0
    lastVersion = world.version
    wake = policy.nextWake ? policy.nextWake(input, result) : lifecycleWake(input, result)
    const observed = world.observe()
    let queued = 0
    for (const j of observed.jobs) if (j.state === 'queued') queued++
    record(t, world.instances().length, queued)
    t += interval
  }
  record(end, world.instances().length, 0)
  setup.onProgress?.(1)

  const d = world.done
  const jobs: JobRecord[] = [...neverFit]
  for (let i = 0; i < d.id.length; i++) jobs.push({id: d.id[i], submitAt: d.submitAt[i], startAt: d.startAt[i], endAt: d.endAt[i], cores: d.cores[i], runTime: d.endAt[i] - d.startAt[i]})
  for (const j of world.observe().jobs) jobs.push({id: j.id, submitAt: j.submittedAt, startAt: j.startedAt, cores: j.cores, runTime: runTimes.get(j.id) ?? 0})
  const unseen = world.pendingJobs - world.observe().jobs.length
  for (let i = 0; i < unseen; i++) jobs.push({id: `future-${i}`, submitAt: end, cores: 1, runTime: 0})
  const metrics = computeMetrics({
    policy: policyName,
    jobs,
    instances: [...backends.spans.values()],
    start: 0,
    end,
    coresPerNode: maxNode,
    price: setup.price,
  })
  return {metrics, series, killed: world.killed.length, passes}
}

/** Parses a boot time: seconds or a duration ("120", "2m"), or a uniform range ("60-300", "1m-5m"); undefined if invalid. */
export function parseBootTime(text: string, parse: (value: string) => number | undefined): BootTime | undefined {
  const range = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(text)
  if (range) {
    const min = parse(range[1])
    const max = parse(range[2])
    if (min === undefined || max === undefined || max < min) return undefined
    return min === max ? {kind: 'fixed', seconds: min} : {kind: 'uniform', min, max}
  }
  const seconds = parse(text)
  return seconds === undefined ? undefined : {kind: 'fixed', seconds}
}

/** Parses a memory size in MiB: a number of MiB, or with a unit ("32G", "32GiB", "512M"); undefined if invalid. */
export function parseMemoryMiB(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|mb|mib|g|gb|gib|t|tb|tib)?\s*$/i.exec(text)
  if (!m) return undefined
  const unit = (m[2] ?? 'm').toLowerCase()[0]
  return Math.round(Number(m[1]) * (unit === 'g' ? 1024 : unit === 't' ? 1024 * 1024 : 1))
}

/** What the simulate command's flags say about the simulated cluster (absent: from the config, else defaults). */
export interface ClusterChoice {
  coresPerNode?: number
  memoryPerNodeMiB?: number
  maxNodes?: number
  idleTimeout?: number
  interval?: number
  maxLaunch?: number
  bootTime: BootTime
}

/** Defaults of a simulated worker when neither flags nor a config say: 8 cores, 4 GiB per core. */
export const SIM_DEFAULTS = {coresPerNode: 8, memoryPerCoreMiB: 4096, maxIdle: 600, maxDown: 480, maxLaunch: 1200, interval: 60}

/**
 * Builds the configuration a simulation runs with: the resources and autoscale timings of `base`
 * (a loaded dcaas config) when given, else one simulated resource; flags override either.
 * With several resources, --max-nodes caps the cluster; with one, it is that resource's max.
 */
export function simulationConfig(base: Config | undefined, choice: ClusterChoice): Config {
  const auto = base?.autoscale
  const autoscale: Config['autoscale'] = {
    maxIdle: choice.idleTimeout ?? auto?.maxIdle ?? SIM_DEFAULTS.maxIdle,
    maxDown: auto?.maxDown ?? SIM_DEFAULTS.maxDown,
    maxLaunch: choice.maxLaunch ?? auto?.maxLaunch ?? SIM_DEFAULTS.maxLaunch,
    interval: choice.interval ?? auto?.interval ?? SIM_DEFAULTS.interval,
    maxNodes: choice.maxNodes ?? auto?.maxNodes,
    backoff: auto?.backoff ?? {initial: 60, factor: 2, max: 1800},
    maxFailedBoots: auto?.maxFailedBoots ?? 3,
  }
  const bootSeconds = choice.bootTime.kind === 'fixed' ? choice.bootTime.seconds : (choice.bootTime.min + choice.bootTime.max) / 2
  const baseResources = base?.resources.length ? base.resources : [{name: 'sim', min: 0, max: choice.maxNodes ?? 1, priority: 1} as Partial<ResourceConfig> & {name: string; min: number; max: number; priority: number}]
  const single = baseResources.length === 1
  const resources: ResourceConfig[] = baseResources.map((r) => {
    const cloudCores = r.cloud?.type === 'sim' ? r.cloud.cores : undefined
    const cloudMem = r.cloud?.type === 'sim' ? r.cloud.memoryMiB : undefined
    const cores = choice.coresPerNode ?? r.cores ?? cloudCores ?? SIM_DEFAULTS.coresPerNode
    const memoryMiB = choice.memoryPerNodeMiB ?? r.memoryMiB ?? cloudMem ?? cores * SIM_DEFAULTS.memoryPerCoreMiB
    const max = single && choice.maxNodes !== undefined ? choice.maxNodes : r.max
    return {
      name: r.name,
      min: r.min,
      max,
      priority: r.priority,
      reservation: r.reservation,
      cores,
      memoryMiB,
      cloud: {type: 'sim', cores, memoryMiB, bootTime: bootSeconds, bootFailureRate: 0, apiFailureRate: 0},
    }
  })
  return {
    cluster: {name: base?.cluster.name ?? 'sim'},
    scheduler: {type: 'sim', commandTimeout: 30, queues: []},
    autoscale,
    resources,
    stateDir: base?.stateDir ?? '.',
    sim: {speed: 1, seed: base?.sim.seed ?? 1},
    logging: {level: 'error'},
  }
}
