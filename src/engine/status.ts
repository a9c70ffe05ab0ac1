/**
 * The status of a cluster: the snapshot (what `autoscale --snapshot` reads back) joined with
 * each worker's lifecycle state, each resource's limits and admin state, and the last pass.
 * Reads only; takes no lock and changes nothing.
 */
import type {Config} from '../config/types.js'
import type {NodeState, Snapshot, WorkerView} from '../core/model.js'
import {plan} from '../core/plan.js'
import type {UnplacedJob} from '../core/policy.js'
import {launchBlock} from '../core/resources.js'
import type {Backends} from './backends.js'
import {observe, resolveShapes} from './observe.js'
import type {EngineStore, StatsRecord} from './state-store.js'

/** One resource's line in `dcaas status`. */
export interface ResourceStatus {
  name: string
  cloud: string
  cores: number
  memoryMiB: number
  min: number
  max: number
  priority: number
  reservation?: Record<string, string>
  nodes: number
  byState: Partial<Record<NodeState, number>>
  /** ok, or why it does not launch now. */
  status: 'ok' | 'frozen' | 'draining' | 'in-backoff' | 'disabled'
  detail?: string
  failedBoots: number
}

/** What `dcaas status --json` prints: a Snapshot plus the joined views. */
export interface StatusReport extends Snapshot {
  workers: (Omit<WorkerView, 'instance' | 'node'> & {instanceId?: string; slots?: number; slotsUsed?: number; jobs?: string[]})[]
  resources: ResourceStatus[]
  auto: boolean
  unplaced: UnplacedJob[]
  notes: string[]
  lastPass?: StatsRecord
  warnings: string[]
}

/** Observes the cluster and builds its status report. */
export async function clusterStatus(config: Config, backends: Backends, store: EngineStore): Promise<StatusReport> {
  const state = await store.load()
  const snapshot = await observe(config, backends)
  const {shapes, errors} = await resolveShapes(config, backends)
  snapshot.shapes = shapes
  const result = plan({snapshot, config, state, shapes, now: snapshot.time})
  const resources: ResourceStatus[] = config.resources.map((r) => {
    const mine = result.workers.filter((w) => w.resource === r.name)
    const byState: Partial<Record<NodeState, number>> = {}
    for (const w of mine) byState[w.state] = (byState[w.state] ?? 0) + 1
    const block = launchBlock(result.state.resources[r.name], snapshot.time)
    return {
      name: r.name,
      cloud: r.cloud.type,
      cores: shapes[r.name]?.cores ?? 0,
      memoryMiB: shapes[r.name]?.memoryMiB ?? 0,
      min: r.min,
      max: r.max,
      priority: r.priority,
      reservation: r.reservation as Record<string, string> | undefined,
      nodes: mine.length,
      byState,
      status: (block?.reason as ResourceStatus['status']) ?? 'ok',
      detail: block?.detail,
      failedBoots: result.state.resources[r.name]?.failedBoots ?? 0,
    }
  })
  const workers = result.workers.map(({instance, node, ...w}) => ({...w, instanceId: instance?.id, slots: node?.slots, slotsUsed: node?.slotsUsed, jobs: node?.jobs}))
  const warnings = [...errors, ...(store.warning ? [store.warning] : [])]
  return {...snapshot, workers, resources, auto: state.auto !== false, unplaced: result.unplaced, notes: result.notes, lastPass: await store.lastStats(), warnings}
}
