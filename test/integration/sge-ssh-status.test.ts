/**
 * dcaas from an admin's machine: the SGE module driven over SSH (a real sshd on 127.0.0.1 in
 * front of a real qmaster), and `dcaas status` as a process on an SGE cluster configured with
 * `scheduler: {type: sge, ssh: …}`.
 */
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {expect} from 'chai'
import {createRunner} from '../../src/exec/index.js'
import {SgeScheduler} from '../../src/scheduler/sge/index.js'
import {runCli, tempStateDir} from '../helpers/cli.js'
import {SGE_ENV, type SgeHandle, startSge, SUBMIT_USER} from '../helpers/sge.js'
import {startSshd, type TestSshd} from '../helpers/sshd.js'

describe('SGE over SSH, and dcaas status on an SGE cluster', function () {
  this.timeout(180_000)
  let sge: SgeHandle
  let sshd: TestSshd
  let jobId: string
  const cleanups: (() => void)[] = []

  before(async () => {
    sge = await startSge()
    sshd = await startSshd()
    // No exec host is registered here, so the job stays queued.
    jobId = await sge.submit(['-b', 'y', '-pe', 'smp', '2', '-N', 'sshjob', '/bin/sleep', '600'])
  })

  after(async () => {
    await sge?.deleteAllJobs()
    await sshd?.stop()
    for (const c of cleanups) c()
  })

  it('observes the same nodes and jobs over SSH as locally', async () => {
    const ssh = createRunner({host: sshd.host, port: sshd.port, user: sshd.user, privateKeyPath: sshd.privateKeyPath, connectTimeout: 10})
    try {
      const overSsh = await new SgeScheduler(ssh, {env: SGE_ENV, timeout: 30}).observe()
      const local = await new SgeScheduler(sge.runner, {env: SGE_ENV, timeout: 30}).observe()
      expect(overSsh.jobs.map((j) => j.id)).to.include(jobId)
      const job = overSsh.jobs.find((j) => j.id === jobId)!
      expect(job).to.include({state: 'queued', owner: SUBMIT_USER, cores: 2})
      expect(overSsh.jobs).to.deep.equal(local.jobs)
      expect(overSsh.nodes).to.deep.equal(local.nodes)
    } finally {
      await ssh.close()
    }
  })

  it('`dcaas status` shows the queued job with owner, slots and waiting time, as a table and as JSON', async () => {
    const state = tempStateDir()
    cleanups.push(state.cleanup)
    const dir = state.path
    const config = join(dir, 'dcaas.yaml')
    await writeFile(
      config,
      [
        'cluster: {name: sgetest}',
        'scheduler:',
        '  type: sge',
        `  ssh: {host: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, privateKey: ${sshd.privateKeyPath}}`,
        `  env: {SGE_ROOT: ${SGE_ENV.SGE_ROOT}, SGE_CELL: ${SGE_ENV.SGE_CELL}}`,
        'resources:',
        '  - {name: w, cloud: {type: sim, cores: 4}, max: 3}',
        `stateDir: ${dir}`,
        '',
      ].join('\n'),
    )
    const json = await runCli(['status', '--json', '--config', config])
    expect(json.exitCode, json.stderr).to.equal(0)
    const report = JSON.parse(json.stdout)
    expect(report.scheduler).to.deep.equal({ok: true})
    const job = report.jobs.find((j: {id: string}) => j.id === jobId)
    expect(job).to.include({state: 'queued', owner: SUBMIT_USER, cores: 2, rawState: 'qw'})
    expect(report.resources[0]).to.include({name: 'w', cores: 4, max: 3, status: 'ok'})
    const table = await runCli(['status', '--config', config])
    expect(table.exitCode, table.stderr).to.equal(0)
    expect(table.stdout).to.match(/Jobs: \d+ running, [1-9]\d* queued/)
    expect(table.stdout).to.match(new RegExp(`^\\s*${jobId}\\s+qw\\s+${SUBMIT_USER}\\s+\\S+\\s+2\\s+waiting`, 'm'))
  })

  it('`dcaas autoscale --dry-run` plans workers for the queued SGE job', async () => {
    const state = tempStateDir()
    cleanups.push(state.cleanup)
    const dir = state.path
    const config = join(dir, 'dcaas.yaml')
    await writeFile(config, `cluster: {name: sgetest}\nscheduler: {type: sge, env: {SGE_ROOT: ${SGE_ENV.SGE_ROOT}, SGE_CELL: ${SGE_ENV.SGE_CELL}}}\nresources:\n  - {name: w, cloud: {type: sim, cores: 4}, max: 3}\nstateDir: ${dir}\n`)
    const out = await runCli(['autoscale', '--dry-run', '--json', '--config', config])
    expect(out.exitCode, out.stderr).to.equal(0)
    const report = JSON.parse(out.stdout)
    const launch = report.plan.actions.find((a: {kind: string}) => a.kind === 'launch')
    expect(launch, JSON.stringify(report.plan)).to.include({resource: 'w', reason: 'pending-jobs'})
    expect(launch.jobs).to.include(jobId)
  })
})
