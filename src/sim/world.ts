/**
 * A deterministic discrete-event model of a cluster: cloud instances that boot, scheduler nodes,
 * and jobs scheduled first-come-first-served with EASY backfilling. Pure: no I/O, no clock —
 * time only moves through advanceTo(). Its state is one JSON-serialisable object (WorldState),
 * so the CLI can keep it in a file and `dcaas simulate` can replay traces in virtual time.
 */
import type {Instance, Job, Reservation, SchedulerNode} from '../core/model.js'
import {NodeBusyError} from '../scheduler/scheduler.js'
import {nextRandom, seedState} from './rng.js'

/** A job to submit to the simulated scheduler. */
export interface SimJobSpec {
  id?: string
  name?: string
  owner?: string
  queue?: string
  account?: string
  property?: string
  cores: number
  perNode?: number
  spread?: boolean
  memoryMiBPerCore?: number
  /** Seconds the job actually runs once started. */
  runTime: number
  /** Requested wall time in seconds (used for backfill reservations). */
  walltime?: number
  priority?: number
  /** Arrival time; default now. A future time means the job arrives later. */
  submitAt?: number
}

/** Instances to launch in one call. */
export interface SimLaunch {
  resource: string
  /** Cluster the instances are tagged with (list() filters on it). */
  cluster?: string
  names: string[]
  cores: number
  memoryMiB: number
  /** Seconds from launch to running (and to its node coming up). */
  bootTime: number
  /** Per name: true when that instance boots but its node never reports. */
  bootFails: boolean[]
}

/** A node to register with the simulated scheduler. */
export interface SimNodeSpec {
  name: string
  slots: number
  memoryMiB?: number
  reservation?: Reservation
}

/** One job the world killed, so tests can assert that dcaas never killed a job. */
export interface KilledJob {
  jobId: string
  node: string
  time: number
  cause: 'terminated' | 'node-died' | 'vacated'
}

/** Finished jobs as parallel arrays (compact, for statistics): index i is one job. */
export interface DoneRecords {
  id: string[]
  cores: number[]
  submitAt: number[]
  startAt: number[]
  endAt: number[]
}

/** One job inside the world (future, queued or running). */
export interface SimJobState extends Omit<SimJobSpec, 'submitAt' | 'priority' | 'id'> {
  id: string
  /** Submission order, the last tie-break of the queue order. */
  seq: number
  priority: number
  submitAt: number
  startAt?: number
  hosts?: string[]
  /** Cores used on each of hosts. */
  hostCores?: number[]
}

/** One node inside the world. */
export interface SimNodeState {
  name: string
  slots: number
  memoryMiB?: number
  reservation?: Reservation
  status: 'up' | 'down' | 'error'
  held: boolean
  jobs: string[]
}

/** One instance inside the world. */
export interface SimInstanceState {
  id: string
  name: string
  resource: string
  cluster: string
  cores: number
  memoryMiB: number
  state: 'pending' | 'running'
  launchedAt: number
  bootAt: number
  bootFails: boolean
}

/** The whole world as one JSON-serialisable object. */
export interface WorldState {
  version: 1
  now: number
  /** Generator state (see rng.ts). */
  rng: number
  nextInstance: number
  nextJob: number
  /** Most queued jobs one scheduling pass looks at. */
  backfillDepth: number
  instances: SimInstanceState[]
  nodes: SimNodeState[]
  jobs: SimJobState[]
  done: DoneRecords
  killed: KilledJob[]
}

/** How many instances, nodes and jobs the world holds, by state. */
export interface WorldCounts {
  instances: number
  nodesUp: number
  nodesDown: number
  nodesError: number
  running: number
  queued: number
  /** Submitted with a future arrival time. */
  future: number
  done: number
  killed: number
}

/** Options of a new world. */
export interface WorldOptions {
  now?: number
  seed?: number
  backfillDepth?: number
}

/** A node plus what the world derives from it. */
interface LiveNode {
  s: SimNodeState
  resource: string
  freeCores: number
  freeMem: number
  /** Registration order, the order nodes are tried in. */
  order: number
  /** Cached observe() view, cleared when the node changes. */
  view?: SchedulerNode
  /** Scratch space of one reservation computation: the pass that filled it, and free cores/memory at the reserved time. */
  mark: number
  hypCores: number
  hypMem: number
  /** Capacity a backfilled job that outlives the reservation may still use. */
  spareCores: number
  spareMem: number
}

const ARRIVAL = 0
const BOOT = 1
const END = 2

interface Event {
  t: number
  seq: number
  kind: typeof ARRIVAL | typeof BOOT | typeof END
  job?: SimJobState
  instance?: SimInstanceState
}

/** A binary min-heap of events by (time, insertion order). */
class EventHeap {
  private items: Event[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  /** Time of the earliest event (Infinity when empty). */
  topTime(): number {
    return this.items.length > 0 ? this.items[0].t : Number.POSITIVE_INFINITY
  }

  push(event: Omit<Event, 'seq'>): void {
    const item = {...event, seq: this.seq++} as Event
    const a = this.items
    let i = a.length
    a.push(item)
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(item, a[p])) break
      a[i] = a[p]
      i = p
    }
    a[i] = item
  }

  pop(): Event | undefined {
    const a = this.items
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop() as Event
    if (a.length > 0) {
      let i = 0
      const n = a.length
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && before(a[r], a[l]) ? r : l
        if (!before(a[c], last)) break
        a[i] = a[c]
        i = c
      }
      a[i] = last
    }
    return top
  }
}

function before(a: Event, b: Event): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq)
}

/** Queue order: priority desc, submit time, submission order. */
function queueBefore(a: SimJobState, b: SimJobState): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority
  if (a.submitAt !== b.submitAt) return a.submitAt < b.submitAt
  return a.seq < b.seq
}

/** Tells whether a node (with this reservation) may run the job. */
function eligible(reservation: Reservation | undefined, job: SimJobState): boolean {
  if (!reservation) return job.property === undefined
  if (reservation.queue !== undefined && reservation.queue !== job.queue) return false
  if (reservation.account !== undefined && reservation.account !== job.account) return false
  if (job.property !== undefined && reservation.property !== job.property) return false
  if (reservation.property !== undefined && job.property !== reservation.property) return false
  return true
}

/** A placement: nodes and cores on each. */
type Placement = {nodes: LiveNode[]; cores: number[]}

/** Cores of a job a node could take, given the free cores and memory to count with. */
function capacity(job: SimJobState, cores: number, mem: number): number {
  if (cores <= 0) return 0
  const perCore = job.memoryMiBPerCore
  if (perCore === undefined || perCore <= 0 || !Number.isFinite(mem)) return cores
  return Math.min(cores, Math.floor(mem / perCore))
}

/** Finds where a job goes on the given nodes (in order), with cap(node) cores usable on each; null if it does not fit. */
function place(job: SimJobState, nodes: LiveNode[], cap: (node: LiveNode) => number): Placement | null {
  if (!job.spread && job.perNode === undefined) {
    for (const node of nodes) if (eligible(node.s.reservation, job) && cap(node) >= job.cores) return {nodes: [node], cores: [job.cores]}
    return null
  }
  // multi-node: one resource only; try resources in order of their first node
  const groups = new Map<string, LiveNode[]>()
  for (const node of nodes) {
    if (!eligible(node.s.reservation, job)) continue
    let group = groups.get(node.resource)
    if (!group) groups.set(node.resource, (group = []))
    group.push(node)
  }
  for (const group of groups.values()) {
    if (job.perNode !== undefined) {
      const need = Math.ceil(job.cores / job.perNode)
      const chosen: LiveNode[] = []
      for (const node of group) {
        if (cap(node) >= job.perNode) chosen.push(node)
        if (chosen.length === need) return {nodes: chosen, cores: chosen.map(() => job.perNode as number)}
      }
    } else {
      let left = job.cores
      const chosen: LiveNode[] = []
      const cores: number[] = []
      for (const node of group) {
        const take = Math.min(cap(node), left)
        if (take <= 0) continue
        chosen.push(node)
        cores.push(take)
        left -= take
        if (left === 0) return {nodes: chosen, cores}
      }
    }
  }
  return null
}

/** Checks a job spec and throws a plain Error naming the problem. */
function checkSpec(spec: SimJobSpec): void {
  if (!Number.isInteger(spec.cores) || spec.cores < 1) throw new Error(`job cores must be a positive integer, got ${spec.cores}`)
  if (spec.perNode !== undefined) {
    if (!Number.isInteger(spec.perNode) || spec.perNode < 1) throw new Error(`job perNode must be a positive integer, got ${spec.perNode}`)
    if (spec.cores % spec.perNode !== 0) throw new Error(`job cores (${spec.cores}) must be a multiple of perNode (${spec.perNode})`)
  }
  if (!(spec.runTime >= 0)) throw new Error(`job runTime must be a number of seconds >= 0, got ${spec.runTime}`)
}

/** Creates the state of an empty world. */
export function emptyWorldState(options: WorldOptions = {}): WorldState {
  return {
    version: 1,
    now: options.now ?? 0,
    rng: seedState(options.seed ?? 1),
    nextInstance: 1,
    nextJob: 1,
    backfillDepth: options.backfillDepth ?? 1000,
    instances: [],
    nodes: [],
    jobs: [],
    done: {id: [], cores: [], submitAt: [], startAt: [], endAt: []},
    killed: [],
  }
}

/** A simulated cloud and batch scheduler, driven by advanceTo(). */
export class SimWorld {
  private readonly s: WorldState
  private readonly heap = new EventHeap()
  private readonly instancesById = new Map<string, SimInstanceState>()
  /** Live (not terminated) instance per host name. */
  private readonly instanceByName = new Map<string, SimInstanceState>()
  private readonly nodes = new Map<string, LiveNode>()
  private readonly jobs = new Map<string, SimJobState>()
  private queue: SimJobState[] = []
  private readonly running = new Set<SimJobState>()
  private nodeOrder = 0
  private reserveMark = 0
  /** Bumped when an instance is launched, boots or is terminated. */
  private instanceChanges = 0
  private dirty = false
  private changes = 0
  private observed?: {version: number; value: {nodes: SchedulerNode[]; jobs: Job[]}}
  private listed?: {version: number; value: Instance[]; byCluster: Map<string, Instance[]>}
  private readonly jobViews = new WeakMap<SimJobState, Job>()
  /** Nodes that are up and not held, in registration order; cleared when that set may change. */
  private usableCache?: LiveNode[]
  /** All nodes in registration order; cleared when a node is added or removed. */
  private nodeList?: LiveNode[]

  /** Builds a world from a saved state (or an empty one); the state object is used, not copied. */
  constructor(state: WorldState = emptyWorldState()) {
    this.s = state
    for (const inst of state.instances) {
      this.instancesById.set(inst.id, inst)
      this.instanceByName.set(inst.name, inst)
      if (inst.state === 'pending') this.heap.push({t: inst.bootAt, kind: BOOT, instance: inst})
    }
    for (const node of state.nodes) this.nodes.set(node.name, this.live(node))
    const ends: SimJobState[] = []
    for (const job of state.jobs) {
      this.jobs.set(job.id, job)
      if (job.startAt !== undefined) {
        this.running.add(job)
        ends.push(job)
        job.hosts?.forEach((host, i) => this.take(this.nodes.get(host), job, (job.hostCores as number[])[i]))
      } else if (job.submitAt > state.now) {
        this.heap.push({t: job.submitAt, kind: ARRIVAL, job})
      } else {
        this.queue.push(job)
      }
    }
    // running jobs are saved in start order: pushing their ends in that order keeps ties as in an uninterrupted run
    for (const job of ends) this.heap.push({t: (job.startAt as number) + job.runTime, kind: END, job})
    this.queue.sort((a, b) => (queueBefore(a, b) ? -1 : queueBefore(b, a) ? 1 : 0))
    this.dirty = this.queue.length > 0
  }

  /** Returns the world's state as a JSON-serialisable object (the live object: copy it if you keep it). */
  state(): WorldState {
    this.s.instances = [...this.instancesById.values()]
    this.s.nodes = [...this.nodes.values()].map((node) => node.s)
    this.s.jobs = [...this.jobs.values()].filter((job) => job.startAt === undefined)
    for (const job of this.running) this.s.jobs.push(job)
    return this.s
  }

  /** Returns the current simulated time in seconds. */
  get now(): number {
    return this.s.now
  }

  /** Returns a number that changes whenever anything observable changed (compare it to skip work). */
  get version(): number {
    return this.changes
  }

  /** Returns the jobs the world killed so far. */
  get killed(): readonly KilledJob[] {
    return this.s.killed
  }

  /** Returns the finished jobs as parallel arrays. */
  get done(): Readonly<DoneRecords> {
    return this.s.done
  }

  /** Returns the number of jobs not yet finished (future arrivals, queued and running). */
  get pendingJobs(): number {
    return this.jobs.size
  }

  /** Counts instances, nodes and jobs by state, for one-line summaries. */
  counts(): WorldCounts {
    const counts: WorldCounts = {
      instances: this.instancesById.size,
      nodesUp: 0,
      nodesDown: 0,
      nodesError: 0,
      running: this.running.size,
      queued: this.queue.length,
      future: 0,
      done: this.s.done.id.length,
      killed: this.s.killed.length,
    }
    for (const node of this.nodes.values()) {
      if (node.s.status === 'up') counts.nodesUp++
      else if (node.s.status === 'down') counts.nodesDown++
      else counts.nodesError++
    }
    counts.future = this.jobs.size - counts.running - counts.queued
    return counts
  }

  /** Draws the next number in [0, 1) from the world's seeded generator. */
  random(): number {
    const {value, state} = nextRandom(this.s.rng)
    this.s.rng = state
    return value
  }

  // ---------------------------------------------------------------- cloud

  /** Launches instances (state pending, running after bootTime); returns them. */
  launch(request: SimLaunch): Instance[] {
    const out: Instance[] = []
    request.names.forEach((name, i) => {
      const inst: SimInstanceState = {
        id: `sim-${String(this.s.nextInstance++).padStart(6, '0')}`,
        name,
        resource: request.resource,
        cluster: request.cluster ?? '',
        cores: request.cores,
        memoryMiB: request.memoryMiB,
        state: 'pending',
        launchedAt: this.s.now,
        bootAt: this.s.now + Math.max(0, request.bootTime),
        bootFails: request.bootFails[i] ?? false,
      }
      this.instancesById.set(inst.id, inst)
      this.instanceByName.set(name, inst)
      const node = this.nodes.get(name)
      if (node) node.resource = request.resource
      this.heap.push({t: inst.bootAt, kind: BOOT, instance: inst})
      out.push(this.instanceView(inst))
    })
    this.instanceChanges++
    this.changed()
    return out
  }

  /** Terminates instances: their nodes go down and the jobs on them are killed. Unknown ids are ignored. */
  terminate(ids: string[]): void {
    for (const id of ids) {
      const inst = this.instancesById.get(id)
      if (!inst) continue
      this.instancesById.delete(id)
      if (this.instanceByName.get(inst.name) === inst) this.instanceByName.delete(inst.name)
      const node = this.nodes.get(inst.name)
      if (node) {
        node.s.status = 'down'
        node.view = undefined
        this.usableCache = undefined
        this.killAll(node, 'terminated')
      }
      this.instanceChanges++
      this.changed()
    }
  }

  /** Returns the live instances (optionally of one cluster), in launch order. Cached while nothing changes. */
  instances(cluster?: string): Instance[] {
    if (!this.listed || this.listed.version !== this.instanceChanges) {
      this.listed = {version: this.instanceChanges, value: [...this.instancesById.values()].map((inst) => this.instanceView(inst)), byCluster: new Map()}
    }
    if (cluster === undefined) return this.listed.value
    let mine = this.listed.byCluster.get(cluster)
    if (!mine) {
      mine = this.listed.value.filter((inst) => this.instancesById.get(inst.id)?.cluster === cluster)
      this.listed.byCluster.set(cluster, mine)
    }
    return mine
  }

  // ---------------------------------------------------------------- scheduler nodes

  /** Registers a node (idempotent): up if its instance already runs and booted fine, else down. */
  addNode(spec: SimNodeSpec): void {
    if (this.nodes.has(spec.name)) return
    const inst = this.instanceByName.get(spec.name)
    const state: SimNodeState = {
      name: spec.name,
      slots: spec.slots,
      memoryMiB: spec.memoryMiB,
      reservation: spec.reservation,
      status: inst && inst.state === 'running' && !inst.bootFails ? 'up' : 'down',
      held: false,
      jobs: [],
    }
    if (state.memoryMiB === undefined) delete state.memoryMiB
    if (state.reservation === undefined) delete state.reservation
    this.nodes.set(spec.name, this.live(state))
    this.usableCache = undefined
    this.nodeList = undefined
    this.changed(state.status === 'up')
  }

  /** Stops new jobs from starting on the node. Unknown nodes are ignored. */
  holdNode(name: string): void {
    const node = this.nodes.get(name)
    if (!node || node.s.held) return
    node.s.held = true
    node.view = undefined
    this.usableCache = undefined
    this.changed()
  }

  /** Lets the node take jobs again. Unknown nodes are ignored. */
  releaseNode(name: string): void {
    const node = this.nodes.get(name)
    if (!node || !node.s.held) return
    node.s.held = false
    node.view = undefined
    this.usableCache = undefined
    this.changed(true)
  }

  /** Kills the jobs running on the node (cause 'vacated'). */
  vacateNode(name: string): void {
    const node = this.nodes.get(name)
    if (node) this.killAll(node, 'vacated')
  }

  /** Deregisters the node; throws NodeBusyError if a job runs on it; a gone node is not an error. */
  removeNode(name: string): void {
    const node = this.nodes.get(name)
    if (!node) return
    if (node.s.jobs.length > 0) throw new NodeBusyError(`node ${name} still runs job(s) ${node.s.jobs.join(', ')}`)
    this.nodes.delete(name)
    this.usableCache = undefined
    this.nodeList = undefined
    this.changed()
  }

  /** Puts the node in error (as if its host died): its running jobs are killed (cause 'node-died'). */
  failNode(name: string): void {
    const node = this.nodes.get(name)
    if (!node) return
    node.s.status = 'error'
    node.view = undefined
    this.usableCache = undefined
    this.killAll(node, 'node-died')
    this.changed()
  }

  // ---------------------------------------------------------------- jobs

  /** Submits a job (queued now, or arriving at a future submitAt); returns its id. */
  submit(spec: SimJobSpec): string {
    checkSpec(spec)
    const seq = this.s.nextJob++
    const id = spec.id ?? String(seq)
    if (this.jobs.has(id)) throw new Error(`job id ${id} is already in use`)
    const job: SimJobState = {...spec, id, seq, priority: spec.priority ?? 0, submitAt: spec.submitAt ?? this.s.now}
    for (const key of Object.keys(job) as (keyof SimJobState)[]) if (job[key] === undefined) delete job[key]
    this.jobs.set(id, job)
    if (job.submitAt > this.s.now) this.heap.push({t: job.submitAt, kind: ARRIVAL, job})
    else this.enqueue(job)
    return id
  }

  /** Processes every event (arrivals, boots, job ends) up to time t, scheduling after each event time. */
  advanceTo(t: number): void {
    if (!this.dirty && this.heap.topTime() > t) {
      if (t > this.s.now) this.s.now = t
      return
    }
    if (this.dirty) this.schedule()
    while (this.heap.topTime() <= t) {
      const at = this.heap.topTime()
      if (at > this.s.now) this.s.now = at
      while (this.heap.topTime() === at) this.apply(this.heap.pop() as Event)
      if (this.dirty) this.schedule()
    }
    if (t > this.s.now) this.s.now = t
  }

  /** Returns nodes and queued/running jobs in the model's shapes; the same objects while nothing changed (do not mutate them). */
  observe(): {nodes: SchedulerNode[]; jobs: Job[]} {
    this.advanceTo(this.s.now)
    if (this.observed && this.observed.version === this.changes) return this.observed.value
    this.nodeList ??= [...this.nodes.values()]
    const nodes = new Array<SchedulerNode>(this.nodeList.length)
    for (let i = 0; i < nodes.length; i++) {
      const node = this.nodeList[i]
      nodes[i] = node.view ??= this.nodeView(node)
    }
    const jobs: Job[] = []
    for (const job of this.running) jobs.push(this.jobView(job))
    for (const job of this.queue) jobs.push(this.jobView(job))
    this.observed = {version: this.changes, value: {nodes, jobs}}
    return this.observed.value
  }

  // ---------------------------------------------------------------- internals

  private changed(reschedule = false): void {
    this.changes++
    if (reschedule) this.dirty = true
  }

  private live(s: SimNodeState): LiveNode {
    const node: LiveNode = {
      s,
      resource: this.instanceByName.get(s.name)?.resource ?? '',
      freeCores: s.slots,
      freeMem: s.memoryMiB ?? Number.POSITIVE_INFINITY,
      order: this.nodeOrder++,
      mark: 0,
      hypCores: 0,
      hypMem: 0,
      spareCores: 0,
      spareMem: 0,
    }
    return node
  }

  private take(node: LiveNode | undefined, job: SimJobState, cores: number): void {
    if (!node) return
    node.view = undefined
    node.freeCores -= cores
    if (job.memoryMiBPerCore !== undefined) node.freeMem -= cores * job.memoryMiBPerCore
  }

  private give(node: LiveNode | undefined, job: SimJobState, cores: number): void {
    if (!node) return
    node.view = undefined
    node.freeCores += cores
    if (job.memoryMiBPerCore !== undefined) node.freeMem += cores * job.memoryMiBPerCore
    const i = node.s.jobs.indexOf(job.id)
    if (i >= 0) node.s.jobs.splice(i, 1)
  }

  private enqueue(job: SimJobState): void {
    const q = this.queue
    let lo = 0
    let hi = q.length
    if (hi === 0 || !queueBefore(job, q[hi - 1])) lo = hi
    else
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (queueBefore(job, q[mid])) hi = mid
        else lo = mid + 1
      }
    if (lo === q.length) q.push(job)
    else q.splice(lo, 0, job)
    this.changed(true)
  }

  private apply(event: Event): void {
    if (event.kind === ARRIVAL) {
      const job = event.job as SimJobState
      if (this.jobs.get(job.id) === job && job.startAt === undefined) this.enqueue(job)
    } else if (event.kind === BOOT) {
      const inst = event.instance as SimInstanceState
      if (this.instancesById.get(inst.id) !== inst || inst.state !== 'pending') return
      inst.state = 'running'
      const node = this.nodes.get(inst.name)
      const up = !inst.bootFails && node !== undefined && this.instanceByName.get(inst.name) === inst
      if (up && node) {
        node.s.status = 'up'
        node.view = undefined
        this.usableCache = undefined
      }
      this.instanceChanges++
      this.changed(up)
    } else {
      const job = event.job as SimJobState
      if (this.jobs.get(job.id) !== job || !this.running.has(job)) return
      this.finish(job)
      const d = this.s.done
      d.id.push(job.id)
      d.cores.push(job.cores)
      d.submitAt.push(job.submitAt)
      d.startAt.push(job.startAt as number)
      d.endAt.push(this.s.now)
    }
  }

  /** Frees a running job's cores and forgets it. */
  private finish(job: SimJobState): void {
    job.hosts?.forEach((host, i) => this.give(this.nodes.get(host), job, (job.hostCores as number[])[i]))
    this.running.delete(job)
    this.jobs.delete(job.id)
    this.changed(true)
  }

  private killAll(node: LiveNode, cause: KilledJob['cause']): void {
    for (const id of [...node.s.jobs]) {
      const job = this.jobs.get(id)
      if (!job) continue
      this.finish(job)
      this.s.killed.push({jobId: id, node: node.s.name, time: this.s.now, cause})
    }
  }

  private start(job: SimJobState, placement: Placement): void {
    job.startAt = this.s.now
    this.jobViews.delete(job)
    job.hosts = placement.nodes.map((node) => node.s.name)
    job.hostCores = placement.cores
    placement.nodes.forEach((node, i) => {
      this.take(node, job, placement.cores[i])
      node.s.jobs.push(job.id)
    })
    this.running.add(job)
    this.heap.push({t: this.s.now + job.runTime, kind: END, job})
    this.changes++
  }

  /** One scheduling pass: FCFS with EASY backfilling over at most backfillDepth queued jobs. */
  private schedule(): void {
    this.dirty = false
    if (this.queue.length === 0) return
    if (!this.usableCache) {
      this.usableCache = []
      for (const node of this.nodes.values()) if (node.s.status === 'up' && !node.s.held) this.usableCache.push(node)
    }
    const usable = this.usableCache
    let totalFree = 0
    let maxFree = 0
    const bounds = (): void => {
      totalFree = 0
      maxFree = 0
      for (const node of usable) {
        if (node.freeCores > 0) totalFree += node.freeCores
        if (node.freeCores > maxFree) maxFree = node.freeCores
      }
    }
    bounds()
    if (totalFree === 0) return
    const fitsNow = (job: SimJobState): boolean =>
      job.cores <= totalFree && (job.spread || job.perNode !== undefined || job.cores <= maxFree)
    const now = this.s.now
    const scanned = Math.min(this.queue.length, this.s.backfillDepth)
    const started = new Set<SimJobState>()
    const sizes = new Map<string, number>()
    let shadow: number | undefined
    let sortedEnds: SimJobState[] | undefined
    for (let i = 0; i < scanned && totalFree > 0; i++) {
      const job = this.queue[i]
      if (!fitsNow(job) && shadow) continue
      if (!shadow) {
        const placement = fitsNow(job) ? place(job, usable, (node) => capacity(job, node.freeCores, node.freeMem)) : null
        if (placement) {
          this.start(job, placement)
          started.add(job)
          bounds()
          continue
        }
        if (!this.couldFit(job, usable, sizes)) continue
        sortedEnds ??= [...this.running].sort((a, b) => expectedEnd(a) - expectedEnd(b))
        shadow = this.reserve(job, usable, sortedEnds)
        continue
      }
      const shortEnough = now + (job.walltime ?? job.runTime) <= shadow
      const placement = place(job, usable, (node) =>
        shortEnough
          ? capacity(job, node.freeCores, node.freeMem)
          : Math.min(capacity(job, node.freeCores, node.freeMem), capacity(job, node.spareCores, node.spareMem)),
      )
      if (!placement) continue
      this.start(job, placement)
      started.add(job)
      if (!shortEnough)
        placement.nodes.forEach((node, k) => {
          const cores = placement.cores[k]
          node.spareCores -= cores
          if (job.memoryMiBPerCore !== undefined) node.spareMem -= cores * job.memoryMiBPerCore
        })
      bounds()
    }
    if (started.size > 0) {
      const kept = this.queue.slice(0, scanned).filter((job) => !started.has(job))
      this.queue.splice(0, scanned, ...kept)
    }
  }

  /** Tells whether the job could ever fit the usable nodes if they were empty (cores only; cached per eligibility). */
  private couldFit(job: SimJobState, usable: LiveNode[], cache: Map<string, number>): boolean {
    const multi = job.spread || job.perNode !== undefined
    const key = `${multi ? 'm' : 's'}|${job.queue ?? ''}|${job.account ?? ''}|${job.property ?? ''}|${job.perNode ?? ''}`
    let size = cache.get(key)
    if (size === undefined) {
      size = 0
      if (!multi) {
        for (const node of usable) if (eligible(node.s.reservation, job)) size = Math.max(size, node.s.slots)
      } else {
        const sums = new Map<string, number>()
        for (const node of usable) {
          if (!eligible(node.s.reservation, job)) continue
          const add = job.perNode !== undefined ? (node.s.slots >= job.perNode ? job.perNode : 0) : node.s.slots
          const sum = (sums.get(node.resource) ?? 0) + add
          sums.set(node.resource, sum)
          size = Math.max(size, sum)
        }
      }
      cache.set(key, size)
    }
    return job.cores <= size
  }

  /**
   * Computes the head job's reservation: returns the earliest expected time it fits once running jobs
   * end (undefined if never), and leaves in each usable node's spareCores/spareMem the capacity left
   * at that time beyond what the head job will use.
   */
  private reserve(
    head: SimJobState,
    usable: LiveNode[],
    sortedEnds: SimJobState[],
  ): number | undefined {
    const mark = ++this.reserveMark
    for (const node of usable) {
      node.mark = mark
      node.hypCores = node.freeCores
      node.hypMem = node.freeMem
    }
    const cap = (node: LiveNode): number => capacity(head, node.hypCores, node.hypMem)
    const single = !head.spread && head.perNode === undefined
    let i = 0
    while (i < sortedEnds.length) {
      const time = expectedEnd(sortedEnds[i])
      let changedFits = false
      for (; i < sortedEnds.length && expectedEnd(sortedEnds[i]) === time; i++) {
        const job = sortedEnds[i]
        job.hosts?.forEach((host, k) => {
          const node = this.nodes.get(host)
          if (!node || node.mark !== mark) return
          const cores = (job.hostCores as number[])[k]
          node.hypCores += cores
          if (job.memoryMiBPerCore !== undefined) node.hypMem += cores * job.memoryMiBPerCore
          if (!single || (eligible(node.s.reservation, head) && cap(node) >= head.cores)) changedFits = true
        })
      }
      if (!changedFits) continue
      const placement = place(head, usable, cap)
      if (!placement) continue
      for (const node of usable) {
        node.spareCores = node.hypCores
        node.spareMem = node.hypMem
      }
      placement.nodes.forEach((node, k) => {
        const cores = placement.cores[k]
        node.spareCores -= cores
        if (head.memoryMiBPerCore !== undefined) node.spareMem -= cores * head.memoryMiBPerCore
      })
      return Math.max(time, this.s.now)
    }
    return undefined
  }

  private instanceView(inst: SimInstanceState): Instance {
    return {id: inst.id, name: inst.name, resource: inst.resource, state: inst.state, launchedAt: inst.launchedAt}
  }

  private nodeView(node: LiveNode): SchedulerNode {
    const s = node.s
    const view: SchedulerNode = {
      name: s.name,
      status: s.status,
      held: s.held,
      slots: s.slots,
      slotsUsed: s.slots - node.freeCores,
      jobs: [...s.jobs],
      rawState: s.held ? `${s.status},held` : s.status,
    }
    if (s.memoryMiB !== undefined) view.memoryMiB = s.memoryMiB
    if (s.reservation?.property !== undefined) view.properties = [s.reservation.property]
    return view
  }

  private jobView(job: SimJobState): Job {
    const cached = this.jobViews.get(job)
    if (cached) return cached
    const running = job.startAt !== undefined
    const view: Job = {
      id: job.id,
      state: running ? 'running' : 'queued',
      cores: job.cores,
      submittedAt: job.submitAt,
      hosts: running ? [...(job.hosts ?? [])] : [],
      rawState: running ? 'r' : 'qw',
    }
    if (running) view.startedAt = job.startAt
    for (const key of ['name', 'owner', 'queue', 'account', 'property', 'perNode', 'spread', 'memoryMiBPerCore', 'walltime', 'priority'] as const) {
      if (job[key] !== undefined) (view as unknown as Record<string, unknown>)[key] = job[key]
    }
    this.jobViews.set(job, view)
    return view
  }
}

/** When a running job is expected to end, by its requested wall time (else its run time). */
function expectedEnd(job: SimJobState): number {
  return (job.startAt as number) + (job.walltime ?? job.runTime)
}
