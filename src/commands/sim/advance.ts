import {Args} from '@oclif/core'
import {formatDuration, parseDuration} from '../../config/durations.js'
import {DcaasError, EXIT} from '../../errors.js'
import type {WorldCounts} from '../../sim/world.js'
import {openSimWorld, requireSimScheduler} from '../../sim/world-store.js'
import {BaseCommand} from '../../ui/base-command.js'
import {time} from '../../ui/format.js'

/** What `dcaas sim advance --json` prints. */
export interface SimAdvanceResult {
  /** New simulated time (epoch seconds). */
  time: number
  /** Seconds the clock moved. */
  advanced: number
  counts: WorldCounts
}

export default class SimAdvance extends BaseCommand {
  static override summary = 'Move the simulated clock forward.'
  static override description =
    'Jumps the clock of the built-in simulated cluster forward and processes everything due by then: instances boot, nodes come up, ' +
    'jobs start and finish. Prints the new simulated time and a one-line summary. The simulated clock also runs by itself at `sim.speed` ' +
    'simulated seconds per real second.'

  static override examples = ['<%= config.bin %> <%= command.id %> 10m', '<%= config.bin %> <%= command.id %> 1h30m --json', '<%= config.bin %> <%= command.id %> 90']

  static override args = {
    duration: Args.string({required: true, description: 'How far to move: seconds or a duration ("10m", "1h30m", "2d")'}),
  }

  public async run(): Promise<SimAdvanceResult> {
    const {args, flags} = await this.parse(SimAdvance)
    const seconds = parseDuration(args.duration)
    if (seconds === undefined) throw new DcaasError(`not a duration: ${args.duration}`, EXIT.USAGE, ['Write seconds (90) or a duration such as 10m, 1h30m or 2d.'])
    const {config} = await this.loadConfig(flags.config)
    requireSimScheduler(config)
    const sim = await openSimWorld(config.stateDir, config.sim)
    try {
      sim.advance(seconds)
      await sim.save()
      const result = {time: sim.world.now, advanced: seconds, counts: sim.world.counts()}
      if (!this.jsonEnabled()) this.log(summary(result))
      return result
    } finally {
      await sim.release()
    }
  }
}

/** Formats the one-line summary of an advance. */
function summary({time: now, advanced, counts: c}: SimAdvanceResult): string {
  const nodes = `${c.nodesUp} node(s) up${c.nodesDown ? `, ${c.nodesDown} down` : ''}${c.nodesError ? `, ${c.nodesError} in error` : ''}`
  const jobs = `${c.running} job(s) running, ${c.queued} queued${c.future ? `, ${c.future} not arrived yet` : ''}, ${c.done} done${c.killed ? `, ${c.killed} killed` : ''}`
  return `Simulated time ${time(now)} (+${formatDuration(advanced)}): ${c.instances} instance(s), ${nodes}; ${jobs}.`
}
