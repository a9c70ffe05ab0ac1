import {expect} from 'chai'
import type {Reservation} from '../../../src/core/model.js'
import {NodeBusyError} from '../../../src/scheduler/scheduler.js'
import {emptyWorldState, SimWorld, type SimJobSpec, type WorldState} from '../../../src/sim/world.js'

interface NodeDef {
  name: string
  slots: number
  memoryMiB?: number
  resource?: string
  reservation?: Reservation
}

/** A world at time 0 whose nodes are booted and up. */
function cluster(nodes: NodeDef[], backfillDepth?: number): SimWorld {
  const world = new SimWorld(emptyWorldState({now: 0, seed: 7, backfillDepth}))
  for (const node of nodes) {
    world.launch({resource: node.resource ?? 'r1', names: [node.name], cores: node.slots, memoryMiB: node.memoryMiB ?? 0, bootTime: 0, bootFails: [false]})
    world.addNode({name: node.name, slots: node.slots, memoryMiB: node.memoryMiB, reservation: node.reservation})
  }
  world.advanceTo(0)
  return world
}

/** Start time and hosts of every job, by id, from the done records and the observed running jobs. */
function starts(world: SimWorld): Record<string, number> {
  const out: Record<string, number> = {}
  const d = world.done
  d.id.forEach((id, i) => (out[id] = d.startAt[i]))
  for (const job of world.observe().jobs) if (job.startedAt !== undefined) out[job.id] = job.startedAt
  return out
}

function hostsOf(world: SimWorld, id: string): string[] {
  const job = world.observe().jobs.find((j) => j.id === id)
  if (!job) throw new Error(`job ${id} not observed`)
  return [...job.hosts].sort()
}

describe('SimWorld', () => {
  describe('boot timing', () => {
    it('keeps an instance pending and its node down until bootTime, then both come up', () => {
      const world = new SimWorld(emptyWorldState({now: 1000}))
      const [inst] = world.launch({resource: 'r1', names: ['w1'], cores: 4, memoryMiB: 8192, bootTime: 120, bootFails: [false]})
      world.addNode({name: 'w1', slots: 4})
      expect(inst).to.deep.equal({id: 'sim-000001', name: 'w1', resource: 'r1', state: 'pending', launchedAt: 1000})
      world.advanceTo(1119)
      expect(world.instances()[0].state).to.equal('pending')
      expect(world.observe().nodes[0].status).to.equal('down')
      world.advanceTo(1120)
      expect(world.instances()[0].state).to.equal('running')
      expect(world.observe().nodes[0].status).to.equal('up')
    })

    it('brings a node registered after boot up at once, and never brings up a node whose boot failed', () => {
      const world = new SimWorld(emptyWorldState({now: 0}))
      world.launch({resource: 'r1', names: ['ok', 'bad'], cores: 2, memoryMiB: 0, bootTime: 10, bootFails: [false, true]})
      world.advanceTo(50)
      world.addNode({name: 'ok', slots: 2})
      world.addNode({name: 'bad', slots: 2})
      world.advanceTo(5000)
      const status = Object.fromEntries(world.observe().nodes.map((n) => [n.name, n.status]))
      expect(status).to.deep.equal({ok: 'up', bad: 'down'})
      expect(world.instances().map((i) => i.state)).to.deep.equal(['running', 'running'])
    })

    it('runs a job submitted before any node once a node comes up', () => {
      const world = new SimWorld(emptyWorldState({now: 0}))
      world.submit({id: 'j', cores: 2, runTime: 100})
      world.launch({resource: 'r1', names: ['w1'], cores: 2, memoryMiB: 0, bootTime: 60, bootFails: [false]})
      world.addNode({name: 'w1', slots: 2})
      world.advanceTo(1000)
      expect(world.done.startAt).to.deep.equal([60])
      expect(world.done.endAt).to.deep.equal([160])
    })
  })

  describe('scheduling order and backfill', () => {
    const cases: {name: string; nodes: NodeDef[]; jobs: SimJobSpec[]; until: number; expected: Record<string, number>; depth?: number}[] = [
      {
        name: 'FCFS: jobs start in submission order when each needs the whole node',
        nodes: [{name: 'n1', slots: 4}],
        jobs: [
          {id: 'a', cores: 4, runTime: 100},
          {id: 'b', cores: 4, runTime: 50},
          {id: 'c', cores: 4, runTime: 10},
        ],
        until: 1000,
        expected: {a: 0, b: 100, c: 150},
      },
      {
        name: 'priority beats submission order',
        nodes: [{name: 'n1', slots: 4}],
        jobs: [
          {id: 'a', cores: 4, runTime: 100, submitAt: 0},
          {id: 'b', cores: 4, runTime: 100, submitAt: 0},
          {id: 'c', cores: 4, runTime: 100, submitAt: 0, priority: 5},
        ],
        until: 1000,
        expected: {c: 0, a: 100, b: 200},
      },
      {
        name: 'EASY: a short small job backfills, a long one does not delay the head job',
        nodes: [{name: 'n1', slots: 4}],
        jobs: [
          {id: 'run', cores: 3, runTime: 100, walltime: 100},
          {id: 'head', cores: 4, runTime: 100, walltime: 100},
          {id: 'long', cores: 1, runTime: 500, walltime: 500},
          {id: 'short', cores: 1, runTime: 50, walltime: 60},
        ],
        until: 2000,
        expected: {run: 0, short: 0, head: 100, long: 200},
      },
      {
        name: 'EASY: a long job backfills on capacity the head job does not reserve',
        nodes: [
          {name: 'n1', slots: 4},
          {name: 'n2', slots: 2},
        ],
        jobs: [
          {id: 'run', cores: 4, runTime: 100},
          {id: 'head', cores: 4, runTime: 100},
          {id: 'long', cores: 2, runTime: 1000},
        ],
        until: 2000,
        expected: {run: 0, long: 0, head: 100},
      },
      {
        name: 'EASY: the reservation uses requested walltime, not actual run time',
        nodes: [{name: 'n1', slots: 2}],
        jobs: [
          {id: 'run', cores: 1, runTime: 10, walltime: 1000},
          {id: 'head', cores: 2, runTime: 10},
          {id: 'mid', cores: 1, runTime: 500, walltime: 500},
        ],
        until: 5000,
        // head is expected at 1000, so mid (ends by 500) backfills; run really ends at 10, head starts after mid
        expected: {run: 0, mid: 0, head: 500},
      },
      {
        name: 'a job that can never fit is skipped and does not block the queue',
        nodes: [{name: 'n1', slots: 4}],
        jobs: [
          {id: 'huge', cores: 16, runTime: 10},
          {id: 'a', cores: 4, runTime: 100},
          {id: 'b', cores: 2, runTime: 10},
        ],
        until: 1000,
        expected: {a: 0, b: 100},
      },
      {
        name: 'future submitAt: a job arrives and starts later',
        nodes: [{name: 'n1', slots: 4}],
        jobs: [
          {id: 'late', cores: 1, runTime: 10, submitAt: 300},
          {id: 'now', cores: 1, runTime: 10},
        ],
        until: 1000,
        expected: {now: 0, late: 300},
      },
      {
        name: 'backfill depth caps how far the scan looks',
        nodes: [{name: 'n1', slots: 4}],
        depth: 2,
        jobs: [
          {id: 'run', cores: 3, runTime: 100},
          {id: 'head', cores: 4, runTime: 100},
          {id: 'deep', cores: 1, runTime: 10},
        ],
        until: 50,
        expected: {run: 0},
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const world = cluster(c.nodes, c.depth)
        for (const job of c.jobs) world.submit(job)
        world.advanceTo(c.until)
        expect(starts(world)).to.deep.equal(c.expected)
      })
    }
  })

  describe('placement', () => {
    const twoResources: NodeDef[] = [
      {name: 'a1', slots: 4, resource: 'A'},
      {name: 'b1', slots: 4, resource: 'B'},
      {name: 'a2', slots: 4, resource: 'A'},
      {name: 'b2', slots: 2, resource: 'B'},
    ]
    const cases: {name: string; nodes: NodeDef[]; before?: SimJobSpec[]; job: SimJobSpec; hosts: string[] | 'queued'}[] = [
      {name: 'single-node job takes the first node with room', nodes: twoResources, before: [{cores: 3, runTime: 99}], job: {id: 'x', cores: 4, runTime: 10}, hosts: ['b1']},
      {name: 'perNode: two nodes of one resource', nodes: twoResources, job: {id: 'x', cores: 8, perNode: 4, runTime: 10}, hosts: ['a1', 'a2']},
      {name: 'perNode never mixes resources', nodes: twoResources, before: [{cores: 4, runTime: 99}], job: {id: 'x', cores: 8, perNode: 4, runTime: 10}, hosts: 'queued'},
      {name: 'spread: any split inside one resource', nodes: twoResources, job: {id: 'x', cores: 6, spread: true, runTime: 10}, hosts: ['a1', 'a2']},
      {name: 'spread over the resource that has room', nodes: twoResources, before: [{cores: 3, runTime: 99}], job: {id: 'x', cores: 6, spread: true, runTime: 10}, hosts: ['b1', 'b2']},
      {name: 'spread never mixes resources', nodes: twoResources, job: {id: 'x', cores: 9, spread: true, runTime: 10}, hosts: 'queued'},
      {
        name: 'memory: cores free but memory not',
        nodes: [{name: 'm1', slots: 4, memoryMiB: 4096}],
        before: [{cores: 2, memoryMiBPerCore: 2048, runTime: 99}],
        job: {id: 'x', cores: 1, memoryMiBPerCore: 1024, runTime: 10},
        hosts: 'queued',
      },
      {
        name: 'memory: a job without a memory request uses the free cores',
        nodes: [{name: 'm1', slots: 4, memoryMiB: 4096}],
        before: [{cores: 2, memoryMiBPerCore: 2048, runTime: 99}],
        job: {id: 'x', cores: 2, runTime: 10},
        hosts: ['m1'],
      },
      {
        name: 'memory: goes to the node with enough memory',
        nodes: [
          {name: 'small', slots: 4, memoryMiB: 2048},
          {name: 'big', slots: 4, memoryMiB: 16384},
        ],
        job: {id: 'x', cores: 2, memoryMiBPerCore: 4096, runTime: 10},
        hosts: ['big'],
      },
      {
        name: 'reservation: a reserved node refuses other queues',
        nodes: [{name: 'r', slots: 4, reservation: {queue: 'gpu'}}],
        job: {id: 'x', cores: 1, runTime: 10},
        hosts: 'queued',
      },
      {
        name: 'reservation: a matching job uses the reserved node',
        nodes: [
          {name: 'plain', slots: 4},
          {name: 'r', slots: 4, reservation: {queue: 'gpu', account: 'proj'}},
        ],
        before: [{cores: 4, runTime: 99}],
        job: {id: 'x', cores: 1, queue: 'gpu', account: 'proj', runTime: 10},
        hosts: ['r'],
      },
      {
        name: 'reservation: wrong account is refused',
        nodes: [{name: 'r', slots: 4, reservation: {queue: 'gpu', account: 'proj'}}],
        job: {id: 'x', cores: 1, queue: 'gpu', account: 'other', runTime: 10},
        hosts: 'queued',
      },
      {
        name: 'property: a job asking for a property only runs on a node that has it',
        nodes: [
          {name: 'plain', slots: 4},
          {name: 'fat', slots: 4, reservation: {property: 'bigmem'}},
        ],
        job: {id: 'x', cores: 1, property: 'bigmem', runTime: 10},
        hosts: ['fat'],
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const world = cluster(c.nodes)
        for (const job of c.before ?? []) world.submit(job)
        world.advanceTo(0)
        world.submit(c.job)
        world.advanceTo(1)
        const job = world.observe().jobs.find((j) => j.id === 'x')
        if (c.hosts === 'queued') expect(job?.state).to.equal('queued')
        else expect(hostsOf(world, 'x')).to.deep.equal([...c.hosts].sort())
      })
    }
  })

  describe('node actions', () => {
    it('a held node takes no new job until released', () => {
      const world = cluster([{name: 'n1', slots: 2}])
      world.holdNode('n1')
      world.submit({id: 'j', cores: 1, runTime: 10})
      world.advanceTo(100)
      expect(world.observe().jobs[0].state).to.equal('queued')
      expect(world.observe().nodes[0].held).to.equal(true)
      world.releaseNode('n1')
      world.advanceTo(150)
      expect(world.done.startAt).to.deep.equal([100])
    })

    it('removeNode refuses a busy node, then removes it once idle; a gone node is no error', () => {
      const world = cluster([{name: 'n1', slots: 2}])
      world.submit({id: 'j', cores: 1, runTime: 10})
      world.advanceTo(5)
      expect(() => world.removeNode('n1')).to.throw(NodeBusyError)
      world.advanceTo(10)
      world.removeNode('n1')
      expect(world.observe().nodes).to.deep.equal([])
      expect(() => world.removeNode('n1')).to.not.throw()
      expect(world.killed).to.deep.equal([])
    })

    it('terminate kills the jobs on the node, records them, and drops the instance', () => {
      const world = cluster([
        {name: 'n1', slots: 2},
        {name: 'n2', slots: 2},
      ])
      world.submit({id: 'j1', cores: 4, spread: true, runTime: 100})
      world.submit({id: 'j2', cores: 1, runTime: 100, submitAt: 1})
      world.advanceTo(30)
      const n1 = world.instances().find((i) => i.name === 'n1')
      world.terminate([n1?.id as string, 'sim-999999'])
      expect(world.killed).to.deep.equal([{jobId: 'j1', node: 'n1', time: 30, cause: 'terminated'}])
      expect(world.instances().map((i) => i.name)).to.deep.equal(['n2'])
      const nodes = world.observe().nodes
      expect(nodes.find((n) => n.name === 'n1')?.status).to.equal('down')
      // the multi-node job freed n2 as well, so the queued job starts there
      world.advanceTo(31)
      expect(hostsOf(world, 'j2')).to.deep.equal(['n2'])
    })

    it('failNode puts the node in error and kills its jobs; vacateNode kills them as vacated', () => {
      const world = cluster([
        {name: 'n1', slots: 1},
        {name: 'n2', slots: 1},
      ])
      world.submit({id: 'a', cores: 1, runTime: 100})
      world.submit({id: 'b', cores: 1, runTime: 100})
      world.advanceTo(10)
      world.failNode('n1')
      world.vacateNode('n2')
      expect(world.killed).to.deep.equal([
        {jobId: 'a', node: 'n1', time: 10, cause: 'node-died'},
        {jobId: 'b', node: 'n2', time: 10, cause: 'vacated'},
      ])
      expect(world.observe().nodes.map((n) => [n.name, n.status, n.slotsUsed])).to.deep.equal([
        ['n1', 'error', 0],
        ['n2', 'up', 0],
      ])
      expect(world.observe().jobs).to.deep.equal([])
    })

    it('addNode is idempotent', () => {
      const world = cluster([{name: 'n1', slots: 2}])
      world.submit({id: 'j', cores: 2, runTime: 100})
      world.advanceTo(1)
      world.addNode({name: 'n1', slots: 8})
      expect(world.observe().nodes.map((n) => [n.slots, n.slotsUsed])).to.deep.equal([[2, 2]])
    })
  })

  describe('observe', () => {
    it('reports nodes and jobs in the model shapes', () => {
      const world = cluster([{name: 'n1', slots: 4, memoryMiB: 8192, reservation: {queue: 'q', property: 'p'}}])
      world.submit({id: 'r', cores: 3, queue: 'q', property: 'p', owner: 'ann', memoryMiBPerCore: 100, runTime: 50, walltime: 60})
      world.submit({id: 'w', cores: 4, queue: 'q', property: 'p', runTime: 50})
      world.advanceTo(5)
      expect(world.observe()).to.deep.equal({
        nodes: [{name: 'n1', status: 'up', held: false, slots: 4, slotsUsed: 3, memoryMiB: 8192, jobs: ['r'], properties: ['p'], rawState: 'up'}],
        jobs: [
          {id: 'r', state: 'running', cores: 3, submittedAt: 0, startedAt: 0, hosts: ['n1'], rawState: 'r', owner: 'ann', queue: 'q', property: 'p', memoryMiBPerCore: 100, walltime: 60, priority: 0},
          {id: 'w', state: 'queued', cores: 4, submittedAt: 0, hosts: [], rawState: 'qw', queue: 'q', property: 'p', priority: 0},
        ],
      })
    })

    it('returns the same objects while nothing changed, new ones after a change', () => {
      const world = cluster([{name: 'n1', slots: 1}])
      world.submit({id: 'a', cores: 1, runTime: 100})
      world.submit({id: 'b', cores: 1, runTime: 100})
      world.advanceTo(10)
      const first = world.observe()
      const instances = world.instances('')
      const version = world.version
      world.advanceTo(50)
      expect(world.observe()).to.equal(first)
      expect(world.version).to.equal(version)
      world.advanceTo(100)
      const second = world.observe()
      expect(second).to.not.equal(first)
      expect(second.jobs.map((j) => [j.id, j.state])).to.deep.equal([['b', 'running']])
      // jobs changed, instances did not
      expect(world.instances('')).to.equal(instances)
      world.launch({resource: 'r1', names: ['n2'], cores: 1, memoryMiB: 0, bootTime: 5, bootFails: [false]})
      expect(world.instances('').map((i) => i.name)).to.deep.equal(['n1', 'n2'])
    })
  })

  describe('invariants under a random workload', () => {
    it('never over-commits cores or memory, keeps multi-node jobs on one resource, and finishes every job', () => {
      const world = cluster([
        {name: 'a1', slots: 8, memoryMiB: 16384, resource: 'A'},
        {name: 'a2', slots: 8, memoryMiB: 16384, resource: 'A'},
        {name: 'a3', slots: 8, memoryMiB: 16384, resource: 'A'},
        {name: 'b1', slots: 4, memoryMiB: 4096, resource: 'B'},
        {name: 'b2', slots: 4, memoryMiB: 4096, resource: 'B'},
      ])
      const resourceOf: Record<string, string> = {a1: 'A', a2: 'A', a3: 'A', b1: 'B', b2: 'B'}
      const memoryOf: Record<string, number> = {a1: 16384, a2: 16384, a3: 16384, b1: 4096, b2: 4096}
      for (let i = 0; i < 300; i++) {
        const r = world.random()
        const kind = Math.floor(world.random() * 3)
        const cores = kind === 1 ? 4 * (1 + Math.floor(r * 2)) : 1 + Math.floor(r * 8)
        world.submit({
          cores,
          perNode: kind === 1 ? 4 : undefined,
          spread: kind === 2 ? true : undefined,
          memoryMiBPerCore: world.random() < 0.4 ? 1024 : undefined,
          runTime: 30 + Math.floor(world.random() * 600),
          walltime: world.random() < 0.5 ? 900 : undefined,
          submitAt: i * 15,
        })
      }
      let checks = 0
      for (let t = 0; t <= 100_000 && world.pendingJobs > 0; t += 30) {
        world.advanceTo(t)
        const {nodes, jobs} = world.observe()
        const memUsed: Record<string, number> = {}
        for (const job of jobs) {
          if (job.state !== 'running') continue
          expect(new Set(job.hosts.map((h) => resourceOf[h])).size, `job ${job.id} resources`).to.equal(1)
          if (!job.spread && job.perNode === undefined) expect(job.hosts).to.have.length(1)
          if (job.perNode !== undefined) expect(job.hosts).to.have.length(job.cores / job.perNode)
        }
        for (const job of world.state().jobs) {
          job.hosts?.forEach((host, k) => (memUsed[host] = (memUsed[host] ?? 0) + (job.memoryMiBPerCore ?? 0) * (job.hostCores as number[])[k]))
        }
        for (const node of nodes) {
          expect(node.slotsUsed, node.name).to.be.at.most(node.slots)
          checks++
        }
        for (const [host, used] of Object.entries(memUsed)) expect(used, `${host} memory`).to.be.at.most(memoryOf[host])
      }
      expect(world.done.id).to.have.length(300)
      expect(world.killed).to.deep.equal([])
      expect(checks).to.be.greaterThan(100)
    })
  })

  describe('determinism and state', () => {
    /** Runs a pseudo-random workload; when `split`, saves and reloads the world through JSON half-way. */
    function replay(seed: number, split: boolean): {done: unknown; draws: number[]} {
      let world = new SimWorld(emptyWorldState({now: 0, seed}))
      const names = ['w1', 'w2', 'w3']
      world.launch({resource: 'r', names, cores: 4, memoryMiB: 8192, bootTime: 30, bootFails: [false, false, false]})
      for (const name of names) world.addNode({name, slots: 4, memoryMiB: 8192})
      const draws: number[] = []
      for (let i = 0; i < 60; i++) {
        const r = world.random()
        draws.push(r)
        world.submit({cores: 1 + Math.floor(r * 4), spread: r > 0.8, runTime: 60 * Math.floor(world.random() * 8), walltime: 600, submitAt: 20 * Math.floor(i / 3)})
      }
      for (let t = 0; t <= 20_000; t += 60) {
        if (split && (t === 120 || t === 300)) world = new SimWorld(JSON.parse(JSON.stringify(world.state())) as WorldState)
        world.advanceTo(t)
      }
      return {done: world.done, draws}
    }

    it('same seed gives the same draws and the same schedule, even across a save and reload', () => {
      const a = replay(3, false)
      const b = replay(3, true)
      expect(b).to.deep.equal(a)
      expect((a.done as {id: string[]}).id).to.have.length(60)
    })

    it('a different seed gives different draws', () => {
      expect(replay(4, false).draws).to.not.deep.equal(replay(3, false).draws)
    })
  })
})
