/**
 * Pieces every baseline policy shares: the worker view (the same lifecycle classification the
 * real planner uses), launch and remove actions shaped like the planner's, and the result.
 */
import type {Config, ResourceConfig} from '../../config/types.js'
import type {Action, LaunchAction, RemoveAction, TerminateAction} from '../../core/actions.js'
import {classify, type Worker} from '../../core/lifecycle.js'
import type {NodeState} from '../../core/model.js'
import {allocateNames} from '../../core/naming.js'
import type {Policy, PlanInput, PlanResult} from '../../core/policy.js'
import type {Reason} from '../../core/reasons.js'

const STATES: NodeState[] = ['starting', 'idle', 'busy', 'holding', 'held', 'deleting', 'error']

/** What a baseline pass starts from: the classified workers and the timers to keep. */
export interface PassView {
  workers: Worker[]
  result: PlanResult
  /** Host names in use (for naming new workers). */
  taken: Set<string>
}

/** Classifies the snapshot's workers and prepares an empty result carrying the updated timers. */
export function beginPass(input: PlanInput): PassView {
  const {snapshot, config, state, now} = input
  const {workers, memory} = classify(snapshot, config, state.nodes, now)
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<NodeState, number>
  for (const w of workers) counts[w.state]++
  const result: PlanResult = {time: now, actions: [], unplaced: [], skipped: [], notes: [], workers, counts, state: {...state, nodes: memory, lastPass: now}}
  const taken = new Set<string>([...workers.map((w) => w.name), ...snapshot.nodes.map((n) => n.name), ...snapshot.instances.map((i) => i.name)])
  return {workers, result, taken}
}

/** Builds one launch action of `count` new workers of a resource. */
export function launchOf(config: Config, resource: ResourceConfig, count: number, taken: Set<string>, detail: string, reason: Reason = 'pending-jobs'): LaunchAction {
  return {kind: 'launch', resource: resource.name, names: allocateNames(config.cluster.name, resource.name, count, taken), reason, detail}
}

/** Builds the safe removal (hold → re-check → deregister → terminate) of one worker. */
export function removeOf(w: Worker, reason: Reason, detail: string): RemoveAction {
  return {kind: 'remove', node: w.name, resource: w.resource, instanceId: w.instance?.id, reason, detail}
}

/** Builds the termination of an instance that never became a usable node. */
export function terminateOf(w: Worker, detail: string): TerminateAction {
  return {kind: 'terminate', instanceId: w.instance?.id ?? w.name, node: w.name, resource: w.resource, failedBoot: true, reason: 'launch-timeout', detail}
}

/** Registers a running instance whose node the scheduler does not know yet (the actuator's usual healing). */
export function registerMissing(workers: readonly Worker[], actions: Action[]): void {
  for (const w of workers) {
    if (w.instance && !w.node && w.instance.state === 'running' && w.resource) {
      actions.push({kind: 'register', node: w.name, resource: w.resource, instanceId: w.instance.id, address: w.instance.address, reason: 'not-registered', detail: `${w.name} runs but is not registered`})
    }
  }
}

/** Counts the workers of a resource that still count against its max (everything not being deleted). */
export function liveCount(workers: readonly Worker[], resource: string): number {
  let n = 0
  for (const w of workers) if (w.resource === resource && w.state !== 'deleting') n++
  return n
}

/** Cores of one worker of a resource (shape from the input, else the config override, else 1). */
export function coresOf(input: PlanInput, resource: ResourceConfig): number {
  return input.shapes[resource.name]?.cores ?? resource.cores ?? 1
}

/** A policy that may also say until when, with the world unchanged, it would surely do nothing. */
export type SimPolicy = Policy & {
  /** Earliest future time at which one of the policy's own timers could make it act; Infinity if none. */
  nextWake?: (input: PlanInput, result: PlanResult) => number
}

/** Returns the smallest of `deadlines` (and each + 1 s, for strict `>` comparisons) later than `now`. */
export function firstAfter(now: number, deadlines: Iterable<number>): number {
  let best = Number.POSITIVE_INFINITY
  for (const d of deadlines) {
    if (d > now && d < best) best = d
    else if (d + 1 > now && d + 1 < best) best = d + 1
  }
  return best
}

/**
 * Returns the earliest future time a timer of the shared lifecycle could fire (idle past max idle,
 * boot past max launch, down past max down, back-off ending); nodes mid-removal wake at once.
 * With the world unchanged and no action taken, a pass before that time would decide the same.
 */
export function lifecycleWake(input: PlanInput, result: PlanResult): number {
  const {maxIdle, maxLaunch, maxDown} = input.config.autoscale
  const deadlines: number[] = []
  for (const w of result.workers) {
    if (w.state === 'idle') deadlines.push(w.since + maxIdle)
    else if (w.state === 'starting' && w.instance) deadlines.push(w.instance.launchedAt + maxLaunch)
    else if (w.state === 'error') deadlines.push(w.since + maxDown)
    else if (w.state === 'holding' || w.state === 'held' || w.state === 'deleting') return input.now
  }
  for (const r of Object.values(result.state.resources)) if (r.backoff) deadlines.push(r.backoff.until)
  return firstAfter(input.now, deadlines)
}
