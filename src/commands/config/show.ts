import {stringify} from 'yaml'
import {redactSecrets} from '../../config/redact.js'
import type {Config} from '../../config/types.js'
import {BaseCommand} from '../../ui/base-command.js'

/** What `dcaas config show --json` prints: the effective configuration, secrets replaced by '***'. */
export interface ShowResult {
  source: string
  config: Config
}

export default class ConfigShow extends BaseCommand {
  static override summary = 'Print the effective configuration, with defaults filled in and secrets hidden.'
  static override description =
    'Prints the configuration dcaas would use — after the search order, validation and defaults — as YAML (or JSON with --json), ' +
    'with the file it came from. Durations are shown in seconds. Passwords, tokens and secret keys are replaced by \'***\'.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --config cluster.yaml --json']

  public async run(): Promise<ShowResult> {
    const {flags} = await this.parse(ConfigShow)
    const {config, source} = await this.loadConfig(flags.config)
    const result = {source, config: redactSecrets(config)}
    if (!this.jsonEnabled()) this.log(`# source: ${source}\n${stringify(result.config, {lineWidth: 0}).trimEnd()}`)
    return result
  }
}
