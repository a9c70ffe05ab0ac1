import {Flags} from '@oclif/core'
import {join} from 'node:path'
import {DcaasError, EXIT} from '../../errors.js'
import {requireSimScheduler, resetSimWorld, SIM_WORLD_FILE} from '../../sim/world-store.js'
import {BaseCommand} from '../../ui/base-command.js'

/** What `dcaas sim reset --json` prints. */
export interface SimResetResult {
  path: string
  /** False when there was no simulated world to delete. */
  deleted: boolean
}

export default class SimReset extends BaseCommand {
  static override summary = 'Delete the simulated cluster and start afresh.'
  static override description =
    'Deletes the simulated world file (instances, nodes, jobs and clock of the built-in simulated cluster) from the state directory. ' +
    'The next dcaas command starts an empty simulated cluster at the current time. Needs --yes.'

  static override examples = ['<%= config.bin %> <%= command.id %> --yes']

  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Really delete the simulated world.'}),
  }

  public async run(): Promise<SimResetResult> {
    const {flags} = await this.parse(SimReset)
    const {config} = await this.loadConfig(flags.config)
    requireSimScheduler(config)
    const path = join(config.stateDir, SIM_WORLD_FILE)
    if (!flags.yes) throw new DcaasError(`not deleting ${path} without --yes`, EXIT.REFUSED, ['Run `dcaas sim reset --yes`.'])
    const deleted = await resetSimWorld(config.stateDir)
    if (!this.jsonEnabled()) this.log(deleted ? `Deleted the simulated world ${path}.` : `No simulated world at ${path}; nothing to delete.`)
    return {path, deleted}
  }
}
