/**
 * The dcaas CLI as a process on the built-in simulated backend (no config file: cluster `demo`,
 * resource `sim`, 8-core workers, 120 s boot, max 10): status, scale add, status --json,
 * scale remove — and the refusals that protect limits and running jobs.
 */
import {expect} from 'chai'
import {oneLine, runCli, runCliJson, tempStateDir, type TempStateDir} from '../helpers/cli.js'

interface Worker {
  name: string
  state: string
  resource?: string
  instanceId?: string
  jobs?: string[]
}

interface Status {
  version: number
  cluster: string
  workers: Worker[]
  instances: {id: string; name: string; resource: string; state: string}[]
  nodes: {name: string; held: boolean; jobs: string[]}[]
  jobs: {id: string; state: string; hosts: string[]}[]
  resources: {name: string; nodes: number; max: number; byState: Record<string, number>}[]
}

/** The table row of `status` that starts with a name, split into cells. */
function row(table: string, first: string): string[] {
  const line = table.split('\n').find((l) => l.trim().split(/\s{2,}/)[0] === first)
  expect(line, `a table row starting with ${first} in:\n${table}`).to.be.a('string')
  return line!.trim().split(/\s{2,}/)
}

describe('e2e: dcaas on the simulated backend', function () {
  this.timeout(60_000)

  describe('status, scale add, status --json, scale remove', () => {
    let dir: TempStateDir
    const dcaas = (...args: string[]) => runCli(args, {env: dir.env})
    const status = () => runCliJson<Status>(['status'], {env: dir.env})

    before(() => {
      dir = tempStateDir()
    })
    after(() => dir.cleanup())

    it('status of a fresh cluster prints a table with the resource and no workers', async () => {
      const r = await dcaas('status')
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(r.stdout).to.match(/^Cluster demo at .*config: built-in default/m)
      expect(r.stdout).to.contain('(no workers)')
      expect(r.stdout).to.contain('(no jobs)')
      const sim = row(r.stdout, 'sim')
      expect(sim.slice(0, 5)).to.deep.equal(['sim', 'sim', '8c/32G', '0', '0/10'])
    })

    it('scale add 2 launches two workers that status shows as a table and as JSON', async () => {
      const add = await dcaas('scale', 'add', '2')
      expect(add.exitCode, add.stderr).to.equal(0)
      expect(add.stdout).to.contain('Launched demo-sim-001, demo-sim-002 on sim')

      const table = await dcaas('status')
      expect(table.exitCode, table.stderr).to.equal(0)
      for (const name of ['demo-sim-001', 'demo-sim-002']) {
        const cells = row(table.stdout, name)
        expect(cells[1]).to.equal('starting')
        expect(cells[3]).to.equal('sim')
        expect(cells[4]).to.match(/^sim-\d+$/)
      }
      expect(row(table.stdout, 'sim')[3]).to.equal('2 (2 starting)')

      const snap = await status()
      expect(snap.version).to.equal(1)
      expect(snap.cluster).to.equal('demo')
      expect(snap.workers.map((w) => [w.name, w.state, w.resource])).to.deep.equal([
        ['demo-sim-001', 'starting', 'sim'],
        ['demo-sim-002', 'starting', 'sim'],
      ])
      expect(snap.instances.map((i) => [i.name, i.resource, i.state])).to.deep.equal([
        ['demo-sim-001', 'sim', 'pending'],
        ['demo-sim-002', 'sim', 'pending'],
      ])
      expect(snap.workers.map((w) => w.instanceId)).to.deep.equal(snap.instances.map((i) => i.id))
      expect(snap.resources).to.have.length(1)
      expect(snap.resources[0]).to.include({name: 'sim', nodes: 2, max: 10})
      expect(snap.resources[0]!.byState).to.deep.equal({starting: 2})
    })

    it('scale add beyond the resource max exits 8 and launches nothing', async () => {
      const r = await dcaas('scale', 'add', '9')
      expect(r.exitCode).to.equal(8)
      expect(oneLine(r.stderr)).to.contain('would make 11 workers; its max is 10')
      expect(oneLine(r.stderr)).to.contain('Nothing was launched')
      const snap = await status()
      expect(snap.instances.map((i) => i.name)).to.deep.equal(['demo-sim-001', 'demo-sim-002'])
    })

    it('scale remove NODE removes it from the scheduler and terminates its instance', async () => {
      const r = await dcaas('scale', 'remove', 'demo-sim-002')
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(r.stdout).to.contain('Removed demo-sim-002.')
      const snap = await status()
      expect(snap.workers.map((w) => w.name)).to.deep.equal(['demo-sim-001'])
      expect(snap.instances.map((i) => i.name)).to.deep.equal(['demo-sim-001'])
      expect(snap.nodes.map((n) => n.name)).to.not.include('demo-sim-002')
    })

    it('scale remove of an unknown node exits 9 and changes nothing', async () => {
      const r = await dcaas('scale', 'remove', 'demo-sim-042')
      expect(r.exitCode).to.equal(9)
      expect(oneLine(r.stderr)).to.contain('No worker named demo-sim-042')
    })
  })

  describe('scale remove of busy workers', () => {
    let dir: TempStateDir
    const dcaas = (...args: string[]) => runCli(args, {env: dir.env})
    const status = () => runCliJson<Status>(['status'], {env: dir.env})
    let jobOn: Record<string, string>

    before(async () => {
      dir = tempStateDir()
      expect((await dcaas('scale', 'add', '2')).exitCode).to.equal(0)
      expect((await dcaas('sim', 'advance', '3m')).exitCode).to.equal(0)
      // Two 8-core jobs of 20 minutes: one fills each 8-core worker.
      expect((await dcaas('sim', 'submit', '--count', '2', '--cores', '8', '--runtime', '20m')).exitCode).to.equal(0)
      expect((await dcaas('sim', 'advance', '10s')).exitCode).to.equal(0)
      const snap = await status()
      jobOn = Object.fromEntries(snap.nodes.map((n) => [n.name, n.jobs[0]!]))
      expect(Object.keys(jobOn).sort()).to.deep.equal(['demo-sim-001', 'demo-sim-002'])
      expect(snap.jobs.every((j) => j.state === 'running')).to.equal(true)
    })
    after(() => dir.cleanup())

    it('without --vacate: exits 8, holds the node and does not kill its job', async () => {
      const r = await dcaas('scale', 'remove', 'demo-sim-001')
      expect(r.exitCode).to.equal(8)
      expect(oneLine(r.stderr)).to.contain(`demo-sim-001 runs ${jobOn['demo-sim-001']}`)
      expect(oneLine(r.stderr)).to.contain('--vacate')
      const snap = await status()
      const node = snap.nodes.find((n) => n.name === 'demo-sim-001')!
      expect(node.held).to.equal(true)
      expect(node.jobs).to.deep.equal([jobOn['demo-sim-001']])
      expect(snap.workers.find((w) => w.name === 'demo-sim-001')!.state).to.equal('holding')
      expect(snap.jobs.find((j) => j.id === jobOn['demo-sim-001'])).to.include({state: 'running'})
      expect(snap.instances.map((i) => i.name)).to.include('demo-sim-001')
    })

    it('with --vacate: kills the job and removes the node now', async () => {
      const r = await dcaas('scale', 'remove', 'demo-sim-002', '--vacate')
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(r.stdout).to.contain('Removed demo-sim-002.')
      const snap = await status()
      expect(snap.workers.map((w) => w.name)).to.deep.equal(['demo-sim-001'])
      expect(snap.instances.map((i) => i.name)).to.deep.equal(['demo-sim-001'])
      expect(snap.jobs.map((j) => j.id)).to.deep.equal([jobOn['demo-sim-001']])
    })

    it('the held node is removed by a later autoscale pass once its job has finished', async () => {
      const advanced = await runCliJson<{counts: {done: number; killed: number; running: number}}>(['sim', 'advance', '21m'], {env: dir.env})
      expect(advanced.counts).to.include({done: 1, killed: 1, running: 0})
      const pass = await runCliJson<{outcomes: {action: {kind: string; node?: string}; status: string}[]}>(['autoscale'], {env: dir.env})
      const removals = pass.outcomes.filter((o) => o.action.kind === 'remove').map((o) => [o.action.node, o.status])
      expect(removals, 'the pass removes the node held by `scale remove` once it is empty').to.deep.equal([['demo-sim-001', 'done']])
      const snap = await status()
      expect(snap.workers).to.deep.equal([])
      expect(snap.instances).to.deep.equal([])
    })
  })
})
