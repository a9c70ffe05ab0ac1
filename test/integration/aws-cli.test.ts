/**
 * The built CLI as a process (`node bin/run.js …`, built by `npm test` before the tests) with the
 * sim scheduler and an aws resource whose endpoint is moto_server: scale add, status, scale
 * remove, autoscale.
 */
import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DescribeImagesCommand, DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {requireBuild, runCliJson} from '../helpers/cli.js'
import {MOTO_ENV, startMoto, useMotoEnv, type Moto} from '../helpers/moto.js'

describe('dcaas CLI with an aws resource against moto_server', function () {
  this.timeout(120_000)
  let moto: Moto
  let restoreEnv: () => void
  let direct: EC2Client
  let work: string
  let configPath: string

  before(async () => {
    requireBuild()
    restoreEnv = useMotoEnv()
    work = mkdtempSync(join(tmpdir(), 'dcaas-aws-cli-'))
    moto = await startMoto()
    direct = new EC2Client({region: 'us-east-1', endpoint: moto.endpoint})
    const imageId = (await direct.send(new DescribeImagesCommand({Owners: ['amazon']}))).Images![0]!.ImageId!
    const stateDir = join(work, 'state')
    mkdirSync(stateDir)
    configPath = join(work, 'dcaas.yaml')
    writeFileSync(
      configPath,
      [
        'cluster: {name: clitest, head: 10.0.0.1}',
        'scheduler: {type: sim}',
        `stateDir: ${stateDir}`,
        'resources:',
        '  - name: ec2',
        '    min: 0',
        '    max: 4',
        '    priority: 1',
        '    userData: "#!/bin/sh\\necho {{node}}\\n"',
        '    cloud:',
        '      type: aws',
        '      region: us-east-1',
        `      endpoint: ${moto.endpoint}`,
        `      imageId: ${imageId}`,
        '      instanceType: c5.large',
        '',
      ].join('\n'),
    )
  })

  after(async () => {
    direct?.destroy()
    await moto?.stop()
    restoreEnv?.()
    if (work) rmSync(work, {recursive: true, force: true})
  })

  async function dcaas(...args: string[]): Promise<any> {
    return runCliJson([...args, '--config', configPath], {env: MOTO_ENV})
  }

  async function live(): Promise<{id: string; name?: string}[]> {
    const out = await direct.send(new DescribeInstancesCommand({Filters: [{Name: 'instance-state-name', Values: ['pending', 'running']}, {Name: 'tag:dcaas:cluster', Values: ['clitest']}]}))
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => ({id: i.InstanceId!, name: i.Tags?.find((t) => t.Key === 'dcaas:node')?.Value}))
  }

  it('scale add launches tagged instances, status shows them, scale remove terminates one, autoscale runs', async () => {
    await dcaas('scale', 'add', '2')
    const launched = await live()
    expect(launched).to.have.length(2)
    const names = launched.map((i) => i.name!).sort()
    expect(names.every((n) => typeof n === 'string' && n.length > 0)).to.equal(true)

    const status = JSON.stringify(await dcaas('status'))
    for (const instance of launched) {
      expect(status).to.contain(instance.id)
      expect(status).to.contain(instance.name!)
    }

    await dcaas('scale', 'remove', names[0]!)
    const left = await live()
    expect(left.map((i) => i.name)).to.deep.equal([names[1]])

    const report = await dcaas('autoscale')
    expect(report).to.be.an('object')
    // No queued jobs: the pass launches nothing on EC2.
    expect((await live()).map((i) => i.name)).to.not.include(names[0])
    expect((await live()).length).to.be.at.most(1)
  })
})
