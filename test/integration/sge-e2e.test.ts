/**
 * End to end with a real SGE: jobs queue, dcaas's engine launches netns exec hosts (real
 * sge_execd), the jobs run on them, the hosts go idle, dcaas holds and removes them — and no
 * job was killed (qacct: exit status 0, not failed).
 */
import {execa} from 'execa'
import {expect} from 'chai'
import type {Backends} from '../../src/engine/backends.js'
import {runPass} from '../../src/engine/pass.js'
import {MemoryStore} from '../../src/engine/state-store.js'
import {LocalRunner} from '../../src/exec/local.js'
import {SgeScheduler} from '../../src/scheduler/sge/index.js'
import {config, resource} from '../helpers/builders.js'
import {NetnsCloud} from '../helpers/netns-cloud.js'
import {SGE_ENV, type SgeHandle, startSge, sweepLeftovers} from '../helpers/sge.js'

describe('dcaas autoscaling a real SGE with netns workers', function () {
  this.timeout(240_000)
  let sge: SgeHandle
  let cloud: NetnsCloud

  before(async () => {
    sge = await startSge()
    cloud = new NetnsCloud(sge.master, {cores: 2, memoryMiB: 1024})
  })

  after(async () => {
    await sge?.deleteAllJobs()
    await cloud?.close()
    await sweepLeftovers()
  })

  it('adds hosts for queued jobs, runs them, then holds and removes the idle hosts without killing a job', async () => {
    const cfg = config([resource('netns', {cores: 2, memoryMiB: 1024, max: 2})], {maxIdle: 20, maxLaunch: 300, maxDown: 300})
    cfg.cluster.name = 'e2e'
    cfg.scheduler = {type: 'sge', commandTimeout: 30, queues: ['all.q'], env: SGE_ENV}
    const scheduler = new SgeScheduler(new LocalRunner({env: SGE_ENV}), {queues: ['all.q'], env: SGE_ENV})
    const backends: Backends = {
      scheduler,
      cloudFor: () => cloud,
      providers: () => [cloud],
      now: () => Math.floor(Date.now() / 1000),
      close: async () => {},
    }
    const store = new MemoryStore()
    const ids = [await sge.submit(['-b', 'y', 'sleep', '8']), await sge.submit(['-b', 'y', 'sleep', '8']), await sge.submit(['-b', 'y', '-pe', 'smp', '2', 'sleep', '8'])]
    const ranOn = new Map<string, string[]>()
    const failed: string[] = []
    // Timeline of every pass (actions, outcomes, node states), shown when an assertion fails.
    const log: string[] = []
    const stamp = () => new Date().toISOString().slice(11, 23)
    const end = Date.now() + 200_000
    let done = false
    while (Date.now() < end) {
      const report = await runPass(cfg, backends, store)
      log.push(`${stamp()} pass t=${report.time} nodes: ${report.snapshot.nodes.map((n) => `${n.name}[${n.status}${n.held ? ',held' : ''} ${n.slotsUsed}/${n.slots} jobs=${n.jobs.join('+')} ${n.rawState ?? ''}]`).join(' ') || '-'}; jobs: ${report.snapshot.jobs.map((j) => `${j.id}:${j.state}@${j.hosts.join('+')}`).join(' ') || '-'}`)
      for (const a of report.plan.actions) log.push(`${stamp()}   plan ${a.kind} ${'node' in a ? (a.node ?? '') : ''} ${a.reason}: ${a.detail}`)
      for (const o of report.outcomes) log.push(`${stamp()}   ${o.status} ${o.action.kind} ${'node' in o.action ? (o.action.node ?? '') : ''}${o.error ? `: ${o.error}` : ''}`)
      for (const job of report.snapshot.jobs) if (job.state === 'running') ranOn.set(job.id, job.hosts)
      for (const o of report.outcomes) if (o.status === 'failed') failed.push(`${o.action.kind}: ${o.error}`)
      const queued = report.snapshot.jobs.filter((j) => ids.includes(j.id)).length
      if (cloud.launched.length > 0 && queued === 0 && (await cloud.list('e2e')).length === 0 && report.snapshot.nodes.length === 0) {
        done = true
        break
      }
      await new Promise((r) => setTimeout(r, 2000))
    }
    const timeline = log.join('\n')
    expect(failed, `${failed.join('\n')}\n${timeline}`).to.deep.equal([])
    expect(done, `launched ${cloud.launched.join(',')}, terminated ${cloud.terminated.join(',')}\n${timeline}`).to.equal(true)
    expect(cloud.launched.length).to.be.within(1, 2)
    expect([...cloud.terminated].sort()).to.deep.equal([...cloud.launched].sort())
    for (const id of ids) {
      const acct = await execa('qacct', ['-j', id], {env: {...process.env, ...SGE_ENV}, reject: false})
      const record = `qacct -j ${id}:\n${acct.stdout}${acct.stderr}\n${timeline}`
      expect(acct.stdout, record).to.match(/^failed\s+0\s*$/m)
      expect(acct.stdout, record).to.match(/^exit_status\s+0\s*$/m)
      // Where it ran, from accounting (a short job may start and end between two passes).
      const host = /^hostname\s+(\S+)/m.exec(acct.stdout)?.[1]
      expect(cloud.launched, `job ${id} ran on ${host}`).to.include(host)
      if (ranOn.has(id)) expect(cloud.launched).to.include.members(ranOn.get(id)!)
    }
  })
})
