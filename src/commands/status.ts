import {clusterStatus, type StatusReport} from '../engine/status.js'
import {withSession} from '../engine/session.js'
import {BaseCommand} from '../ui/base-command.js'
import {renderStatus} from '../ui/status-view.js'

export default class Status extends BaseCommand {
  static override summary = 'Show nodes, jobs and resources of the cluster, joined with the cloud.'
  static override description =
    'Observes the scheduler and the cloud and shows every worker with its lifecycle state (starting, idle, busy, holding, held, deleting, error), ' +
    'queued and running jobs, and each resource with its limits and admin state (frozen, draining, backing off, disabled). ' +
    'With --json it prints a snapshot that `dcaas autoscale --dry-run --snapshot FILE` can plan from. Changes nothing.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json > snapshot.json',
    '<%= config.bin %> <%= command.id %> --config /etc/dcaas/cluster.yaml',
  ]

  public async run(): Promise<StatusReport> {
    const {flags} = await this.parse(Status)
    const loaded = await this.loadConfig(flags.config)
    const report = await withSession(loaded, (s) => clusterStatus(s.config, s.backends, s.store))
    if (!this.jsonEnabled()) this.log(renderStatus(report, loaded.source))
    return report
  }
}
