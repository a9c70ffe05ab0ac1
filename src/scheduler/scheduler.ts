/**
 * The batch-scheduler side of dcaas: one interface every scheduler module (sge, torque, sim)
 * implements. Parsers of command output are pure functions beside each module.
 */
import type {Job, Reservation, SchedulerNode} from '../core/model.js'

/** What one observation of the scheduler returns. */
export interface SchedulerObservation {
  nodes: SchedulerNode[]
  jobs: Job[]
  /** True when some of the output could not be parsed: the engine then does no scale-down. */
  partial?: boolean
  /** Why it is partial. */
  warnings?: string[]
}

/** A node to register with the scheduler. */
export interface NodeRegistration {
  name: string
  /** IP address, when the scheduler host needs it to resolve the name. */
  address?: string
  slots: number
  memoryMiB?: number
  reservation?: Reservation
}

/** A batch scheduler dcaas can observe and change. Every change is idempotent. */
export interface Scheduler {
  readonly kind: 'sge' | 'torque' | 'sim' | string
  /** Reads nodes and jobs. Throws SchedulerUnavailableError when the scheduler cannot be reached. */
  observe(): Promise<SchedulerObservation>
  /** Registers a worker (exec host / node), ready to take jobs once it reports. Idempotent. */
  addNode(node: NodeRegistration): Promise<void>
  /** Stops new jobs from starting on the node (SGE qmod -d, Torque offline). Idempotent. */
  holdNode(name: string): Promise<void>
  /** Lets the node take jobs again. Idempotent. */
  releaseNode(name: string): Promise<void>
  /** Kills (or requeues) the jobs on the node. */
  vacateNode(name: string): Promise<void>
  /**
   * Deregisters the node. Must refuse (throw NodeBusyError) when a job still runs on it.
   * A node that is already gone is not an error.
   */
  removeNode(name: string, reservation?: Reservation): Promise<void>
}

/** Base of every error a scheduler module throws. */
export class SchedulerError extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message)
    this.name = 'SchedulerError'
  }
}

/** The scheduler could not be reached or answered with garbage (qmaster down, timeout, bad XML). */
export class SchedulerUnavailableError extends SchedulerError {
  override name = 'SchedulerUnavailableError'
}

/** The node still runs a job, so it was not removed. */
export class NodeBusyError extends SchedulerError {
  override name = 'NodeBusyError'
}
