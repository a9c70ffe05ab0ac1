import {setAuto, type AdminResult} from '../../engine/admin.js'
import {withSession} from '../../engine/session.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class AutoOff extends BaseCommand {
  static override summary = 'Turn automatic scaling off: manual only.'
  static override description = 'Passes no longer launch or remove workers on their own; they still register new instances and carry out drains. Scale by hand with `dcaas scale add|remove`.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  public async run(): Promise<AdminResult> {
    const {flags} = await this.parse(AutoOff)
    const loaded = await this.loadConfig(flags.config)
    const result = await withSession(loaded, (s) => setAuto(s, false), {lock: true})
    if (!this.jsonEnabled()) for (const m of result.messages) this.log(m)
    return result
  }
}
