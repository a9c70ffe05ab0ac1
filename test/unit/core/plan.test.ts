import {expect} from 'chai'
import {plan} from '../../../src/core/plan.js'
import type {Action} from '../../../src/core/actions.js'
import type {PlanResult} from '../../../src/core/policy.js'
import {emptyState, type EngineState} from '../../../src/core/state.js'
import type {Config} from '../../../src/config/types.js'
import type {Snapshot} from '../../../src/core/model.js'
import {config, job, resource, shapesOf, snapshot, stateWith, worker} from '../../helpers/builders.js'

const T = 100_000

function run(cfg: Config, snap: Snapshot, state: EngineState = emptyState()): PlanResult {
  return plan({snapshot: snap, config: cfg, state, shapes: shapesOf(cfg), now: snap.time})
}
function kinds(actions: Action[]): string[] {
  return actions.map((a) => `${a.kind}:${a.reason}:${'names' in a ? a.resource + 'x' + a.names.length : 'node' in a ? (a.node ?? '') : ''}`)
}

describe('plan(): scale-up', () => {
  const table: {name: string; cfg: Config; snap: Snapshot; state?: EngineState; expect: string[]; unplaced?: string[]}[] = [
    {name: 'packs queued jobs first-fit decreasing onto new workers', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 4), job('2', 4), job('3', 6), job('4', 2)]), expect: ['launch:pending-jobs:ax2']},
    {name: 'counts starting capacity: no second launch for the same jobs', cfg: config([resource('a')]), snap: snapshot(T, [worker('c-a-001', 'a', T - 30, false)], [job('1', 4), job('2', 4)]), expect: ['register:not-registered:c-a-001']},
    {name: 'counts idle capacity', cfg: config([resource('a')]), snap: snapshot(T, [worker('c-a-001', 'a', T - 3000)], [job('1', 8)]), state: stateWith({'c-a-001': {state: 'idle', since: T - 10}}), expect: []},
    {name: 'free slots of a busy node are not counted as capacity', cfg: config([resource('a')]), snap: snapshot(T, [worker('c-a-001', 'a', T - 3000, {slotsUsed: 6, jobs: ['9']})], [job('1', 2)]), expect: ['launch:pending-jobs:ax1']},
    {name: 'respects max and reports the rest', cfg: config([resource('a', {max: 2})]), snap: snapshot(T, [], [job('1', 8), job('2', 8), job('3', 8)]), expect: ['launch:pending-jobs:ax2'], unplaced: ['3:max-reached']},
    {name: 'respects the cluster max over resources', cfg: config([resource('a', {max: 5}), resource('b', {max: 5, priority: 2})], {maxNodes: 3}), snap: snapshot(T, [worker('c-b-001', 'b', T - 3000, {slotsUsed: 8, jobs: ['x']})], [job('1', 8), job('2', 8), job('3', 8)]), expect: ['launch:pending-jobs:ax2'], unplaced: ['3:cluster-max-reached']},
    {name: 'a job goes first to a resource reserved for its queue', cfg: config([resource('cheap', {priority: 1}), resource('gpu', {priority: 5, reservation: {queue: 'gpu'}})]), snap: snapshot(T, [], [job('1', 4, {queue: 'gpu'}), job('2', 4)]), expect: ['launch:pending-jobs:cheapx1', 'launch:pending-jobs:gpux1']},
    {name: 'a reserved resource takes no other job', cfg: config([resource('gpu', {reservation: {account: 'physics'}})]), snap: snapshot(T, [], [job('1', 4, {account: 'chem'})]), expect: [], unplaced: ['1:reservation-mismatch']},
    {name: 'a job asking for a property needs a resource with it', cfg: config([resource('a'), resource('b', {priority: 9, reservation: {property: 'bigmem'}})]), snap: snapshot(T, [], [job('1', 4, {property: 'bigmem'})]), expect: ['launch:pending-jobs:bx1']},
    {name: 'lower priority value wins', cfg: config([resource('a', {priority: 2}), resource('b', {priority: 1})]), snap: snapshot(T, [], [job('1', 4)]), expect: ['launch:pending-jobs:bx1']},
    {name: 'equal priority: the resource with fewer nodes', cfg: config([resource('a'), resource('b')]), snap: snapshot(T, [worker('c-a-001', 'a', T - 5000, {slotsUsed: 8, jobs: ['x']})], [job('1', 4)]), expect: ['launch:pending-jobs:bx1']},
    {name: 'packs by memory where jobs ask for it', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 1, {memoryMiBPerCore: 20000}), job('2', 1, {memoryMiBPerCore: 20000}), job('3', 1)]), expect: ['launch:pending-jobs:ax2']},
    {name: 'multi-node job with cores per node', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 16, {perNode: 8})]), expect: ['launch:pending-jobs:ax2']},
    {name: 'spread job fills workers', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 20, {spread: true})]), expect: ['launch:pending-jobs:ax3']},
    {name: 'a job larger than any worker is no-fit, not a launch', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 16)]), expect: [], unplaced: ['1:no-fit']},
    {name: 'held and error jobs are not demand', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 4, {state: 'held'}), job('2', 4, {state: 'error'})]), expect: []},
    {name: 'tops up a resource below min', cfg: config([resource('a', {min: 2})]), snap: snapshot(T, []), expect: ['launch:below-min:ax2']},
    {name: 'launch for jobs counts towards min', cfg: config([resource('a', {min: 2})]), snap: snapshot(T, [], [job('1', 8)]), expect: ['launch:pending-jobs:ax2']},
    {name: 'a resource in back-off is skipped for the next by priority', cfg: config([resource('a'), resource('b', {priority: 2})]), snap: snapshot(T, [], [job('1', 4)]), state: {...emptyState(), resources: {a: {backoff: {failures: 1, until: T + 30, lastError: 'InsufficientInstanceCapacity'}}}}, expect: ['launch:pending-jobs:bx1']},
    {name: 'a back-off that has expired launches again', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 4)]), state: {...emptyState(), resources: {a: {backoff: {failures: 1, until: T - 1, lastError: 'x'}}}}, expect: ['launch:pending-jobs:ax1']},
    {name: 'a disabled resource does not launch', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 4)]), state: {...emptyState(), resources: {a: {disabled: {since: T - 5, reason: '3 failed boots'}}}}, expect: [], unplaced: ['1:disabled']},
    {name: 'a frozen resource does not launch', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 4)]), state: {...emptyState(), resources: {a: {frozen: {since: T - 5}}}}, expect: [], unplaced: ['1:frozen']},
    {name: 'auto off: no launch', cfg: config([resource('a')]), snap: snapshot(T, [], [job('1', 4)]), state: {...emptyState(), auto: false}, expect: [], unplaced: ['1:auto-off']},
    {name: 'names skip those in use', cfg: config([resource('a')]), snap: snapshot(T, [worker('c-a-001', 'a', T - 5000, {slotsUsed: 8, jobs: ['x']})], [job('1', 8)]), expect: ['launch:pending-jobs:ax1']},
  ]
  for (const t of table) {
    it(t.name, () => {
      const r = run(t.cfg, t.snap, t.state)
      expect(kinds(r.actions)).to.deep.equal(t.expect)
      expect(r.unplaced.map((u) => `${u.job}:${u.reasons.at(-1)?.reason}`)).to.deep.equal(t.unplaced ?? [])
    })
  }

  it('gives new workers unique names that skip those in use', () => {
    const r = run(config([resource('a')]), snapshot(T, [worker('c-a-001', 'a', T - 5000, {slotsUsed: 8, jobs: ['x']})], [job('1', 8), job('2', 8)]))
    expect(r.actions[0]).to.include({kind: 'launch'})
    expect((r.actions[0] as {names: string[]}).names).to.deep.equal(['c-a-002', 'c-a-003'])
  })
})

describe('plan(): scale-down', () => {
  const idle = (since: number) => stateWith({'c-a-001': {state: 'idle', since}})
  const cfg = config([resource('a')])
  const one = snapshot(T, [worker('c-a-001', 'a', T - 5000)])
  it('removes a node idle past max idle', () => {
    expect(kinds(run(cfg, one, idle(T - 600)).actions)).to.deep.equal(['remove:idle-timeout:c-a-001'])
  })
  it('keeps a node idle for less than max idle', () => {
    const r = run(cfg, one, idle(T - 599))
    expect(r.actions).to.deep.equal([])
    expect(r.skipped).to.deep.include({node: 'c-a-001', reason: 'not-idle-long-enough', detail: 'idle for 599 s of 600 s'})
  })
  it('restarts the idle timer when the state file is lost', () => {
    const r = run(cfg, one, emptyState())
    expect(r.actions).to.deep.equal([])
    expect(r.state.nodes['c-a-001']).to.include({state: 'idle', since: T})
  })
  it('never removes a busy node', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 5000, {slotsUsed: 1, jobs: ['7']})])
    expect(run(cfg, snap, stateWith({'c-a-001': {state: 'busy', since: T - 9000}})).actions).to.deep.equal([])
  })
  it('never goes below min', () => {
    const r = run(config([resource('a', {min: 1})]), one, idle(T - 9000))
    expect(r.actions).to.deep.equal([])
    expect(r.skipped[0].reason).to.equal('at-min')
  })
  it('removes down to min and no further', () => {
    const snap = snapshot(T, ['001', '002', '003'].map((n) => worker(`c-a-${n}`, 'a', T - 5000)))
    const state = stateWith({'c-a-001': {state: 'idle', since: T - 9000}, 'c-a-002': {state: 'idle', since: T - 9000}, 'c-a-003': {state: 'idle', since: T - 9000}})
    const r = run(config([resource('a', {min: 1})]), snap, state)
    expect(r.actions.filter((a) => a.kind === 'remove')).to.have.length(2)
  })
  it('does not remove an idle node a queued job is expected to use', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 5000)], [job('1', 8)])
    const r = run(cfg, snap, idle(T - 9000))
    expect(r.actions).to.deep.equal([])
    expect(r.skipped[0].reason).to.equal('needed-by-pending-job')
  })
  it('removes idle workers when the queued jobs cannot run on the resource', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 5000)], [job('1', 16), job('2', 4, {property: 'gpu'})])
    const r = run(config([resource('a'), resource('g', {reservation: {property: 'gpu'}})]), snap, stateWith({'c-a-001': {state: 'idle', since: T - 9000}}))
    expect(kinds(r.actions)).to.deep.equal(['launch:pending-jobs:gx1', 'remove:idle-timeout:c-a-001'])
  })
  it('does no scale-down when the scheduler observation was partial', () => {
    const r = run(cfg, {...one, scheduler: {ok: true, partial: true}}, idle(T - 9000))
    expect(r.actions).to.deep.equal([])
    expect(r.notes.join(' ')).to.match(/partial/)
  })
  it('does nothing at all when an observation failed', () => {
    const r = run(cfg, {...one, cloud: {ok: false, error: 'timeout'}, jobs: [job('1', 8), job('2', 8)]}, idle(T - 9000))
    expect(r.actions).to.deep.equal([])
    expect(r.notes[0]).to.match(/Observation failed.*cloud: timeout/)
  })
  it('does not remove from a frozen resource', () => {
    const state = {...idle(T - 9000), resources: {a: {frozen: {since: T}}}}
    expect(run(cfg, one, state).skipped[0].reason).to.equal('frozen')
  })
  it('does not remove an admin-held node', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 5000, {held: true})])
    const state = stateWith({'c-a-001': {state: 'held', since: T - 9000}})
    state.nodes['c-a-001'].adminHold = true
    const r = run(cfg, snap, state)
    expect(r.actions).to.deep.equal([])
    expect(r.skipped[0].reason).to.equal('admin-hold')
  })
  it('finishes a removal an earlier pass started', () => {
    const state = stateWith({'c-a-001': {state: 'idle', since: T - 700}})
    state.nodes['c-a-001'].deleting = T - 60
    expect(kinds(run(cfg, one, state).actions)).to.deep.equal(['remove:resume-deleting:c-a-001'])
  })
  it('leaves nodes of other clusters and static nodes alone', () => {
    const snap = snapshot(T, [{node: {name: 'headnode', status: 'up', held: false, slots: 4, slotsUsed: 0, jobs: []}}])
    expect(run(cfg, snap, stateWith({})).actions).to.deep.equal([])
  })
})

describe('plan(): drain', () => {
  it('holds busy nodes, removes idle ones, launches nothing', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 5000), worker('c-a-002', 'a', T - 5000, {slotsUsed: 2, jobs: ['5']})], [job('9', 8)])
    const state = {...stateWith({'c-a-001': {state: 'idle', since: T}, 'c-a-002': {state: 'busy', since: T}}), resources: {a: {draining: {since: T}}}}
    const r = run(config([resource('a', {min: 2})]), snap, state)
    expect(kinds(r.actions)).to.deep.equal(['remove:drain:c-a-001', 'hold:drain:c-a-002'])
    expect(r.unplaced[0].reasons[0].reason).to.equal('draining')
  })
})

describe('plan(): failures', () => {
  const cfg = config([resource('a'), resource('b', {priority: 2})], {maxFailedBoots: 2})
  it('terminates an instance not ready within max launch time and counts a failed boot', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 1200, {status: 'down'})])
    const r = run(cfg, snap, stateWith({}))
    expect(kinds(r.actions)).to.deep.equal(['terminate:launch-timeout:c-a-001'])
    expect(r.state.resources.a.failedBoots).to.equal(1)
  })
  it('reaps an unregistered instance older than max launch time', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 1300, false)])
    expect(kinds(run(cfg, snap).actions)).to.deep.equal(['terminate:unregistered-instance:'])
  })
  it('registers a young instance the scheduler does not know', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 100, false)])
    expect(kinds(run(cfg, snap).actions)).to.deep.equal(['register:not-registered:c-a-001'])
  })
  it('stops launching after K failed boots and uses the next resource', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 1200, {status: 'down'})], [job('1', 4)])
    const state = {...emptyState(), resources: {a: {failedBoots: 1}}}
    const r = run(cfg, snap, state)
    expect(r.state.resources.a.disabled?.reason).to.match(/2 consecutive/)
    expect(kinds(r.actions)).to.deep.equal(['terminate:launch-timeout:c-a-001', 'launch:pending-jobs:bx1'])
    const r2 = run(cfg, snapshot(T + 60, [], [job('1', 4)]), r.state)
    expect(kinds(r2.actions)).to.deep.equal(['launch:pending-jobs:bx1'])
  })
  it('a worker that comes up resets the failed-boot count and back-off', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 200)])
    const state = {...stateWith({'c-a-001': {state: 'starting', since: T - 200, seenUp: false}}), resources: {a: {failedBoots: 1, backoff: {failures: 2, until: T + 100, lastError: 'x'}}}}
    const r = run(cfg, snap, state)
    expect(r.state.resources.a).to.deep.equal({})
  })
  it('removes a node in error past max down time and reports its jobs', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 5000, {status: 'error', jobs: ['42'], slotsUsed: 2})])
    const r = run(cfg, snap, stateWith({'c-a-001': {state: 'error', since: T - 480}}))
    expect(r.actions).to.have.length(1)
    expect(r.actions[0]).to.include({kind: 'remove', reason: 'node-error-timeout', vacate: true})
    expect(r.actions[0].detail).to.match(/42/)
  })
  it('waits before max down time', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 5000, {status: 'down'})])
    expect(run(cfg, snap, stateWith({'c-a-001': {state: 'error', since: T - 400}})).actions).to.deep.equal([])
  })
  it('a new node that is down is still starting, not in error', () => {
    const snap = snapshot(T, [worker('c-a-001', 'a', T - 100, {status: 'down'})])
    const r = run(cfg, snap)
    expect(r.workers[0].state).to.equal('starting')
  })
  it('deregisters a node whose instance vanished', () => {
    const snap = snapshot(T, [{node: {name: 'c-a-004', status: 'down', held: false, slots: 8, slotsUsed: 0, jobs: []}}])
    expect(kinds(run(cfg, snap, stateWith({'c-a-004': {state: 'idle', since: T - 100}})).actions)).to.deep.equal(['deregister:instance-vanished:c-a-004'])
  })
  it('does not deregister when the cloud observation was partial', () => {
    const snap = snapshot(T, [{node: {name: 'c-a-004', status: 'down', held: false, slots: 8, slotsUsed: 0, jobs: []}}], [], {cloud: {ok: true, partial: true}})
    expect(run(cfg, snap, stateWith({'c-a-004': {state: 'idle', since: T - 100}})).actions).to.deep.equal([])
  })
})
