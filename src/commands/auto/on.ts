import {setAuto, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class AutoOn extends BaseCommand {
  static override summary = 'Turn automatic scaling on (the default).'
  static override description = 'Passes launch and remove workers automatically again.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  public async run(): Promise<AdminResult> {
    const {flags} = await this.parse(AutoOn)
    return this.admin(flags.config, (s) => setAuto(s, true))
  }
}
