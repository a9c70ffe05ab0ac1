/**
 * AwsCloud against a real EC2 API emulator (moto_server on 127.0.0.1), with a fault proxy for
 * the errors moto cannot produce (capacity, quota, throttling, spot never granted).
 */
import {expect} from 'chai'
import {DescribeImagesCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, type Instance as Ec2Instance} from '@aws-sdk/client-ec2'
import {AwsCloud, type AwsCloudOptions} from '../../src/cloud/aws.js'
import {AuthError, CapacityError, CloudError, QuotaError} from '../../src/cloud/provider.js'
import type {AwsCloudConfig, ResourceConfig} from '../../src/config/types.js'
import {startFaultProxy, startMoto, useMotoEnv, type FaultProxy, type Moto} from '../helpers/moto.js'

/** Records the SDK commands a client sends (one entry per command, not per HTTP attempt) and HTTP attempts. */
function recordCalls(client: EC2Client): {commands: {name: string; input: any}[]; attempts: string[]} {
  const log = {commands: [] as {name: string; input: any}[], attempts: [] as string[]}
  client.middlewareStack.add(
    (next, context) => async (args) => {
      log.commands.push({name: String(context.commandName), input: args.input})
      return next(args)
    },
    {step: 'initialize', name: 'dcaasTestCommands'},
  )
  client.middlewareStack.add(
    (next, context) => async (args) => {
      log.attempts.push(String(context.commandName))
      return next(args)
    },
    {step: 'finalizeRequest', name: 'dcaasTestAttempts', priority: 'low'},
  )
  return log
}

function count(names: string[], name: string): number {
  return names.filter((n) => n === name).length
}

describe('AwsCloud against moto_server', function () {
  this.timeout(60_000)
  let moto: Moto
  let restoreEnv: () => void
  let imageId: string
  let direct: EC2Client

  before(async () => {
    restoreEnv = useMotoEnv()
    moto = await startMoto()
    direct = new EC2Client({region: 'us-east-1', endpoint: moto.endpoint})
    const images = await direct.send(new DescribeImagesCommand({Owners: ['amazon']}))
    imageId = images.Images![0]!.ImageId!
  })

  after(async () => {
    direct?.destroy()
    await moto?.stop()
    restoreEnv?.()
  })

  beforeEach(async () => {
    await moto.setAuth(Infinity)
    await moto.reset()
  })

  function resource(name: string, endpoint: string, cloud: Partial<AwsCloudConfig> = {}, extra: Partial<ResourceConfig> = {}): ResourceConfig {
    return {
      name,
      min: 0,
      max: 100,
      priority: 1,
      cloud: {
        type: 'aws',
        region: 'us-east-1',
        endpoint,
        imageId,
        instanceType: 't3.micro',
        keyName: undefined,
        securityGroupIds: [],
        blockDevices: [{deviceName: '/dev/xvda', volumeSizeGiB: 20, volumeType: 'gp3', deleteOnTermination: true}],
        tags: {owner: 'hpc-team'},
        ...cloud,
      },
      ...extra,
    }
  }

  function cloudAt(endpoint: string, options: AwsCloudOptions = {}): AwsCloud {
    return new AwsCloud({region: 'us-east-1', endpoint}, {maxAttempts: 3, tagRetryDelay: 0.05, spotPollInterval: 0.2, ...options})
  }

  async function describeAll(): Promise<Ec2Instance[]> {
    const out = await direct.send(new DescribeInstancesCommand({}))
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])
  }

  function userDataFor(names: string[]): Record<string, string> {
    return Object.fromEntries(names.map((n) => [n, `#!/bin/sh\necho node=${n} cluster=c1 head=10.0.0.1\n`]))
  }

  it('launches all workers in one RunInstances call with the tags set at creation, then names each instance', async () => {
    const cloud = cloudAt(moto.endpoint)
    const calls = recordCalls(cloud.client)
    const names = ['c1-w1', 'c1-w2', 'c1-w3']
    const launched = await cloud.launch({resource: resource('small', moto.endpoint), cluster: 'c1', names, userData: userDataFor(names)})

    expect(count(calls.commands.map((c) => c.name), 'RunInstancesCommand')).to.equal(1)
    const run = calls.commands.find((c) => c.name === 'RunInstancesCommand')!.input
    expect(run.MinCount).to.equal(3)
    expect(run.MaxCount).to.equal(3)
    const created = Object.fromEntries(run.TagSpecifications[0].Tags.map((t: any) => [t.Key, t.Value]))
    expect(created['dcaas:cluster']).to.equal('c1')
    expect(created['dcaas:resource']).to.equal('small')
    expect(created['dcaas:nodes:0']).to.equal('c1-w1 c1-w2 c1-w3')
    expect(created).to.not.have.property('Name')

    expect(launched.map((i) => i.name).sort()).to.deep.equal(names)
    expect(launched.every((i) => i.resource === 'small' && i.id.startsWith('i-'))).to.equal(true)

    const seen = await describeAll()
    expect(seen).to.have.length(3)
    const tokens = new Set<string>()
    for (const instance of seen) {
      const tags = Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key, t.Value]))
      expect(tags['dcaas:cluster']).to.equal('c1')
      expect(tags['dcaas:resource']).to.equal('small')
      expect(tags.owner).to.equal('hpc-team')
      expect(tags.Name).to.equal(names[instance.AmiLaunchIndex!])
      expect(tags['dcaas:node']).to.equal(names[instance.AmiLaunchIndex!])
      tokens.add(tags['dcaas:launch-token']!)
    }
    expect(tokens.size).to.equal(1)
    const userData = Buffer.from(run.UserData, 'base64').toString('utf8')
    expect(userData).to.contain('DCAAS_NODES="c1-w1 c1-w2 c1-w3"')
  })

  it('recognises instances of a launch killed before the per-instance names were set', async () => {
    // The proxy refuses every CreateTags, as if the pass died right after RunInstances.
    const proxy = await startFaultProxy(moto.endpoint, {
      fail: (action) => (action === 'CreateTags' ? {code: 'InternalError', message: 'pass killed', status: 500} : undefined),
    })
    try {
      const cloud = cloudAt(proxy.endpoint, {maxAttempts: 1})
      const names = ['c1-a1', 'c1-a2', 'c1-a3', 'c1-a4']
      await cloud.launch({resource: resource('small', proxy.endpoint), cluster: 'c1', names, userData: userDataFor(names)})
      const untagged = await describeAll()
      expect(untagged.some((i) => (i.Tags ?? []).some((t) => t.Key === 'dcaas:node' || t.Key === 'Name'))).to.equal(false)

      const fresh = cloudAt(moto.endpoint)
      const listed = await fresh.list('c1')
      expect(listed.map((i) => i.name).sort()).to.deep.equal(names)
      expect(listed.every((i) => i.resource === 'small')).to.equal(true)
      for (const instance of untagged) {
        expect(listed.find((i) => i.id === instance.InstanceId)!.name).to.equal(names[instance.AmiLaunchIndex!])
      }
    } finally {
      await proxy.stop()
    }
  })

  it('lists every page of a cluster of more instances than one page, and only this cluster', async () => {
    // moto pages by reservation, so each instance gets its own RunInstances call here.
    const cloud = cloudAt(moto.endpoint, {pageSize: 10})
    const names = Array.from({length: 25}, (_, i) => `big-${i + 1}`)
    for (const name of names) {
      await cloud.launch({resource: resource('small', moto.endpoint), cluster: 'big', names: [name], userData: {}})
    }
    await cloud.launch({resource: resource('small', moto.endpoint), cluster: 'other', names: ['other-1'], userData: {}})
    const calls = recordCalls(cloud.client)
    const listed = await cloud.list('big')
    expect(listed.map((i) => i.name).sort()).to.deep.equal([...names].sort())
    expect(count(calls.attempts, 'DescribeInstancesCommand')).to.equal(3)
    expect(listed.every((i) => i.launchedAt > 0 && typeof i.address === 'string' && ['pending', 'running'].includes(i.state))).to.equal(true)
  })

  it('terminates in batches and skips ids that no longer exist', async () => {
    const cloud = cloudAt(moto.endpoint, {terminateBatchSize: 10})
    const names = Array.from({length: 12}, (_, i) => `t-${i + 1}`)
    const launched = await cloud.launch({resource: resource('small', moto.endpoint), cluster: 't', names, userData: {}})
    const calls = recordCalls(cloud.client)
    const ids = [...launched.map((i) => i.id), 'i-0123456789abcdef0', 'i-0fedcba9876543210']
    await cloud.terminate(ids)
    const terminateCalls = calls.commands.filter((c) => c.name === 'TerminateInstancesCommand')
    expect(terminateCalls.every((c) => c.input.InstanceIds.length <= 10)).to.equal(true)
    expect(terminateCalls.length).to.be.greaterThanOrEqual(2)
    expect(await cloud.list('t')).to.deep.equal([])
    const states = (await describeAll()).map((i) => i.State?.Name)
    expect(states.every((s) => s === 'terminated' || s === 'shutting-down')).to.equal(true)
    await cloud.terminate(launched.map((i) => i.id)) // again: not an error
  })

  it('reads the worker shape from DescribeInstanceTypes once per type; config overrides win', async () => {
    const cloud = cloudAt(moto.endpoint)
    const calls = recordCalls(cloud.client)
    const small = resource('small', moto.endpoint, {instanceType: 'c5.large'})
    expect(await cloud.shape(small)).to.deep.equal({cores: 2, memoryMiB: 4096})
    expect(await cloud.shape(resource('again', moto.endpoint, {instanceType: 'c5.large'}))).to.deep.equal({cores: 2, memoryMiB: 4096})
    expect(count(calls.commands.map((c) => c.name), 'DescribeInstanceTypesCommand')).to.equal(1)
    expect(await cloud.shape({...small, memoryMiB: 3000})).to.deep.equal({cores: 2, memoryMiB: 3000})
    expect(await cloud.shape({...small, cloud: {...small.cloud, instanceType: 'x9.none'} as AwsCloudConfig, cores: 4, memoryMiB: 8000})).to.deep.equal({
      cores: 4,
      memoryMiB: 8000,
    })
    expect(count(calls.commands.map((c) => c.name), 'DescribeInstanceTypesCommand')).to.equal(1)
    let error: unknown
    try {
      await cloud.shape(resource('bad', moto.endpoint, {instanceType: 'x9.none'}))
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(CloudError)
    expect((error as CloudError).code).to.equal('InvalidInstanceType')
  })

  it('launches spot workers with the max price and waits until they run', async () => {
    const cloud = cloudAt(moto.endpoint)
    const calls = recordCalls(cloud.client)
    const names = ['s-1', 's-2']
    await cloud.launch({resource: resource('spot', moto.endpoint, {spot: {maxPrice: '0.05', timeout: 10}}), cluster: 'c1', names, userData: {}})
    const run = calls.commands.find((c) => c.name === 'RunInstancesCommand')!.input
    expect(run.InstanceMarketOptions).to.deep.equal({MarketType: 'spot', SpotOptions: {SpotInstanceType: 'one-time', MaxPrice: '0.05'}})
    const seen = await describeAll()
    expect(seen.map((i) => i.InstanceLifecycle)).to.deep.equal(['spot', 'spot'])
    expect(seen.map((i) => i.State?.Name)).to.deep.equal(['running', 'running'])
  })

  it('terminates spot workers that do not run within the timeout and reports a capacity error', async () => {
    const proxy = await startFaultProxy(moto.endpoint, {
      // moto starts instances at once; keep them "pending" as seen by the provider.
      rewrite: (action, body) => (action === 'DescribeInstances' ? body.replaceAll('<name>running</name>', '<name>pending</name>') : body),
    })
    try {
      const cloud = cloudAt(proxy.endpoint)
      let error: unknown
      try {
        await cloud.launch({resource: resource('spot', proxy.endpoint, {spot: {maxPrice: '0.01', timeout: 1}}), cluster: 'c1', names: ['s-1', 's-2'], userData: {}})
      } catch (e) {
        error = e
      }
      expect(error).to.be.instanceOf(CapacityError)
      expect((error as Error).message).to.match(/2 of 2 spot instances/)
      const states = (await describeAll()).map((i) => i.State?.Name)
      expect(states).to.have.length(2)
      expect(states.every((s) => s === 'terminated' || s === 'shutting-down')).to.equal(true)
    } finally {
      await proxy.stop()
    }
  })

  for (const [code, type] of [
    ['InsufficientInstanceCapacity', CapacityError],
    ['VcpuLimitExceeded', QuotaError],
    ['InstanceLimitExceeded', QuotaError],
  ] as const) {
    it(`maps a real ${code} response from RunInstances to ${type.name}, without retries`, async () => {
      const proxy = await startFaultProxy(moto.endpoint, {fail: (action) => (action === 'RunInstances' ? {code, message: `We currently do not have sufficient capacity (${code}).`} : undefined)})
      try {
        const cloud = cloudAt(proxy.endpoint)
        let error: unknown
        try {
          await cloud.launch({resource: resource('small', proxy.endpoint), cluster: 'c1', names: ['x-1'], userData: {}})
        } catch (e) {
          error = e
        }
        expect(error).to.be.instanceOf(type)
        expect((error as CloudError).code).to.equal(code)
        expect(count(proxy.actions, 'RunInstances')).to.equal(1)
        expect(await describeAll()).to.deep.equal([])
      } finally {
        await proxy.stop()
      }
    })
  }

  it('leaves throttling to the SDK retries', async () => {
    let throttled = 0
    const proxy = await startFaultProxy(moto.endpoint, {
      fail: (action) => (action === 'DescribeInstances' && throttled++ < 2 ? {code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503} : undefined),
    })
    try {
      const cloud = cloudAt(proxy.endpoint, {maxAttempts: 4})
      expect(await cloud.list('c1')).to.deep.equal([])
      expect(count(proxy.actions, 'DescribeInstances')).to.equal(3)
    } finally {
      await proxy.stop()
    }
  })

  it('reports refused credentials (moto IAM auth) as one AuthError after one attempt', async () => {
    await moto.setAuth(0)
    const cloud = cloudAt(moto.endpoint, {maxAttempts: 5})
    const calls = recordCalls(cloud.client)
    let error: unknown
    try {
      await cloud.list('c1')
    } catch (e) {
      error = e
    }
    expect(error).to.be.instanceOf(AuthError)
    expect((error as AuthError).retryable).to.equal(false)
    expect((error as Error).message).to.match(/AWS refused the credentials .*AuthFailure/)
    expect(calls.attempts).to.have.length(1)
  })

  it('reports missing credentials as an AuthError', async () => {
    const saved = {id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN}
    delete process.env.AWS_ACCESS_KEY_ID
    delete process.env.AWS_SECRET_ACCESS_KEY
    delete process.env.AWS_SESSION_TOKEN
    try {
      const cloud = cloudAt(moto.endpoint)
      let error: unknown
      try {
        await cloud.list('c1')
      } catch (e) {
        error = e
      }
      expect(error).to.be.instanceOf(AuthError)
      expect((error as Error).message).to.match(/no AWS credentials were found/)
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret
      process.env.AWS_SESSION_TOKEN = saved.token
    }
  })

  it('lists a stopped instance of the cluster as an error and never instances of other clusters', async () => {
    const cloud = cloudAt(moto.endpoint)
    await direct.send(
      new RunInstancesCommand({ImageId: imageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'dcaas:cluster', Value: 'c9'}]}]}),
    )
    const [stopped] = (await describeAll()).map((i) => i.InstanceId!)
    await direct.send(new StopInstancesCommand({InstanceIds: [stopped!]}))
    const listed = await cloud.list('c9')
    expect(listed).to.have.length(1)
    expect(listed[0]!.state).to.equal('error')
    // Not launched by dcaas: no name table, so it is listed under its id and never matches a node.
    expect(listed[0]!.name).to.equal(listed[0]!.id)
    expect(await cloud.list('c10')).to.deep.equal([])
  })
})
