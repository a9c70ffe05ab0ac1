/**
 * The small state dcaas keeps between passes: timers, back-off, admin intent. Losing it is
 * safe — timers restart, nothing is leaked or killed. Pure types and helpers; the file is
 * read and written by src/engine/state-store.ts.
 */

/** What dcaas remembers about one node. */
export interface NodeMemory {
  /** First time the node was seen in its current lifecycle state. */
  state?: string
  since?: number
  /** The node has been up at least once (so a later down is an error, not a slow boot). */
  seenUp?: boolean
  /** An admin holds it: never released or removed automatically. */
  adminHold?: boolean
  /** A removal was started (hold done) at this time. */
  deleting?: number
  /** An admin asked to remove it once its jobs finish (held since this time). */
  drain?: number
}

/** What dcaas remembers about one resource. */
export interface ResourceMemory {
  /** Admin froze it: no automatic launch or removal. */
  frozen?: {since: number; reason?: string}
  /** Admin is draining it: hold every node, remove each as it empties, launch nothing. */
  draining?: {since: number}
  /** Launches are refused until `until` after a failed launch. */
  backoff?: {failures: number; until: number; lastError: string}
  /** Consecutive instances that failed to boot. */
  failedBoots?: number
  /** Stopped launching after too many failed boots; an admin restore clears it. */
  disabled?: {since: number; reason: string}
}

export interface EngineState {
  version: 1
  /** Automatic scaling on (default) or off (manual only). */
  auto: boolean
  nodes: Record<string, NodeMemory>
  resources: Record<string, ResourceMemory>
  /** Time of the last completed pass. */
  lastPass?: number
}

/** A fresh state, as after losing the file. */
export function emptyState(): EngineState {
  return {version: 1, auto: true, nodes: {}, resources: {}}
}
