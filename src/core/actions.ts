/**
 * What a pass decides to do. Actions are data: `plan()` returns them, the engine's actuator
 * performs them, `--dry-run` prints them. Every action carries a reason code and a detail sentence.
 */
import type {Reason} from './reasons.js'

interface ActionBase {
  reason: Reason
  /** One sentence naming the specifics (counts, times, job ids). */
  detail: string
}

/** Launch new workers of one resource in one cloud call, then register them with the scheduler. */
export interface LaunchAction extends ActionBase {
  kind: 'launch'
  resource: string
  /** Host names of the new workers (chosen by the planner, unique in the cluster). */
  names: string[]
  /** Jobs the launch is for (ids), when known. */
  jobs?: string[]
}

/** Register a running instance's node with the scheduler. */
export interface RegisterAction extends ActionBase {
  kind: 'register'
  node: string
  resource: string
  instanceId: string
  address?: string
}

/** Remove a worker safely: hold → re-check it runs no job → deregister → terminate its instance. */
export interface RemoveAction extends ActionBase {
  kind: 'remove'
  node: string
  resource?: string
  instanceId?: string
  /**
   * Kill the node's jobs first: set by an admin's `--vacate`, and by the planner only for a node
   * down or in error past max down time (its jobs are lost already; they are named in the detail).
   */
  vacate?: boolean
}

/** Terminate an instance whose node never became usable (deregistering the node if it exists). */
export interface TerminateAction extends ActionBase {
  kind: 'terminate'
  instanceId: string
  node?: string
  resource?: string
  /** True when the instance failed to boot (counts towards the resource's failed boots). */
  failedBoot?: boolean
}

/** Remove a node from the scheduler whose instance is gone. */
export interface DeregisterAction extends ActionBase {
  kind: 'deregister'
  node: string
}

/** Hold, release or vacate a node in the scheduler. */
export interface NodeAction extends ActionBase {
  kind: 'hold' | 'release' | 'vacate'
  node: string
}

export type Action = LaunchAction | RegisterAction | RemoveAction | TerminateAction | DeregisterAction | NodeAction
