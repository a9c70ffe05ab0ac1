import {Args} from '@oclif/core'
import {setResourceIntent, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class ResourceFreeze extends BaseCommand {
  static override summary = 'Freeze a resource: no automatic launch or removal.'
  static override description = 'Autoscaling neither launches nor removes workers of a frozen resource; its workers keep running jobs. Undo with `dcaas resource restore`.'
  static override examples = ['<%= config.bin %> <%= command.id %> sim']
  static override args = {resource: Args.string({required: true, description: 'Resource name from the config'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(ResourceFreeze)
    return this.admin(flags.config, (s) => setResourceIntent(s, args.resource, 'freeze'))
  }
}
