import {BaseCommand} from '../../ui/base-command.js'

/** What `dcaas config validate --json` prints. */
export interface ValidateResult {
  ok: true
  /** The file read, or 'built-in default'. */
  source: string
  resources: number
}

export default class ConfigValidate extends BaseCommand {
  static override summary = 'Check the configuration file and report every problem at once.'
  static override description =
    'Finds the configuration (--config, $DCAAS_CONFIG, ./dcaas.yaml, $XDG_CONFIG_HOME/dcaas/config.yaml, else the built-in simulated default), ' +
    'validates it, and prints `OK: FILE (N resources)`. An invalid file prints one line per problem — YAML path, value found, what was expected — and exits with code 3. ' +
    'Secret values are never printed.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --config cluster.yaml', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<ValidateResult> {
    const {flags} = await this.parse(ConfigValidate)
    const {config, source} = await this.loadConfig(flags.config)
    const resources = config.resources.length
    if (!this.jsonEnabled()) this.log(`OK: ${source} (${resources} resource${resources === 1 ? '' : 's'})`)
    return {ok: true, source, resources}
  }
}
