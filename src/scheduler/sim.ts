/**
 * The built-in simulated batch scheduler: a Scheduler over a SimWorld (FCFS with EASY backfill,
 * see src/sim/world.ts). Every change is idempotent, as the Scheduler interface asks.
 */
import type {Reservation} from '../core/model.js'
import type {SimWorld} from '../sim/world.js'
import type {NodeRegistration, Scheduler, SchedulerObservation} from './scheduler.js'

/** A Scheduler whose nodes and jobs live in a simulated world. */
export class SimScheduler implements Scheduler {
  readonly kind = 'sim'

  constructor(private readonly world: SimWorld) {}

  /** Reads nodes and queued/running jobs (the world's cached objects: do not mutate them). */
  async observe(): Promise<SchedulerObservation> {
    return this.world.observe()
  }

  /** Registers a node; it comes up when its instance has booted. */
  async addNode(node: NodeRegistration): Promise<void> {
    this.world.addNode({name: node.name, slots: node.slots, memoryMiB: node.memoryMiB, reservation: node.reservation})
  }

  /** Stops new jobs from starting on the node. */
  async holdNode(name: string): Promise<void> {
    this.world.holdNode(name)
  }

  /** Lets the node take jobs again. */
  async releaseNode(name: string): Promise<void> {
    this.world.releaseNode(name)
  }

  /** Kills the jobs on the node. */
  async vacateNode(name: string): Promise<void> {
    this.world.vacateNode(name)
  }

  /** Deregisters the node; throws NodeBusyError if a job still runs on it. */
  async removeNode(name: string, _reservation?: Reservation): Promise<void> {
    this.world.removeNode(name)
  }
}
