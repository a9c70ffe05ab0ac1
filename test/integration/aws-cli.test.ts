/**
 * The built CLI as a process (`node bin/run.js …`) with the sim scheduler and an aws resource whose
 * endpoint is moto_server: scale add, status, scale remove, autoscale. The CLI is compiled into a
 * private directory so the shared dist/ is never touched.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {promisify} from 'node:util'
import {DescribeImagesCommand, DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {MOTO_ENV, startMoto, useMotoEnv, type Moto} from '../helpers/moto.js'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')

describe('dcaas CLI with an aws resource against moto_server', function () {
  this.timeout(120_000)
  let moto: Moto
  let restoreEnv: () => void
  let direct: EC2Client
  let cli: string
  let configPath: string

  before(async () => {
    restoreEnv = useMotoEnv()
    cli = mkdtempSync(join(tmpdir(), 'dcaas-aws-cli-'))
    const [started] = await Promise.all([startMoto(), run('npx', ['tsc', '-p', join(root, 'tsconfig.json'), '--outDir', join(cli, 'dist')], {cwd: root})])
    moto = started
    cpSync(join(root, 'package.json'), join(cli, 'package.json'))
    cpSync(join(root, 'bin'), join(cli, 'bin'), {recursive: true})
    symlinkSync(join(root, 'node_modules'), join(cli, 'node_modules'))
    direct = new EC2Client({region: 'us-east-1', endpoint: moto.endpoint})
    const imageId = (await direct.send(new DescribeImagesCommand({Owners: ['amazon']}))).Images![0]!.ImageId!
    const stateDir = join(cli, 'state')
    mkdirSync(stateDir)
    configPath = join(cli, 'dcaas.yaml')
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
    if (cli) rmSync(cli, {recursive: true, force: true})
  })

  async function dcaas(...args: string[]): Promise<any> {
    const {stdout} = await run('node', [join(cli, 'bin', 'run.js'), ...args, '--config', configPath, '--json'], {env: {...process.env, ...MOTO_ENV}})
    return JSON.parse(stdout)
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
