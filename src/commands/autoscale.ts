import {readFile} from 'node:fs/promises'
import {Flags} from '@oclif/core'
import type {Snapshot} from '../core/model.js'
import {DcaasError, EXIT} from '../errors.js'
import {runPass, type PassReport} from '../engine/pass.js'
import {withSession} from '../engine/session.js'
import {watch, watchControl} from '../engine/watch.js'
import {BaseCommand, EXIT_CODES_HELP} from '../ui/base-command.js'
import {renderPass} from '../ui/plan-view.js'

export default class Autoscale extends BaseCommand {
  static override summary = 'Run one autoscaling pass (observe → plan → act), or keep running with --watch.'
  static override description =
    'One pass observes the scheduler, the cloud and the state file, plans with a pure planner, and acts: launches workers for queued jobs ' +
    '(packed first-fit decreasing, reservations and priorities respected, starting capacity counted), removes workers idle past max idle ' +
    '(hold → re-check → remove; never a node running a job, never below min, never after a failed or partial observation), and heals ' +
    '(registers new instances, terminates instances that never became ready, removes nodes in error or whose instance vanished). ' +
    'Run it from cron every minute, or with --watch. Two passes never act at once: the second exits with code 7.\n\n' +
    EXIT_CODES_HELP

  static override examples = [
    {description: 'One pass, e.g. from cron', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Show what a pass would do, with reasons', command: '<%= config.bin %> <%= command.id %> --dry-run'},
    {description: 'Plan from a saved snapshot', command: '<%= config.bin %> status --json > snap.json && <%= config.bin %> <%= command.id %> --snapshot snap.json --json'},
    {description: 'Keep running until Ctrl-C', command: '<%= config.bin %> <%= command.id %> --watch'},
  ]

  static override flags = {
    watch: Flags.boolean({char: 'w', summary: 'Repeat at the configured interval until SIGINT/SIGTERM.', exclusive: ['snapshot']}),
    'dry-run': Flags.boolean({char: 'n', summary: 'Print the plan with reasons; change nothing.'}),
    snapshot: Flags.string({summary: 'Plan from this snapshot (the JSON of `dcaas status --json`) instead of observing; implies --dry-run.'}),
    interval: Flags.string({summary: 'Seconds between passes with --watch (default: autoscale.interval from the config).'}),
  }

  public async run(): Promise<PassReport | {passes: number}> {
    const {flags} = await this.parse(Autoscale)
    const loaded = await this.loadConfig(flags.config)
    const snapshot = flags.snapshot ? await readSnapshot(flags.snapshot) : undefined
    const progress = this.jsonEnabled() ? undefined : (line: string) => process.stderr.write(`  … ${line}\n`)
    const dryRun = flags['dry-run'] || snapshot !== undefined
    // One session per pass: the pass lock is taken before the backends are opened, and nothing
    // (such as the simulated world's file) stays locked between passes of --watch.
    const once = (stopping?: () => boolean) =>
      withSession(loaded, ({config, backends, store}) => runPass(config, backends, store, {dryRun, snapshot, progress, stopping}), {lock: !dryRun})
    if (!flags.watch) {
      const report = await once()
      if (!this.jsonEnabled()) this.log(renderPass(report))
      if (report.outcomes.some((o) => o.status === 'failed')) process.exitCode = EXIT.PARTIAL
      return report
    }
    const interval = flags.interval ? Number(flags.interval) : loaded.config.autoscale.interval
    if (!Number.isFinite(interval) || interval <= 0) throw new DcaasError(`--interval: expected a number of seconds > 0, got ${flags.interval}`, EXIT.USAGE)
    const control = watchControl()
    // With --json each pass is printed as one JSON line as it ends; the final value counts the passes.
    const passes = await watch(() => once(control.stopping), interval, control, (r) => {
      if (r instanceof Error) this.logToStderr(`pass failed: ${r.message}`)
      else this.log(this.jsonEnabled() ? JSON.stringify(r) : renderPass(r))
    })
    if (!this.jsonEnabled()) this.log(`Stopped after ${passes} pass(es).`)
    return {passes}
  }
}

async function readSnapshot(path: string): Promise<Snapshot> {
  let parsed: Snapshot
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Snapshot
  } catch (error) {
    throw new DcaasError(`Cannot read snapshot ${path}: ${(error as Error).message}`, EXIT.NOT_FOUND)
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.nodes) || !Array.isArray(parsed.jobs) || !Array.isArray(parsed.instances) || typeof parsed.time !== 'number')
    throw new DcaasError(`${path} is not a dcaas snapshot (expected the JSON of \`dcaas status --json\`: version 1, time, nodes, jobs, instances).`, EXIT.USAGE)
  return parsed
}
