import {expect} from 'chai'
import {SimCloud} from '../../../src/cloud/sim.js'
import {CapacityError} from '../../../src/cloud/provider.js'
import type {ResourceConfig, SimCloudConfig} from '../../../src/config/types.js'
import {SimScheduler} from '../../../src/scheduler/sim.js'
import {NodeBusyError} from '../../../src/scheduler/scheduler.js'
import {emptyWorldState, SimWorld} from '../../../src/sim/world.js'

function resource(cloud: Partial<SimCloudConfig> = {}, extra: Partial<ResourceConfig> = {}): ResourceConfig {
  return {
    name: 'sim',
    cloud: {type: 'sim', cores: 8, memoryMiB: 16384, bootTime: 60, bootFailureRate: 0, apiFailureRate: 0, ...cloud},
    min: 0,
    max: 10,
    priority: 1,
    ...extra,
  }
}

describe('SimCloud and SimScheduler', () => {
  it('launches tagged instances that boot, register and run a job', async () => {
    const world = new SimWorld(emptyWorldState({now: 100}))
    const cloud = new SimCloud(world)
    const scheduler = new SimScheduler(world)
    const launched = await cloud.launch({resource: resource(), cluster: 'c1', names: ['w1', 'w2'], userData: {}})
    expect(launched.map((i) => [i.name, i.resource, i.state, i.launchedAt])).to.deep.equal([
      ['w1', 'sim', 'pending', 100],
      ['w2', 'sim', 'pending', 100],
    ])
    expect(await cloud.list('c1')).to.have.length(2)
    expect(await cloud.list('other')).to.deep.equal([])
    await scheduler.addNode({name: 'w1', slots: 8})
    world.submit({id: 'j', cores: 8, runTime: 30})
    world.advanceTo(160)
    const seen = await scheduler.observe()
    expect(seen.nodes.map((n) => [n.name, n.status, n.jobs])).to.deep.equal([['w1', 'up', ['j']]])
    await scheduler.holdNode('w1')
    await scheduler.holdNode('w1')
    expect((await scheduler.observe()).nodes[0].held).to.equal(true)
    let refused: unknown
    await scheduler.removeNode('w1').catch((error: unknown) => (refused = error))
    expect(refused).to.be.instanceOf(NodeBusyError)
    world.advanceTo(190)
    await scheduler.removeNode('w1')
    await cloud.terminate(launched.map((i) => i.id))
    expect(await cloud.list('c1')).to.deep.equal([])
    expect(world.killed).to.deep.equal([])
  })

  it('throws CapacityError when the API failure draw hits, and launches nothing', async () => {
    const world = new SimWorld(emptyWorldState({seed: 5}))
    const cloud = new SimCloud(world)
    let thrown: unknown
    await cloud.launch({resource: resource({apiFailureRate: 1}), cluster: 'c', names: ['w1'], userData: {}}).catch((error: unknown) => (thrown = error))
    expect(thrown).to.be.instanceOf(CapacityError)
    expect(world.instances()).to.deep.equal([])
  })

  it('boot failures leave the node down; the draws repeat with the same seed', async () => {
    const outcome = async (seed: number): Promise<string[]> => {
      const world = new SimWorld(emptyWorldState({seed}))
      const cloud = new SimCloud(world)
      const names = Array.from({length: 20}, (_, i) => `w${i}`)
      await cloud.launch({resource: resource({bootFailureRate: 0.5, bootTime: 10}), cluster: 'c', names, userData: {}})
      for (const name of names) world.addNode({name, slots: 8})
      world.advanceTo(10)
      return world.observe().nodes.map((n) => n.status)
    }
    const a = await outcome(11)
    expect(a).to.include('up')
    expect(a).to.include('down')
    expect(await outcome(11)).to.deep.equal(a)
  })

  it('shape comes from the sim cloud, overridden by the resource', async () => {
    const cloud = new SimCloud(new SimWorld())
    expect(await cloud.shape(resource())).to.deep.equal({cores: 8, memoryMiB: 16384})
    expect(await cloud.shape(resource({}, {cores: 2, memoryMiB: 1024}))).to.deep.equal({cores: 2, memoryMiB: 1024})
  })
})
