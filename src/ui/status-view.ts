/** Renders a status report as tables for `dcaas status`. */
import type {StatusReport} from '../engine/status.js'
import {age, mib, time} from './format.js'
import {table} from './table.js'

/** Renders the status report: cluster line, workers, jobs, resources, last pass, notes. */
export function renderStatus(r: StatusReport, source: string): string {
  const out: string[] = []
  const obs = [r.scheduler.ok ? (r.scheduler.partial ? 'scheduler partial' : 'scheduler ok') : `scheduler FAILED: ${r.scheduler.error}`, r.cloud.ok ? (r.cloud.partial ? `cloud partial: ${r.cloud.error}` : 'cloud ok') : `cloud FAILED: ${r.cloud.error}`]
  out.push(`Cluster ${r.cluster} at ${time(r.time)} (config: ${source}); autoscaling ${r.auto ? 'on' : 'OFF'}; ${obs.join(', ')}`)
  out.push('', 'Nodes')
  out.push(
    table(
      ['NODE', 'STATE', 'SLOTS', 'RESOURCE', 'INSTANCE', 'IN STATE', 'JOBS'],
      r.workers.map((w) => [w.name, w.state + (w.adminHold ? ' (admin hold)' : ''), w.slots !== undefined ? `${w.slotsUsed}/${w.slots}` : '-', w.resource ?? '-', w.instanceId ?? '-', age(r.time - w.since), (w.jobs ?? []).slice(0, 4).join(',') + ((w.jobs?.length ?? 0) > 4 ? ',…' : '')]),
      '(no workers)',
    ),
  )
  const other = r.nodes.filter((n) => !r.workers.some((w) => w.name === n.name))
  if (other.length > 0) {
    out.push('', 'Other scheduler nodes (not managed by dcaas)')
    out.push(table(['NODE', 'STATUS', 'SLOTS'], other.map((n) => [n.name, n.rawState ?? n.status + (n.held ? ',held' : ''), `${n.slotsUsed}/${n.slots}`])))
  }
  const queued = r.jobs.filter((j) => j.state !== 'running')
  const running = r.jobs.filter((j) => j.state === 'running')
  out.push('', `Jobs: ${running.length} running, ${queued.filter((j) => j.state === 'queued').length} queued, ${queued.filter((j) => j.state !== 'queued').length} held or in error`)
  const shown = [...running, ...queued].slice(0, 40)
  out.push(
    table(
      ['JOB', 'STATE', 'OWNER', 'QUEUE', 'SLOTS', 'SINCE', 'WHERE'],
      shown.map((j) => [j.id, j.rawState ?? j.state, j.owner ?? '-', j.queue ?? '-', j.cores, j.state === 'running' && j.startedAt ? `running ${age(r.time - j.startedAt)}` : `waiting ${age(r.time - j.submittedAt)}`, j.hosts.join(',') || '-']),
      '(no jobs)',
    ),
  )
  if (r.jobs.length > shown.length) out.push(`  … ${r.jobs.length - shown.length} more (see --json)`)
  out.push('', 'Resources')
  out.push(
    table(
      ['RESOURCE', 'CLOUD', 'SHAPE', 'NODES', 'MIN/MAX', 'PRIO', 'RESERVED FOR', 'STATUS'],
      r.resources.map((x) => [
        x.name,
        x.cloud,
        `${x.cores}c/${mib(x.memoryMiB)}`,
        `${x.nodes}${x.nodes ? ` (${Object.entries(x.byState).map(([k, v]) => `${v} ${k}`).join(', ')})` : ''}`,
        `${x.min}/${x.max}`,
        x.priority,
        Object.entries(x.reservation ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || '-',
        x.status === 'ok' ? (x.failedBoots ? `ok (${x.failedBoots} failed boot(s))` : 'ok') : `${x.status}: ${x.detail}`,
      ]),
      '(no resources)',
    ),
  )
  if (r.unplaced.length > 0) {
    out.push('', `Queued jobs no resource will take now: ${r.unplaced.length}`)
    for (const u of r.unplaced.slice(0, 10)) out.push(`  ${u.job} (${u.cores} cores): ${u.reasons.map((x) => `${x.resource ? x.resource + ': ' : ''}${x.reason} (${x.detail})`).join('; ')}`)
  }
  if (r.lastPass) {
    const acts = Object.entries(r.lastPass.actions).map(([k, v]) => `${v} ${k}`).join(', ') || 'no action'
    out.push('', `Last pass: ${time(r.lastPass.time)} (${age(r.time - r.lastPass.time)} ago): ${acts}${r.lastPass.failed ? `, ${r.lastPass.failed} failed` : ''}; jobs ${r.lastPass.jobs.queued} queued / ${r.lastPass.jobs.running} running`)
  } else out.push('', 'Last pass: none yet (run `dcaas autoscale`)')
  for (const n of [...r.notes, ...r.warnings]) out.push(`Note: ${n}`)
  return out.join('\n')
}
