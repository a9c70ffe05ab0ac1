import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {captureOutput} from '@oclif/test'
import {parse} from 'yaml'
import ConfigImport from '../../../src/commands/config/import.js'
import ConfigShow from '../../../src/commands/config/show.js'
import ConfigValidate from '../../../src/commands/config/validate.js'
import {parseConfigText} from '../../../src/config/load.js'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const LEGACY = join(ROOT, 'test', 'fixtures', 'legacy')

type Runnable = {run(argv: string[], root: string): Promise<unknown>}
/** Runs a command class in-process and captures its output, result and error. */
const run = (command: Runnable, argv: string[]) => captureOutput(() => command.run(argv, ROOT))
const exitOf = (error: unknown) => (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit

describe('config commands', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dcaas-config-cmd-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  describe('the example files validate', () => {
    for (const name of ['dcaas.sim.yaml', 'dcaas.aws-sge.yaml']) {
      it(`examples/${name}`, async () => {
        const file = join(ROOT, 'examples', name)
        const {stdout, error, result} = await run(ConfigValidate, ['--config', file])
        expect(error).to.equal(undefined)
        expect(stdout).to.equal(`OK: ${file} (2 resources)\n`)
        expect(result).to.deep.equal({ok: true, source: file, resources: 2})
      })
    }
  })

  it('the YAML examples in docs/configuration.md validate', () => {
    const blocks = [...readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1])
    expect(blocks).to.have.length(2)
    for (const block of blocks) expect(parseConfigText(block, join(dir, 'doc.yaml'), {HOME: dir}).resources).to.have.length(2)
  })

  it('the configuration example in the README validates', () => {
    const blocks = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1])
    expect(blocks).to.have.length(1)
    const config = parseConfigText(blocks[0], join(dir, 'readme.yaml'), {HOME: dir})
    expect(config.scheduler.type).to.equal('sge')
    expect(config.resources.map((r) => r.name)).to.deep.equal(['c5', 'bigmem'])
  })

  it('validate prints every problem and exits 3', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, 'cluster: {name: hpc}\nscheduler: {type: slurm}\nresources:\n  - {name: a, cloud: {type: sim}, max: 1, maxx: 2}\n')
    const {stdout, error} = await run(ConfigValidate, ['--config', file])
    expect(stdout).to.equal('')
    expect(exitOf(error)).to.equal(3)
    expect(error?.message).to.equal(
      [`Invalid configuration in ${file}:`, '  scheduler.type: expected one of sge, torque, sim, got "slurm" (line 2)', '  resources[0].maxx: unknown key (did you mean "max"?) (line 4)'].join('\n'),
    )
  })

  it('validate exits 3 when --config names a missing file', async () => {
    const {error} = await run(ConfigValidate, ['--config', join(dir, 'nope.yaml')])
    expect(exitOf(error)).to.equal(3)
  })

  describe('show', () => {
    const SECRETS = ['Os-Pass-Do-Not-Show', 'App-Secret-Do-Not-Show']
    let file: string
    beforeEach(() => {
      file = join(dir, 'dcaas.yaml')
      writeFileSync(
        file,
        [
          'cluster: {name: hpc}',
          'scheduler: {type: torque, env: {PBS_TOKEN: Tok-Do-Not-Show}}',
          'resources:',
          '  - name: os',
          '    max: 3',
          '    cloud: {type: openstack, authUrl: "https://k.example.org/v3", flavor: m1, image: img, username: u, password: Os-Pass-Do-Not-Show}',
          '  - name: app',
          '    max: 1',
          '    cloud: {type: openstack, authUrl: "https://k.example.org/v3", flavor: m1, image: img, applicationCredentialId: id1, applicationCredentialSecret: App-Secret-Do-Not-Show}',
          `stateDir: ${join(dir, 'state')}`,
        ].join('\n'),
      )
    })

    it('prints the defaulted configuration as YAML with its source and no secrets', async () => {
      const {stdout, error} = await run(ConfigShow, ['--config', file])
      expect(error).to.equal(undefined)
      expect(stdout.split('\n')[0]).to.equal(`# source: ${file}`)
      const shown = parse(stdout)
      expect(shown.autoscale.maxIdle).to.equal(600)
      expect(shown.resources[0].cloud.password).to.equal('***')
      expect(shown.resources[1].cloud.applicationCredentialSecret).to.equal('***')
      expect(shown.resources[1].cloud.applicationCredentialId).to.equal('id1')
      expect(shown.scheduler.env.PBS_TOKEN).to.equal('***')
      for (const secret of [...SECRETS, 'Tok-Do-Not-Show']) expect(stdout).not.to.include(secret)
    })

    it('returns {source, config} for --json, secrets replaced', async () => {
      const {stdout, result} = await run(ConfigShow, ['--config', file, '--json'])
      const json = JSON.parse(stdout)
      expect(json).to.deep.equal(result)
      expect(json.source).to.equal(file)
      expect(json.config.resources[0].cloud).to.include({username: 'u', password: '***'})
      for (const secret of SECRETS) expect(stdout).not.to.include(secret)
    })
  })

  describe('import', () => {
    it('writes the file, lists unmapped keys on stderr, and prints no secret', async () => {
      const output = join(dir, 'new.yaml')
      const {stdout, stderr, error} = await run(ConfigImport, [join(LEGACY, 'torque-dynamiccluster.yaml'), '--output', output, '--name', 'torque-hpc'])
      expect(error).to.equal(undefined)
      expect(stdout).to.equal(`Wrote ${output} (2 resources) from ${join(LEGACY, 'torque-dynamiccluster.yaml')}\n`)
      expect(stderr).to.include('Not carried over (32 keys):\n')
      expect(stderr).to.include('  cloud.aws-burst.config.secret_access_key — not carried over: dcaas uses the AWS SDK credential chain')
      expect(stderr).to.include('Note: cloud.nectar_sa: resource renamed to "nectar-sa"')
      for (const secret of ['AKIAFIXTUREFIXTURE00', 'do-not-echo']) expect(stdout + stderr).not.to.include(secret)
      expect(readFileSync(output, 'utf8')).to.include('name: torque-hpc')
    })

    it('returns unmapped keys in --json and refuses to overwrite without --force (exit 8)', async () => {
      const output = join(dir, 'new.yaml')
      const first = await run(ConfigImport, [join(LEGACY, 'sge-dynamiccluster.yaml'), '-o', output, '--json'])
      const json = JSON.parse(first.stdout)
      expect(json.output).to.equal(output)
      expect(json.unmapped).to.have.length(20)
      expect(json.unmapped[9]).to.deep.equal({path: 'cloud.gpu_aws.config.access_key_id', note: json.unmapped[10].note})
      expect(first.stdout).not.to.include('do-not-echo')
      const second = await run(ConfigImport, [join(LEGACY, 'sge-dynamiccluster.yaml'), '-o', output])
      expect(exitOf(second.error)).to.equal(8)
      const third = await run(ConfigImport, [join(LEGACY, 'sge-dynamiccluster.yaml'), '-o', output, '--force'])
      expect(third.error).to.equal(undefined)
    })
  })
})
