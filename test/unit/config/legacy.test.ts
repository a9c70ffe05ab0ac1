import {expect} from 'chai'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'yaml'
import {convertLegacy, importLegacyFile} from '../../../src/config/legacy.js'
import {parseConfigText} from '../../../src/config/load.js'
import {DcaasError, EXIT} from '../../../src/errors.js'

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'legacy')
const fixture = (name: string) => join(FIXTURES, name)
/** Secret values that appear in the legacy fixtures. */
const AWS_SECRETS = ['AKIAFIXTUREFIXTURE00', 'fixture/Secret+Key/do-not-echo-0123456789', 'AKIASGEFIXTURE000000', 'sge/Fixture+Secret/do-not-echo-9876543210']

async function rejection(promise: Promise<unknown>): Promise<DcaasError> {
  try {
    await promise
  } catch (error) {
    expect(error).to.be.instanceOf(DcaasError)
    return error as DcaasError
  }
  return expect.fail('expected the import to fail')
}

describe('config import of a legacy dynamiccluster.yaml', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dcaas-import-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  for (const [kind, cluster, resources] of [
    ['torque', 'torque-hpc', 2],
    ['sge', 'sge-hpc', 2],
  ] as const) {
    it(`converts the ${kind} fixture to exactly the expected file`, async () => {
      const output = join(dir, 'dcaas.yaml')
      const result = await importLegacyFile(fixture(`${kind}-dynamiccluster.yaml`), {output, clusterName: cluster, env: {HOME: dir}})
      const written = readFileSync(output, 'utf8')
      expect(written.replace(`${kind}-dynamiccluster.yaml`, 'SOURCE')).to.equal(readFileSync(fixture(`${kind}-dcaas.expected.yaml`), 'utf8').replace(`${kind}-dynamiccluster.yaml`, 'SOURCE'))
      expect(result.resources).to.equal(resources)
      expect(statSync(output).mode & 0o777).to.equal(0o600)
      for (const secret of AWS_SECRETS) expect(written).not.to.include(secret)
      // The written file is a valid dcaas configuration.
      expect(parseConfigText(written, output, {HOME: dir}).cluster.name).to.equal(cluster)
    })
  }

  it('maps the Torque fixture key by key and lists each key it cannot carry over', () => {
    const conversion = convertLegacy(parse(readFileSync(fixture('torque-dynamiccluster.yaml'), 'utf8')), {clusterName: 'x'})
    const [openstack, aws] = conversion.document.resources as Record<string, any>[]
    expect(conversion.document.autoscale).to.deep.equal({maxIdle: '10m', maxDown: '8m', maxLaunch: '20m', interval: '1m'})
    expect(conversion.document.scheduler).to.deep.equal({type: 'torque', queues: ['short', 'long']})
    expect(openstack).to.deep.include({name: 'nectar-sa', priority: 1, min: 0, max: 10, reservation: {queue: 'short', property: 'nectar'}})
    expect(openstack.cloud).to.deep.include({type: 'openstack', projectName: 'pt-1234', image: '8c5b2e0e-0d8b-4a3b-9a1e-2f6d2f0c9a11', authUrl: 'https://keystone.example.org:5000/v3/'})
    expect(aws).to.deep.include({name: 'aws-burst', priority: 2, min: 1, max: 4, reservation: {queue: 'long', account: 'physics'}})
    expect(aws.cloud).to.deep.equal({
      type: 'aws',
      imageId: 'ami-0abc1234def567890',
      instanceType: 'c5.2xlarge',
      region: 'ap-southeast-2',
      keyName: 'headnode',
      securityGroupIds: ['sg-0a1b2c3d'],
      subnetId: 'subnet-0123abcd',
      publicIp: true,
      spot: {maxPrice: '0.25', timeout: '5m'},
    })
    expect(conversion.document.logging).to.deep.equal({level: 'debug', file: '/var/log/dynamiccluster/dynamiccluster.log'})
    const paths = conversion.unmapped.map((key) => key.path)
    expect(paths).to.include.members([
      'dynamic-cluster.cluster_poller_interval',
      'dynamic-cluster.auto_mode',
      'dynamic-cluster.admin-server',
      'cluster.config.qstat_command',
      'cloud.nectar_sa.config.userdata_file',
      'cloud.aws-burst.config.access_key_id',
      'cloud.aws-burst.config.secret_access_key',
      'cloud.aws-burst.config.availability_zone',
      'plugins',
      'logging.log_format',
      'logging.log_max_size',
    ])
    expect(paths).to.have.length(32)
    expect(conversion.unmapped.find((key) => key.path === 'cloud.aws-burst.config.secret_access_key')?.note).to.match(/credential chain/)
    expect(JSON.stringify(conversion.unmapped)).not.to.include('do-not-echo')
    expect(conversion.notes).to.deep.equal(['cloud.nectar_sa: resource renamed to "nectar-sa" (names become parts of host names)'])
  })

  it('reads the SGE fixture: hyphenated keys, a logging dictConfig, security group names not carried', () => {
    const conversion = convertLegacy(parse(readFileSync(fixture('sge-dynamiccluster.yaml'), 'utf8')), {clusterName: 'x'})
    expect(conversion.document.autoscale).to.deep.equal({maxIdle: '15m', maxDown: '5m', maxLaunch: '30m'})
    expect(conversion.document.logging).to.deep.equal({file: '/var/log/dynamiccluster.log', level: 'info'})
    expect(conversion.unmapped.map((key) => key.path)).to.deep.equal([
      'dynamic-cluster.config-checking-period',
      'dynamic-cluster.cloud-poller',
      'dynamic-cluster.auto-mode',
      'cluster.config.queued_job_number_to_display',
      'cluster.config.qstat_command',
      'cluster.config.qhost_command',
      'cluster.config.hostgroup_command',
      'cluster.config.qmod_command',
      'cluster.config.remove_node_command',
      'cloud.gpu_aws.config.access_key_id',
      'cloud.gpu_aws.config.secret_access_key',
      'cloud.gpu_aws.config.security_groups',
      'cloud.gpu_aws.config.spot_timeout',
      'logging.disable_existing_loggers',
      'logging.formatters',
      'logging.handlers.file.class',
      'logging.handlers.file.formatter',
      'logging.handlers.file.maxBytes',
      'logging.handlers.file.backupCount',
      'logging.root.handlers',
    ])
  })

  it('writes nothing when the converted configuration is invalid, and says why', async () => {
    const legacy = join(dir, 'bad.yaml')
    writeFileSync(
      legacy,
      ['cluster: {type: slurm}', 'cloud:', '  ec2:', '    type: aws', '    quantity: {min: 3, max: 1}', '    config:', '      secret_access_key: Do-Not-Print-Me', '      instance_type: t3.micro'].join('\n'),
    )
    const output = join(dir, 'out.yaml')
    const error = await rejection(importLegacyFile(legacy, {output, clusterName: 'hpc', env: {HOME: dir}}))
    expect(error.exitCode).to.equal(EXIT.CONFIG)
    expect(error.message).to.equal(
      [
        `Cannot import ${legacy}: the converted configuration would be invalid:`,
        '  scheduler.type: expected one of sge, torque, sim, got "slurm"',
        '  resources[0].cloud.imageId: missing, expected a string',
        '  resources[0].max: expected an integer >= min (3), got 1',
      ].join('\n'),
    )
    expect(error.message).not.to.include('Do-Not-Print-Me')
    expect(readdirSync(dir)).to.deep.equal(['bad.yaml'])
  })

  it('writes nothing when the legacy file is missing or not YAML', async () => {
    const output = join(dir, 'out.yaml')
    expect((await rejection(importLegacyFile(join(dir, 'missing.yaml'), {output, clusterName: 'hpc'}))).exitCode).to.equal(EXIT.CONFIG)
    writeFileSync(join(dir, 'broken.yaml'), 'cloud: [unclosed\n')
    expect((await rejection(importLegacyFile(join(dir, 'broken.yaml'), {output, clusterName: 'hpc'}))).exitCode).to.equal(EXIT.CONFIG)
    expect(existsSync(output)).to.equal(false)
  })

  it('refuses to overwrite an existing file unless forced', async () => {
    const output = join(dir, 'dcaas.yaml')
    writeFileSync(output, 'keep me\n')
    const error = await rejection(importLegacyFile(fixture('sge-dynamiccluster.yaml'), {output, clusterName: 'hpc'}))
    expect(error.exitCode).to.equal(EXIT.REFUSED)
    expect(readFileSync(output, 'utf8')).to.equal('keep me\n')
    await importLegacyFile(fixture('sge-dynamiccluster.yaml'), {output, clusterName: 'hpc', force: true})
    expect(readFileSync(output, 'utf8')).to.include('name: hpc')
    expect(readdirSync(dir)).to.deep.equal(['dcaas.yaml'])
  })
})
