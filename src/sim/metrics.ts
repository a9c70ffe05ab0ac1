/**
 * Statistics of one simulated run: cost in node-hours, how busy the nodes were, and how long
 * jobs waited. Billing is per second (node-hours = Σ instance lifetime / 3600, from launch
 * to termination, booting time included), as on AWS and most OpenStack clouds today.
 */

/** What happened to one job. */
export interface JobRecord {
  id: string
  submitAt: number
  /** Absent: never started. */
  startAt?: number
  /** Absent: never finished. */
  endAt?: number
  cores: number
  runTime: number
  /** Larger than any resource can ever hold: never started, not counted in waits. */
  neverFit?: boolean
}

/** The life of one instance: billed from launch to termination (or the end of the run). */
export interface InstanceSpan {
  launchedAt: number
  /** Absent: still alive at the end. */
  endedAt?: number
}

/** The figures `dcaas simulate` reports per policy (the JSON contract of `--json`). */
export interface PolicyMetrics {
  policy: string
  /** Jobs replayed (including never-fit ones). */
  jobs: number
  /** Jobs larger than any resource can ever hold. */
  jobsNeverFit: number
  /** Jobs that could fit but did not finish by the end of the run (should be 0). */
  jobsUnfinished: number
  /** Billed node-hours (per-second billing, boot time included). */
  nodeHours: number
  /** Node-hours of work done: Σ cores × run time / cores per node / 3600. */
  busyNodeHours: number
  /** busyNodeHours / nodeHours. */
  utilization: number
  /** nodeHours × price per node-hour. */
  cost: number
  meanWaitSeconds: number
  p95WaitSeconds: number
  /** Mean of max(1, (wait + run) / max(run, 10 s)). */
  meanBoundedSlowdown: number
  /** Instances launched. */
  launches: number
  /** Most instances alive at once. */
  peakNodes: number
  /** Virtual seconds from the first submit to the end of the run. */
  makespanSeconds: number
}

/** Inputs of computeMetrics. */
export interface MetricsInput {
  policy: string
  jobs: readonly JobRecord[]
  instances: readonly InstanceSpan[]
  /** Time the run ended (alive instances are billed up to it). */
  end: number
  /** Time the run started (first submit). */
  start: number
  coresPerNode: number
  /** Price of one node-hour. */
  price: number
}

/** The bound of the bounded slowdown, in seconds (the usual 10 s). */
export const SLOWDOWN_BOUND = 10

/** Returns the p-th percentile (0..100) by the nearest-rank method; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1]
}

/** Returns the most instances alive at the same time (an instance ending at t does not overlap one launched at t). */
export function peakConcurrent(instances: readonly InstanceSpan[], end: number): number {
  const events: [number, number][] = []
  for (const i of instances) {
    events.push([i.launchedAt, 1])
    events.push([i.endedAt ?? end, -1])
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let alive = 0
  let peak = 0
  for (const [, d] of events) {
    alive += d
    if (alive > peak) peak = alive
  }
  return peak
}

/** Computes every reported figure of one run. */
export function computeMetrics(input: MetricsInput): PolicyMetrics {
  let billedSeconds = 0
  for (const i of input.instances) billedSeconds += Math.max(0, (i.endedAt ?? input.end) - i.launchedAt)
  let workCoreSeconds = 0
  let neverFit = 0
  let unfinished = 0
  const waits: number[] = []
  let slowdownSum = 0
  for (const j of input.jobs) {
    if (j.neverFit) {
      neverFit++
      continue
    }
    if (j.startAt === undefined || j.endAt === undefined) unfinished++
    if (j.startAt === undefined) continue
    const wait = j.startAt - j.submitAt
    waits.push(wait)
    slowdownSum += Math.max(1, (wait + j.runTime) / Math.max(j.runTime, SLOWDOWN_BOUND))
    const ran = (j.endAt ?? input.end) - j.startAt
    workCoreSeconds += j.cores * Math.max(0, ran)
  }
  const nodeHours = billedSeconds / 3600
  const busyNodeHours = workCoreSeconds / input.coresPerNode / 3600
  return {
    policy: input.policy,
    jobs: input.jobs.length,
    jobsNeverFit: neverFit,
    jobsUnfinished: unfinished,
    nodeHours,
    busyNodeHours,
    utilization: nodeHours > 0 ? busyNodeHours / nodeHours : 0,
    cost: nodeHours * input.price,
    meanWaitSeconds: waits.length > 0 ? waits.reduce((a, b) => a + b, 0) / waits.length : 0,
    p95WaitSeconds: percentile(waits, 95),
    meanBoundedSlowdown: waits.length > 0 ? slowdownSum / waits.length : 0,
    launches: input.instances.length,
    peakNodes: peakConcurrent(input.instances, input.end),
    makespanSeconds: input.end - input.start,
  }
}
