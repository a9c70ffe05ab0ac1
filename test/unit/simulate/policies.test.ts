import {expect} from 'chai'
import type {Config} from '../../../src/config/types.js'
import type {LaunchAction} from '../../../src/core/actions.js'
import type {Instance, Job, SchedulerNode, Snapshot} from '../../../src/core/model.js'
import type {PlanInput, PlanResult, Policy} from '../../../src/core/policy.js'
import {emptyState, type EngineState} from '../../../src/core/state.js'
import {createDynamicClusterPolicy, dcCanFit} from '../../../src/sim/policies/dynamiccluster.js'
import {createStarClusterPolicy} from '../../../src/sim/policies/starcluster.js'
import {createStaticPolicy} from '../../../src/sim/policies/static.js'

function config(max = 10, min = 0): Config {
  return {
    cluster: {name: 'c'},
    scheduler: {type: 'sim', commandTimeout: 30, queues: []},
    autoscale: {maxIdle: 600, maxDown: 480, maxLaunch: 1200, interval: 60, backoff: {initial: 60, factor: 2, max: 1800}, maxFailedBoots: 3},
    resources: [{name: 'r', cloud: {type: 'sim', cores: 8, memoryMiB: 32768, bootTime: 120, bootFailureRate: 0, apiFailureRate: 0}, min, max, priority: 1}],
    stateDir: '/nonexistent',
    sim: {speed: 1, seed: 1},
    logging: {level: 'error'},
  }
}

/** A worker: 'starting' (instance only, node down), or up with `used` slots busy. */
interface W {
  i: number
  launchedAt: number
  up?: boolean
  used?: number
}

function world(workers: W[], jobs: Partial<Job>[], time: number): Snapshot {
  const nodes: SchedulerNode[] = []
  const instances: Instance[] = []
  for (const w of workers) {
    const name = `c-r-${String(w.i).padStart(3, '0')}`
    instances.push({id: `i-${w.i}`, name, resource: 'r', state: w.up ? 'running' : 'pending', launchedAt: w.launchedAt})
    nodes.push({name, status: w.up ? 'up' : 'down', held: false, slots: 8, slotsUsed: w.used ?? 0, jobs: w.used ? ['x'] : []})
  }
  const fullJobs: Job[] = jobs.map((j, k) => ({id: String(k + 1), state: 'queued', cores: 1, submittedAt: 0, hosts: [], ...j}))
  return {version: 1, time, cluster: 'c', scheduler: {ok: true}, cloud: {ok: true}, nodes, jobs: fullJobs, instances}
}

/** Runs a policy pass, feeding back its state. */
class Driver {
  state: EngineState = emptyState()
  constructor(
    readonly policy: Policy,
    readonly cfg: Config,
  ) {}

  pass(snapshot: Snapshot): PlanResult {
    const input: PlanInput = {snapshot, config: this.cfg, state: this.state, shapes: {r: {cores: 8, memoryMiB: 32768}}, now: snapshot.time}
    const result = this.policy(input)
    this.state = result.state
    return result
  }
}

const launched = (r: PlanResult) => r.actions.filter((a): a is LaunchAction => a.kind === 'launch').reduce((s, a) => s + a.names.length, 0)
const removed = (r: PlanResult) => r.actions.filter((a) => a.kind === 'remove').map((a) => (a as {node: string}).node)

describe('starcluster policy', () => {
  it('adds one node at once when there are no slots at all, without waiting', () => {
    const d = new Driver(createStarClusterPolicy(), config())
    expect(launched(d.pass(world([], [{submittedAt: 990}], 1000)))).to.equal(1)
  })

  it('waits until the oldest queued job has waited wait_time (900 s)', () => {
    const d = new Driver(createStarClusterPolicy(), config())
    const busy: W[] = [{i: 1, launchedAt: 0, up: true, used: 8}]
    const jobs = Array.from({length: 40}, () => ({submittedAt: 1000, cores: 8}))
    expect(launched(d.pass(world(busy, jobs, 1000 + 899)))).to.equal(0)
    expect(launched(d.pass(world(busy, jobs, 1000 + 960)))).to.equal(1) // adds at most 1 (add_nodes_per_iteration) despite 40 queued
  })

  it('adds nothing while queued slots fit in free slots', () => {
    const d = new Driver(createStarClusterPolicy(), config())
    expect(launched(d.pass(world([{i: 1, launchedAt: 0, up: true, used: 4}], [{submittedAt: 0, cores: 4}], 5000)))).to.equal(0)
  })

  it('does nothing while its node boots, then makes no change within 180 s of it coming up', () => {
    const d = new Driver(createStarClusterPolicy(), config())
    const jobs = Array.from({length: 10}, () => ({submittedAt: 0, cores: 8}))
    expect(launched(d.pass(world([{i: 1, launchedAt: 0, up: true, used: 8}], jobs, 1000)))).to.equal(1)
    const booting: W[] = [{i: 1, launchedAt: 0, up: true, used: 8}, {i: 2, launchedAt: 1000}]
    expect(launched(d.pass(world(booting, jobs, 1060)))).to.equal(0)
    const up: W[] = [{i: 1, launchedAt: 0, up: true, used: 8}, {i: 2, launchedAt: 1000, up: true, used: 8}]
    expect(launched(d.pass(world(up, jobs, 1120)))).to.equal(0) // came up now: stabilising
    expect(launched(d.pass(world(up, jobs, 1240)))).to.equal(0) // 120 s after
    expect(launched(d.pass(world(up, jobs, 1300)))).to.equal(1) // 180 s after
  })

  it('removes only idle nodes, only with nothing queued, only at kill_after minutes past the hour', () => {
    const workers: W[] = [{i: 1, launchedAt: 0, up: true}, {i: 2, launchedAt: 0, up: true, used: 2}]
    let d = new Driver(createStarClusterPolicy(), config())
    expect(removed(d.pass(world(workers, [], 44 * 60)))).to.deep.equal([])
    d = new Driver(createStarClusterPolicy(), config())
    expect(removed(d.pass(world(workers, [{submittedAt: 2600, cores: 64}], 46 * 60)))).to.deep.equal([])
    d = new Driver(createStarClusterPolicy(), config())
    expect(removed(d.pass(world(workers, [], 46 * 60)))).to.deep.equal(['c-r-001'])
  })
})

describe('dynamiccluster policy', () => {
  it('first-fits queued jobs onto new nodes, ignoring idle capacity', () => {
    const d = new Driver(createDynamicClusterPolicy(), config())
    const r = d.pass(world([{i: 1, launchedAt: 0, up: true}], [{cores: 4}, {cores: 4}, {cores: 8}, {cores: 16, spread: true}], 1000))
    expect(launched(r)).to.equal(4) // [4+4], [8], [8,8]
  })

  it('never provisions while a node is still starting', () => {
    const d = new Driver(createDynamicClusterPolicy(), config())
    expect(launched(d.pass(world([{i: 1, launchedAt: 950}], [{cores: 8}, {cores: 8}], 1000)))).to.equal(0)
    expect(launched(d.pass(world([{i: 1, launchedAt: 950, up: true, used: 8}], [{cores: 8}], 1100)))).to.equal(1)
  })

  it('checks for provisioning at most every 60 s', () => {
    const d = new Driver(createDynamicClusterPolicy(), config())
    expect(launched(d.pass(world([], [{cores: 8}], 1000)))).to.equal(1)
    expect(launched(d.pass(world([], [{cores: 8}], 1030)))).to.equal(0)
    expect(launched(d.pass(world([], [{cores: 8}], 1060)))).to.equal(1)
  })

  it('stops at the resource max', () => {
    const d = new Driver(createDynamicClusterPolicy(), config(3))
    expect(launched(d.pass(world([{i: 1, launchedAt: 0, up: true, used: 8}], Array.from({length: 9}, () => ({cores: 8})), 1000)))).to.equal(2)
  })

  it('removes a node idle for more than 600 s, never below min', () => {
    const idle: W[] = [{i: 1, launchedAt: 0, up: true}, {i: 2, launchedAt: 0, up: true}]
    const d = new Driver(createDynamicClusterPolicy(), config(10, 1))
    expect(removed(d.pass(world(idle, [], 1000)))).to.deep.equal([]) // idle since now
    expect(removed(d.pass(world(idle, [], 1600)))).to.deep.equal([])
    expect(removed(d.pass(world(idle, [], 1601)))).to.have.length(1)
  })

  it('a node removed this pass still counts against max when allocating (no launch in the same pass)', () => {
    const idle: W[] = [{i: 1, launchedAt: 0, up: true}, {i: 2, launchedAt: 0, up: true}, {i: 3, launchedAt: 0, up: true}]
    const d = new Driver(createDynamicClusterPolicy(), config(3))
    const wide = [{cores: 24, spread: true}]
    expect(launched(d.pass(world(idle, wide, 1000)))).to.equal(0)
    const r = d.pass(world(idle, wide, 1700))
    expect(removed(r)).to.have.length(3)
    expect(launched(r)).to.equal(0)
    expect(launched(d.pass(world([], wide, 1760)))).to.equal(3)
  })

  it('can_fit refuses a job wider per node than a node', () => {
    expect(dcCanFit({id: 'j', state: 'queued', cores: 12, submittedAt: 0, hosts: []}, 8, 5, [])).to.equal(false)
    const p: number[] = [6]
    expect(dcCanFit({id: 'j', state: 'queued', cores: 12, submittedAt: 0, hosts: [], spread: true}, 8, 5, p)).to.equal(true)
    expect(p).to.deep.equal([8, 8, 2])
  })
})

describe('static policy', () => {
  it('keeps the resource at max and never removes', () => {
    const d = new Driver(createStaticPolicy(), config(4))
    expect(launched(d.pass(world([{i: 1, launchedAt: 0, up: true}], [], 100000)))).to.equal(3)
    expect(removed(d.pass(world([{i: 1, launchedAt: 0, up: true}, {i: 2, launchedAt: 0, up: true}, {i: 3, launchedAt: 0, up: true}, {i: 4, launchedAt: 0, up: true}], [], 200000)))).to.deep.equal([])
  })
})
