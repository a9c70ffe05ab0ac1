import {Args} from '@oclif/core'
import {unholdNode, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class NodeUnhold extends BaseCommand {
  static override summary = 'Release a held node so it takes jobs again.'
  static override description = 'Enables the node in the scheduler and clears the admin hold (and a pending removal-once-empty).'
  static override examples = ['<%= config.bin %> <%= command.id %> demo-sim-001']
  static override args = {node: Args.string({required: true, description: 'Worker host name, as `dcaas status` shows it'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(NodeUnhold)
    return this.admin(flags.config, (s) => unholdNode(s, args.node))
  }
}
