import {expect} from 'chai'
import {computeMetrics, peakConcurrent, percentile} from '../../../src/sim/metrics.js'

describe('simulation metrics', () => {
  it('computes the nearest-rank percentile', () => {
    const values = Array.from({length: 20}, (_, i) => 20 - i) // 20..1, unsorted
    expect(percentile(values, 95)).to.equal(19)
    expect(percentile(values, 100)).to.equal(20)
    expect(percentile([7], 95)).to.equal(7)
    expect(percentile([], 95)).to.equal(0)
  })

  it('counts the peak of overlapping instances, touching ends not overlapping', () => {
    expect(peakConcurrent([{launchedAt: 0, endedAt: 100}, {launchedAt: 100, endedAt: 200}], 300)).to.equal(1)
    expect(peakConcurrent([{launchedAt: 0, endedAt: 100}, {launchedAt: 50}, {launchedAt: 60, endedAt: 70}], 300)).to.equal(3)
  })

  it('matches a hand-computed example', () => {
    // Two 8-core nodes: one lives 0..3600 s, one 1800..5400 s (still alive at end = 5400): 2 node-hours.
    // Job a: 8 cores, waits 0, runs 3600 s → 1 node-hour of work, slowdown 1.
    // Job b: 4 cores, waits 100, runs 5 s → 20000/8/3600 h... slowdown (100+5)/10 = 10.5.
    // Job c: never fits.
    const m = computeMetrics({
      policy: 'x',
      start: 0,
      end: 5400,
      coresPerNode: 8,
      price: 0.5,
      instances: [{launchedAt: 0, endedAt: 3600}, {launchedAt: 1800}],
      jobs: [
        {id: 'a', submitAt: 0, startAt: 0, endAt: 3600, cores: 8, runTime: 3600},
        {id: 'b', submitAt: 1000, startAt: 1100, endAt: 1105, cores: 4, runTime: 5},
        {id: 'c', submitAt: 0, cores: 64, runTime: 10, neverFit: true},
      ],
    })
    expect(m.nodeHours).to.equal(2)
    expect(m.cost).to.equal(1)
    expect(m.busyNodeHours).to.be.closeTo(1 + (4 * 5) / 8 / 3600, 1e-12)
    expect(m.utilization).to.be.closeTo(m.busyNodeHours / 2, 1e-12)
    expect(m.meanWaitSeconds).to.equal(50)
    expect(m.p95WaitSeconds).to.equal(100)
    expect(m.meanBoundedSlowdown).to.equal((1 + 10.5) / 2)
    expect(m.jobs).to.equal(3)
    expect(m.jobsNeverFit).to.equal(1)
    expect(m.jobsUnfinished).to.equal(0)
    expect(m.launches).to.equal(2)
    expect(m.peakNodes).to.equal(2)
  })

  it('counts a job that never started as unfinished, not as a wait', () => {
    const m = computeMetrics({policy: 'x', start: 0, end: 10, coresPerNode: 8, price: 1, instances: [], jobs: [{id: 'a', submitAt: 0, cores: 1, runTime: 5}]})
    expect(m.jobsUnfinished).to.equal(1)
    expect(m.meanWaitSeconds).to.equal(0)
    expect(m.utilization).to.equal(0)
  })
})
