/** Builders of hand-made configs, snapshots and jobs for planner tests. */
import type {Config, ResourceConfig} from '../../src/config/types.js'
import type {Instance, Job, SchedulerNode, Snapshot} from '../../src/core/model.js'
import {emptyState, type EngineState} from '../../src/core/state.js'
import type {Shapes} from '../../src/core/policy.js'

/** A sim resource config with overrides. */
export function resource(name: string, over: Partial<ResourceConfig> = {}): ResourceConfig {
  return {name, cloud: {type: 'sim', cores: 8, memoryMiB: 32768, bootTime: 120, bootFailureRate: 0, apiFailureRate: 0}, min: 0, max: 10, priority: 1, ...over}
}

/** A config with the given resources and Dynamic Cluster's default timings. */
export function config(resources: ResourceConfig[], over: Partial<Config['autoscale']> = {}): Config {
  return {
    cluster: {name: 'c'},
    scheduler: {type: 'sim', commandTimeout: 30, queues: []},
    autoscale: {maxIdle: 600, maxDown: 480, maxLaunch: 1200, interval: 60, backoff: {initial: 60, factor: 2, max: 1800}, maxFailedBoots: 3, ...over},
    resources,
    stateDir: '/nonexistent',
    sim: {speed: 1, seed: 1},
    logging: {level: 'info'},
  }
}

/** Shapes of the config's resources from their sim cloud settings. */
export function shapesOf(cfg: Config): Shapes {
  return Object.fromEntries(cfg.resources.map((r) => [r.name, r.cloud.type === 'sim' ? {cores: r.cloud.cores, memoryMiB: r.cloud.memoryMiB} : {cores: 8, memoryMiB: 32768}]))
}

/** A queued job. */
export function job(id: string, cores: number, over: Partial<Job> = {}): Job {
  return {id, state: 'queued', cores, submittedAt: 0, hosts: [], ...over}
}

/** A worker: its instance and (optionally) its scheduler node. */
export function worker(name: string, resource: string, launchedAt: number, node?: Partial<SchedulerNode> | false): {instance: Instance; node?: SchedulerNode} {
  const instance: Instance = {id: `i-${name}`, name, resource, state: 'running', launchedAt}
  if (node === false) return {instance}
  return {instance, node: {name, status: 'up', held: false, slots: 8, slotsUsed: 0, jobs: [], ...node}}
}

/** A snapshot at `time` made of workers and jobs. */
export function snapshot(time: number, workers: {instance?: Instance; node?: SchedulerNode}[], jobs: Job[] = [], over: Partial<Snapshot> = {}): Snapshot {
  return {
    version: 1,
    time,
    cluster: 'c',
    scheduler: {ok: true},
    cloud: {ok: true},
    nodes: workers.flatMap((w) => (w.node ? [w.node] : [])),
    instances: workers.flatMap((w) => (w.instance ? [w.instance] : [])),
    jobs,
    ...over,
  }
}

/** A state where the named nodes have been in `state` since `since` (and were seen up). */
export function stateWith(nodes: Record<string, {state: string; since: number; seenUp?: boolean}>, over: Partial<EngineState> = {}): EngineState {
  const s = emptyState()
  for (const [name, m] of Object.entries(nodes)) s.nodes[name] = {state: m.state, since: m.since, seenUp: m.seenUp ?? true}
  return {...s, ...over}
}
