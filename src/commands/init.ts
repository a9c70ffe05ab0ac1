import {Flags} from '@oclif/core'
import {DcaasError, EXIT} from '../errors.js'
import {BaseCommand} from '../ui/base-command.js'

export default class Init extends BaseCommand {
  static override summary = 'Bootstrap a head node from the Basic or Advanced template (not available yet).'
  static override description =
    'Creates the head node (Heat stack on OpenStack, EC2 instance on AWS), waits for SSH, installs the batch scheduler and the autoscale cron entry. ' +
    'This release does not bootstrap head nodes yet: it exits with code 10. Point dcaas at an existing head node with `scheduler.ssh` in the config instead.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --template basic',
    '<%= config.bin %> <%= command.id %> --template advanced --config cluster.yaml',
  ]

  static override flags = {
    template: Flags.string({options: ['basic', 'advanced'], default: 'basic', summary: 'Reference setup: one user (basic), or many users, zones and allocations (advanced).'}),
  }

  public async run(): Promise<void> {
    await this.parse(Init)
    throw new DcaasError('dcaas init is not available yet: head-node bootstrap belongs to a later release.', EXIT.NOT_AVAILABLE, [
      'Create the head node by hand and set scheduler.ssh in the config.',
    ])
  }
}
