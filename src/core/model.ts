/**
 * The domain model shared by every module: what the scheduler and the cloud report,
 * joined into one JSON snapshot that `dcaas status --json` prints and `plan()` reads.
 * Pure types, no I/O. Times are epoch seconds (numbers), sizes are cores and MiB.
 */

/** Restricts which jobs may use a resource (and which hosts a scheduler gives a reserved queue). */
export interface Reservation {
  /** Only jobs submitted to this queue. */
  queue?: string
  /** Only jobs of this account / project (SGE project, Torque -A). */
  account?: string
  /** Only jobs that ask for this node property (Torque `nodes=1:prop`, SGE boolean complex). */
  property?: string
}

/** The shape of one worker of a resource. */
export interface NodeShape {
  cores: number
  memoryMiB: number
}

/** Where a job's cores may go. */
export interface Job {
  /** Scheduler job id (SGE `123` or `123.4` for an array task, Torque `12.vm`). */
  id: string
  name?: string
  owner?: string
  queue?: string
  /** Account or project the job is charged to. */
  account?: string
  /** Node property the job asks for, if any. */
  property?: string
  /** queued: waiting to run; held: user/system hold (not counted as demand); error: Eqw and the like. */
  state: 'queued' | 'running' | 'held' | 'error' | 'other'
  /** Total cores (slots) the job needs. */
  cores: number
  /**
   * How the cores may be split over nodes:
   * - absent and !spread: all cores on one node (serial, SGE $pe_slots, Torque nodes=1:ppn=N);
   * - perNode: exactly cores/perNode nodes with perNode cores each (Torque nodes=N:ppn=M, SGE fixed allocation_rule);
   * - spread: any split over nodes of one resource (SGE $fill_up / $round_robin, Torque procs=N).
   */
  perNode?: number
  spread?: boolean
  /** Memory per core in MiB, when the job asks for memory (SGE h_vmem/mem_free are per slot). */
  memoryMiBPerCore?: number
  /** Requested wall time in seconds, when known. */
  walltime?: number
  /** Higher runs first. */
  priority?: number
  submittedAt: number
  startedAt?: number
  /** Hosts the job runs on (running jobs). */
  hosts: string[]
  /** Scheduler's own state text (e.g. `qw`, `Eqw`, `Q`), for display. */
  rawState?: string
}

/** One node as the scheduler sees it. */
export interface SchedulerNode {
  /** Host name, the key that joins it with an instance (instance.name). */
  name: string
  /** up: reporting and usable; down: not reporting (new, or lost); error: in error state (SGE E, Torque unknown). */
  status: 'up' | 'down' | 'error'
  /** Disabled for new jobs (SGE qmod -d, Torque offline). */
  held: boolean
  slots: number
  slotsUsed: number
  memoryMiB?: number
  /** Ids of jobs running on it. */
  jobs: string[]
  properties?: string[]
  /** Scheduler's own state text (e.g. `au`, `d`, `free`, `down,offline`), for display. */
  rawState?: string
}

/** One cloud instance of this cluster, found by its tags / metadata. */
export interface Instance {
  id: string
  /** Host name the node registers with (tag Name / dcaas:node). */
  name: string
  /** Resource name from the dcaas:resource tag. */
  resource: string
  state: 'pending' | 'running' | 'stopping' | 'terminated' | 'error'
  launchedAt: number
  address?: string
}

/** Outcome of observing one side (scheduler or cloud). */
export interface Observation {
  ok: boolean
  /** The observation returned data but some of it failed to parse or some calls failed. */
  partial?: boolean
  error?: string
}

/** Everything one pass observed; JSON-serialisable; what `status --json` prints and `plan()` reads. */
export interface Snapshot {
  version: 1
  time: number
  cluster: string
  scheduler: Observation
  cloud: Observation
  nodes: SchedulerNode[]
  jobs: Job[]
  instances: Instance[]
  /** Worker shape of each resource (cores, memory), when known; lets a saved snapshot be planned offline. */
  shapes?: Record<string, NodeShape>
}

/** Dynamic Cluster's node lifecycle. Inexistent nodes are simply absent. */
export type NodeState = 'starting' | 'idle' | 'busy' | 'holding' | 'held' | 'deleting' | 'error'

/** A worker as dcaas sees it: the join of an instance and a scheduler node, with its lifecycle state. */
export interface WorkerView {
  name: string
  resource?: string
  state: NodeState
  /** Since when it is in this state (from the state file's timers, else first observed). */
  since: number
  instance?: Instance
  node?: SchedulerNode
  /** Held by an admin: autoscaling never releases or removes it. */
  adminHold?: boolean
}
