/**
 * Autoscale passes (the real engine: observe → plan → act) with AwsCloud against moto_server and
 * a call-recording in-memory scheduler: launch for queued jobs, a pass killed between launch and
 * registration, and a capacity error that moves launches to the next resource.
 */
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DescribeImagesCommand, DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {AwsCloud} from '../../src/cloud/aws.js'
import type {Config, ResourceConfig} from '../../src/config/types.js'
import type {Job, SchedulerNode} from '../../src/core/model.js'
import type {Backends} from '../../src/engine/backends.js'
import {runPass} from '../../src/engine/pass.js'
import {openStateStore} from '../../src/engine/state-store.js'
import type {NodeRegistration, Scheduler, SchedulerObservation} from '../../src/scheduler/scheduler.js'
import {startFaultProxy, startMoto, useMotoEnv, type FaultProxy, type Moto} from '../helpers/moto.js'

/** An in-memory scheduler that records registrations; `failAdd` makes addNode throw (a pass dying there). */
class RecordingScheduler implements Scheduler {
  readonly kind = 'sim'
  nodes = new Map<string, SchedulerNode>()
  added: string[] = []
  failAdd = false
  constructor(public jobs: Job[]) {}
  async observe(): Promise<SchedulerObservation> {
    return {nodes: [...this.nodes.values()], jobs: this.jobs}
  }
  async addNode(node: NodeRegistration): Promise<void> {
    if (this.failAdd) throw new Error('pass killed before registration')
    this.added.push(node.name)
    this.nodes.set(node.name, {name: node.name, status: 'down', held: false, slots: node.slots, slotsUsed: 0, jobs: []})
  }
  async holdNode(): Promise<void> {}
  async releaseNode(): Promise<void> {}
  async vacateNode(): Promise<void> {}
  async removeNode(name: string): Promise<void> {
    this.nodes.delete(name)
  }
}

function queued(id: string, cores: number): Job {
  return {id, state: 'queued', cores, submittedAt: 1, hosts: []}
}

describe('autoscale passes with AwsCloud against moto_server', function () {
  this.timeout(60_000)
  let moto: Moto
  let proxy: FaultProxy
  let restoreEnv: () => void
  let imageId: string
  let direct: EC2Client
  const dirs: string[] = []

  before(async () => {
    restoreEnv = useMotoEnv()
    moto = await startMoto()
    proxy = await startFaultProxy(moto.endpoint)
    direct = new EC2Client({region: 'us-east-1', endpoint: moto.endpoint})
    imageId = (await direct.send(new DescribeImagesCommand({Owners: ['amazon']}))).Images![0]!.ImageId!
  })

  after(async () => {
    direct?.destroy()
    await proxy?.stop()
    await moto?.stop()
    restoreEnv?.()
    for (const dir of dirs) rmSync(dir, {recursive: true, force: true})
  })

  beforeEach(async () => {
    proxy.rules = {}
    proxy.actions.length = 0
    await moto.reset()
  })

  function stateDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'dcaas-aws-engine-'))
    dirs.push(dir)
    return dir
  }

  function awsResource(name: string, priority: number, instanceType: string): ResourceConfig {
    return {
      name,
      priority,
      min: 0,
      max: 4,
      cloud: {type: 'aws', region: 'us-east-1', endpoint: proxy.endpoint, imageId, instanceType, securityGroupIds: [], blockDevices: [], tags: {}},
      userData: '#!/bin/sh\necho {{node}} {{cluster}} {{head}}\n',
    }
  }

  function config(resources: ResourceConfig[]): Config {
    return {
      cluster: {name: 'eng', head: '10.0.0.1'},
      scheduler: {type: 'sim', commandTimeout: 30, queues: []},
      autoscale: {maxIdle: 600, maxDown: 480, maxLaunch: 1200, interval: 60, backoff: {initial: 600, factor: 2, max: 1800}, maxFailedBoots: 3},
      resources,
      stateDir: stateDir(),
      sim: {speed: 1, seed: 1},
      logging: {level: 'info'},
    }
  }

  function backends(scheduler: Scheduler, cloud: AwsCloud, now: number): Backends {
    return {scheduler, cloudFor: () => cloud, providers: () => [cloud], now: () => now, close: async () => {}}
  }

  async function liveInstances(): Promise<{id: string; resource?: string}[]> {
    const out = await direct.send(new DescribeInstancesCommand({Filters: [{Name: 'instance-state-name', Values: ['pending', 'running']}]}))
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => ({id: i.InstanceId!, resource: i.Tags?.find((t) => t.Key === 'dcaas:resource')?.Value}))
  }

  it('launches for queued jobs in one call and registers the workers', async () => {
    const cfg = config([awsResource('c5', 1, 'c5.large')])
    const scheduler = new RecordingScheduler([queued('1', 2), queued('2', 2)])
    const cloud = new AwsCloud({region: 'us-east-1', endpoint: proxy.endpoint}, {maxAttempts: 1})
    const report = await runPass(cfg, backends(scheduler, cloud, 1000), openStateStore(cfg.stateDir))
    expect(report.outcomes.filter((o) => o.status === 'failed')).to.deep.equal([])
    expect(proxy.actions.filter((a) => a === 'RunInstances')).to.have.length(1)
    expect(await liveInstances()).to.have.length(2)
    expect(scheduler.added).to.have.length(2)
    const listed = await cloud.list('eng')
    expect(listed.map((i) => i.name).sort()).to.deep.equal([...scheduler.added].sort())
  })

  it('after a pass killed between launch and registration, the next pass registers the tagged instances and launches nothing', async () => {
    // Pass 1 dies after RunInstances: the per-instance names are never written, nothing is registered, state is lost.
    proxy.rules = {fail: (action) => (action === 'CreateTags' ? {code: 'InternalError', message: 'killed', status: 500} : undefined)}
    const jobs = [queued('1', 2), queued('2', 2)]
    const first = new RecordingScheduler(jobs)
    first.failAdd = true
    const cfg1 = config([awsResource('c5', 1, 'c5.large')])
    const cloud = new AwsCloud({region: 'us-east-1', endpoint: proxy.endpoint}, {maxAttempts: 1, tagRetryDelay: 0.01})
    const pass1 = await runPass(cfg1, backends(first, cloud, 1000), openStateStore(cfg1.stateDir))
    const launchedNames = pass1.outcomes.flatMap((o) => (o.action.kind === 'launch' ? o.action.names : []))
    expect(launchedNames).to.have.length(2)
    expect(await liveInstances()).to.have.length(2)

    // Pass 2: a fresh state directory (the killed pass saved nothing), a scheduler that works.
    proxy.rules = {}
    proxy.actions.length = 0
    const second = new RecordingScheduler(jobs)
    const cfg2 = {...config([awsResource('c5', 1, 'c5.large')]), resources: cfg1.resources}
    const pass2 = await runPass(cfg2, backends(second, new AwsCloud({region: 'us-east-1', endpoint: proxy.endpoint}), 1060), openStateStore(cfg2.stateDir))
    expect(proxy.actions.filter((a) => a === 'RunInstances')).to.deep.equal([])
    expect(pass2.plan.actions.filter((a) => a.kind === 'launch')).to.deep.equal([])
    expect([...second.added].sort()).to.deep.equal([...launchedNames].sort())
    expect(await liveInstances()).to.have.length(2)
  })

  it('backs off a resource whose launch hits a capacity error and launches on the next resource', async () => {
    proxy.rules = {
      fail: (action, params) =>
        action === 'RunInstances' && params.get('InstanceType') === 'c5.large'
          ? {code: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient c5.large capacity.', status: 500}
          : undefined,
    }
    const cfg = config([awsResource('first', 1, 'c5.large'), awsResource('second', 2, 't3.large')])
    const store = openStateStore(cfg.stateDir)
    const scheduler = new RecordingScheduler([queued('1', 2), queued('2', 2)])
    const cloud = new AwsCloud({region: 'us-east-1', endpoint: proxy.endpoint}, {maxAttempts: 2})
    const outcomes = []
    for (const now of [1000, 1060, 1120]) {
      const report = await runPass(cfg, backends(scheduler, cloud, now), store)
      outcomes.push(...report.outcomes)
      if ((await liveInstances()).length >= 2) break
    }
    const failed = outcomes.filter((o) => o.status === 'failed')
    expect(failed).to.have.length(1)
    expect(failed[0]!.error).to.match(/InsufficientInstanceCapacity.*backs off/)
    const live = await liveInstances()
    expect(live).to.have.length(2)
    expect(live.every((i) => i.resource === 'second')).to.equal(true)
    // EC2 answers InsufficientInstanceCapacity with HTTP 500, which the SDK retries (maxAttempts 2, same
    // ClientToken, so never a double launch); then one granted call on the next resource.
    expect(proxy.actions.filter((a) => a === 'RunInstances')).to.have.length(3)
  })
})
