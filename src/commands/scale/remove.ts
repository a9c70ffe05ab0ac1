import {Args, Flags} from '@oclif/core'
import {scaleRemove, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class ScaleRemove extends BaseCommand {
  static override summary = 'Remove named workers safely: hold, re-check, deregister, terminate.'
  static override description =
    'Each worker is held in the scheduler, re-checked, then deregistered and its instance terminated. A worker that runs jobs is not killed: ' +
    'it stays held, is removed by the next autoscale pass once empty, and the command exits 8 — unless --vacate kills its jobs first. ' +
    'Refuses to go below a resource min.'

  static override examples = ['<%= config.bin %> <%= command.id %> demo-sim-001', '<%= config.bin %> <%= command.id %> demo-sim-001 demo-sim-002 --vacate']

  static override strict = false
  static override args = {node: Args.string({required: true, description: 'Worker host name(s), as `dcaas status` shows them'})}
  static override flags = {vacate: Flags.boolean({summary: 'Kill the jobs running on the workers, then remove them now.'})}

  public async run(): Promise<AdminResult> {
    const {argv, flags} = await this.parse(ScaleRemove)
    return this.admin(flags.config, (s) => scaleRemove(s, argv as string[], {vacate: flags.vacate}))
  }
}
