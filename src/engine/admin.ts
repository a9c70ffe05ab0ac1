/**
 * Admin actions through the same engine as autoscaling: each takes the pass lock, observes,
 * and performs actions with the same actuator (so removal is always lock → re-check → remove).
 * Admin intent (holds, frozen / draining resources, auto off) is kept in the state file.
 */
import type {Config} from '../config/types.js'
import type {LaunchAction, RemoveAction} from '../core/actions.js'
import {classify, type Worker} from '../core/lifecycle.js'
import {allocateNames} from '../core/naming.js'
import type {EngineState} from '../core/state.js'
import {DcaasError, EXIT} from '../errors.js'
import {act, type Outcome, type ProgressSink} from './act.js'
import type {Backends} from './backends.js'
import {observe, resolveShapes} from './observe.js'
import type {EngineStore} from './state-store.js'

/** What an admin action did. */
export interface AdminResult {
  /** One sentence per thing done. */
  messages: string[]
  outcomes: Outcome[]
}

interface Ctx {
  config: Config
  backends: Backends
  store: EngineStore
  progress?: ProgressSink
}

/**
 * Runs fn under the pass lock with the loaded state, then saves the state — also when fn throws
 * after recording intent (e.g. `scale remove` of a busy node refuses, but its node stays marked
 * to be removed once empty).
 */
async function locked<T>(ctx: Ctx, fn: (state: EngineState) => Promise<T>): Promise<T> {
  const release = await ctx.store.lock()
  try {
    const state = await ctx.store.load()
    try {
      return await fn(state)
    } finally {
      await ctx.store.save(state)
    }
  } finally {
    await release()
  }
}

async function look(ctx: Ctx, state: EngineState) {
  const snapshot = await observe(ctx.config, ctx.backends)
  if (!snapshot.scheduler.ok || !snapshot.cloud.ok)
    throw new DcaasError(`Cannot observe the cluster (${snapshot.scheduler.error ?? snapshot.cloud.error}); nothing was changed.`, snapshot.scheduler.ok ? EXIT.CLOUD : EXIT.SCHEDULER)
  const {workers, memory} = classify(snapshot, ctx.config, state.nodes, snapshot.time)
  state.nodes = memory
  return {snapshot, workers}
}

function findWorker(workers: Worker[], name: string): Worker {
  const w = workers.find((x) => x.name === name)
  if (!w) throw new DcaasError(`No worker named ${name} in cluster; see \`dcaas status\`.`, EXIT.NOT_FOUND)
  return w
}

function resourceNamed(config: Config, name: string) {
  const r = config.resources.find((x) => x.name === name)
  if (!r) throw new DcaasError(`No resource named ${name}; configured: ${config.resources.map((x) => x.name).join(', ') || 'none'}.`, EXIT.NOT_FOUND)
  return r
}

function failIfFailed(outcomes: Outcome[]): void {
  const failed = outcomes.filter((o) => o.status === 'failed')
  if (failed.length > 0) throw new DcaasError(failed.map((o) => o.error).join('; '), EXIT.PARTIAL)
}

/** Adds `count` workers to a resource (default: the preferred one), refusing to exceed its max or the cluster max. */
export async function scaleAdd(ctx: Ctx, count: number, resourceName?: string): Promise<AdminResult> {
  return locked(ctx, async (state) => {
    const r = resourceName ? resourceNamed(ctx.config, resourceName) : [...ctx.config.resources].sort((a, b) => a.priority - b.priority)[0]
    if (!r) throw new DcaasError('No resource is configured.', EXIT.CONFIG)
    const {snapshot, workers} = await look(ctx, state)
    const live = workers.filter((w) => w.resource === r.name && w.state !== 'deleting').length
    if (live + count > r.max)
      throw new DcaasError(`Adding ${count} to ${r.name} would make ${live + count} workers; its max is ${r.max}. Nothing was launched.`, EXIT.REFUSED, [`Add at most ${Math.max(0, r.max - live)}, or raise resources[].max in the config.`])
    const total = workers.filter((w) => w.state !== 'deleting').length
    const clusterMax = ctx.config.autoscale.maxNodes
    if (clusterMax !== undefined && total + count > clusterMax)
      throw new DcaasError(`Adding ${count} would make ${total + count} workers; the cluster max is ${clusterMax}. Nothing was launched.`, EXIT.REFUSED)
    const names = allocateNames(ctx.config.cluster.name, r.name, count, new Set([...workers.map((w) => w.name), ...snapshot.nodes.map((n) => n.name)]))
    const {shapes, errors} = await resolveShapes(ctx.config, ctx.backends)
    if (errors.length > 0) throw new DcaasError(errors.join('; '), EXIT.CLOUD)
    const action: LaunchAction = {kind: 'launch', resource: r.name, names, reason: 'admin', detail: `admin asked for ${count} worker(s)`}
    const outcomes = await act([action], {config: ctx.config, backends: ctx.backends, state, shapes, now: snapshot.time, persist: (s) => ctx.store.save(s), progress: ctx.progress})
    failIfFailed(outcomes)
    return {messages: [`Launched ${names.join(', ')} on ${r.name}; they join the scheduler once booted.`], outcomes}
  })
}

/**
 * Removes workers safely. A worker that runs jobs is held and marked to be removed once empty
 * (the next pass does it) and the call refuses with exit 8 — unless `vacate` kills its jobs first.
 */
export async function scaleRemove(ctx: Ctx, names: string[], options: {vacate?: boolean} = {}): Promise<AdminResult> {
  return locked(ctx, async (state) => {
    const {snapshot, workers} = await look(ctx, state)
    const targets = names.map((n) => findWorker(workers, n))
    for (const r of ctx.config.resources) {
      const leaving = targets.filter((w) => w.resource === r.name).length
      const live = workers.filter((w) => w.resource === r.name && w.state !== 'deleting').length
      if (leaving > 0 && live - leaving < r.min)
        throw new DcaasError(`Removing ${leaving} worker(s) from ${r.name} would leave ${live - leaving}; its min is ${r.min}. Nothing was removed.`, EXIT.REFUSED, ['Lower resources[].min in the config first.'])
    }
    const busy = targets.filter((w) => (w.node?.jobs.length ?? 0) > 0 || (w.node?.slotsUsed ?? 0) > 0)
    const messages: string[] = []
    const outcomes: Outcome[] = []
    const {shapes} = await resolveShapes(ctx.config, ctx.backends)
    const actx = {config: ctx.config, backends: ctx.backends, state, shapes, now: snapshot.time, persist: (s: EngineState) => ctx.store.save(s), progress: ctx.progress}
    if (busy.length > 0 && !options.vacate) {
      for (const w of busy) {
        outcomes.push(...(await act([{kind: 'hold', node: w.name, reason: 'admin', detail: 'held until its jobs finish'}], actx)))
        state.nodes[w.name] = {...state.nodes[w.name], drain: snapshot.time}
      }
      const free = targets.filter((w) => !busy.includes(w))
      if (free.length > 0) {
        const removed = await act(free.map((w) => removal(w, false)), actx)
        outcomes.push(...removed)
        failIfFailed(removed)
      }
      throw new DcaasError(
        `${busy.map((w) => `${w.name} runs ${w.node?.jobs.join(', ') || 'jobs'}`).join('; ')}: held, and removed by the next pass once empty. ${free.length ? `Removed ${free.map((w) => w.name).join(', ')}.` : ''}`.trim(),
        EXIT.REFUSED,
        ['Use --vacate to kill the jobs and remove now.'],
      )
    }
    outcomes.push(...(await act(targets.map((w) => removal(w, options.vacate === true)), actx)))
    failIfFailed(outcomes)
    const skipped = outcomes.filter((o) => o.status === 'skipped')
    if (skipped.length > 0) throw new DcaasError(skipped.map((o) => o.error).join('; '), EXIT.REFUSED)
    messages.push(`Removed ${targets.map((w) => w.name).join(', ')}.`)
    return {messages, outcomes}
  })
}

function removal(w: Worker, vacate: boolean): RemoveAction {
  return {kind: 'remove', node: w.name, resource: w.resource, instanceId: w.instance?.id, vacate, reason: 'admin', detail: vacate ? 'admin removal, jobs vacated' : 'admin removal'}
}

/** Holds a node for the admin: no new jobs; autoscaling never releases or removes it. */
export async function holdNode(ctx: Ctx, name: string): Promise<AdminResult> {
  return locked(ctx, async (state) => {
    const {workers} = await look(ctx, state)
    findWorker(workers, name)
    await ctx.backends.scheduler.holdNode(name)
    state.nodes[name] = {...state.nodes[name], adminHold: true}
    return {messages: [`${name} is held: no new job starts on it, and autoscaling leaves it alone until \`dcaas node unhold ${name}\`.`], outcomes: []}
  })
}

/** Releases a node held by an admin (or by a drain). */
export async function unholdNode(ctx: Ctx, name: string): Promise<AdminResult> {
  return locked(ctx, async (state) => {
    const {workers} = await look(ctx, state)
    findWorker(workers, name)
    await ctx.backends.scheduler.releaseNode(name)
    const mem = state.nodes[name]
    if (mem) {
      delete mem.adminHold
      delete mem.drain
    }
    return {messages: [`${name} is released and takes jobs again.`], outcomes: []}
  })
}

/** Kills the jobs running on a node (the node stays). */
export async function vacateNode(ctx: Ctx, name: string): Promise<AdminResult> {
  return locked(ctx, async (state) => {
    const {workers} = await look(ctx, state)
    const w = findWorker(workers, name)
    const jobs = w.node?.jobs ?? []
    await ctx.backends.scheduler.vacateNode(name)
    return {messages: [jobs.length ? `Killed ${jobs.join(', ')} on ${name}.` : `${name} ran no job.`], outcomes: []}
  })
}

/** Sets or clears admin intent on a resource: freeze, restore (clears freeze, drain, back-off, disabled), drain. */
export async function setResourceIntent(ctx: Ctx, name: string, intent: 'freeze' | 'restore' | 'drain'): Promise<AdminResult> {
  resourceNamed(ctx.config, name)
  return locked(ctx, async (state) => {
    const now = Math.floor(ctx.backends.now())
    const mem = (state.resources[name] ??= {})
    if (intent === 'freeze') {
      mem.frozen = {since: now}
      return {messages: [`${name} is frozen: autoscaling neither launches nor removes its workers until \`dcaas resource restore ${name}\`.`], outcomes: []}
    }
    if (intent === 'drain') {
      mem.draining = {since: now}
      return {messages: [`${name} is draining: the next pass holds its workers and removes each as it empties; nothing new is launched.`], outcomes: []}
    }
    const had = Object.keys(mem).filter((k) => ['frozen', 'draining', 'disabled', 'backoff', 'failedBoots'].includes(k))
    state.resources[name] = {}
    for (const [node, m] of Object.entries(state.nodes)) if (node.startsWith(`${ctx.config.cluster.name}-${name}-`) && m.drain) delete m.drain
    return {messages: [had.length ? `${name} is restored (cleared: ${had.join(', ')}).` : `${name} had nothing to restore.`], outcomes: []}
  })
}

/** Turns automatic scaling on or off. */
export async function setAuto(ctx: Ctx, on: boolean): Promise<AdminResult> {
  return locked(ctx, async (state) => {
    state.auto = on
    return {messages: [on ? 'Automatic scaling is on.' : 'Automatic scaling is off: passes only heal and carry out admin intent; use `dcaas scale` by hand.'], outcomes: []}
  })
}
