import {setAuto, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class AutoOff extends BaseCommand {
  static override summary = 'Turn automatic scaling off: manual only.'
  static override description = 'Passes no longer launch or remove workers on their own; they still register new instances and carry out drains. Scale by hand with `dcaas scale add|remove`.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  public async run(): Promise<AdminResult> {
    const {flags} = await this.parse(AutoOff)
    return this.admin(flags.config, (s) => setAuto(s, false))
  }
}
