/**
 * Builds the live backends of a config: the scheduler module (sge, torque, sim) with its
 * Runner (local or SSH), and one cloud provider per distinct account (aws, openstack, sim).
 * The only place that picks implementations; the core and the engine see only interfaces.
 */
import type {Config} from '../config/types.js'
import type {CloudProvider} from '../cloud/provider.js'
import {SimCloud} from '../cloud/sim.js'
import {createRunner} from '../exec/index.js'
import {DcaasError, EXIT} from '../errors.js'
import type {Scheduler} from '../scheduler/scheduler.js'
import {SgeScheduler} from '../scheduler/sge/index.js'
import {SimScheduler} from '../scheduler/sim.js'
import {openSimWorld} from '../sim/world-store.js'
import type {Backends} from './backends.js'

/** Tells whether a config uses the built-in simulated world (sim scheduler or a sim cloud). */
export function usesSimWorld(config: Config): boolean {
  return config.scheduler.type === 'sim' || config.resources.some((r) => r.cloud.type === 'sim')
}

/** Opens the scheduler and cloud providers a config names. */
export async function openBackends(config: Config): Promise<Backends> {
  const sim = usesSimWorld(config) ? await openSimWorld(config.stateDir, config.sim) : undefined
  const closers: (() => Promise<void>)[] = []
  try {
    let scheduler: Scheduler
    switch (config.scheduler.type) {
      case 'sim':
        scheduler = new SimScheduler(sim!.world)
        break
      case 'sge': {
        const runner = createRunner(config.scheduler.ssh, {timeout: config.scheduler.commandTimeout})
        closers.push(() => runner.close())
        scheduler = new SgeScheduler(runner, {queues: config.scheduler.queues, hostgroup: config.scheduler.hostgroup, env: config.scheduler.env, timeout: config.scheduler.commandTimeout})
        break
      }
      case 'torque':
        throw new DcaasError('The Torque scheduler module is not available yet in this release.', EXIT.NOT_AVAILABLE, ['Use scheduler.type sge, or sim to try dcaas.'])
    }
    const byResource = new Map<string, CloudProvider>()
    const byAccount = new Map<string, CloudProvider>()
    for (const r of config.resources) {
      let key: string
      let make: () => CloudProvider
      switch (r.cloud.type) {
        case 'sim':
          key = 'sim'
          make = () => new SimCloud(sim!.world)
          break
        case 'aws': {
          // Loaded only when a resource uses AWS: the SDK costs ~1 s of start-up.
          const {AwsCloud, awsAccountKey} = await import('../cloud/aws.js')
          const account = {region: r.cloud.region, profile: r.cloud.profile, endpoint: r.cloud.endpoint}
          key = `aws:${awsAccountKey(account)}`
          make = () => new AwsCloud(account)
          break
        }
        case 'openstack':
          throw new DcaasError(`resources[${config.resources.indexOf(r)}] (${r.name}): the OpenStack cloud provider is not available yet in this release.`, EXIT.NOT_AVAILABLE)
      }
      let provider = byAccount.get(key)
      if (!provider) {
        provider = make()
        byAccount.set(key, provider)
      }
      byResource.set(r.name, provider)
    }
    return {
      scheduler,
      cloudFor(resource: string): CloudProvider {
        const p = byResource.get(resource)
        if (!p) throw new DcaasError(`No resource named ${resource} in the config.`, EXIT.NOT_FOUND)
        return p
      },
      providers: () => [...byAccount.values()],
      now: () => (sim ? sim.now() : Date.now() / 1000),
      async close() {
        for (const c of closers) await c().catch(() => undefined)
        if (sim) {
          try {
            await sim.save()
          } finally {
            await sim.release()
          }
        }
      },
    }
  } catch (error) {
    for (const c of closers) await c().catch(() => undefined)
    await sim?.release()
    throw error
  }
}
