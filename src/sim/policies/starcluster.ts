/**
 * A model of StarCluster's SGE load balancer (jtriley/StarCluster,
 * starcluster/balancers/sge/__init__.py, `SGELoadBalancer`), for
 * `dcaas simulate --policy starcluster`. Faithful to its source and defaults:
 *
 * - one pass every `polling_interval` (60 s); while the cluster is not up (a node it added is
 *   still booting — `add_nodes` blocks until the node is ready) it does nothing;
 * - `_eval_add_node`: nothing at `max_nodes`; nothing when no job is queued; nothing within
 *   `stabilization_time` (180 s) of the last change unless there are no slots at all; with no
 *   slots at all add one node; else only when queued slots exceed free slots *and* the oldest
 *   queued job has waited longer than `longest_allowed_queue_time = max(300, wait_time)`
 *   (wait_time 900 s): add ⌊queued slots / slots per host⌋ (Python 2 division), at most
 *   `add_nodes_per_iteration` (1) and up to `max_nodes`;
 * - `_eval_remove_node`: only when nothing is queued and the cluster is stable, never below
 *   `min_nodes`; removes workers running no job whose uptime is at least `kill_after`
 *   (45) minutes past the hour (`_should_remove`, StarCluster's hourly-billing rule);
 * - the last-change time is set when an add completes (the node is up) and at each removal.
 *
 * Not modelled: the master node (dcaas workers only; min_nodes is the resource's min), qacct
 * statistics (only used for log lines).
 */
import type {Action} from '../../core/actions.js'
import type {PlanInput, PlanResult} from '../../core/policy.js'
import {beginPass, coresOf, firstAfter, launchOf, lifecycleWake, registerMissing, removeOf, type SimPolicy} from './common.js'

/** Settings of the StarCluster load-balancer model (its own defaults). */
export interface StarClusterOptions {
  /** Seconds between passes (`polling_interval`, 60). */
  pollingInterval: number
  /** Seconds the oldest queued job must wait before nodes are added (`wait_time`, 900; at least 300). */
  waitTime: number
  /** Nodes added per pass at most (`add_nodes_per_iteration`, 1). */
  addNodesPerIteration: number
  /** Seconds after a change during which nothing changes (`stabilization_time`, 180). */
  stabilizationTime: number
  /** Minutes past the (billing) hour of uptime before an idle node may go (`kill_after`, 45). */
  killAfter: number
}

/** StarCluster's defaults. */
export const STARCLUSTER_DEFAULTS: StarClusterOptions = {pollingInterval: 60, waitTime: 900, addNodesPerIteration: 1, stabilizationTime: 180, killAfter: 45}

/** Creates a StarCluster load-balancer policy; it remembers its last pass and last cluster change. */
export function createStarClusterPolicy(options: Partial<StarClusterOptions> = {}): SimPolicy {
  const opts = {...STARCLUSTER_DEFAULTS, ...options}
  const longestAllowedQueueTime = Math.max(300, opts.waitTime)
  let lastPoll = -Infinity
  let lastMod = -Infinity
  let adding = false
  let gated = false
  const policy = (input: PlanInput): PlanResult => {
    const {config, now, snapshot} = input
    const {workers, result, taken} = beginPass(input)
    const actions: Action[] = result.actions
    registerMissing(workers, actions)
    gated = now - lastPoll < opts.pollingInterval
    if (gated) return result
    lastPoll = now
    if (workers.some((w) => w.state === 'starting')) {
      result.notes.push('Nodes are still being added: StarCluster waits for them (add_nodes blocks).')
      return result
    }
    if (adding) {
      adding = false
      lastMod = now
    }
    const resource = [...config.resources].sort((a, b) => a.priority - b.priority)[0]
    if (!resource) return result
    const maxNodes = Math.min(resource.max, config.autoscale.maxNodes ?? Infinity)
    const minNodes = resource.min
    const stabilized = now - lastMod >= opts.stabilizationTime
    const mine = workers.filter((w) => w.resource === resource.name && w.state !== 'deleting')
    const numNodes = mine.length
    const hosts = mine.filter((w) => w.node?.status === 'up')
    const queued = snapshot.jobs.filter((j) => j.state === 'queued')

    // _eval_add_node
    if (numNodes < maxNodes && (queued.length > 0 || numNodes < minNodes)) {
      const totalSlots = hosts.reduce((s, w) => s + (w.node?.slots ?? 0), 0)
      if (stabilized || totalSlots === 0) {
        const usedSlots = hosts.reduce((s, w) => s + (w.node?.slotsUsed ?? 0), 0)
        const qwSlots = queued.reduce((s, j) => s + j.cores, 0)
        const slotsPerHost = hosts.length > 0 ? (hosts[0].node?.slots ?? 0) : 0
        let need = 0
        if (numNodes < minNodes) need = minNodes - numNodes
        else if (totalSlots === 0) need = 1
        else if (qwSlots > totalSlots - usedSlots) {
          const oldest = Math.min(...queued.map((j) => j.submittedAt))
          if (now - oldest > longestAllowedQueueTime) need = slotsPerHost !== 0 ? Math.floor(qwSlots / slotsPerHost) : 1
        }
        need = Math.min(opts.addNodesPerIteration, need, maxNodes - numNodes)
        if (need > 0) {
          actions.push(launchOf(config, resource, need, taken, `${qwSlots} queued slots > ${totalSlots - usedSlots} free; oldest job waited > ${longestAllowedQueueTime} s`))
          adding = true
          return result
        }
      }
    }

    // _eval_remove_node
    if (queued.length > 0 || !stabilized || numNodes <= minNodes) return result
    let maxRemove = numNodes - minNodes
    const cores = coresOf(input, resource)
    for (const w of hosts) {
      if (maxRemove <= 0) break
      if (w.state !== 'idle' || w.adminHold || !w.instance) continue
      const minutesPastHour = Math.floor((((now - w.instance.launchedAt) % 86400) / 60)) % 60
      if (minutesPastHour < opts.killAfter) continue
      actions.push(removeOf(w, 'idle-timeout', `${w.name} (${cores} slots) runs no job, up ${minutesPastHour} min past the hour ≥ kill_after ${opts.killAfter}, nothing queued`))
      lastMod = now
      maxRemove--
    }
    return result
  }
  /** Its own timers: the oldest queued job reaching wait_time, stabilisation ending, idle nodes reaching kill_after past the hour. */
  const nextWake = (input: PlanInput, result: PlanResult): number => {
    const {now, snapshot} = input
    const deadlines = [lastMod + opts.stabilizationTime]
    if (gated) deadlines.push(lastPoll + opts.pollingInterval)
    let oldest = Number.POSITIVE_INFINITY
    for (const j of snapshot.jobs) if (j.state === 'queued' && j.submittedAt < oldest) oldest = j.submittedAt
    if (oldest !== Number.POSITIVE_INFINITY) deadlines.push(oldest + longestAllowedQueueTime)
    for (const w of result.workers) {
      if (w.state !== 'idle' || !w.instance) continue
      const age = now - w.instance.launchedAt
      const hourStart = now - (age % 3600)
      deadlines.push(hourStart + opts.killAfter * 60, hourStart + 3600 + opts.killAfter * 60)
    }
    return Math.min(firstAfter(now, deadlines), lifecycleWake(input, result))
  }
  return Object.assign(policy, {nextWake})
}
