import {expect} from 'chai'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DcaasError, EXIT} from '../../../src/errors.js'
import {openSimWorld, resetSimWorld, SIM_WORLD_FILE} from '../../../src/sim/world-store.js'

describe('openSimWorld', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dcaas-sim-store-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('creates a world at the real time, saves it, and reopens the same world', async () => {
    let ms = 1_700_000_000_000
    const clock = (): number => ms
    const first = await openSimWorld(dir, {speed: 1, seed: 9}, {clock})
    expect(first.now()).to.equal(1_700_000_000)
    first.world.launch({resource: 'r', names: ['w1'], cores: 2, memoryMiB: 0, bootTime: 30, bootFails: [false]})
    first.world.addNode({name: 'w1', slots: 2})
    first.world.submit({id: 'j1', cores: 2, runTime: 100})
    await first.save()
    await first.release()
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([])

    ms += 40_000
    const second = await openSimWorld(dir, {speed: 1, seed: 9}, {clock})
    expect(second.now()).to.equal(1_700_000_040)
    const seen = second.world.observe()
    expect(seen.nodes.map((n) => n.status)).to.deep.equal(['up'])
    expect(seen.jobs.map((j) => [j.id, j.state, j.startedAt])).to.deep.equal([['j1', 'running', 1_700_000_030]])
    await second.release()
  })

  it('runs the simulated clock at config speed (60: one real second is a simulated minute)', async () => {
    let ms = 5_000_000
    const opened = await openSimWorld(dir, {speed: 60, seed: 1}, {clock: () => ms})
    const start = opened.now()
    opened.world.submit({id: 'j', cores: 1, runTime: 600})
    opened.world.launch({resource: 'r', names: ['w'], cores: 1, memoryMiB: 0, bootTime: 0, bootFails: [false]})
    opened.world.addNode({name: 'w', slots: 1})
    ms += 1000
    expect(opened.now() - start).to.equal(60)
    await opened.save()
    await opened.release()
    ms += 10_000
    const again = await openSimWorld(dir, {speed: 60, seed: 1}, {clock: () => ms})
    expect(again.now() - start).to.equal(660)
    expect(again.world.done.endAt).to.deep.equal([start + 600])
    await again.release()
  })

  it('advance jumps the clock and processes events; the jump survives a reopen', async () => {
    const ms = 1_000_000
    const opened = await openSimWorld(dir, {speed: 1, seed: 1}, {clock: () => ms})
    const start = opened.now()
    opened.world.launch({resource: 'r', names: ['w'], cores: 1, memoryMiB: 0, bootTime: 120, bootFails: [false]})
    opened.advance(600)
    expect(opened.now()).to.equal(start + 600)
    expect(opened.world.instances()[0].state).to.equal('running')
    await opened.save()
    await opened.release()
    const again = await openSimWorld(dir, {speed: 1, seed: 1}, {clock: () => ms})
    expect(again.now()).to.equal(start + 600)
    await again.release()
  })

  it('a second opener waits, then fails with a clear LOCKED error; it succeeds once released', async () => {
    const holder = await openSimWorld(dir, {speed: 1, seed: 1})
    let thrown: unknown
    await openSimWorld(dir, {speed: 1, seed: 1}, {lockWaitSeconds: 0.4}).catch((error: unknown) => (thrown = error))
    expect(thrown).to.be.instanceOf(DcaasError)
    expect((thrown as DcaasError).exitCode).to.equal(EXIT.LOCKED)
    expect((thrown as DcaasError).message).to.contain('in use by another dcaas process')
    await holder.release()
    const next = await openSimWorld(dir, {speed: 1, seed: 1}, {lockWaitSeconds: 0.4})
    await next.release()
  })

  it('a corrupt world file is a clear CONFIG error, and reset removes it', async () => {
    await writeFile(join(dir, SIM_WORLD_FILE), '{not json')
    let thrown: unknown
    await openSimWorld(dir, {speed: 1, seed: 1}).catch((error: unknown) => (thrown = error))
    expect((thrown as DcaasError).exitCode).to.equal(EXIT.CONFIG)
    expect((thrown as DcaasError).suggestions.join(' ')).to.contain('sim reset')
    expect(await resetSimWorld(dir)).to.equal(true)
    expect(await resetSimWorld(dir)).to.equal(false)
    const fresh = await openSimWorld(dir, {speed: 1, seed: 1})
    expect(fresh.world.observe()).to.deep.equal({nodes: [], jobs: []})
    await fresh.save()
    const saved = JSON.parse(await readFile(join(dir, SIM_WORLD_FILE), 'utf8')) as {version: number; speed: number}
    expect([saved.version, saved.speed]).to.deep.equal([1, 1])
    await fresh.release()
  })
})
