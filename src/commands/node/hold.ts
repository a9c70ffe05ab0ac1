import {Args} from '@oclif/core'
import {holdNode, type AdminResult} from '../../engine/admin.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class NodeHold extends BaseCommand {
  static override summary = 'Hold a node: no new jobs start on it, and autoscaling leaves it alone.'
  static override description = 'Disables the node in the scheduler (SGE qmod -d, Torque offline) and records an admin hold: autoscaling never releases or removes it until `dcaas node unhold`. Running jobs continue.'
  static override examples = ['<%= config.bin %> <%= command.id %> demo-sim-001']
  static override args = {node: Args.string({required: true, description: 'Worker host name, as `dcaas status` shows it'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(NodeHold)
    return this.admin(flags.config, (s) => holdNode(s, args.node))
  }
}
