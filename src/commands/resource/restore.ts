import {Args} from '@oclif/core'
import {setResourceIntent, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class ResourceRestore extends BaseCommand {
  static override summary = 'Restore a resource: clear freeze, drain, back-off and a stop after failed boots.'
  static override description = 'Clears every admin or failure state of the resource so that autoscaling uses it again. `dcaas status` shows why a resource was stopped.'
  static override examples = ['<%= config.bin %> <%= command.id %> sim']
  static override args = {resource: Args.string({required: true, description: 'Resource name from the config'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(ResourceRestore)
    return this.admin(flags.config, (s) => setResourceIntent(s, args.resource, 'restore'))
  }
}
