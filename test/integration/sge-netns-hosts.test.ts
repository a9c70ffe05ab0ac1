/**
 * The test harness's netns exec hosts must behave like separate machines: a job ending on one
 * host must not touch a job running on another. They share one kernel, and sge_execd kills
 * every process of a finished job's supplementary group id (ENABLE_ADDGRP_KILL, on by
 * default), so two hosts drawing group ids from the same gid_range killed each other's jobs
 * — the "died through signal KILL (9)" job of the e2e autoscaling test, which dcaas never touched.
 */
import {execa} from 'execa'
import {expect} from 'chai'
import {SgeScheduler} from '../../src/scheduler/sge/index.js'
import {addNetnsHost, removeNetnsHost, SGE_ENV, type SgeHandle, startNetnsExecd, startSge, sweepLeftovers, uniqueHostName, waitForExecd} from '../helpers/sge.js'

async function qacct(id: string): Promise<string> {
  const end = Date.now() + 30_000
  for (;;) {
    const result = await execa('qacct', ['-j', id], {env: {...process.env, ...SGE_ENV}, reject: false})
    if (result.exitCode === 0 || Date.now() > end) return result.stdout + result.stderr
    await new Promise((r) => setTimeout(r, 500))
  }
}

async function stateOf(sge: SgeHandle, id: string): Promise<string | undefined> {
  const out = await sge.sge(['qstat', '-u', '*'])
  return new RegExp(`^\\s*${id}\\s+\\S+\\s+\\S+\\s+\\S+\\s+(\\S+)`, 'm').exec(out)?.[1]
}

describe('netns exec hosts of the test harness', function () {
  this.timeout(120_000)
  let sge: SgeHandle
  let scheduler: SgeScheduler
  const hosts = [uniqueHostName('ga'), uniqueHostName('gb')]

  before(async () => {
    sge = await startSge()
    scheduler = new SgeScheduler(sge.runner, {queues: ['all.q'], env: SGE_ENV})
    for (const host of hosts) {
      const {address} = await addNetnsHost(host, sge.master)
      await scheduler.addNode({name: host, address, slots: 1, memoryMiB: 1024})
      await startNetnsExecd(host, sge.master)
    }
    for (const host of hosts) await waitForExecd(host)
  })

  after(async () => {
    await sge?.deleteAllJobs()
    // Deregister while the names still resolve (removeNetnsHost drops their /etc/hosts lines).
    for (const host of hosts) await scheduler?.removeNode(host).catch((error: Error) => console.error(`      cleanup: ${error.message}`))
    for (const host of hosts) await removeNetnsHost(host)
    await sweepLeftovers()
  })

  it('a job ending on one host does not kill the job running on another', async () => {
    // The first job of each fresh execd: without separate gid ranges both get the same group id.
    const short = await sge.submit(['-b', 'y', '-l', `hostname=${hosts[0]}`, 'sleep', '6'])
    const long = await sge.submit(['-b', 'y', '-l', `hostname=${hosts[1]}`, 'sleep', '12'])
    // Both must run at the same time, or the scenario was not reached.
    const end = Date.now() + 60_000
    let both = false
    while (!both && Date.now() < end) {
      const [s, l] = [await stateOf(sge, short), await stateOf(sge, long)]
      if (s === undefined) break
      both = s === 'r' && l === 'r'
      if (!both) await new Promise((r) => setTimeout(r, 300))
    }
    expect(both, `jobs ${short} and ${long} were never running together`).to.equal(true)
    // Wait for both to leave the queue.
    while (((await stateOf(sge, short)) ?? (await stateOf(sge, long))) !== undefined) await new Promise((r) => setTimeout(r, 500))
    for (const [id, host] of [[short, hosts[0]], [long, hosts[1]]]) {
      const record = await qacct(id)
      expect(record, `qacct -j ${id}`).to.match(new RegExp(`^hostname\\s+${host}\\s*$`, 'm'))
      expect(record, `qacct -j ${id}`).to.match(/^failed\s+0\s*$/m)
      expect(record, `qacct -j ${id}`).to.match(/^exit_status\s+0\s*$/m)
    }
  })
})
