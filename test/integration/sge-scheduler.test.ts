/**
 * SgeScheduler against a real Son of Grid Engine (Debian's gridengine 8.1.9), started by the
 * test with templates/sge/head.sh, and a real exec host in a network namespace.
 */
import {expect} from 'chai'
import type {RunOptions, RunResult, Runner} from '../../src/exec/runner.js'
import {NodeBusyError, SchedulerUnavailableError} from '../../src/scheduler/scheduler.js'
import {SgeScheduler} from '../../src/scheduler/sge/index.js'
import {addNetnsHost, removeNetnsHost, SGE_ENV, type SgeHandle, startNetnsExecd, startSge, sweepLeftovers, uniqueHostName, waitForExecd} from '../helpers/sge.js'

/** A runner that records every argv and may rewrite results (to feed garbage to the parsers). */
class RecordingRunner implements Runner {
  readonly calls: string[][] = []
  rewrite?: (result: RunResult) => RunResult
  constructor(private readonly inner: Runner) {}
  get where() {
    return this.inner.where
  }
  async run(argv: string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push(argv)
    const result = await this.inner.run(argv, options)
    return this.rewrite ? this.rewrite(result) : result
  }
  writeFile(path: string, content: string) {
    return this.inner.writeFile(path, content)
  }
  close() {
    return this.inner.close()
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const end = Date.now() + seconds * 1000
  while (Date.now() < end) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('SgeScheduler on a real SGE', function () {
  this.timeout(120_000)
  let sge: SgeHandle
  let runner: RecordingRunner
  let scheduler: SgeScheduler
  const host = uniqueHostName('it')
  const figures: Record<string, number> = {}

  before(async () => {
    sge = await startSge()
    figures.headSeconds = sge.headSeconds
    await addNetnsHost(host, sge.master)
    runner = new RecordingRunner(sge.runner)
    scheduler = new SgeScheduler(runner, {queues: ['all.q'], env: SGE_ENV, timeout: 30})
  })

  after(async () => {
    await sge?.deleteAllJobs()
    await removeNetnsHost(host)
    await sweepLeftovers()
    console.log('      figures:', JSON.stringify(figures))
  })

  it('registers an exec host idempotently and shows it down until its execd reports, then up', async () => {
    await scheduler.addNode({name: host, slots: 2})
    await scheduler.addNode({name: host, slots: 2})
    expect(await sge.sge(['qconf', '-se', host])).to.match(new RegExp(`hostname\\s+${host}`))
    expect(await sge.sge(['qconf', '-shgrp', '@allhosts'])).to.include(host)
    expect(await sge.sge(['qconf', '-sq', 'all.q'])).to.include(`[${host}=2]`)
    const before = (await scheduler.observe()).nodes.find((n) => n.name === host)
    expect(before).to.include({status: 'down', slots: 2, slotsUsed: 0})

    await startNetnsExecd(host, sge.master)
    figures.execdSeconds = await waitForExecd(host)
    const started = Date.now()
    const after = (await scheduler.observe()).nodes.find((n) => n.name === host)
    figures.observeSeconds = (Date.now() - started) / 1000
    expect(after).to.include({status: 'up', held: false, slots: 2})
  })

  it('sees a job run on the host, refuses to remove the host while it runs, and never tries qconf -de', async () => {
    const id = await sge.submit(['-b', 'y', '-l', 'h_vmem=256M', 'sleep', '300'])
    const job = await until('the job to run', async () => (await scheduler.observe()).jobs.find((j) => j.id === id && j.state === 'running'))
    expect(job.hosts).to.deep.equal([host])
    expect(job).to.include({cores: 1, memoryMiBPerCore: 256, owner: 'dcaastest', queue: 'all.q'})
    const node = (await scheduler.observe()).nodes.find((n) => n.name === host)!
    expect(node.jobs).to.deep.equal([id])
    expect(node.slotsUsed).to.equal(1)

    runner.calls.length = 0
    let error: unknown
    await scheduler.removeNode(host).catch((e) => (error = e))
    expect(error).to.be.instanceOf(NodeBusyError)
    expect(runner.calls.map((c) => c.join(' '))).to.not.include(`qconf -de ${host}`)
    expect(runner.calls.some((c) => c[0] === 'qconf' && ['-purge', '-dattr', '-de', '-dh'].includes(c[1]))).to.equal(false)
    expect(await sge.sge(['qconf', '-se', host])).to.include(host)
    const held = (await scheduler.observe()).nodes.find((n) => n.name === host)!
    expect(held.held).to.equal(true)
    expect(held.jobs).to.deep.equal([id])
  })

  it('releases and holds the host idempotently', async () => {
    await scheduler.releaseNode(host)
    await scheduler.releaseNode(host)
    expect((await scheduler.observe()).nodes.find((n) => n.name === host)!.held).to.equal(false)
    await scheduler.holdNode(host)
    await scheduler.holdNode(host)
    expect((await scheduler.observe()).nodes.find((n) => n.name === host)).to.include({held: true, rawState: 'd'})
  })

  it('reports jobs with PE, array tasks, project and held state from the live qstat (host held: they stay queued)', async () => {
    const smp = await sge.submit(['-b', 'y', '-pe', 'smp', '2', '-l', 'mem_free=1G', 'sleep', '5'])
    const mpi = await sge.submit(['-b', 'y', '-pe', 'mpi', '6', 'sleep', '5'])
    const array = await sge.submit(['-b', 'y', '-t', '1-5', 'sleep', '5'])
    const held = await sge.submit(['-b', 'y', '-h', 'sleep', '5'])
    const {jobs} = await scheduler.observe()
    const byId = Object.fromEntries(jobs.map((j) => [j.id, j]))
    expect(byId[smp]).to.include({state: 'queued', cores: 2, memoryMiBPerCore: 1024})
    expect(byId[smp].spread).to.equal(undefined)
    expect(byId[mpi]).to.include({state: 'queued', cores: 6, spread: true})
    expect(jobs.filter((j) => j.id.startsWith(`${array}.`)).length).to.equal(5)
    expect(byId[held].state).to.equal('held')
    await sge.sge(['qdel', '-f', smp, mpi, array, held])
  })

  it('vacates the host, then removes it completely; removing again is fine', async () => {
    await scheduler.vacateNode(host)
    await until('the job to go', async () => ((await scheduler.observe()).nodes.find((n) => n.name === host)!.jobs.length === 0 ? true : undefined))
    await scheduler.removeNode(host)
    expect((await scheduler.observe()).nodes.map((n) => n.name)).to.not.include(host)
    expect(await sge.sge(['qconf', '-shgrp', '@allhosts'])).to.not.include(host)
    expect(await sge.sge(['qconf', '-sq', 'all.q'])).to.not.include(host)
    expect(await sge.sge(['qconf', '-sel'])).to.not.include(host)
    expect(await sge.sge(['qconf', '-sh'])).to.not.include(host)
    await scheduler.removeNode(host)
  })

  describe('failures: the pass gets SchedulerUnavailableError and nothing destructive runs', () => {
    it('qmaster unreachable (no qmaster on the port)', async () => {
      const down = new RecordingRunner(sge.runner)
      const unreachable = new SgeScheduler(down, {env: {...SGE_ENV, SGE_QMASTER_PORT: '1'}, timeout: 30})
      let error: unknown
      await unreachable.observe().catch((e) => (error = e))
      expect(error).to.be.instanceOf(SchedulerUnavailableError)
      expect((error as Error).message).to.match(/qmaster unreachable/)
      error = undefined
      await unreachable.removeNode('dcsgnothere-1').catch((e) => (error = e))
      expect(error).to.be.instanceOf(SchedulerUnavailableError)
      expect(down.calls.some((c) => ['-de', '-dh', '-purge', '-dattr'].includes(c[1]))).to.equal(false)
    })

    it('a command that times out', async () => {
      const slow = new SgeScheduler(sge.runner, {env: SGE_ENV, timeout: 0.001})
      let error: unknown
      await slow.observe().catch((e) => (error = e))
      expect(error).to.be.instanceOf(SchedulerUnavailableError)
      expect((error as Error).message).to.match(/timed out/)
    })

    it('truncated XML from qhost', async () => {
      const garbling = new RecordingRunner(sge.runner)
      garbling.rewrite = (r) => (r.argv[0] === 'qhost' ? {...r, stdout: r.stdout.slice(0, Math.floor(r.stdout.length / 2))} : r)
      let error: unknown
      await new SgeScheduler(garbling, {env: SGE_ENV}).observe().catch((e) => (error = e))
      expect(error).to.be.instanceOf(SchedulerUnavailableError)
      expect((error as Error).message).to.match(/malformed XML/)
    })
  })
})
