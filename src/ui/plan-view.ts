/** Renders a pass report (plan, outcomes) for `dcaas autoscale`. */
import type {PassReport} from '../engine/pass.js'
import {time} from './format.js'

/** Renders one pass: counts, each action with its reason and outcome, unplaced jobs and notes. */
export function renderPass(r: PassReport): string {
  const out: string[] = []
  const c = r.plan.counts
  const jobs = r.snapshot.jobs
  out.push(
    `${r.dryRun ? 'Plan (dry run, nothing changed)' : 'Pass'} at ${time(r.time)}: nodes ${c.starting} starting, ${c.idle} idle, ${c.busy} busy, ${c.holding + c.held} held, ${c.deleting} deleting, ${c.error} error; jobs ${jobs.filter((j) => j.state === 'queued').length} queued, ${jobs.filter((j) => j.state === 'running').length} running`,
  )
  if (r.plan.actions.length === 0) out.push('  no action')
  r.plan.actions.forEach((a, i) => {
    const o = r.outcomes.find((x) => x.action === a)
    const what = a.kind === 'launch' ? `launch ${a.names.length} on ${a.resource} (${a.names.join(', ')})` : `${a.kind} ${'node' in a && a.node ? a.node : ''}${'instanceId' in a && a.instanceId ? ` [${a.instanceId}]` : ''}`
    const status = o ? ` → ${o.status}${o.error ? `: ${o.error}` : ''}` : ''
    out.push(`  ${i + 1}. ${what.trim()} — ${a.reason}: ${a.detail}${status}`)
  })
  if (r.plan.unplaced.length > 0) {
    out.push(`  ${r.plan.unplaced.length} queued job(s) no resource will take:`)
    for (const u of r.plan.unplaced.slice(0, 10)) out.push(`    ${u.job} (${u.cores} cores): ${u.reasons.map((x) => `${x.resource ? x.resource + ': ' : ''}${x.reason} (${x.detail})`).join('; ')}`)
    if (r.plan.unplaced.length > 10) out.push(`    … ${r.plan.unplaced.length - 10} more (see --json)`)
  }
  for (const n of [...r.plan.notes, ...r.warnings]) out.push(`  note: ${n}`)
  return out.join('\n')
}
