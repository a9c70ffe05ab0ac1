/**
 * Node lifecycle (Dynamic Cluster's states): joins cloud instances with scheduler nodes and
 * gives each worker its state and the time it entered it. Pure.
 *
 *   Inexistent → Starting → Idle ⇄ Busy → Holding → Held → Deleting → Inexistent, plus Error.
 */
import type {Config} from '../config/types.js'
import type {Instance, NodeState, SchedulerNode, Snapshot, WorkerView} from './model.js'
import {resourceOfName} from './naming.js'
import type {NodeMemory} from './state.js'

/** A worker with what the planner needs besides its view. */
export interface Worker extends WorkerView {
  /** Seconds since launch (instances only). */
  age?: number
  /** The node was seen up at least once. */
  seenUp: boolean
  /** Managed by dcaas (has an instance of this cluster, or a worker name of this cluster). */
  managed: boolean
}

/** Result of classifying every worker. */
export interface Classification {
  workers: Worker[]
  /** Node memory for the next pass (timers carried over or restarted). */
  memory: Record<string, NodeMemory>
}

const LIVE_INSTANCE = new Set<Instance['state']>(['pending', 'running', 'error'])

/** Gives the lifecycle state of a worker from its instance, node and memory. */
export function stateOf(instance: Instance | undefined, node: SchedulerNode | undefined, memory: NodeMemory | undefined): NodeState {
  if (memory?.deleting !== undefined) return 'deleting'
  if (!node) return 'starting'
  const seenUp = memory?.seenUp === true || node.status === 'up'
  if (node.status !== 'up') return seenUp ? 'error' : 'starting'
  if (node.held) return node.jobs.length > 0 || node.slotsUsed > 0 ? 'holding' : 'held'
  return node.jobs.length > 0 || node.slotsUsed > 0 ? 'busy' : 'idle'
}

/** Joins instances and nodes of the snapshot into workers with lifecycle states and timers. */
export function classify(snapshot: Snapshot, config: Config, memory: Record<string, NodeMemory>, now: number): Classification {
  const resourceNames = config.resources.map((r) => r.name)
  const instances = new Map<string, Instance>()
  for (const i of snapshot.instances) if (LIVE_INSTANCE.has(i.state) && i.name) instances.set(i.name, i)
  const nodes = new Map<string, SchedulerNode>()
  for (const n of snapshot.nodes) nodes.set(n.name, n)

  const names = new Set<string>([...instances.keys()])
  for (const n of snapshot.nodes) {
    if (memory[n.name] || resourceOfName(snapshot.cluster, resourceNames, n.name)) names.add(n.name)
  }

  const workers: Worker[] = []
  const next: Record<string, NodeMemory> = {}
  for (const name of names) {
    const instance = instances.get(name)
    const node = nodes.get(name)
    const mem = memory[name]
    const state = stateOf(instance, node, mem)
    const seenUp = mem?.seenUp === true || node?.status === 'up'
    let since = mem?.state === state && mem.since !== undefined ? mem.since : now
    if (state === 'starting' && instance) since = instance.launchedAt
    const resource = instance?.resource ?? resourceOfName(snapshot.cluster, resourceNames, name)
    workers.push({
      name,
      resource,
      state,
      since,
      instance,
      node,
      adminHold: mem?.adminHold,
      age: instance ? now - instance.launchedAt : undefined,
      seenUp,
      managed: true,
    })
    next[name] = {...mem, state, since, seenUp: seenUp || undefined}
    if (!next[name].seenUp) delete next[name].seenUp
  }
  // Keep admin intent for nodes not seen this pass only while the observation was partial.
  if (!snapshot.scheduler.ok || !snapshot.cloud.ok) {
    for (const [name, mem] of Object.entries(memory)) if (!next[name]) next[name] = mem
  }
  workers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return {workers, memory: next}
}
