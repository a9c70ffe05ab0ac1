/**
 * A CloudProvider for tests whose instances are network namespaces running a real sge_execd
 * under the instance's host name. Like a real worker's user data, each "instance" waits until
 * the head has registered it (qconf -se succeeds) and then starts its execd.
 */
import {execa} from 'execa'
import type {CloudProvider, LaunchRequest} from '../../src/cloud/provider.js'
import type {Instance, NodeShape} from '../../src/core/model.js'
import type {ResourceConfig} from '../../src/config/types.js'
import {addNetnsHost, removeNetnsHost, SGE_ENV, startNetnsExecd} from './sge.js'

/** Launches, lists and terminates netns exec hosts; records every call. */
export class NetnsCloud implements CloudProvider {
  readonly kind = 'netns'
  readonly launched: string[] = []
  readonly terminated: string[] = []
  private readonly instances = new Map<string, Instance>()
  private readonly boots = new Map<string, Promise<void>>()
  private closed = false

  constructor(
    private readonly master: string,
    private readonly shapeOf: NodeShape,
  ) {}

  /** Creates one namespace per requested name and starts its boot in the background. */
  async launch(request: LaunchRequest): Promise<Instance[]> {
    const result: Instance[] = []
    for (const name of request.names) {
      const host = await addNetnsHost(name, this.master)
      const instance: Instance = {id: `netns-${name}`, name, resource: request.resource.name, state: 'running', launchedAt: Math.floor(Date.now() / 1000), address: host.address}
      this.instances.set(instance.id, instance)
      this.launched.push(name)
      this.boots.set(instance.id, this.boot(instance))
      result.push(instance)
    }
    return result
  }

  /** Lists the live namespaces of this cloud. */
  async list(_cluster: string): Promise<Instance[]> {
    return [...this.instances.values()]
  }

  /** Kills the execd and deletes the namespace; unknown ids are fine. */
  async terminate(ids: string[]): Promise<void> {
    for (const id of ids) {
      const instance = this.instances.get(id)
      if (!instance) continue
      this.instances.delete(id)
      this.terminated.push(instance.name)
      await removeNetnsHost(instance.name)
    }
  }

  /** The fixed worker shape. */
  async shape(_resource: ResourceConfig): Promise<NodeShape> {
    return this.shapeOf
  }

  /** Terminates everything left. */
  async close(): Promise<void> {
    this.closed = true
    await this.terminate([...this.instances.keys()])
  }

  private async boot(instance: Instance): Promise<void> {
    while (!this.closed && this.instances.has(instance.id)) {
      const se = await execa('qconf', ['-se', instance.name], {env: {...process.env, ...SGE_ENV}, reject: false})
      if (se.exitCode === 0) {
        await startNetnsExecd(instance.name, this.master)
        return
      }
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}
