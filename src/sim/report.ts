/**
 * Renders the per-policy comparison of `dcaas simulate` as a terminal table (cli-table3).
 */
import Table from 'cli-table3'
import {formatDuration} from '../config/durations.js'
import type {PolicyMetrics} from './metrics.js'

/** Formats seconds as a short duration rounded to the second ("1h2m3s"). */
export function shortDuration(seconds: number): string {
  return formatDuration(Math.round(seconds))
}

/** Renders one row per policy: jobs, cost, utilisation, waits, slowdown, launches, peak. */
export function renderComparison(rows: readonly PolicyMetrics[], options: {currency?: string} = {}): string {
  const table = new Table({
    head: ['policy', 'jobs', 'never fit', 'node-hours', 'busy node-h', 'util', 'cost', 'mean wait', 'p95 wait', 'bsld', 'launches', 'peak'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style: {head: [], border: []},
  })
  const currency = options.currency ?? ''
  for (const m of rows) {
    table.push([
      m.policy,
      String(m.jobs),
      String(m.jobsNeverFit),
      m.nodeHours.toFixed(1),
      m.busyNodeHours.toFixed(1),
      `${(m.utilization * 100).toFixed(1)}%`,
      `${currency}${m.cost.toFixed(2)}`,
      shortDuration(m.meanWaitSeconds),
      shortDuration(m.p95WaitSeconds),
      m.meanBoundedSlowdown.toFixed(2),
      String(m.launches),
      String(m.peakNodes),
    ])
  }
  return table.toString()
}
