/**
 * Which resources may take a job, and in which order: reservation filter first, then a chain
 * of small orderings (reserved-for-the-job, priority, fewer nodes, name as the final tie-break).
 * Also whether a resource may launch now (frozen, draining, disabled, backing off). Pure.
 */
import type {ResourceConfig} from '../config/types.js'
import type {Job} from './model.js'
import type {Reason} from './reasons.js'
import type {ResourceMemory} from './state.js'

/** Tells whether a resource's reservation admits the job. */
export function admits(resource: ResourceConfig, job: Job): boolean {
  const r = resource.reservation
  if (job.property && r?.property !== job.property) return false
  if (!r) return true
  if (r.queue !== undefined && r.queue !== job.queue) return false
  if (r.account !== undefined && r.account !== job.account) return false
  if (r.property !== undefined && r.property !== job.property) return false
  return true
}

/** Tells whether a resource is reserved specifically for this job (by queue, account or property). */
export function reservedFor(resource: ResourceConfig, job: Job): boolean {
  const r = resource.reservation
  return r !== undefined && (r.queue !== undefined || r.account !== undefined || r.property !== undefined) && admits(resource, job)
}

/** Orders the resources that admit a job: reserved for it first, then by priority, then fewer nodes, then name. */
export function orderFor(job: Job, resources: readonly ResourceConfig[], nodeCount: (resource: string) => number): ResourceConfig[] {
  return resources
    .filter((r) => admits(r, job))
    .sort(
      (a, b) =>
        Number(reservedFor(b, job)) - Number(reservedFor(a, job)) ||
        a.priority - b.priority ||
        nodeCount(a.name) - nodeCount(b.name) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    )
}

/** Says why a resource may not launch now, or undefined when it may. */
export function launchBlock(memory: ResourceMemory | undefined, now: number): {reason: Reason; detail: string} | undefined {
  if (!memory) return undefined
  if (memory.disabled) return {reason: 'disabled', detail: `stopped launching at ${iso(memory.disabled.since)}: ${memory.disabled.reason}`}
  if (memory.frozen) return {reason: 'frozen', detail: `frozen since ${iso(memory.frozen.since)}`}
  if (memory.draining) return {reason: 'draining', detail: `draining since ${iso(memory.draining.since)}`}
  if (memory.backoff && memory.backoff.until > now)
    return {
      reason: 'in-backoff',
      detail: `${memory.backoff.failures} failed launch(es), last: ${memory.backoff.lastError}; next try in ${Math.ceil(memory.backoff.until - now)} s`,
    }
  return undefined
}

/** Formats epoch seconds as an ISO time without milliseconds. */
export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}
