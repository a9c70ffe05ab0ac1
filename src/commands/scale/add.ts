import {Args, Flags} from '@oclif/core'
import {scaleAdd, type AdminResult} from '../../engine/admin.js'
import {withSession} from '../../engine/session.js'
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
    const loaded = await this.loadConfig(flags.config)
    const result = await withSession(loaded, (s) => scaleAdd({...s, progress: this.progress()}, args.count, flags.resource), {lock: true})
    if (!this.jsonEnabled()) for (const m of result.messages) this.log(m)
    return result
  }
}
