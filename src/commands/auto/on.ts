import {setAuto, type AdminResult} from '../../engine/admin.js'
import {withSession} from '../../engine/session.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class AutoOn extends BaseCommand {
  static override summary = 'Turn automatic scaling on (the default).'
  static override description = 'Passes launch and remove workers automatically again.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  public async run(): Promise<AdminResult> {
    const {flags} = await this.parse(AutoOn)
    const loaded = await this.loadConfig(flags.config)
    const result = await withSession(loaded, (s) => setAuto(s, true), {lock: true})
    if (!this.jsonEnabled()) for (const m of result.messages) this.log(m)
    return result
  }
}
