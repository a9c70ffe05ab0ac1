/**
 * The actuator: performs a plan's actions against the scheduler and the clouds, and records
 * their outcomes in the engine state. The only engine code that changes anything.
 *
 * Removal is lock → re-check → remove: every node to remove is held first, the scheduler is
 * read again, and a node that picked up a job is released instead of removed. A failed call
 * never leads to destroying anything: a removal whose re-check failed stays held and marked
 * "deleting", and the next pass finishes or undoes it.
 */
import type {Config, ResourceConfig} from '../config/types.js'
import type {Action, LaunchAction, RemoveAction} from '../core/actions.js'
import type {Shapes} from '../core/policy.js'
import type {EngineState} from '../core/state.js'
import {isLaunchRefusal} from '../cloud/provider.js'
import {NodeBusyError} from '../scheduler/scheduler.js'
import type {Backends} from './backends.js'
import {message} from './observe.js'

/** What happened to one action. */
export interface Outcome {
  action: Action
  status: 'done' | 'failed' | 'skipped'
  /** Why it failed or was skipped. */
  error?: string
  /** Instance ids launched (launch actions). */
  instances?: string[]
}

/** Where the actuator reports progress (one line per step), e.g. to stderr. */
export type ProgressSink = (line: string) => void

/** Context of one actuation. */
export interface ActContext {
  config: Config
  backends: Backends
  state: EngineState
  shapes: Shapes
  now: number
  /** Saves the state (called before a removal starts, so a killed pass can resume it). */
  persist: (state: EngineState) => Promise<void>
  progress?: ProgressSink
  /** Stop before the next action when this returns true (SIGINT/SIGTERM in --watch). */
  stopping?: () => boolean
}

/** Performs the actions in order and returns their outcomes; mutates ctx.state with what happened. */
export async function act(actions: Action[], ctx: ActContext): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  const removals = actions.filter((a): a is RemoveAction => a.kind === 'remove')
  for (const action of actions) {
    if (action.kind === 'remove') continue
    if (ctx.stopping?.()) {
      outcomes.push({action, status: 'skipped', error: 'stopping'})
      continue
    }
    outcomes.push(await perform(action, ctx))
  }
  if (removals.length > 0) outcomes.push(...(await removeSafely(removals, ctx)))
  return outcomes
}

async function perform(action: Exclude<Action, RemoveAction>, ctx: ActContext): Promise<Outcome> {
  const {backends} = ctx
  const say = (line: string) => ctx.progress?.(line)
  try {
    switch (action.kind) {
      case 'launch':
        return await launch(action, ctx)
      case 'register': {
        const resource = resourceOf(ctx.config, action.resource)
        say(`registering ${action.node} with the scheduler`)
        await backends.scheduler.addNode({name: action.node, address: action.address, slots: ctx.shapes[resource.name].cores, memoryMiB: ctx.shapes[resource.name].memoryMiB, reservation: resource.reservation})
        return {action, status: 'done'}
      }
      case 'terminate': {
        if (action.node) {
          say(`deregistering ${action.node}`)
          await backends.scheduler.removeNode(action.node, action.resource ? resourceOf(ctx.config, action.resource).reservation : undefined)
        }
        say(`terminating ${action.instanceId}${action.node ? ` (${action.node})` : ''}`)
        await backends.cloudFor(action.resource ?? '').terminate([action.instanceId])
        if (action.node) delete ctx.state.nodes[action.node]
        return {action, status: 'done'}
      }
      case 'deregister': {
        say(`deregistering ${action.node} (its instance is gone)`)
        const obs = await backends.scheduler.observe()
        const node = obs.nodes.find((n) => n.name === action.node)
        if (node && node.jobs.length > 0) await backends.scheduler.vacateNode(action.node)
        await backends.scheduler.removeNode(action.node)
        delete ctx.state.nodes[action.node]
        return {action, status: 'done'}
      }
      case 'hold':
        say(`holding ${action.node}`)
        await backends.scheduler.holdNode(action.node)
        return {action, status: 'done'}
      case 'release':
        say(`releasing ${action.node}`)
        await backends.scheduler.releaseNode(action.node)
        return {action, status: 'done'}
      case 'vacate':
        say(`vacating ${action.node}`)
        await backends.scheduler.vacateNode(action.node)
        return {action, status: 'done'}
    }
  } catch (error) {
    return {action, status: error instanceof NodeBusyError ? 'skipped' : 'failed', error: message(error)}
  }
}

async function launch(action: LaunchAction, ctx: ActContext): Promise<Outcome> {
  const resource = resourceOf(ctx.config, action.resource)
  const cloud = ctx.backends.cloudFor(resource.name)
  ctx.progress?.(`launching ${action.names.length} worker(s) of ${resource.name}: ${action.names.join(', ')}`)
  let instances
  try {
    instances = await cloud.launch({resource, cluster: ctx.config.cluster.name, names: action.names, userData: Object.fromEntries(action.names.map((n) => [n, renderUserData(resource, ctx.config, n)]))})
  } catch (error) {
    backOff(ctx, resource.name, message(error))
    return {action, status: 'failed', error: `${message(error)}${isLaunchRefusal(error) ? ' (the resource backs off; the next resource by priority is used meanwhile)' : ''}`}
  }
  const shape = ctx.shapes[resource.name]
  const failures: string[] = []
  for (const instance of instances) {
    try {
      await ctx.backends.scheduler.addNode({name: instance.name, address: instance.address, slots: shape.cores, memoryMiB: shape.memoryMiB, reservation: resource.reservation})
    } catch (error) {
      failures.push(`${instance.name}: ${message(error)}`)
    }
  }
  const ids = instances.map((i) => i.id)
  if (failures.length > 0) return {action, status: 'failed', instances: ids, error: `launched, but registration failed (the next pass retries): ${failures.join('; ')}`}
  return {action, status: 'done', instances: ids}
}

async function removeSafely(removals: RemoveAction[], ctx: ActContext): Promise<Outcome[]> {
  const {backends, state} = ctx
  const outcomes: Outcome[] = []
  // 1. Lock: mark and hold every candidate (the mark is saved first so a killed pass resumes).
  for (const r of removals) state.nodes[r.node] = {...state.nodes[r.node], deleting: state.nodes[r.node]?.deleting ?? ctx.now}
  await ctx.persist(state)
  const held: RemoveAction[] = []
  for (const r of removals) {
    try {
      ctx.progress?.(`holding ${r.node} before removal`)
      await backends.scheduler.holdNode(r.node)
      held.push(r)
    } catch (error) {
      outcomes.push({action: r, status: 'failed', error: `hold failed: ${message(error)}`})
    }
  }
  // 2. Re-check against a fresh observation.
  let fresh
  try {
    fresh = await backends.scheduler.observe()
  } catch (error) {
    for (const r of held) outcomes.push({action: r, status: 'failed', error: `re-check failed, node left held for the next pass: ${message(error)}`})
    return outcomes
  }
  const nodes = new Map(fresh.nodes.map((n) => [n.name, n]))
  const liveCount = new Map<string, number>()
  for (const n of fresh.nodes) {
    const res = ctx.config.resources.find((r) => n.name.startsWith(`${ctx.config.cluster.name}-${r.name}-`))
    if (res && !state.nodes[n.name]?.deleting) liveCount.set(res.name, (liveCount.get(res.name) ?? 0) + 1)
  }
  // 3. Remove each candidate that is still empty; release one that picked up a job.
  for (const r of held) {
    if (ctx.stopping?.() && r.reason === 'idle-timeout') {
      await undoRemoval(r, ctx, 'stopping')
      outcomes.push({action: r, status: 'skipped', error: 'stopping'})
      continue
    }
    const node = nodes.get(r.node)
    const busy = node !== undefined && (node.jobs.length > 0 || node.slotsUsed > 0)
    if (busy && !r.vacate) {
      await undoRemoval(r, ctx, 'picked up a job')
      outcomes.push({action: r, status: 'skipped', error: `${r.node} picked up job(s) ${node.jobs.join(', ')} and was released`})
      continue
    }
    if (r.reason === 'idle-timeout' && r.resource) {
      const resource = ctx.config.resources.find((x) => x.name === r.resource)
      const others = liveCount.get(r.resource) ?? 0
      if (resource && others < resource.min) {
        await undoRemoval(r, ctx, 'min')
        outcomes.push({action: r, status: 'skipped', error: `removing ${r.node} would take ${r.resource} below its min ${resource.min}`})
        continue
      }
    }
    try {
      if (busy && r.vacate) {
        ctx.progress?.(`vacating ${r.node}: ${node.jobs.join(', ')}`)
        await backends.scheduler.vacateNode(r.node)
      }
      ctx.progress?.(`deregistering ${r.node}`)
      if (node) await backends.scheduler.removeNode(r.node, r.resource ? ctx.config.resources.find((x) => x.name === r.resource)?.reservation : undefined)
      if (r.instanceId) {
        ctx.progress?.(`terminating ${r.instanceId} (${r.node})`)
        await backends.cloudFor(r.resource ?? '').terminate([r.instanceId])
      }
      delete state.nodes[r.node]
      outcomes.push({action: r, status: 'done'})
    } catch (error) {
      if (error instanceof NodeBusyError) {
        await undoRemoval(r, ctx, 'busy')
        outcomes.push({action: r, status: 'skipped', error: message(error)})
      } else {
        outcomes.push({action: r, status: 'failed', error: `${message(error)} (left held and marked for the next pass)`})
      }
    }
  }
  return outcomes
}

async function undoRemoval(r: RemoveAction, ctx: ActContext, why: string): Promise<void> {
  try {
    await ctx.backends.scheduler.releaseNode(r.node)
    const mem = ctx.state.nodes[r.node]
    if (mem) delete mem.deleting
  } catch (error) {
    ctx.progress?.(`could not release ${r.node} (${why}): ${message(error)}; the next pass retries`)
  }
}

/** Puts a resource into exponential back-off after a failed launch. */
export function backOff(ctx: {config: Config; state: EngineState; now: number}, resource: string, error: string): void {
  const mem = (ctx.state.resources[resource] ??= {})
  const failures = (mem.backoff?.failures ?? 0) + 1
  const {initial, factor, max} = ctx.config.autoscale.backoff
  const wait = Math.min(max, initial * factor ** (failures - 1))
  mem.backoff = {failures, until: ctx.now + wait, lastError: error.slice(0, 300)}
}

/** Renders a resource's user-data template for one worker. */
export function renderUserData(resource: ResourceConfig, config: Config, node: string): string {
  const values: Record<string, string> = {node, cluster: config.cluster.name, head: config.cluster.head ?? '', resource: resource.name}
  return (resource.userData ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole)
}

function resourceOf(config: Config, name: string): ResourceConfig {
  const r = config.resources.find((x) => x.name === name)
  if (!r) throw new Error(`unknown resource ${name}`)
  return r
}
