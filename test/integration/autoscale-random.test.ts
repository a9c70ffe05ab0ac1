/**
 * Randomized test of the whole engine (observe → plan → act) on the simulated backend:
 * 10,000 passes with random arrivals, boot failures, launch API errors, observation failures
 * and node deaths. After every pass it checks the safety invariants.
 */
import {expect} from 'chai'
import {SimCloud} from '../../src/cloud/sim.js'
import type {CloudProvider} from '../../src/cloud/provider.js'
import type {Config} from '../../src/config/types.js'
import type {Backends} from '../../src/engine/backends.js'
import {runPass} from '../../src/engine/pass.js'
import {MemoryStore} from '../../src/engine/state-store.js'
import {SimScheduler} from '../../src/scheduler/sim.js'
import {SchedulerUnavailableError} from '../../src/scheduler/scheduler.js'
import {CloudError} from '../../src/cloud/provider.js'
import {nextRandom} from '../../src/sim/rng.js'
import {emptyWorldState, SimWorld} from '../../src/sim/world.js'
import {config, resource} from '../helpers/builders.js'

const PASSES = 10_000

function makeConfig(): Config {
  const cfg = config(
    [
      resource('a', {min: 1, max: 6, priority: 1, cloud: {type: 'sim', cores: 8, memoryMiB: 32768, bootTime: 120, bootFailureRate: 0.08, apiFailureRate: 0.08}}),
      resource('b', {min: 0, max: 4, priority: 2, cloud: {type: 'sim', cores: 4, memoryMiB: 16384, bootTime: 200, bootFailureRate: 0.05, apiFailureRate: 0.05}}),
      resource('q', {min: 0, max: 2, priority: 3, reservation: {queue: 'gpu'}, cloud: {type: 'sim', cores: 16, memoryMiB: 65536, bootTime: 90, bootFailureRate: 0.05, apiFailureRate: 0}}),
    ],
    {maxIdle: 300, maxDown: 240, maxLaunch: 600, interval: 60, maxNodes: 10, maxFailedBoots: 4, backoff: {initial: 60, factor: 2, max: 600}},
  )
  return cfg
}

/** A random source separate from the world's (which the sim cloud draws from). */
function rng(seed: number) {
  let s = seed
  return () => {
    const r = nextRandom(s)
    s = r.state
    return r.value
  }
}

describe('autoscale: 10,000 randomized passes on the simulated backend', function () {
  this.timeout(300_000)

  for (const seed of [7]) {
    it(`keeps every invariant after every pass (seed ${seed})`, async () => {
      const cfg = makeConfig()
      const world = new SimWorld(emptyWorldState({now: 0, seed}))
      const random = rng(seed * 7919)
      let failObserve = false
      let failList = false
      const cloud = new SimCloud(world)
      const flakyCloud: CloudProvider = {
        kind: 'sim',
        launch: (r) => cloud.launch(r),
        list: async (c) => {
          if (failList) throw new CloudError('simulated list failure')
          return cloud.list(c)
        },
        terminate: (ids) => cloud.terminate(ids),
        shape: (r) => cloud.shape(r),
      }
      const scheduler = new SimScheduler(world)
      const backends: Backends = {
        scheduler: {
          kind: 'sim',
          observe: async () => {
            if (failObserve) throw new SchedulerUnavailableError('simulated qmaster down')
            return scheduler.observe()
          },
          addNode: (n) => scheduler.addNode(n),
          holdNode: (n) => scheduler.holdNode(n),
          releaseNode: (n) => scheduler.releaseNode(n),
          vacateNode: (n) => scheduler.vacateNode(n),
          removeNode: (n, r) => scheduler.removeNode(n, r),
        },
        cloudFor: () => flakyCloud,
        providers: () => [flakyCloud],
        now: () => world.now,
        close: async () => undefined,
      }
      const store = new MemoryStore()
      const failedPassTimes: number[] = []
      const stats = {launched: 0, removed: 0, jobs: 0, deaths: 0, failedObservations: 0, maxNodes: 0, completed: 0}
      let t = 0
      for (let pass = 0; pass < PASSES; pass++) {
        // Workload: bursts of arrivals with quiet periods, so the cluster grows and shrinks.
        const phase = Math.floor(pass / 300) % 3
        const arrivals = phase === 2 ? 0 : random() < (phase === 0 ? 0.5 : 0.15) ? 1 + Math.floor(random() * 4) : 0
        for (let i = 0; i < arrivals; i++) {
          const cores = [1, 1, 2, 4, 8, 12][Math.floor(random() * 6)]
          const gpu = random() < 0.1
          world.submit({cores, spread: cores > 8, runTime: 60 + Math.floor(random() * 3000), queue: gpu ? 'gpu' : undefined, owner: 'u', submitAt: t + Math.floor(random() * 60)})
          stats.jobs++
        }
        // Node deaths.
        if (random() < 0.003) {
          const up = world.observe().nodes.filter((n) => n.status === 'up')
          if (up.length > 0) {
            world.failNode(up[Math.floor(random() * up.length)].name)
            stats.deaths++
          }
        }
        failObserve = random() < 0.01
        failList = random() < 0.01
        if (failObserve || failList) {
          failedPassTimes.push(t)
          stats.failedObservations++
        }
        // Admin restores a resource that stopped after repeated failed boots, now and then.
        if (pass % 500 === 499) for (const mem of Object.values(store.state.resources)) delete mem.disabled

        t += cfg.autoscale.interval
        world.advanceTo(t)
        const report = await runPass(cfg, backends, store)
        for (const o of report.outcomes) {
          if (o.status === 'done' && o.action.kind === 'launch') stats.launched += o.action.names.length
          if (o.status === 'done' && o.action.kind === 'remove') stats.removed++
        }

        // Invariants.
        const killedByDcaas = world.killed.filter((k) => k.cause !== 'node-died')
        expect(killedByDcaas, `pass ${pass}: jobs killed by dcaas`).to.deep.equal([])
        const instances = world.instances(cfg.cluster.name)
        stats.maxNodes = Math.max(stats.maxNodes, instances.length)
        expect(instances.length, `pass ${pass}: cluster above its max`).to.be.at.most(cfg.autoscale.maxNodes!)
        const state = store.state
        for (const r of cfg.resources) {
          const mine = instances.filter((i) => i.resource === r.name)
          expect(mine.length, `pass ${pass}: ${r.name} above max`).to.be.at.most(r.max)
          if (mine.length < r.min) {
            const mem = state.resources[r.name] ?? {}
            const inFlight = mine.some((i) => i.state === 'pending')
            const backingOff = (mem.backoff && mem.backoff.until > t) || mem.disabled !== undefined
            const observationFailed = failObserve || failList
            const limited = instances.length >= cfg.autoscale.maxNodes!
            expect(inFlight || backingOff || observationFailed || limited, `pass ${pass}: ${r.name} below min with nothing in flight (${JSON.stringify(mem)})`).to.equal(true)
          }
        }
        const nodes = new Map(world.observe().nodes.map((n) => [n.name, n]))
        for (const i of instances) {
          const age = t - i.launchedAt
          const failuresSince = failedPassTimes.filter((ft) => ft >= i.launchedAt + cfg.autoscale.maxLaunch - cfg.autoscale.interval).length
          const deadline = cfg.autoscale.maxLaunch + cfg.autoscale.interval * (1 + failuresSince)
          const node = nodes.get(i.name)
          const ready = node !== undefined && node.status !== 'down'
          if (!ready && age > deadline) expect.fail(`pass ${pass}: instance ${i.name} (${i.id}) leaked: ${age} s old and never became a ready node`)
        }
      }
      stats.completed = world.done.id.length
      // The run must have exercised growth, shrinking, failures and completions.
      expect(stats.launched).to.be.greaterThan(50)
      expect(stats.removed).to.be.greaterThan(20)
      expect(stats.deaths).to.be.greaterThan(5)
      expect(stats.completed).to.be.greaterThan(stats.jobs * 0.8)
      const disabledOrBackoff = store.stats.some((s) => s.failed > 0)
      expect(disabledOrBackoff, 'some launches failed and were handled').to.equal(true)
    })
  }
})
