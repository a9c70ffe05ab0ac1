/**
 * The planner: one pure function from what was observed to what to do, each action with a
 * reason. `dcaas autoscale` performs its actions, `--dry-run` prints them, `dcaas simulate`
 * replays traces through it, and the tests call it on hand-built snapshots.
 *
 * Order of a pass: guard clauses (observation failed → nothing; partial → no scale-down;
 * auto off → only healing and admin intent) → healing (register, launch timeouts, vanished
 * instances, nodes in error) → scale-up (pack queued jobs, first-fit decreasing) → top up to
 * min → scale-down (idle past max idle, above min) → drains.
 */
import type {Config, ResourceConfig} from '../config/types.js'
import type {LaunchAction} from './actions.js'
import {classify, type Worker} from './lifecycle.js'
import type {Job, NodeState} from './model.js'
import {allocateNames} from './naming.js'
import {type Allowance, type Bin, fitsShape, Pool} from './packing.js'
import type {PlanInput, PlanResult, SkippedNode, SkipReason, UnplacedJob} from './policy.js'
import {REASONS} from './reasons.js'
import {launchBlock, orderFor} from './resources.js'
import type {EngineState, ResourceMemory} from './state.js'

const STATES: NodeState[] = ['starting', 'idle', 'busy', 'holding', 'held', 'deleting', 'error']

/** Plans one pass: returns the actions to take with their reasons, the jobs no resource takes, and the next state. */
export function plan(input: PlanInput): PlanResult {
  const {snapshot, config, state, shapes, now} = input
  const {workers, memory} = classify(snapshot, config, state.nodes, now)
  const next: EngineState = {...state, nodes: memory, resources: cloneResources(state.resources), lastPass: now}
  const result: PlanResult = {time: now, actions: [], unplaced: [], skipped: [], notes: [], workers, counts: countStates(workers), state: next}

  if (!snapshot.scheduler.ok || !snapshot.cloud.ok) {
    const what = [!snapshot.scheduler.ok && `scheduler: ${snapshot.scheduler.error ?? 'failed'}`, !snapshot.cloud.ok && `cloud: ${snapshot.cloud.error ?? 'failed'}`]
    result.notes.push(`Observation failed (${what.filter(Boolean).join('; ')}): no action this pass.`)
    return result
  }
  const canShrink = !snapshot.scheduler.partial && !snapshot.cloud.partial
  const canLaunch = !snapshot.cloud.partial
  if (!canShrink) result.notes.push(`Observation was partial: ${REASONS['observation-failed']}`)
  if (!canLaunch) result.notes.push('The cloud observation was partial: no launch this pass, so nothing is launched twice.')
  const auto = state.auto !== false
  if (!auto) result.notes.push('Automatic scaling is off: only healing and admin actions (drain) run.')

  noteBoots(workers, state, next)
  const byResource = groupByResource(workers)
  const liveCounts = new Map<string, number>()
  for (const [name, list] of byResource) liveCounts.set(name, list.filter((w) => w.state !== 'deleting').length)
  const live = (resource: string) => liveCounts.get(resource) ?? 0
  const resourceByName = new Map(config.resources.map((r) => [r.name, r]))
  const removing = new Map<string, number>()
  const removed = (resource: string | undefined) => (resource ? (removing.get(resource) ?? 0) : 0)
  const gone = new Set<string>()
  const markRemoved = (resource: string | undefined, name?: string) => {
    if (name) gone.add(name)
    if (resource) removing.set(resource, removed(resource) + 1)
  }

  // Healing.
  for (const w of workers) {
    const cfg = w.resource ? resourceByName.get(w.resource) : undefined
    if (w.state === 'deleting') {
      if (canShrink) {
        result.actions.push({kind: 'remove', node: w.name, resource: w.resource, instanceId: w.instance?.id, reason: 'resume-deleting', detail: `removal of ${w.name} started at ${w.since} did not finish; finishing it`})
      }
      continue
    }
    if (!w.instance) {
      if (canShrink) {
        const jobs = w.node?.jobs ?? []
        result.actions.push({kind: 'deregister', node: w.name, reason: 'instance-vanished', detail: `${w.name} has no instance in the cloud${jobs.length ? `; its jobs ${jobs.join(', ')} are lost` : ''}`})
        markRemoved(w.resource, w.name)
      }
      continue
    }
    if (w.state === 'starting') {
      if ((w.age ?? 0) >= config.autoscale.maxLaunch) {
        if (canShrink && auto) {
          result.actions.push({
            kind: 'terminate',
            instanceId: w.instance.id,
            node: w.node ? w.name : undefined,
            resource: w.resource,
            failedBoot: true,
            reason: w.node ? 'launch-timeout' : 'unregistered-instance',
            detail: `${w.name} (${w.instance.id}) launched ${w.age} s ago and is not a ready node (max launch ${config.autoscale.maxLaunch} s)`,
          })
          markRemoved(w.resource, w.name)
          countFailedBoot(next, w.resource, now, config)
        }
      } else if (!w.node && cfg) {
        result.actions.push({kind: 'register', node: w.name, resource: cfg.name, instanceId: w.instance.id, address: w.instance.address, reason: 'not-registered', detail: `${w.name} (${w.instance.id}) is not known to the scheduler yet`})
      }
      continue
    }
    if (w.state === 'error' && now - w.since >= config.autoscale.maxDown && canShrink && auto) {
      const jobs = w.node?.jobs ?? []
      result.actions.push({
        kind: 'remove',
        node: w.name,
        resource: w.resource,
        instanceId: w.instance.id,
        vacate: jobs.length > 0,
        reason: 'node-error-timeout',
        detail: `${w.name} has been ${w.node?.status ?? 'down'} for ${now - w.since} s (max down ${config.autoscale.maxDown} s)${jobs.length ? `; its jobs ${jobs.join(', ')} are reported lost` : ''}`,
      })
      markRemoved(w.resource, w.name)
    }
  }

  // Scale-up: pack queued jobs onto capacity, existing first.
  const pools = new Map<string, Pool>()
  const allowance: Allowance = {left: config.autoscale.maxNodes === undefined ? Number.POSITIVE_INFINITY : config.autoscale.maxNodes - workers.filter((w) => w.state !== 'deleting').length + sum(removing)}
  for (const r of config.resources) {
    const shape = shapes[r.name] ?? {cores: r.cores ?? 1, memoryMiB: r.memoryMiB ?? 0}
    const bins: Bin[] = []
    const draining = next.resources[r.name]?.draining !== undefined
    for (const w of byResource.get(r.name) ?? []) {
      // Capacity for queued jobs: idle and starting workers. Free slots of busy workers are not
      // counted: a job queued while they are free is one the scheduler declined to put there
      // (kept for a larger job, memory short) or will put there within a scheduling cycle.
      if (draining || gone.has(w.name) || w.adminHold || !['idle', 'starting'].includes(w.state) || !w.instance) continue
      const cores = w.node ? Math.max(0, w.node.slots - w.node.slotsUsed) : shape.cores
      const total = w.node?.slots || shape.cores
      bins.push({node: w.name, freeCores: cores, freeMem: Math.floor((shape.memoryMiB * cores) / Math.max(1, total))})
    }
    const headroom = Math.max(0, r.max - live(r.name) + removed(r.name))
    pools.set(r.name, new Pool(r.name, shape, bins, headroom))
  }
  const queued = snapshot.jobs.filter((j) => j.state === 'queued').sort(byDecreasingSize)
  const blocks = new Map(config.resources.map((r) => [r.name, auto ? launchBlock(next.resources[r.name], now) : {reason: 'auto-off' as const, detail: REASONS['auto-off']}]))
  const nodeCount = (name: string) => live(name) + (pools.get(name)?.newCount ?? 0)
  // Reasons are shared objects: with 100,000 queued jobs, building one per job and resource dominated the pass.
  const reasonCache = new Map<string, SkipReason>()
  const cachedReason = (key: string, make: () => SkipReason) => {
    let r = reasonCache.get(key)
    if (!r) reasonCache.set(key, (r = make()))
    return r
  }
  for (const job of queued) {
    const candidates = orderFor(job, config.resources, nodeCount)
    if (candidates.length === 0) {
      result.unplaced.push(unplacedJob(job, config.resources.length === 0 ? [{reason: 'no-resource', detail: REASONS['no-resource']}] : config.resources.map((r) => ({resource: r.name, reason: 'reservation-mismatch' as const, detail: `reserved for ${describeReservation(r)}`}))))
      continue
    }
    if (candidates.some((r) => pools.get(r.name)!.placeExisting(job))) continue
    const reasons: SkipReason[] = []
    let placed = false
    for (const r of candidates) {
      const pool = pools.get(r.name)!
      const block = blocks.get(r.name)
      if (!fitsShape(job, pool.shape)) {
        const what = describeJob(job)
        reasons.push(cachedReason(`${r.name}\0no-fit\0${what}`, () => ({resource: r.name, reason: 'no-fit', detail: `needs ${what}; a worker has ${pool.shape.cores} cores, ${pool.shape.memoryMiB} MiB`})))
        continue
      }
      if (block || !canLaunch) {
        reasons.push(cachedReason(`${r.name}\0block`, () => ({resource: r.name, ...(block ?? {reason: 'observation-failed' as const, detail: 'cloud observation partial'})})))
        continue
      }
      const failure = pool.placeWithNew(job, allowance)
      if (!failure) {
        placed = true
        break
      }
      reasons.push(cachedReason(`${r.name}\0${failure}`, () => ({resource: r.name, reason: failure, detail: failure === 'cluster-max-reached' ? `cluster max ${config.autoscale.maxNodes} nodes` : `max ${r.max} nodes`})))
    }
    if (!placed) result.unplaced.push(unplacedJob(job, reasons))
  }

  // Top up resources below min.
  const extra = new Map<string, number>()
  if (canLaunch) for (const r of config.resources) {
    const missing = r.min - (live(r.name) - removed(r.name)) - pools.get(r.name)!.newCount
    if (missing > 0 && !blocks.get(r.name)) {
      const n = Math.min(missing, allowance.left)
      if (n > 0) {
        extra.set(r.name, n)
        allowance.left -= n
      }
    }
  }
  const taken = new Set<string>([...workers.map((w) => w.name), ...snapshot.nodes.map((n) => n.name)])
  for (const r of config.resources) {
    const pool = pools.get(r.name)!
    const forJobs = pool.newCount
    const count = forJobs + (extra.get(r.name) ?? 0)
    if (count === 0) continue
    const names = allocateNames(snapshot.cluster, r.name, count, taken)
    const action: LaunchAction = forJobs > 0
      ? {kind: 'launch', resource: r.name, names, jobs: pool.jobsOnNew.slice(), reason: 'pending-jobs', detail: `${pool.jobsOnNew.length} queued job(s) (${preview(pool.jobsOnNew)}) need ${forJobs} new worker(s)${count > forJobs ? `, plus ${count - forJobs} to reach min ${r.min}` : ''}`}
      : {kind: 'launch', resource: r.name, names, reason: 'below-min', detail: `${r.name} has ${live(r.name) - removed(r.name)} worker(s), min is ${r.min}`}
    result.actions.push(action)
  }

  // Scale-down and drains.
  const needed = new Set<string>()
  for (const pool of pools.values()) for (const n of pool.used) needed.add(n)
  for (const w of workers) {
    if (w.state === 'deleting' || !w.resource) continue
    const r = resourceByName.get(w.resource)
    const mem = next.resources[w.resource]
    if (!r) continue
    if (next.nodes[w.name]?.drain !== undefined) {
      if (!canShrink) continue
      if (w.state === 'idle' || w.state === 'held') {
        result.actions.push({kind: 'remove', node: w.name, resource: w.resource, instanceId: w.instance?.id, reason: 'admin', detail: `an admin asked to remove ${w.name} once empty, and it runs no job now`})
        markRemoved(w.resource, w.name)
      } else if (w.state === 'busy') {
        result.actions.push({kind: 'hold', node: w.name, reason: 'admin', detail: `an admin asked to remove ${w.name} once empty`})
      }
      continue
    }
    if (mem?.draining) {
      if (!canShrink) continue
      if (w.state === 'idle' || (w.state === 'held' && !w.adminHold)) {
        result.actions.push({kind: 'remove', node: w.name, resource: w.resource, instanceId: w.instance?.id, reason: 'drain', detail: `${w.resource} is draining and ${w.name} runs no job`})
        markRemoved(w.resource, w.name)
      } else if (w.state === 'busy') {
        result.actions.push({kind: 'hold', node: w.name, reason: 'drain', detail: `${w.resource} is draining: no new job starts on ${w.name}; it is removed once empty`})
      }
      continue
    }
    if (w.state !== 'idle') {
      if (w.state === 'held' && w.adminHold) result.skipped.push({node: w.name, reason: 'admin-hold', detail: REASONS['admin-hold']})
      continue
    }
    const idleFor = now - w.since
    const skip = (reason: SkippedNode['reason'], detail: string) => result.skipped.push({node: w.name, reason, detail})
    if (w.adminHold) skip('admin-hold', REASONS['admin-hold'])
    else if (idleFor < config.autoscale.maxIdle) skip('not-idle-long-enough', `idle for ${idleFor} s of ${config.autoscale.maxIdle} s`)
    else if (!canShrink) skip('observation-failed', REASONS['observation-failed'])
    else if (!auto) skip('auto-off', REASONS['auto-off'])
    else if (mem?.frozen) skip('frozen', REASONS.frozen)
    else if (needed.has(w.name)) skip('needed-by-pending-job', REASONS['needed-by-pending-job'])
    else if (live(r.name) - removed(r.name) <= r.min) skip('at-min', `${r.name} has ${live(r.name) - removed(r.name)} worker(s), min is ${r.min}`)
    else {
      result.actions.push({kind: 'remove', node: w.name, resource: w.resource, instanceId: w.instance?.id, reason: 'idle-timeout', detail: `${w.name} idle for ${idleFor} s (max idle ${config.autoscale.maxIdle} s)`})
      markRemoved(w.resource, w.name)
    }
  }
  return result
}

function noteBoots(workers: Worker[], previous: EngineState, next: EngineState): void {
  // A worker seen up for the first time is a successful boot: it resets its resource's failed-boot count and back-off.
  for (const w of workers) {
    if (!w.resource || !w.seenUp || previous.nodes[w.name]?.seenUp) continue
    const mem = next.resources[w.resource]
    if (!mem) continue
    delete mem.failedBoots
    delete mem.backoff
  }
}

function countFailedBoot(next: EngineState, resource: string | undefined, now: number, config: Config): void {
  if (!resource) return
  const mem = (next.resources[resource] ??= {})
  mem.failedBoots = (mem.failedBoots ?? 0) + 1
  if (mem.failedBoots >= config.autoscale.maxFailedBoots && !mem.disabled) {
    mem.disabled = {since: now, reason: `${mem.failedBoots} consecutive instances failed to boot`}
  }
}

function groupByResource(workers: Worker[]): Map<string, Worker[]> {
  const map = new Map<string, Worker[]>()
  for (const w of workers) {
    if (!w.resource) continue
    const list = map.get(w.resource)
    if (list) list.push(w)
    else map.set(w.resource, [w])
  }
  return map
}

function countStates(workers: Worker[]): Record<NodeState, number> {
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<NodeState, number>
  for (const w of workers) counts[w.state]++
  return counts
}

function cloneResources(resources: Record<string, ResourceMemory>): Record<string, ResourceMemory> {
  const out: Record<string, ResourceMemory> = {}
  for (const [k, v] of Object.entries(resources)) out[k] = {...v}
  return out
}

function byDecreasingSize(a: Job, b: Job): number {
  return b.cores - a.cores || (b.priority ?? 0) - (a.priority ?? 0) || a.submittedAt - b.submittedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

function unplacedJob(job: Job, reasons: SkipReason[]): UnplacedJob {
  return {job: job.id, cores: job.cores, reasons}
}

function describeJob(job: Job): string {
  const mem = job.memoryMiBPerCore ? `, ${job.memoryMiBPerCore} MiB per core` : ''
  if (job.spread) return `${job.cores} cores spread over nodes${mem}`
  if (job.perNode && job.perNode < job.cores) return `${Math.ceil(job.cores / job.perNode)} nodes × ${job.perNode} cores${mem}`
  return `${job.cores} cores on one node${mem}`
}

function describeReservation(r: ResourceConfig): string {
  const parts = Object.entries(r.reservation ?? {}).map(([k, v]) => `${k} ${v}`)
  return parts.join(', ') || 'nothing'
}

function preview(ids: string[]): string {
  return ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')}, … ${ids.length - 5} more`
}

function sum(map: Map<string, number>): number {
  let total = 0
  for (const v of map.values()) total += v
  return total
}
