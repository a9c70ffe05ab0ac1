/**
 * The scheduler and cloud providers one pass talks to, built from the config.
 * Commands and the engine get them from openBackends(); tests may build a Backends by hand.
 */
import type {CloudProvider} from '../cloud/provider.js'
import type {Scheduler} from '../scheduler/scheduler.js'

/** The live parts one pass uses. */
export interface Backends {
  scheduler: Scheduler
  /** The cloud provider of a resource (by resource name). */
  cloudFor(resource: string): CloudProvider
  /** Each distinct provider once (for listing instances). */
  providers(): CloudProvider[]
  /** Current time in epoch seconds (the simulated clock for the sim backend). */
  now(): number
  /** Persists what needs persisting (the simulated world) and closes connections. */
  close(): Promise<void>
}
