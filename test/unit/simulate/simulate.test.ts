import {expect} from 'chai'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import Simulate from '../../../src/commands/simulate.js'
import {parseDuration} from '../../../src/config/durations.js'
import type {PolicyMetrics} from '../../../src/sim/metrics.js'
import {downsample, renderPlot} from '../../../src/sim/plot.js'
import {renderComparison} from '../../../src/sim/report.js'
import {parseBootTime, parseMemoryMiB, simulate, simulationConfig} from '../../../src/sim/simulate.js'
import {readSwf} from '../../../src/sim/swf.js'

const TINY = new URL('../../fixtures/swf/tiny.swf', import.meta.url).pathname
const POLICIES = ['dcaas', 'dynamiccluster', 'starcluster', 'static'] as const

async function tinySetup(exact = false) {
  const w = await readSwf(TINY)
  const config = simulationConfig(undefined, {maxNodes: 4, coresPerNode: 8, bootTime: {kind: 'fixed', seconds: 120}})
  return {jobs: w.jobs, config, bootTime: {kind: 'fixed' as const, seconds: 120}, price: 2, exact}
}

describe('simulate driver (tiny trace, 4 × 8-core nodes)', () => {
  for (const policy of POLICIES) {
    it(`${policy}: every job that fits completes, the 64-core job is never-fit, nothing is killed`, async () => {
      const run = await simulate(policy, await tinySetup())
      const m = run.metrics
      expect(m.jobs).to.equal(6)
      expect(m.jobsNeverFit).to.equal(1) // 64 cores > 4 × 8
      expect(m.jobsUnfinished).to.equal(0)
      expect(run.killed).to.equal(0)
      expect(m.launches).to.be.greaterThan(0)
      expect(m.peakNodes).to.be.at.most(4)
      expect(m.cost).to.be.closeTo(m.nodeHours * 2, 1e-9)
      // work done: 4×300 + 8×200 + 1×100 + 2×50 + 12×120 core-seconds on 8-core nodes
      expect(m.busyNodeHours).to.be.closeTo((1200 + 1600 + 100 + 100 + 1440) / 8 / 3600, 1e-9)
      // every job waits at least the 120 s boot of its first node, except when a node is already up
      expect(m.meanWaitSeconds).to.be.greaterThan(0)
      expect(run.series.t.length).to.be.greaterThan(1)
    })
  }

  it('skipping idle passes gives the same results as running every pass', async () => {
    for (const policy of POLICIES) {
      const fast = await simulate(policy, await tinySetup(false))
      const exact = await simulate(policy, await tinySetup(true))
      expect(fast.metrics, policy).to.deep.equal(exact.metrics)
      expect(fast.passes, policy).to.be.lessThan(exact.passes)
    }
  })

  it('static keeps max nodes and bills them to the last job end', async () => {
    const run = await simulate('static', await tinySetup())
    expect(run.metrics.launches).to.equal(4)
    expect(run.metrics.peakNodes).to.equal(4)
  })

  it('a boot-time range draws boot times deterministically from the seed', async () => {
    const setup = {...(await tinySetup()), bootTime: {kind: 'uniform' as const, min: 60, max: 600}, seed: 7}
    const a = await simulate('dcaas', setup)
    const b = await simulate('dcaas', setup)
    expect(a.metrics).to.deep.equal(b.metrics)
    expect(a.metrics.jobsUnfinished).to.equal(0)
  })
})

describe('simulate option parsing', () => {
  it('parses boot times, ranges and memory sizes', () => {
    expect(parseBootTime('2m', parseDuration)).to.deep.equal({kind: 'fixed', seconds: 120})
    expect(parseBootTime('1m-5m', parseDuration)).to.deep.equal({kind: 'uniform', min: 60, max: 300})
    expect(parseBootTime('5m-1m', parseDuration)).to.equal(undefined)
    expect(parseBootTime('soon', parseDuration)).to.equal(undefined)
    expect(parseMemoryMiB('32G')).to.equal(32768)
    expect(parseMemoryMiB('512')).to.equal(512)
    expect(parseMemoryMiB('lots')).to.equal(undefined)
  })

  it('builds one simulated resource from flags', () => {
    const c = simulationConfig(undefined, {maxNodes: 13, coresPerNode: 8, idleTimeout: 300, bootTime: {kind: 'fixed', seconds: 90}})
    expect(c.resources).to.have.length(1)
    expect(c.resources[0]).to.include({max: 13, cores: 8, memoryMiB: 32768, min: 0})
    expect(c.autoscale).to.include({maxIdle: 300, interval: 60, maxNodes: 13})
  })
})

describe('simulate report and plot', () => {
  const row: PolicyMetrics = {policy: 'dcaas', jobs: 10, jobsNeverFit: 1, jobsUnfinished: 0, nodeHours: 12.5, busyNodeHours: 10, utilization: 0.8, cost: 25, meanWaitSeconds: 3725, p95WaitSeconds: 7200, meanBoundedSlowdown: 1.5, launches: 3, peakNodes: 2, makespanSeconds: 9000}

  it('renders one row per policy with durations', () => {
    const text = renderComparison([row, {...row, policy: 'static'}])
    expect(text).to.contain('dcaas').and.contain('static').and.contain('1h2m5s').and.contain('80.0%').and.contain('12.5')
  })

  it('downsamples a long step series to its buckets, keeping extremes', () => {
    const t = Array.from({length: 10000}, (_, i) => i)
    const v = t.map((i) => (i === 5000 ? 99 : i % 2))
    const pts = downsample(t, v, 0, 9999, 100)
    expect(pts.length).to.be.at.most(4 * 100 + 1)
    expect(Math.max(...pts.map((p) => p[1]))).to.equal(99)
  })

  it('draws one path per policy and panel, and a legend', () => {
    const svg = renderPlot([
      {policy: 'dcaas', t: [0, 100, 200], nodes: [0, 2, 0], queued: [3, 0, 0]},
      {policy: 'static', t: [0, 200], nodes: [4, 4], queued: [0, 0]},
    ])
    expect(svg.startsWith('<svg')).to.equal(true)
    expect(svg.match(/<path /g)).to.have.length(4)
    expect(svg).to.contain('>dcaas<').and.contain('>static<')
  })
})

/** Runs the command in-process, keeping its stdout out of the test report; returns its JSON value. */
async function runSimulate(argv: string[]): Promise<PolicyMetrics[]> {
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (() => true) as typeof process.stdout.write
  try {
    return (await Simulate.run(argv, {root: process.cwd()})) as PolicyMetrics[]
  } finally {
    process.stdout.write = write
  }
}

describe('dcaas simulate command', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dcaas-sim-'))
  })
  after(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('returns the per-policy JSON array and writes the plot', async () => {
    const plot = join(dir, 'p.svg')
    const out = await runSimulate(['--trace', TINY, '--max-nodes', '4', '--policy', 'dcaas,starcluster', '--plot', plot, '--json'])
    expect(out.map((m) => m.policy)).to.deep.equal(['dcaas', 'starcluster'])
    for (const m of out) {
      for (const key of ['jobs', 'jobsNeverFit', 'nodeHours', 'busyNodeHours', 'utilization', 'cost', 'meanWaitSeconds', 'p95WaitSeconds', 'meanBoundedSlowdown', 'launches', 'peakNodes'])
        expect(m, key).to.have.property(key).that.is.a('number')
      expect(m.jobsNeverFit).to.equal(1)
    }
    expect(await readFile(plot, 'utf8')).to.contain('<svg')
  })

  it('reads a window: --jobs 3 replays the first three jobs; 1x of the trace machine is 1 node', async () => {
    const out = await runSimulate(['--trace', TINY, '--policy', 'dcaas', '--jobs', '3', '--json'])
    expect(out[0].jobs).to.equal(3)
    expect(out[0].peakNodes).to.equal(1) // MaxProcs 8 / 8 cores
  })

  it('refuses an unknown policy', async () => {
    let error: Error | undefined
    try {
      await runSimulate(['--trace', TINY, '--policy', 'magic', '--json'])
    } catch (e) {
      error = e as Error
    }
    expect(error?.message).to.match(/unknown policy magic/)
  })
})
