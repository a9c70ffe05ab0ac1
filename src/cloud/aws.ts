/**
 * The AWS EC2 cloud provider.
 *
 * One AwsCloud talks to one account and region: one EC2Client per (region, profile, endpoint)
 * — build one per awsAccountKey() and give it every resource of that account. Credentials and
 * region come from the SDK's default provider chain (environment, shared config / credentials
 * files with `profile`, SSO, instance metadata); `endpoint` points at an EC2-compatible API.
 *
 * Launch and the crash window. launch() is one RunInstances (MinCount = MaxCount = names.length)
 * whose TagSpecifications carry dcaas:cluster, dcaas:resource, dcaas:launch-token, the config's
 * extra tags and the table of host names in launch order (`dcaas:nodes:<i>`, see aws/tags.ts).
 * Right after, one CreateTags per instance sets Name and dcaas:node. If the pass dies between the
 * two calls, nothing is lost: list() rebuilds each host name from the name table and the
 * instance's AmiLaunchIndex — the same rule the worker's user data uses to name itself (see
 * aws/user-data.ts) — so the next pass sees the instances under the names the planner chose,
 * counts them as starting capacity and launches nothing twice. An instance of this cluster with
 * neither tag (not launched by dcaas) is listed under its instance id, never matches a scheduler
 * node, and is reaped by the engine after maxLaunch like any instance that never registered.
 * RunInstances carries a ClientToken, so the SDK's retries of a timed-out call launch nothing twice.
 *
 * Spot. With `spot`, the call asks for one-time spot instances at `maxPrice`; instances that are
 * not running within `spot.timeout` seconds are terminated and launch() throws CapacityError.
 *
 * Errors (aws/errors.ts): capacity → CapacityError, account limits → QuotaError (the engine backs
 * off the resource), credentials / permissions → AuthError (one message, not retried: the SDK's
 * standard retry mode retries only throttling, transient and 5xx errors), else CloudError.
 */
import {randomUUID} from 'node:crypto'
import {
  CreateTagsCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type Instance as Ec2Instance,
  type RunInstancesCommandInput,
  type _InstanceType,
} from '@aws-sdk/client-ec2'
import type {Instance, NodeShape} from '../core/model.js'
import type {AwsCloudConfig, ResourceConfig} from '../config/types.js'
import {CapacityError, CloudError, type CloudProvider, type LaunchRequest} from './provider.js'
import {awsErrorCode, mapAwsError} from './aws/errors.js'
import {combineUserData} from './aws/user-data.js'
import {TAG, creationTags, hostNameOf, tagMap} from './aws/tags.js'

/** The part of an aws cloud config that selects the account, region and API endpoint. */
export type AwsAccount = Pick<AwsCloudConfig, 'region' | 'profile' | 'endpoint'>

/** Tuning knobs, mostly for tests. */
export interface AwsCloudOptions {
  /** DescribeInstances page size (MaxResults, 5..1000). Default 500. */
  pageSize?: number
  /** Instance ids per TerminateInstances call (≤ 1000). Default 1000. */
  terminateBatchSize?: number
  /** SDK attempts per call (standard retry mode: throttling, transient and 5xx errors only). Default 4. */
  maxAttempts?: number
  /** Seconds between checks while waiting for spot instances to run. Default 5. */
  spotPollInterval?: number
  /** Seconds to wait between CreateTags retries while a new instance id is not yet visible. Default 1. */
  tagRetryDelay?: number
}

/** Returns the key of the EC2 client an aws cloud config uses: region, profile and endpoint. */
export function awsAccountKey(account: AwsAccount): string {
  return JSON.stringify([account.region ?? '', account.profile ?? '', account.endpoint ?? ''])
}

/** Instance states list() asks for: the ones that still cost or may still become a worker. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped']

/** Launches, lists and terminates one cluster's workers in one AWS account and region. */
export class AwsCloud implements CloudProvider {
  readonly kind = 'aws'
  /** The SDK client (tests add middleware to it to count calls). */
  readonly client: EC2Client
  private readonly shapes = new Map<string, Promise<NodeShape>>()
  private readonly options: Required<AwsCloudOptions>

  constructor(
    readonly account: AwsAccount,
    options: AwsCloudOptions = {},
  ) {
    this.options = {
      pageSize: options.pageSize ?? 500,
      terminateBatchSize: Math.min(options.terminateBatchSize ?? 1000, 1000),
      maxAttempts: options.maxAttempts ?? 4,
      spotPollInterval: options.spotPollInterval ?? 5,
      tagRetryDelay: options.tagRetryDelay ?? 1,
    }
    // The SDK warns on every CLI run that later releases need Node 22; dcaas supports Node 20 and the
    // user cannot act on it. An explicit setting in the environment still wins.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    this.client = new EC2Client({
      region: account.region,
      profile: account.profile,
      endpoint: account.endpoint,
      maxAttempts: this.options.maxAttempts,
      retryMode: 'standard',
    })
  }

  /** Launches request.names.length instances in one RunInstances call, then names each one. */
  async launch(request: LaunchRequest): Promise<Instance[]> {
    const cloud = this.awsConfigOf(request.resource)
    const {names} = request
    if (names.length === 0) return []
    const token = randomUUID()
    const userData = combineUserData(names, request.userData)
    const input: RunInstancesCommandInput = {
      ImageId: cloud.imageId,
      InstanceType: cloud.instanceType as _InstanceType,
      MinCount: names.length,
      MaxCount: names.length,
      ClientToken: token,
      KeyName: cloud.keyName,
      UserData: Buffer.from(userData, 'utf8').toString('base64'),
      TagSpecifications: [
        {ResourceType: 'instance', Tags: creationTags(request.cluster, request.resource.name, token, names, cloud.tags)},
        {ResourceType: 'volume', Tags: [{Key: TAG.cluster, Value: request.cluster}, {Key: TAG.resource, Value: request.resource.name}]},
      ],
      ...networkSettings(cloud),
    }
    if (cloud.instanceProfile) {
      input.IamInstanceProfile = cloud.instanceProfile.startsWith('arn:') ? {Arn: cloud.instanceProfile} : {Name: cloud.instanceProfile}
    }
    if (cloud.blockDevices.length > 0) {
      input.BlockDeviceMappings = cloud.blockDevices.map((b) => ({
        DeviceName: b.deviceName,
        Ebs: {VolumeSize: b.volumeSizeGiB, VolumeType: b.volumeType as never, DeleteOnTermination: b.deleteOnTermination},
      }))
    }
    if (cloud.spot) {
      input.InstanceMarketOptions = {
        MarketType: 'spot',
        SpotOptions: {SpotInstanceType: 'one-time', ...(cloud.spot.maxPrice ? {MaxPrice: cloud.spot.maxPrice} : {})},
      }
    }
    const output = await this.call('RunInstances', () => this.client.send(new RunInstancesCommand(input)))
    const launched = output.Instances ?? []
    await this.nameInstances(launched, names)
    if (cloud.spot) await this.awaitSpot(launched, cloud.spot.timeout)
    return launched.map((i) => this.toInstance(i, request.resource.name, names[i.AmiLaunchIndex ?? 0]))
  }

  /** Lists this cluster's live instances, following every DescribeInstances page. */
  async list(cluster: string): Promise<Instance[]> {
    const instances: Instance[] = []
    const pages = paginateDescribeInstances(
      {client: this.client, pageSize: this.options.pageSize},
      {
        Filters: [
          {Name: `tag:${TAG.cluster}`, Values: [cluster]},
          {Name: 'instance-state-name', Values: LIVE_STATES},
        ],
        MaxResults: this.options.pageSize,
      },
    )
    await this.call('DescribeInstances', async () => {
      for await (const page of pages) {
        for (const reservation of page.Reservations ?? []) {
          for (const i of reservation.Instances ?? []) instances.push(this.toInstance(i))
        }
      }
    })
    return instances
  }

  /** Terminates instances in batches; ids that no longer exist are skipped. */
  async terminate(ids: string[]): Promise<void> {
    const unique = [...new Set(ids)]
    for (let start = 0; start < unique.length; start += this.options.terminateBatchSize) {
      await this.terminateBatch(unique.slice(start, start + this.options.terminateBatchSize))
    }
  }

  /** Returns the cores and memory of one worker: config overrides, else DescribeInstanceTypes (cached per type). */
  async shape(resource: ResourceConfig): Promise<NodeShape> {
    if (resource.cores !== undefined && resource.memoryMiB !== undefined) return {cores: resource.cores, memoryMiB: resource.memoryMiB}
    const type = this.awsConfigOf(resource).instanceType
    let shape = this.shapes.get(type)
    if (!shape) {
      shape = this.describeType(type)
      this.shapes.set(type, shape)
      shape.catch(() => this.shapes.delete(type))
    }
    const found = await shape
    return {cores: resource.cores ?? found.cores, memoryMiB: resource.memoryMiB ?? found.memoryMiB}
  }

  /** Reads vCPUs and memory of one instance type. */
  private async describeType(type: string): Promise<NodeShape> {
    const output = await this.call('DescribeInstanceTypes', () => this.client.send(new DescribeInstanceTypesCommand({InstanceTypes: [type as _InstanceType]})))
    const info = output.InstanceTypes?.find((t) => t.InstanceType === type) ?? output.InstanceTypes?.[0]
    const cores = info?.VCpuInfo?.DefaultVCpus
    const memoryMiB = info?.MemoryInfo?.SizeInMiB
    if (!cores || !memoryMiB) throw new CloudError(`EC2 does not describe instance type ${type}; set cores and memoryMiB on the resource.`, 'UnknownInstanceType')
    return {cores, memoryMiB}
  }

  /** Sets Name and dcaas:node on each new instance (retrying ids EC2 does not show yet); failures are left to list(). */
  private async nameInstances(launched: Ec2Instance[], names: string[]): Promise<void> {
    await Promise.all(
      launched.map(async (instance) => {
        const name = names[instance.AmiLaunchIndex ?? 0]
        if (!instance.InstanceId || !name) return
        const input = {Resources: [instance.InstanceId], Tags: [{Key: TAG.name, Value: name}, {Key: TAG.node, Value: name}]}
        for (let attempt = 1; ; attempt++) {
          try {
            await this.client.send(new CreateTagsCommand(input))
            return
          } catch (error) {
            const code = awsErrorCode(error)
            if (code === 'InvalidInstanceID.NotFound' && attempt < 5) {
              await sleep(this.options.tagRetryDelay * attempt)
              continue
            }
            // Not fatal: list() reads the name from the dcaas:nodes table.
            return
          }
        }
      }),
    )
  }

  /** Waits until every spot instance runs; terminates the others and throws CapacityError on timeout. */
  private async awaitSpot(launched: Ec2Instance[], timeout: number): Promise<void> {
    const ids = launched.map((i) => i.InstanceId).filter((id): id is string => Boolean(id))
    const deadline = Date.now() + timeout * 1000
    let notRunning = ids
    let lastReason = ''
    for (;;) {
      try {
        const output = await this.client.send(new DescribeInstancesCommand({InstanceIds: notRunning}))
        const seen = (output.Reservations ?? []).flatMap((r) => r.Instances ?? [])
        for (const i of seen) if (i.State?.Name !== 'running' && i.StateReason?.Message) lastReason = i.StateReason.Message
        const running = new Set(seen.filter((i) => i.State?.Name === 'running').map((i) => i.InstanceId))
        notRunning = notRunning.filter((id) => !running.has(id))
      } catch (error) {
        if (awsErrorCode(error) !== 'InvalidInstanceID.NotFound') throw mapAwsError(error, this.context('DescribeInstances'))
      }
      if (notRunning.length === 0) return
      if (Date.now() >= deadline) break
      await sleep(Math.min(this.options.spotPollInterval, Math.max(0, (deadline - Date.now()) / 1000)))
    }
    await this.terminate(notRunning)
    throw new CapacityError(
      `${notRunning.length} of ${ids.length} spot instances did not run within ${timeout}s; they were terminated${lastReason ? ` (${lastReason})` : ''}.`,
      'capacity-not-available',
    )
  }

  /** Terminates one batch; on InvalidInstanceID.NotFound drops the missing ids and tries the rest again. */
  private async terminateBatch(ids: string[]): Promise<void> {
    let remaining = ids
    while (remaining.length > 0) {
      try {
        await this.client.send(new TerminateInstancesCommand({InstanceIds: remaining}))
        return
      } catch (error) {
        if (awsErrorCode(error) !== 'InvalidInstanceID.NotFound' && awsErrorCode(error) !== 'InvalidInstanceID.Malformed') {
          throw mapAwsError(error, this.context('TerminateInstances'))
        }
        const missing = new Set((error as Error).message.match(/i-[0-9a-zA-Z]+/g) ?? [])
        const rest = remaining.filter((id) => !missing.has(id))
        if (rest.length === remaining.length) {
          // The message named no id we sent: terminate one by one so each missing id is skipped alone.
          if (remaining.length === 1) return
          for (const id of remaining) await this.terminateBatch([id])
          return
        }
        remaining = rest
      }
    }
  }

  /** Maps one EC2 instance to the model. */
  private toInstance(i: Ec2Instance, resource?: string, name?: string): Instance {
    const tags = tagMap(i.Tags)
    return {
      id: i.InstanceId ?? '',
      name: name ?? (hostNameOf(tags, i.AmiLaunchIndex) || (i.InstanceId ?? '')),
      resource: resource ?? tags.get(TAG.resource) ?? '',
      state: stateOf(i.State?.Name),
      launchedAt: i.LaunchTime ? Math.floor(i.LaunchTime.getTime() / 1000) : 0,
      ...(i.PrivateIpAddress ? {address: i.PrivateIpAddress} : {}),
    }
  }

  /** Returns the aws cloud config of a resource served by this account, or throws. */
  private awsConfigOf(resource: ResourceConfig): AwsCloudConfig {
    if (resource.cloud.type !== 'aws') throw new CloudError(`Resource ${resource.name} is not an aws resource.`, 'WrongProvider')
    if (awsAccountKey(resource.cloud) !== awsAccountKey(this.account)) {
      throw new CloudError(`Resource ${resource.name} belongs to another AWS account, region or endpoint than this provider.`, 'WrongProvider')
    }
    return resource.cloud
  }

  /** Runs one SDK call and maps its error. */
  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw mapAwsError(error, this.context(action))
    }
  }

  private context(action: string) {
    return {action, region: this.account.region, profile: this.account.profile}
  }
}

/** Subnet, security groups and public-IP choice: a network interface when the public IP is chosen, else top-level fields. */
function networkSettings(cloud: AwsCloudConfig): Partial<RunInstancesCommandInput> {
  const groups = cloud.securityGroupIds.length > 0 ? cloud.securityGroupIds : undefined
  if (cloud.publicIp === undefined) return {SubnetId: cloud.subnetId, SecurityGroupIds: groups}
  return {
    NetworkInterfaces: [{DeviceIndex: 0, SubnetId: cloud.subnetId, Groups: groups, AssociatePublicIpAddress: cloud.publicIp, DeleteOnTermination: true}],
  }
}

/** Maps an EC2 state name to the model's instance state. */
function stateOf(state: string | undefined): Instance['state'] {
  switch (state) {
    case 'pending':
      return 'pending'
    case 'running':
      return 'running'
    case 'stopping':
    case 'shutting-down':
      return 'stopping'
    case 'terminated':
      return 'terminated'
    default:
      // stopped (or unknown): not a usable worker; the engine removes it.
      return 'error'
  }
}

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000))
}
