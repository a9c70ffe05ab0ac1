/**
 * The validated, normalised configuration every module reads. The YAML a user writes is
 * validated and turned into this by src/config/schema.ts (durations like "10m" become seconds,
 * defaults are filled in). Pure types.
 */
import type {Reservation} from '../core/model.js'

/** How to reach a host over SSH. */
export interface SshTarget {
  host: string
  port: number
  user: string
  /** Path to a private key file. */
  privateKeyPath?: string
  /** Seconds to wait for the connection. */
  connectTimeout: number
}

export interface SchedulerConfig {
  type: 'sge' | 'torque' | 'sim'
  /** Run the scheduler's commands on the head node over SSH; absent: run them locally. */
  ssh?: SshTarget
  /** Seconds one scheduler command may take. */
  commandTimeout: number
  /** Queues dcaas watches and adds workers to (SGE cluster queues, Torque queues). Empty: all. */
  queues: string[]
  /** SGE: hostgroup workers join (default @allhosts). */
  hostgroup?: string
  /** Environment for the scheduler commands (e.g. SGE_ROOT, SGE_CELL). */
  env?: Record<string, string>
}

export interface AwsCloudConfig {
  type: 'aws'
  region?: string
  /** Named profile in the shared config / credentials files. */
  profile?: string
  /** EC2-compatible endpoint URL (e.g. a local emulator). */
  endpoint?: string
  imageId: string
  instanceType: string
  keyName?: string
  securityGroupIds: string[]
  subnetId?: string
  publicIp?: boolean
  instanceProfile?: string
  blockDevices: {deviceName: string; volumeSizeGiB: number; volumeType?: string; deleteOnTermination: boolean}[]
  spot?: {maxPrice?: string; timeout: number}
  /** Extra tags put on every instance. */
  tags: Record<string, string>
}

export interface OpenStackCloudConfig {
  type: 'openstack'
  authUrl: string
  region?: string
  /** Password auth. */
  username?: string
  password?: string
  projectName?: string
  projectId?: string
  userDomainName?: string
  projectDomainName?: string
  /** Application credential auth. */
  applicationCredentialId?: string
  applicationCredentialSecret?: string
  flavor: string
  image: string
  network?: string
  keyName?: string
  securityGroups: string[]
  availabilityZone?: string
}

/** The built-in simulated cloud. */
export interface SimCloudConfig {
  type: 'sim'
  /** Cores of one worker. */
  cores: number
  memoryMiB: number
  /** Seconds from launch to the node reporting to the scheduler. */
  bootTime: number
  /** Probability (0..1) that a launched instance never boots. */
  bootFailureRate: number
  /** Probability (0..1) that a launch API call fails. */
  apiFailureRate: number
}

export type CloudConfig = AwsCloudConfig | OpenStackCloudConfig | SimCloudConfig

/** One pool of identical workers. */
export interface ResourceConfig {
  name: string
  cloud: CloudConfig
  min: number
  max: number
  /** Lower is preferred. */
  priority: number
  reservation?: Reservation
  /** Worker user-data template; `{{node}}`, `{{cluster}}`, `{{head}}`, `{{resource}}` are replaced. */
  userData?: string
  /** Override of the worker shape (else read from the cloud's flavor / instance type). */
  cores?: number
  memoryMiB?: number
}

export interface AutoscaleConfig {
  /** Seconds an idle node waits before it is removed (Dynamic Cluster: 600). */
  maxIdle: number
  /** Seconds a node may be down / in error before it is removed (480). */
  maxDown: number
  /** Seconds from launch to ready before an instance counts as failed (1200). */
  maxLaunch: number
  /** Seconds between passes in --watch (60). */
  interval: number
  /** Cluster-wide maximum of workers, over all resources. */
  maxNodes?: number
  /** Back-off of a resource whose launches fail: first wait, factor, longest wait (seconds). */
  backoff: {initial: number; factor: number; max: number}
  /** Consecutive failed boots after which a resource stops launching until an admin restores it. */
  maxFailedBoots: number
}

/** The built-in simulated world (scheduler `sim` and clouds of type `sim`). */
export interface SimConfig {
  /** Simulated seconds per real second (1 = real time). */
  speed: number
  /** Seed of the random generator that decides boot and API failures. */
  seed: number
}

export interface Config {
  cluster: {
    name: string
    /** Address of the head node, given to workers in their user data. */
    head?: string
  }
  scheduler: SchedulerConfig
  autoscale: AutoscaleConfig
  resources: ResourceConfig[]
  /** Directory holding the state file, the stats file, the lock and the simulated world. */
  stateDir: string
  sim: SimConfig
  /** Logging (level, optional file). */
  logging: {level: 'error' | 'warn' | 'info' | 'debug'; file?: string}
}

/** Where a loaded configuration came from. */
export interface LoadedConfig {
  config: Config
  /** The file read, or 'built-in default' when none was found. */
  source: string
}
