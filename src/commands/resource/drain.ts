import {Args} from '@oclif/core'
import {setResourceIntent, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class ResourceDrain extends BaseCommand {
  static override summary = 'Drain a resource: hold all its workers and remove each as it empties.'
  static override description = 'The next passes hold every worker of the resource (running jobs continue), remove each once it runs no job, and launch nothing on it (min is ignored). Undo with `dcaas resource restore`.'
  static override examples = ['<%= config.bin %> <%= command.id %> sim']
  static override args = {resource: Args.string({required: true, description: 'Resource name from the config'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(ResourceDrain)
    return this.admin(flags.config, (s) => setResourceIntent(s, args.resource, 'drain'))
  }
}
