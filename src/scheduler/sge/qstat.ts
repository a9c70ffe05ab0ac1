/**
 * Parses `qstat -u '*' -xml -r` (times, slots, PE, hard requests, queue) and
 * `qstat -u '*' -xml -ext` (project) into jobs of the shared model.
 */
import type {Job} from '../../core/model.js'
import {type AllocationRule, expandTasks, parseMemoryMiB} from './conf.js'
import {attr, listOf, parseSgeXml, textOf, type XmlNode} from './xml.js'

/** One `<job_list>` entry of qstat -r: a job, a running array task, or a range of pending tasks. */
export interface QstatEntry {
  number: string
  name: string
  owner: string
  /** SGE state letters (qw, hqw, r, Rr, t, Eqw, dr…). */
  state: string
  slots: number
  priority?: number
  submittedAt?: number
  startedAt?: number
  /** `host` part of queue_name (running). */
  host?: string
  /** `queue` part of queue_name (running). */
  queue?: string
  /** Task id (running) or task range (pending), for array jobs. */
  tasks?: string
  pe?: string
  hardRequests: Record<string, string>
  hardQueues: string[]
}

/** Options of toJobs. */
export interface ToJobsOptions {
  /** Monitored queues (empty: all). */
  queues: string[]
  /** Allocation rule of each parallel environment by name. */
  pes: Record<string, AllocationRule>
  /** Project of each job number (from qstat -ext). */
  projects?: Record<string, string>
  /** Hosts of each running job or task id (from qhost -j: includes the slave hosts of parallel jobs). */
  hosts?: Record<string, string[]>
  /** Most tasks of one pending array range turned into jobs (default 10000); the rest are reported. */
  maxTasksPerRange?: number
}

/** Parses `qstat -u '*' -xml -r` into its entries (running and pending). */
export function parseQstatXml(xml: string): QstatEntry[] {
  const root = parseSgeXml(xml, 'job_info', "qstat -u '*' -xml -r")
  const lists = [...listOf((root.queue_info as XmlNode | undefined)?.job_list), ...listOf((root.job_info as XmlNode | undefined)?.job_list)]
  return lists.map((entry) => {
    const queueName = textOf(entry.queue_name)
    const at = queueName.indexOf('@')
    const hardRequests: Record<string, string> = {}
    for (const request of listOf(entry.hard_request)) hardRequests[attr(request, 'name')] = textOf(request)
    const pe = listOf(entry.requested_pe)[0]
    const prio = Number(textOf(entry.JAT_prio))
    const tasks = textOf(entry.tasks)
    return {
      number: textOf(entry.JB_job_number),
      name: textOf(entry.JB_name),
      owner: textOf(entry.JB_owner),
      state: textOf(entry.state),
      slots: Number(textOf(entry.slots)) || 1,
      ...(textOf(entry.JAT_prio) !== '' && Number.isFinite(prio) ? {priority: prio} : {}),
      ...optionalTime('submittedAt', textOf(entry.JB_submission_time)),
      ...optionalTime('startedAt', textOf(entry.JAT_start_time)),
      ...(at > 0 ? {queue: queueName.slice(0, at), host: queueName.slice(at + 1)} : {}),
      ...(tasks === '' ? {} : {tasks}),
      ...(pe ? {pe: attr(pe, 'name')} : {}),
      hardRequests,
      hardQueues: listOf(entry.hard_req_queue).map((q) => textOf(q)).filter((q) => q !== ''),
    }
  })
}

/** Parses `qstat -u '*' -xml -ext` into the project of each job number (jobs without one are left out). */
export function parseQstatProjects(xml: string): Record<string, string> {
  const root = parseSgeXml(xml, 'job_info', "qstat -u '*' -xml -ext")
  const lists = [...listOf((root.queue_info as XmlNode | undefined)?.job_list), ...listOf((root.job_info as XmlNode | undefined)?.job_list)]
  const projects: Record<string, string> = {}
  for (const entry of lists) {
    const project = textOf(entry.JB_project)
    if (project !== '') projects[textOf(entry.JB_job_number)] = project
  }
  return projects
}

/**
 * Parses an SGE time: epoch seconds, or qstat's ISO local time without a zone (read in this
 * process's time zone, which must match the head node's).
 */
export function parseSgeTime(text: string): number | undefined {
  if (text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text)
  const ms = new Date(text).getTime()
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined
}

/** Maps SGE state letters to the model: E → error, h → held, r/t/R/s/S/T → running, qw → queued. */
export function jobState(letters: string): Job['state'] {
  if (letters.includes('E')) return 'error'
  if (letters.includes('h')) return 'held'
  if (/[rtsST]/.test(letters)) return 'running'
  if (letters.includes('q') || letters.includes('w')) return 'queued'
  return 'other'
}

/**
 * Turns qstat entries into jobs: pending array ranges become one job per task (`12.3`), running
 * tasks are `12.3`; jobs of unmonitored queues are left out. Returns warnings for PEs of unknown
 * allocation rule (treated as spread) and for ranges cut at maxTasksPerRange.
 */
export function toJobs(entries: QstatEntry[], options: ToJobsOptions): {jobs: Job[]; warnings: string[]} {
  const warnings: string[] = []
  const jobs: Job[] = []
  const watched = (queue: string | undefined) => queue === undefined || options.queues.length === 0 || options.queues.includes(queue)
  const limit = options.maxTasksPerRange ?? 10000
  for (const entry of entries) {
    const state = jobState(entry.state)
    const queue = entry.queue ?? entry.hardQueues[0]
    if (entry.queue !== undefined ? !watched(entry.queue) : entry.hardQueues.length > 0 && !entry.hardQueues.some((q) => watched(q))) continue
    const base: Omit<Job, 'id' | 'hosts'> = {
      name: entry.name,
      owner: entry.owner,
      ...(queue === undefined ? {} : {queue}),
      ...(options.projects?.[entry.number] ? {account: options.projects[entry.number]} : {}),
      state,
      cores: entry.slots,
      ...placement(entry, options.pes, warnings),
      ...memory(entry),
      ...(entry.priority === undefined ? {} : {priority: entry.priority}),
      submittedAt: entry.submittedAt ?? entry.startedAt ?? 0,
      ...(entry.startedAt === undefined ? {} : {startedAt: entry.startedAt}),
      rawState: entry.state,
    }
    const running = state === 'running' || entry.host !== undefined
    const ids: string[] = []
    if (entry.tasks === undefined) ids.push(entry.number)
    else if (running || /^\d+$/.test(entry.tasks)) ids.push(`${entry.number}.${entry.tasks}`)
    else {
      const {ids: tasks, count} = expandTasks(entry.tasks, limit)
      for (const task of tasks) ids.push(`${entry.number}.${task}`)
      if (count > tasks.length) warnings.push(`job ${entry.number}: only ${tasks.length} of ${count} pending tasks (${entry.tasks}) counted`)
    }
    for (const id of ids) {
      const hosts = options.hosts?.[id] ?? (entry.host ? [entry.host] : [])
      jobs.push({id, ...base, hosts: running ? hosts : []})
    }
  }
  return {jobs, warnings}
}

function placement(entry: QstatEntry, pes: Record<string, AllocationRule>, warnings: string[]): Pick<Job, 'perNode' | 'spread'> {
  if (entry.pe === undefined) return {}
  const rule = pes[entry.pe]
  if (rule === undefined) {
    warnings.push(`job ${entry.number}: allocation rule of parallel environment ${entry.pe} unknown; assumed spread`)
    return {spread: true}
  }
  if (rule.kind === 'pe_slots') return {}
  if (rule.kind === 'fixed') return {perNode: rule.perNode}
  return {spread: true}
}

function memory(entry: QstatEntry): Pick<Job, 'memoryMiBPerCore'> {
  const values = ['h_vmem', 'mem_free', 'h_rss', 'virtual_free']
    .map((name) => entry.hardRequests[name])
    .filter((v): v is string => v !== undefined)
    .map((v) => parseMemoryMiB(v))
    .filter((v): v is number => v !== undefined)
  return values.length === 0 ? {} : {memoryMiBPerCore: Math.ceil(Math.max(...values))}
}

function optionalTime<K extends string>(key: K, text: string): Partial<Record<K, number>> {
  const value = parseSgeTime(text)
  return value === undefined ? {} : ({[key]: value} as Record<K, number>)
}
