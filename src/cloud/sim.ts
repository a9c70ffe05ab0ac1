/**
 * The built-in simulated cloud: a CloudProvider over a SimWorld. Launch API failures and boot
 * failures are drawn from the world's seeded generator, so reruns with the same seed match.
 */
import type {Instance, NodeShape} from '../core/model.js'
import type {ResourceConfig, SimCloudConfig} from '../config/types.js'
import type {SimWorld} from '../sim/world.js'
import {CapacityError, CloudError, type CloudProvider, type LaunchRequest} from './provider.js'

/** Returns the sim cloud settings of a resource, or throws CloudError if its cloud is not `sim`. */
function simCloudOf(resource: ResourceConfig): SimCloudConfig {
  if (resource.cloud.type !== 'sim') throw new CloudError(`resource ${resource.name} uses cloud type ${resource.cloud.type}, not sim`)
  return resource.cloud
}

/** A CloudProvider that launches and terminates instances in a simulated world. */
export class SimCloud implements CloudProvider {
  readonly kind = 'sim'

  constructor(private readonly world: SimWorld) {}

  /** Launches the named instances in one call; may throw CapacityError (apiFailureRate); some may never boot (bootFailureRate). */
  async launch(request: LaunchRequest): Promise<Instance[]> {
    const cloud = simCloudOf(request.resource)
    if (request.names.length === 0) return []
    if (cloud.apiFailureRate > 0 && this.world.random() < cloud.apiFailureRate) {
      throw new CapacityError(`simulated capacity error launching ${request.names.length} instance(s) of resource ${request.resource.name}`, 'SimCapacity')
    }
    const bootFails = request.names.map(() => cloud.bootFailureRate > 0 && this.world.random() < cloud.bootFailureRate)
    const shape = await this.shape(request.resource)
    return this.world.launch({
      resource: request.resource.name,
      cluster: request.cluster,
      names: request.names,
      cores: shape.cores,
      memoryMiB: shape.memoryMiB,
      bootTime: cloud.bootTime,
      bootFails,
    })
  }

  /** Lists the cluster's live instances. */
  async list(cluster: string): Promise<Instance[]> {
    return this.world.instances(cluster)
  }

  /** Terminates instances; unknown ids are ignored. */
  async terminate(ids: string[]): Promise<void> {
    this.world.terminate(ids)
  }

  /** Returns the worker shape: the resource's override, else the sim cloud's cores and memory. */
  async shape(resource: ResourceConfig): Promise<NodeShape> {
    const cloud = simCloudOf(resource)
    return {cores: resource.cores ?? cloud.cores, memoryMiB: resource.memoryMiB ?? cloud.memoryMiB}
  }
}
