/**
 * Observe: read the scheduler and every cloud provider into one Snapshot. Failures are
 * recorded in the snapshot (ok / partial / error), never thrown, so the planner can decide
 * to do nothing destructive. Names from the cloud are validated before use.
 */
import type {Config} from '../config/types.js'
import type {Instance, NodeShape, Snapshot} from '../core/model.js'
import {isValidHostName} from '../core/naming.js'
import type {Shapes} from '../core/policy.js'
import type {Backends} from './backends.js'

/** Reads the scheduler and the clouds into a snapshot; never throws for their failures. */
export async function observe(config: Config, backends: Backends): Promise<Snapshot> {
  const time = Math.floor(backends.now())
  const snapshot: Snapshot = {version: 1, time, cluster: config.cluster.name, scheduler: {ok: true}, cloud: {ok: true}, nodes: [], jobs: [], instances: []}
  const [sched, clouds] = await Promise.all([
    backends.scheduler.observe().then(
      (o) => ({ok: true as const, o}),
      (error: unknown) => ({ok: false as const, error}),
    ),
    Promise.all(
      backends.providers().map((p) =>
        p.list(config.cluster.name).then(
          (instances) => ({ok: true as const, instances, kind: p.kind}),
          (error: unknown) => ({ok: false as const, error, kind: p.kind}),
        ),
      ),
    ),
  ])
  if (sched.ok) {
    snapshot.nodes = sched.o.nodes
    snapshot.jobs = sched.o.jobs
    if (sched.o.partial) snapshot.scheduler = {ok: true, partial: true, error: sched.o.warnings?.join('; ')}
  } else {
    snapshot.scheduler = {ok: false, error: message(sched.error)}
  }
  const errors: string[] = []
  const instances: Instance[] = []
  for (const c of clouds) {
    if (c.ok) instances.push(...c.instances)
    else errors.push(`${c.kind}: ${message(c.error)}`)
  }
  const bad = instances.filter((i) => !isValidHostName(i.name))
  snapshot.instances = instances.filter((i) => isValidHostName(i.name))
  if (bad.length > 0) errors.push(`ignored ${bad.length} instance(s) with invalid host names: ${bad.map((i) => i.id).join(', ')}`)
  if (errors.length > 0) {
    const allFailed = clouds.length > 0 && clouds.every((c) => !c.ok)
    snapshot.cloud = allFailed ? {ok: false, error: errors.join('; ')} : {ok: true, partial: true, error: errors.join('; ')}
  }
  return snapshot
}

/** Resolves each resource's worker shape: config overrides, else the cloud's flavor / instance type. */
export async function resolveShapes(config: Config, backends: Backends): Promise<{shapes: Shapes; errors: string[]}> {
  const shapes: Shapes = {}
  const errors: string[] = []
  await Promise.all(
    config.resources.map(async (r) => {
      if (r.cores !== undefined && r.memoryMiB !== undefined) {
        shapes[r.name] = {cores: r.cores, memoryMiB: r.memoryMiB}
        return
      }
      try {
        const s: NodeShape = await backends.cloudFor(r.name).shape(r)
        shapes[r.name] = {cores: r.cores ?? s.cores, memoryMiB: r.memoryMiB ?? s.memoryMiB}
      } catch (error) {
        errors.push(`${r.name}: cannot read the worker shape: ${message(error)}`)
        shapes[r.name] = {cores: 0, memoryMiB: 0}
      }
    }),
  )
  return {shapes, errors}
}

/** Returns an error's message. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
