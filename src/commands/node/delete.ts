import {Args, Flags} from '@oclif/core'
import {scaleRemove, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class NodeDelete extends BaseCommand {
  static override summary = 'Remove one node safely (same as `dcaas scale remove NODE`).'
  static override description = 'Holds the node, re-checks it, deregisters it and terminates its instance. A node running jobs is held and removed once empty (exit 8), unless --vacate kills its jobs first.'
  static override examples = ['<%= config.bin %> <%= command.id %> demo-sim-001', '<%= config.bin %> <%= command.id %> demo-sim-001 --vacate']
  static override args = {node: Args.string({required: true, description: 'Worker host name'})}
  static override flags = {vacate: Flags.boolean({summary: 'Kill its jobs first, then remove it now.'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(NodeDelete)
    return this.admin(flags.config, (s) => scaleRemove(s, [args.node], {vacate: flags.vacate}))
  }
}
