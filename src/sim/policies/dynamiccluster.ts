/**
 * A model of Dynamic Cluster 1.0 (eResearchSA, github.com/janse180/dynamiccluster), the Python
 * daemon dcaas succeeds, for `dcaas simulate --policy dynamiccluster`. Faithful to its source:
 *
 * - dynamiccluster/resource_allocator.py `simple_allocate` / `can_fit`: queued jobs by priority
 *   (stable, so FCFS among equals); per job, resources reserved for it first, then by
 *   (priority, current node count); first fit over *new* nodes only: `cores_left =
 *   (max - current) × cores_per_node − proposed` — idle or starting capacity is not subtracted
 *   (it launched for every queued job); a job with `cores_per_node == 0` (any split) fills the
 *   proposed nodes then opens new ones; a job with cores per node opens ⌈cores/ppn⌉ slots.
 * - dynamiccluster/server.py `check_existing_worker_nodes`: an idle node past `max_idle_time`
 *   (600 s) is removed while its resource has more than `min` nodes; a node in error past
 *   `max_down_time` is removed; an instance still starting after `max_launch_time` is destroyed;
 *   allocation (and top-up to `min`) runs only when no worker is Starting or Configuring
 *   (`has_unfinished_worker_nodes`), and — per its documented `auto_provision_interval`
 *   (60 s, docs deploy.md) — at most once per interval.
 *
 * Timings come from the dcaas config (`autoscale.maxIdle`, `maxDown`, `maxLaunch`), whose
 * defaults are Dynamic Cluster's. Not modelled: its Torque/SGE command plumbing and the
 * worker-process queue (tasks are performed within the pass).
 */
import type {ResourceConfig} from '../../config/types.js'
import type {Action} from '../../core/actions.js'
import type {Job} from '../../core/model.js'
import type {PlanInput, PlanResult} from '../../core/policy.js'
import {beginPass, coresOf, firstAfter, launchOf, lifecycleWake, registerMissing, removeOf, type SimPolicy, terminateOf} from './common.js'

/** Settings of the Dynamic Cluster model (its own defaults). */
export interface DynamicClusterOptions {
  /** Seconds between provisioning checks (`auto_provision_interval`, 60). */
  autoProvisionInterval: number
}

/** Dynamic Cluster's defaults. */
export const DYNAMICCLUSTER_DEFAULTS: DynamicClusterOptions = {autoProvisionInterval: 60}

/** The cores-per-node a Dynamic Cluster job asks for: 0 = any split, else a per-node count. */
export function dcCoresPerNode(job: Job): number {
  if (job.spread) return 0
  return job.perNode ?? job.cores
}

/** Whether a resource matches a job (`ResourceAllocator.match`). */
function matches(job: Job, r: ResourceConfig): boolean {
  const res = r.reservation ?? {}
  if (res.account !== undefined && job.account !== res.account) return false
  if (res.queue !== undefined && job.queue !== res.queue) return false
  if (job.property !== undefined && job.property !== res.property) return false
  return true
}

/** Tries to fit one job into a resource's proposed new nodes (`ResourceAllocator.can_fit`); mutates `proposed` on success. */
export function dcCanFit(job: Job, coresPerNode: number, free: number, proposed: number[]): boolean {
  const ppn = dcCoresPerNode(job)
  if (ppn > coresPerNode) return false
  const coresLeft = free * coresPerNode - proposed.reduce((a, b) => a + b, 0)
  if (coresLeft < job.cores) return false
  if (ppn === 0) {
    let requested = job.cores
    for (let i = 0; i < proposed.length && requested > 0; i++) {
      if (proposed[i] < coresPerNode) {
        requested -= coresPerNode - proposed[i]
        proposed[i] = coresPerNode
      }
    }
    while (requested > 0) {
      const c = Math.min(requested, coresPerNode)
      proposed.push(c)
      requested -= c
    }
    return true
  }
  let nodes = Math.ceil(job.cores / ppn)
  if (nodes > free) return false
  const usable = free - proposed.filter((p) => coresPerNode - p < ppn).length
  if (usable < nodes) return false
  for (let i = 0; i < proposed.length && nodes > 0; i++) {
    if (proposed[i] + ppn <= coresPerNode) {
      proposed[i] += ppn
      nodes--
    }
  }
  for (; nodes > 0; nodes--) proposed.push(ppn)
  return true
}

/** Creates a Dynamic Cluster policy; it remembers when it last checked for provisioning. */
export function createDynamicClusterPolicy(options: Partial<DynamicClusterOptions> = {}): SimPolicy {
  const opts = {...DYNAMICCLUSTER_DEFAULTS, ...options}
  let lastCheck = -Infinity
  let gated = false
  const policy = (input: PlanInput): PlanResult => {
    const {config, now, snapshot} = input
    const {workers, result, taken} = beginPass(input)
    const actions: Action[] = result.actions
    const {maxIdle, maxDown, maxLaunch} = config.autoscale
    registerMissing(workers, actions)

    const current = new Map<string, number>()
    for (const w of workers) if (w.resource) current.set(w.resource, (current.get(w.resource) ?? 0) + 1)
    const removing = new Map<string, number>()
    const resources = config.resources
    const minOf = (name: string) => resources.find((r) => r.name === name)?.min ?? 0

    for (const w of workers) {
      if (w.state === 'starting' && w.age !== undefined && w.age > maxLaunch) {
        actions.push(terminateOf(w, `${w.name} did not become ready within max_launch_time ${maxLaunch} s`))
      } else if (w.state === 'error' && now - w.since > maxDown) {
        actions.push(removeOf(w, 'node-error-timeout', `${w.name} down for more than max_down_time ${maxDown} s`))
      } else if (w.state === 'idle' && !w.adminHold && now - w.since > maxIdle && w.resource) {
        // Nodes being deleted still count in current_num (they stay in worker_nodes until gone),
        // so a removal frees no room for allocation in the same pass.
        const n = (current.get(w.resource) ?? 0) - (removing.get(w.resource) ?? 0)
        if (n > minOf(w.resource)) {
          actions.push(removeOf(w, 'idle-timeout', `${w.name} idle for ${now - w.since} s > max_idle_time ${maxIdle} s`))
          removing.set(w.resource, (removing.get(w.resource) ?? 0) + 1)
        }
      }
    }

    if (workers.some((w) => w.state === 'starting')) {
      result.notes.push('A worker is still starting: Dynamic Cluster does not provision (has_unfinished_worker_nodes).')
      gated = false
      return result
    }
    gated = now - lastCheck < opts.autoProvisionInterval
    if (gated) return result
    lastCheck = now

    const clusterMax = config.autoscale.maxNodes ?? Infinity
    let total = workers.length
    for (const r of resources) {
      const n = current.get(r.name) ?? 0
      if (n < r.min && total < clusterMax) {
        const count = Math.min(r.min - n, clusterMax - total)
        actions.push(launchOf(config, r, count, taken, `${r.name} has ${n} nodes, below min ${r.min}`, 'below-min'))
        current.set(r.name, n + count)
        total += count
      }
    }

    const queued = snapshot.jobs.filter((j) => j.state === 'queued')
    queued.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.submittedAt - b.submittedAt)
    const proposed = new Map<string, number[]>()
    for (const job of queued) {
      const candidates = resources.filter((r) => matches(job, r))
      if (candidates.length === 0) continue
      const ordered = [...candidates].sort((a, b) => a.priority - b.priority || (current.get(a.name) ?? 0) - (current.get(b.name) ?? 0))
      const reserved = ordered.filter((r) => {
        const res = r.reservation ?? {}
        return (res.account !== undefined && res.account === job.account) || (res.property !== undefined && res.property === job.property) || (res.queue !== undefined && res.queue === job.queue)
      })
      for (const r of [...reserved, ...ordered.filter((r) => !reserved.includes(r))]) {
        const p = proposed.get(r.name) ?? []
        proposed.set(r.name, p)
        if (dcCanFit(job, coresOf(input, r), r.max - (current.get(r.name) ?? 0), p)) break
      }
    }
    for (const r of resources) {
      const p = proposed.get(r.name)
      if (!p || p.length === 0) continue
      const count = Math.min(p.length, clusterMax - total)
      if (count <= 0) break
      actions.push(launchOf(config, r, count, taken, `first fit of ${queued.length} queued jobs needs ${p.length} new ${r.name} nodes`))
      total += count
    }
    return result
  }
  /** Its own timers: the shared lifecycle ones, and the next provisioning check when this pass was too early for one. */
  const nextWake = (input: PlanInput, result: PlanResult): number =>
    Math.min(lifecycleWake(input, result), gated ? firstAfter(input.now, [lastCheck + opts.autoProvisionInterval]) : Number.POSITIVE_INFINITY)
  return Object.assign(policy, {nextWake})
}
