/**
 * The cloud side of dcaas: one small interface every provider (aws, openstack, sim) implements.
 * The core never imports a provider; src/cloud/index.ts builds one from a resource's config.
 */
import type {Instance, NodeShape} from '../core/model.js'
import type {ResourceConfig} from '../config/types.js'

/** One worker to launch: its host name is chosen by the planner and tagged at creation. */
export interface LaunchRequest {
  resource: ResourceConfig
  cluster: string
  /** Host names, one per instance to launch (all in one API call). */
  names: string[]
  /** Rendered user data per name. */
  userData: Record<string, string>
}

/** A cloud account / region that can launch, list and terminate this cluster's workers. */
export interface CloudProvider {
  /** Provider kind, for messages. */
  readonly kind: 'aws' | 'openstack' | 'sim' | string
  /**
   * Launches request.names.length instances in one API call, tagged at creation with
   * dcaas:cluster, dcaas:resource and Name (= host name). Required.
   * Throws CapacityError / QuotaError (resource backs off), AuthError (no retry), CloudError.
   */
  launch(request: LaunchRequest): Promise<Instance[]>
  /** Lists this cluster's instances (every page), by tag / metadata. Required. */
  list(cluster: string): Promise<Instance[]>
  /** Terminates instances; ids that no longer exist are not an error. Required. */
  terminate(ids: string[]): Promise<void>
  /** Cores and memory of one worker of this resource (cached by the provider). Required. */
  shape(resource: ResourceConfig): Promise<NodeShape>
}

/** Base of every error a cloud provider throws; `retryable` says whether a later pass may try again. */
export class CloudError extends Error {
  readonly retryable: boolean = true
  constructor(message: string, readonly code?: string) {
    super(message)
    this.name = 'CloudError'
  }
}

/** The cloud has no capacity for this shape now (InsufficientInstanceCapacity, spot not granted…): back off this resource. */
export class CapacityError extends CloudError {
  override name = 'CapacityError'
}

/** An account limit was hit (instance, vCPU or spot quota): back off this resource. */
export class QuotaError extends CloudError {
  override name = 'QuotaError'
}

/** Credentials are missing, wrong or lack permission: report once, do not retry. */
export class AuthError extends CloudError {
  override readonly retryable = false
  override name = 'AuthError'
}

/** Tells whether an error means "this resource cannot launch now, try another". */
export function isLaunchRefusal(error: unknown): boolean {
  return error instanceof CapacityError || error instanceof QuotaError
}
