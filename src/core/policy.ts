/**
 * What a planning policy returns, and the policy signature shared by dcaas's own planner
 * (`plan()` in plan.ts) and the baseline policies `dcaas simulate` compares it with.
 */
import type {Config} from '../config/types.js'
import type {Action} from './actions.js'
import type {NodeShape, NodeState, Snapshot, WorkerView} from './model.js'
import type {Reason} from './reasons.js'
import type {EngineState} from './state.js'

/** Why one resource did not take a job. */
export interface SkipReason {
  resource?: string
  reason: Reason
  detail: string
}

/** A queued job that no resource will take this pass, with each resource's reason. */
export interface UnplacedJob {
  job: string
  cores: number
  reasons: SkipReason[]
}

/** A node the planner considered and left alone, with why. */
export interface SkippedNode {
  node: string
  reason: Reason
  detail: string
}

/** The planner's whole answer for one pass. */
export interface PlanResult {
  time: number
  /** In the order the actuator should perform them. */
  actions: Action[]
  unplaced: UnplacedJob[]
  skipped: SkippedNode[]
  /** Guard clauses that limited this pass (e.g. observation failed: no scale-down), as sentences. */
  notes: string[]
  /** Workers with their lifecycle state, as the planner saw them. */
  workers: WorkerView[]
  /** Count of workers by state. */
  counts: Record<NodeState, number>
  /** The state to keep for the next pass (timers updated); the actuator adds action outcomes. */
  state: EngineState
}

/** Shapes of each resource's workers (cores, memory), resolved from config or the cloud. */
export type Shapes = Record<string, NodeShape>

/** Input of a planning policy. */
export interface PlanInput {
  snapshot: Snapshot
  config: Config
  state: EngineState
  shapes: Shapes
  now: number
}

/** A planning policy: pure, synchronous, deterministic. */
export type Policy = (input: PlanInput) => PlanResult
