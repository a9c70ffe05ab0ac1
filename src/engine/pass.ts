/**
 * One autoscaling pass: lock → observe → plan → act → save state → append stats.
 * `dcaas autoscale` runs one; `--watch` repeats it; admin commands reuse its pieces.
 */
import type {Config} from '../config/types.js'
import {plan} from '../core/plan.js'
import type {PlanResult, Policy, Shapes} from '../core/policy.js'
import type {Snapshot} from '../core/model.js'
import type {EngineState} from '../core/state.js'
import {act, type Outcome, type ProgressSink} from './act.js'
import type {Backends} from './backends.js'
import {observe, resolveShapes} from './observe.js'
import type {EngineStore, StatsRecord} from './state-store.js'

export interface PassOptions {
  /** Plan and print, change nothing. */
  dryRun?: boolean
  /** Plan from this snapshot instead of observing (implies dryRun). */
  snapshot?: Snapshot
  /** The planning policy (default: dcaas's plan()). */
  policy?: Policy
  progress?: ProgressSink
  stopping?: () => boolean
}

/** What one pass did: the snapshot, the plan, the outcomes. The JSON of `dcaas autoscale --json`. */
export interface PassReport {
  time: number
  dryRun: boolean
  snapshot: Snapshot
  plan: Omit<PlanResult, 'state'>
  outcomes: Outcome[]
  /** Problems that did not stop the pass (unreadable state file, unknown shapes). */
  warnings: string[]
}

/** Runs one pass under the lock; the lock is skipped for dry runs, which change nothing. */
export async function runPass(config: Config, backends: Backends, store: EngineStore, options: PassOptions = {}): Promise<PassReport> {
  const dryRun = options.dryRun === true || options.snapshot !== undefined
  const release = dryRun ? undefined : await store.lock()
  try {
    const state = await store.load()
    const warnings: string[] = store.warning ? [store.warning] : []
    const snapshot = options.snapshot ?? (await observe(config, backends))
    let shapes: Shapes
    if (options.snapshot?.shapes) shapes = options.snapshot.shapes
    else {
      const resolved = await resolveShapes(config, backends)
      shapes = resolved.shapes
      warnings.push(...resolved.errors)
    }
    const result = (options.policy ?? plan)({snapshot, config, state, shapes, now: snapshot.time})
    let outcomes: Outcome[] = []
    const next: EngineState = result.state
    if (!dryRun) {
      outcomes = await act(result.actions, {config, backends, state: next, shapes, now: snapshot.time, persist: (s) => store.save(s), progress: options.progress, stopping: options.stopping})
      await store.save(next)
      await store.appendStats(statsOf(snapshot, result, outcomes))
    }
    const {state: _omit, ...planOut} = result
    return {time: snapshot.time, dryRun, snapshot, plan: planOut, outcomes, warnings}
  } finally {
    await release?.()
  }
}

/** Builds the stats record of one pass. */
export function statsOf(snapshot: Snapshot, result: PlanResult, outcomes: Outcome[]): StatsRecord {
  const jobs = {queued: 0, running: 0, held: 0, error: 0}
  for (const j of snapshot.jobs) if (j.state in jobs) jobs[j.state as keyof typeof jobs]++
  const actions: Record<string, number> = {}
  for (const o of outcomes) if (o.status === 'done') actions[o.action.kind] = (actions[o.action.kind] ?? 0) + 1
  return {time: snapshot.time, nodes: result.counts, jobs, actions, failed: outcomes.filter((o) => o.status === 'failed').length, notes: result.notes.length ? result.notes : undefined}
}
