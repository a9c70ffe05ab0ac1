import {expect} from 'chai'
import {checkConfig, formatIssue, formatPath} from '../../../src/config/schema.js'
import type {Config} from '../../../src/config/types.js'

const ENV = {HOME: '/home/ada'}

/** A small valid input; each case changes one part of a fresh copy. */
function base(): Record<string, any> {
  return {
    cluster: {name: 'test'},
    scheduler: {type: 'sim'},
    resources: [{name: 'small', cloud: {type: 'sim'}, max: 2}],
  }
}

/** The formatted issue lines of an input (fails the test if the input is valid). */
function problems(raw: unknown): string[] {
  const result = checkConfig(raw, {env: ENV})
  if (result.ok) expect.fail('expected the configuration to be invalid')
  return result.issues.map((issue) => formatIssue(issue))
}

function valid(raw: unknown): Config {
  const result = checkConfig(raw, {env: ENV})
  if (!result.ok) expect.fail(`expected a valid configuration, got:\n${result.issues.map((issue) => formatIssue(issue)).join('\n')}`)
  return result.config
}

describe('config schema', () => {
  it('fills every default of the Config contract', () => {
    expect(valid(base())).to.deep.equal({
      cluster: {name: 'test'},
      scheduler: {type: 'sim', commandTimeout: 30, queues: []},
      autoscale: {maxIdle: 600, maxDown: 480, maxLaunch: 1200, interval: 60, backoff: {initial: 60, factor: 2, max: 1800}, maxFailedBoots: 3},
      resources: [
        {name: 'small', cloud: {type: 'sim', cores: 8, memoryMiB: 32_768, bootTime: 120, bootFailureRate: 0, apiFailureRate: 0}, min: 0, max: 2, priority: 1},
      ],
      stateDir: '/home/ada/.local/state/dcaas/test',
      sim: {speed: 1, seed: 1},
      logging: {level: 'info'},
    })
  })

  it('turns durations into seconds and maps scheduler.ssh.privateKey to privateKeyPath', () => {
    const raw = base()
    raw.autoscale = {maxIdle: '10m', maxDown: '600s', maxLaunch: '1h30m', interval: 30, backoff: {initial: '2m', max: '1h'}}
    raw.scheduler = {type: 'sge', ssh: {host: 'head.example.org', privateKey: '/keys/id', connectTimeout: '5s'}, commandTimeout: '1m', queues: ['all.q']}
    raw.resources[0].cloud = {type: 'sim', bootTime: '3m'}
    const config = valid(raw)
    expect(config.autoscale).to.deep.equal({maxIdle: 600, maxDown: 600, maxLaunch: 5400, interval: 30, backoff: {initial: 120, factor: 2, max: 3600}, maxFailedBoots: 3})
    expect(config.scheduler).to.deep.equal({
      type: 'sge',
      ssh: {host: 'head.example.org', port: 22, user: 'root', privateKeyPath: '/keys/id', connectTimeout: 5},
      commandTimeout: 60,
      queues: ['all.q'],
    })
    expect(config.resources[0].cloud).to.include({bootTime: 180})
  })

  it('fills AWS and OpenStack defaults', () => {
    const raw = base()
    raw.resources = [
      {name: 'ec2', cloud: {type: 'aws', imageId: 'ami-1', instanceType: 'c5.large', spot: {maxPrice: 0.05}}, max: 3, priority: 2, reservation: {queue: 'gpu'}},
      {name: 'nectar', cloud: {type: 'openstack', authUrl: 'https://keystone.example.org:5000/v3', flavor: 'm1', image: 'img'}, min: 1, max: 1},
    ]
    const [aws, openstack] = valid(raw).resources
    expect(aws).to.deep.equal({
      name: 'ec2',
      cloud: {type: 'aws', imageId: 'ami-1', instanceType: 'c5.large', securityGroupIds: [], blockDevices: [], spot: {maxPrice: '0.05', timeout: 300}, tags: {}},
      min: 0,
      max: 3,
      priority: 2,
      reservation: {queue: 'gpu'},
    })
    expect(openstack.cloud).to.deep.equal({type: 'openstack', authUrl: 'https://keystone.example.org:5000/v3', flavor: 'm1', image: 'img', securityGroups: []})
  })

  it('takes stateDir from $DCAAS_STATE_DIR, then $XDG_STATE_HOME, then the file', () => {
    expect(checkConfig(base(), {env: {HOME: '/h', DCAAS_STATE_DIR: '/srv/dcaas'}})).to.deep.include({ok: true})
    const fromEnv = checkConfig(base(), {env: {HOME: '/h', DCAAS_STATE_DIR: '/srv/dcaas'}})
    const fromXdg = checkConfig(base(), {env: {HOME: '/h', XDG_STATE_HOME: '/x/state'}})
    const explicit = checkConfig({...base(), stateDir: '/var/lib/dcaas'}, {env: {DCAAS_STATE_DIR: '/srv/dcaas'}})
    expect(fromEnv.ok && fromEnv.config.stateDir).to.equal('/srv/dcaas')
    expect(fromXdg.ok && fromXdg.config.stateDir).to.equal('/x/state/dcaas/test')
    expect(explicit.ok && explicit.config.stateDir).to.equal('/var/lib/dcaas')
  })

  it('allows min = max = 0 (a resource that only scales by hand)', () => {
    const raw = base()
    raw.resources[0] = {...raw.resources[0], min: 0, max: 0}
    expect(valid(raw).resources[0]).to.include({min: 0, max: 0})
  })

  const cases: {name: string; change: (raw: Record<string, any>) => void; expected: string}[] = [
    {
      name: 'max below min',
      change: (raw) => raw.resources.push({name: 'big', cloud: {type: 'sim'}, min: 3, max: 1}),
      expected: 'resources[1].max: expected an integer >= min (3), got 1',
    },
    {name: 'a bad duration', change: (raw) => (raw.autoscale = {maxIdle: 'ten minutes'}), expected: 'autoscale.maxIdle: expected a duration like "10m" or a number of seconds, got "ten minutes"'},
    {name: 'an unknown scheduler', change: (raw) => (raw.scheduler.type = 'slurm'), expected: 'scheduler.type: expected one of sge, torque, sim, got "slurm"'},
    {name: 'an unknown cloud type', change: (raw) => (raw.resources[0].cloud = {type: 'gce'}), expected: 'resources[0].cloud.type: expected one of aws, openstack, sim, got "gce"'},
    {name: 'a cloud without type', change: (raw) => (raw.resources[0].cloud = {cores: 4}), expected: 'resources[0].cloud.type: missing, expected one of aws, openstack, sim'},
    {name: 'a misspelt key', change: (raw) => (raw.resources[0].maxx = 4), expected: 'resources[0].maxx: unknown key (did you mean "max"?)'},
    {name: 'a snake_case key', change: (raw) => (raw.autoscale = {max_idle: 5}), expected: 'autoscale.max_idle: unknown key (did you mean "maxIdle"?)'},
    {name: 'an unknown key far from any', change: (raw) => (raw.logging = {colour: 'red'}), expected: 'logging.colour: unknown key (expected one of level, file)'},
    {
      name: 'a resource name that is no host-name part',
      change: (raw) => (raw.resources[0].name = 'GPU_nodes'),
      expected: 'resources[0].name: expected lowercase letters, digits and "-" (not first or last, at most 63 characters; it becomes part of host names), got "GPU_nodes"',
    },
    {
      name: 'a cluster name ending in "-"',
      change: (raw) => (raw.cluster.name = 'hpc-'),
      expected: 'cluster.name: expected lowercase letters, digits and "-" (not first or last, at most 63 characters; it becomes part of host names), got "hpc-"',
    },
    {
      name: 'duplicate resource names',
      change: (raw) => raw.resources.push({name: 'small', cloud: {type: 'sim'}, max: 1}),
      expected: 'resources[1].name: expected a unique resource name (resources[0].name is the same), got "small"',
    },
    {name: 'a missing required field', change: (raw) => (raw.resources[0].cloud = {type: 'aws', instanceType: 't3.small'}), expected: 'resources[0].cloud.imageId: missing, expected a string'},
    {name: 'a missing max', change: (raw) => delete raw.resources[0].max, expected: 'resources[0].max: missing, expected an integer >= 0'},
    {name: 'a string for a number', change: (raw) => (raw.resources[0].min = 'two'), expected: 'resources[0].min: expected an integer >= 0, got "two"'},
    {name: 'a fraction for an integer', change: (raw) => (raw.resources[0].max = 2.5), expected: 'resources[0].max: expected an integer >= 0, got 2.5'},
    {name: 'a probability above 1', change: (raw) => (raw.resources[0].cloud.bootFailureRate = 1.5), expected: 'resources[0].cloud.bootFailureRate: expected a number >= 0 and <= 1, got 1.5'},
    {name: 'no resources', change: (raw) => (raw.resources = []), expected: 'resources: expected a list of at least one resource, got a list'},
    {name: 'a mapping where a list belongs', change: (raw) => (raw.scheduler.queues = {a: 1}), expected: 'scheduler.queues: expected a list, got a mapping'},
    {
      name: 'a URL that is none',
      change: (raw) => (raw.resources[0].cloud = {type: 'openstack', authUrl: 'keystone', flavor: 'f', image: 'i'}),
      expected: 'resources[0].cloud.authUrl: expected a URL, got "keystone"',
    },
    {name: 'an SSH port out of range', change: (raw) => (raw.scheduler.ssh = {host: 'h', port: 70_000}), expected: 'scheduler.ssh.port: expected an integer from 1 to 65535, got 70000'},
    {name: 'back-off max below initial', change: (raw) => (raw.autoscale = {backoff: {initial: '10m', max: '1m'}}), expected: 'autoscale.backoff.max: expected a duration >= backoff.initial (600s), got "1m"'},
    {name: 'an unknown log level', change: (raw) => (raw.logging = {level: 'verbose'}), expected: 'logging.level: expected one of error, warn, info, debug, got "verbose"'},
  ]
  for (const {name, change, expected} of cases) {
    it(`reports ${name}`, () => {
      const raw = base()
      change(raw)
      expect(problems(raw)).to.deep.equal([expected])
    })
  }

  it('reports a document that is not a mapping', () => {
    expect(problems(null)).to.deep.equal(['(top level): expected a mapping, got null'])
    expect(problems(['a'])).to.deep.equal(['(top level): expected a mapping, got a list'])
  })

  it('reports all errors at once', () => {
    const raw = base()
    raw.scheduler.type = 'slurm'
    raw.autoscale = {maxIdle: 'ten minutes'}
    raw.resources.push({name: 'big', cloud: {type: 'gce'}, min: 3, max: 1, maxx: 1})
    raw.extra = true
    expect(problems(raw)).to.have.members([
      'scheduler.type: expected one of sge, torque, sim, got "slurm"',
      'autoscale.maxIdle: expected a duration like "10m" or a number of seconds, got "ten minutes"',
      'resources[1].cloud.type: expected one of aws, openstack, sim, got "gce"',
      'resources[1].maxx: unknown key (did you mean "max"?)',
      'resources[1].max: expected an integer >= min (3), got 1',
      'extra: unknown key (expected one of cluster, scheduler, autoscale, resources, stateDir, sim, logging)',
    ])
  })

  it('orders issues by line when lines are known', () => {
    const raw = base()
    raw.scheduler.type = 'slurm'
    raw.cluster.name = 'X'
    const lines: Record<string, number> = {'cluster.name': 9, 'scheduler.type': 2}
    const result = checkConfig(raw, {env: ENV, lineOf: (path) => lines[path.join('.')]})
    expect(result.ok).to.equal(false)
    if (!result.ok) expect(result.issues.map((issue) => [formatPath(issue.path), issue.line])).to.deep.equal([['scheduler.type', 2], ['cluster.name', 9]])
  })

  describe('secrets', () => {
    const SECRETS = ['hunter2-os-password', 'app-cred-s3cret', 'tok-123456', 'AKIA-SHOULD-NOT-SHOW', 'aws/Secret+Key']

    it('never echoes a secret value, whatever is wrong with it', () => {
      const raw = base()
      raw.resources = [
        {
          name: 'os',
          cloud: {type: 'openstack', authUrl: 'https://k', flavor: 'f', image: 'i', password: ['hunter2-os-password'], applicationCredentialSecret: {value: 'app-cred-s3cret'}},
          max: 1,
        },
        {name: 'ec2', cloud: {type: 'aws', imageId: 'a', instanceType: 't', token: 'tok-123456', accessKeyId: 'AKIA-SHOULD-NOT-SHOW', secretAccessKey: 'aws/Secret+Key'}, max: 1},
      ]
      raw.scheduler.env = {DB_PASSWORD: 42}
      const lines = problems(raw)
      expect(lines).to.include('resources[0].cloud.password: expected a string, got a value (redacted)')
      expect(lines).to.include('resources[0].cloud.applicationCredentialSecret: expected a string, got a value (redacted)')
      expect(lines).to.include('resources[1].cloud.secretAccessKey: unknown key (AWS keys do not belong in the file: dcaas uses the AWS SDK credential chain — environment, cloud.profile, or an instance role)')
      expect(lines.filter((line) => line.startsWith('resources[1].cloud.token: unknown key'))).to.have.length(1)
      expect(lines).to.include('scheduler.env.DB_PASSWORD: expected a string, got a value (redacted)')
      const text = lines.join('\n')
      for (const secret of SECRETS) expect(text).not.to.include(secret)
      expect(text).not.to.include('42')
    })
  })
})
