/**
 * The `static` baseline for `dcaas simulate`: every resource at its max (capped by the
 * cluster's max nodes) all the time — what a fixed cluster of that size costs and how long its
 * jobs wait. Replaces instances that fail to boot; never removes a node.
 */
import type {PlanInput, PlanResult} from '../../core/policy.js'
import {beginPass, firstAfter, launchOf, liveCount, registerMissing, type SimPolicy, terminateOf} from './common.js'

/** Creates the static policy: launch up to max, never scale down. */
export function createStaticPolicy(): SimPolicy {
  const policy = (input: PlanInput): PlanResult => {
    const {config} = input
    const {workers, result, taken} = beginPass(input)
    registerMissing(workers, result.actions)
    for (const w of workers) {
      if (w.state === 'starting' && w.age !== undefined && w.age > config.autoscale.maxLaunch) result.actions.push(terminateOf(w, `${w.name} did not boot within ${config.autoscale.maxLaunch} s`))
    }
    let total = workers.filter((w) => w.state !== 'deleting').length
    const clusterMax = config.autoscale.maxNodes ?? Infinity
    for (const r of [...config.resources].sort((a, b) => a.priority - b.priority)) {
      const missing = Math.min(r.max - liveCount(workers, r.name), clusterMax - total)
      if (missing <= 0) continue
      result.actions.push(launchOf(config, r, missing, taken, `static cluster: ${r.name} kept at ${r.max} nodes`, 'below-min'))
      total += missing
    }
    return result
  }
  /** Its only timer: an instance still booting at max launch time. */
  const nextWake = (input: PlanInput, result: PlanResult): number =>
    firstAfter(input.now, result.workers.filter((w) => w.state === 'starting' && w.instance).map((w) => (w.instance?.launchedAt ?? 0) + input.config.autoscale.maxLaunch))
  return Object.assign(policy, {nextWake})
}
