/**
 * Parses `qhost -q -j -xml` into scheduler nodes: slots and jobs from the queue instances of
 * the monitored queues, and the queue-instance state letters mapped onto node status.
 */
import type {SchedulerNode} from '../../core/model.js'
import {parseMemoryMiB} from './conf.js'
import {attr, listOf, parseSgeXml, textOf, type XmlNode} from './xml.js'

/** One job (or array task) on a host, as qhost -j lists it (a parallel job appears once per slot group). */
export interface HostJob {
  /** `123`, or `123.4` for an array task. */
  id: string
  queue: string
  master: boolean
  startedAt?: number
}

/** A host from qhost, before the monitored-queue filter. */
export interface QhostHost {
  name: string
  memoryMiB?: number
  queues: {name: string; slots: number; slotsUsed: number; state: string}[]
  jobs: HostJob[]
}

/** Parses `qhost -q -j -xml` into hosts (the `global` pseudo-host is dropped). */
export function parseQhostXml(xml: string): QhostHost[] {
  const root = parseSgeXml(xml, 'qhost', 'qhost -q -j -xml')
  const hosts: QhostHost[] = []
  for (const host of listOf(root.host)) {
    const name = attr(host, 'name')
    if (name === '' || name === 'global') continue
    const values = valuesOf(host.hostvalue)
    const memory = values.mem_total && values.mem_total !== '-' ? parseMemoryMiB(values.mem_total) : undefined
    const queues = listOf(host.queue).map((queue) => {
      const q = valuesOf(queue.queuevalue)
      return {
        name: attr(queue, 'name'),
        slots: toInt(q.slots),
        slotsUsed: toInt(q.slots_used),
        state: q.state_string ?? '',
      }
    })
    const jobs = listOf(host.job).map((job): HostJob => {
      const j = valuesOf(job.jobvalue)
      const task = j.taskid
      const start = Number(j.start_time)
      return {
        id: task ? `${attr(job, 'name')}.${task}` : attr(job, 'name'),
        queue: (j.qinstance_name ?? '').split('@')[0],
        master: j.pe_master !== 'SLAVE',
        startedAt: Number.isFinite(start) && start > 0 ? start : undefined,
      }
    })
    hosts.push({name, memoryMiB: memory === undefined ? undefined : Math.round(memory), queues, jobs})
  }
  return hosts
}

/**
 * Turns qhost hosts into scheduler nodes, counting only queue instances of `queues` (empty: all).
 * A host with no instance of a monitored queue is not a node of this cluster and is left out.
 * Status: `u` (not reporting) or `o` (orphaned) → down; `E` or `c` (configuration ambiguous) → error;
 * otherwise up. `d` or `D` (disabled) → held.
 */
export function toSchedulerNodes(hosts: QhostHost[], queues: string[]): SchedulerNode[] {
  const watched = (queue: string) => queues.length === 0 || queues.includes(queue)
  const nodes: SchedulerNode[] = []
  for (const host of hosts) {
    const instances = host.queues.filter((q) => watched(q.name))
    if (instances.length === 0) continue
    const letters = new Set(instances.flatMap((q) => [...q.state]))
    const status = letters.has('u') || letters.has('o') ? 'down' : letters.has('E') || letters.has('c') ? 'error' : 'up'
    const jobs = [...new Set(host.jobs.filter((j) => watched(j.queue)).map((j) => j.id))]
    const rawState = [...new Set(instances.map((q) => q.state).filter((s) => s !== ''))].join(',')
    nodes.push({
      name: host.name,
      status,
      held: letters.has('d') || letters.has('D'),
      slots: instances.reduce((sum, q) => sum + q.slots, 0),
      slotsUsed: instances.reduce((sum, q) => sum + q.slotsUsed, 0),
      ...(host.memoryMiB === undefined ? {} : {memoryMiB: host.memoryMiB}),
      jobs,
      rawState,
    })
  }
  return nodes
}

/** Maps `<xvalue name='k'>v</xvalue>` children to {k: v}, stripping qhost's quotes around priorities. */
function valuesOf(list: unknown): Record<string, string> {
  const result: Record<string, string> = {}
  for (const value of listOf(list)) result[attr(value as XmlNode, 'name')] = textOf(value).replace(/^'(.*)'$/, '$1')
  return result
}

function toInt(value: string | undefined): number {
  const n = Number(value)
  return Number.isFinite(n) ? Math.trunc(n) : 0
}
