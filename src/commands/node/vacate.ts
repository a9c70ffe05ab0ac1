import {Args, Flags} from '@oclif/core'
import {confirm} from '@inquirer/prompts'
import {vacateNode, type AdminResult} from '../../engine/admin.js'
import {DcaasError, EXIT} from '../../errors.js'
import {BaseCommand} from '../../ui/base-command.js'

export default class NodeVacate extends BaseCommand {
  static override summary = 'Kill the jobs running on a node (the node stays).'
  static override description = 'Kills every job on the node (SGE qdel -f). Asks for confirmation on a terminal; pass --yes in scripts. To remove the node as well, use `dcaas node delete --vacate`.'
  static override examples = ['<%= config.bin %> <%= command.id %> demo-sim-001', '<%= config.bin %> <%= command.id %> demo-sim-001 --yes']
  static override args = {node: Args.string({required: true, description: 'Worker host name'})}
  static override flags = {yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'})}

  public async run(): Promise<AdminResult> {
    const {args, flags} = await this.parse(NodeVacate)
    if (!flags.yes) {
      if (!process.stdin.isTTY || this.jsonEnabled()) throw new DcaasError('Vacating kills jobs: pass --yes to confirm.', EXIT.REFUSED)
      if (!(await confirm({message: `Kill every job running on ${args.node}?`, default: false}))) throw new DcaasError('Not confirmed; nothing was changed.', EXIT.REFUSED)
    }
    return this.admin(flags.config, (s) => vacateNode(s, args.node))
  }
}
