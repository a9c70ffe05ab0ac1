import {resolve} from 'node:path'
import {Args, Flags} from '@oclif/core'
import {importLegacyFile, type ImportResult} from '../../config/legacy.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class ConfigImport extends BaseCommand {
  static override summary = "Convert a Dynamic Cluster dynamiccluster.yaml into a dcaas configuration file."
  static override description =
    'Carries over the timers, the scheduler type and queues, each cloud resource (quantity, priority, reservation, OpenStack and AWS settings) and logging. ' +
    'Every legacy key without an equivalent is listed on stderr (and as `unmapped` with --json) with its full legacy path; values are never printed. ' +
    'AWS access keys are not carried over: dcaas uses the AWS SDK credential chain. The result is validated before it is written; ' +
    'on any error nothing is written. An existing output file is replaced only with --force.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> /etc/dynamiccluster/dynamiccluster.yaml',
    '<%= config.bin %> <%= command.id %> dynamiccluster.yaml --output ~/.config/dcaas/config.yaml --name hpc',
    '<%= config.bin %> <%= command.id %> dynamiccluster.yaml --output dcaas.yaml --force --json',
  ]

  static override args = {
    file: Args.string({required: true, description: 'The legacy dynamiccluster.yaml.'}),
  }

  static override flags = {
    output: Flags.string({char: 'o', default: 'dcaas.yaml', summary: 'File to write.'}),
    force: Flags.boolean({default: false, summary: 'Replace the output file if it exists.'}),
    name: Flags.string({default: 'dcaas', summary: 'cluster.name of the new configuration (Dynamic Cluster had none).'}),
  }

  public async run(): Promise<ImportResult> {
    const {args, flags} = await this.parse(ConfigImport)
    const result = await importLegacyFile(resolve(args.file), {output: resolve(flags.output), force: flags.force, clusterName: flags.name, env: process.env})
    if (result.unmapped.length > 0) {
      this.logToStderr(`Not carried over (${result.unmapped.length} keys):`)
      for (const key of result.unmapped) this.logToStderr(`  ${key.path}${key.note ? ` — ${key.note}` : ''}`)
    }
    for (const note of result.notes) this.logToStderr(`Note: ${note}`)
    if (!this.jsonEnabled()) this.log(`Wrote ${result.output} (${result.resources} resources) from ${result.source}`)
    return result
  }
}
