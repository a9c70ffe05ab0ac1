import {Args, Flags} from '@oclif/core'
import {scaleAdd, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class ScaleAdd extends BaseCommand {
  static override summary = 'Launch N workers now, within the resource max.'
  static override description =
    'Launches COUNT workers of a resource in one cloud call and registers them with the scheduler. Refuses (exit 8) if that would exceed the resource max or the cluster max. ' +
    'Without --resource the preferred resource (lowest priority value) is used. Idle workers are removed again by autoscaling after max idle time unless the resource min keeps them.'

  static override examples = ['<%= config.bin %> <%= command.id %> 2', '<%= config.bin %> <%= command.id %> 4 --resource bigmem']

  static override args = {count: Args.integer({required: true, min: 1, description: 'Number of workers to launch'})}
  static override flags = {resource: Flags.string({char: 'r', summary: 'Resource to launch on (default: the preferred one).'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(ScaleAdd)
    return this.admin(flags.config, (s) => scaleAdd(s, args.count, flags.resource))
  }
}
