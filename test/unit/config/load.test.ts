import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {BUILT_IN_SOURCE, defaultConfig, loadConfig} from '../../../src/config/load.js'
import {DcaasError, EXIT} from '../../../src/errors.js'

const yamlFor = (name: string) => `cluster:\n  name: ${name}\nscheduler:\n  type: sim\nresources:\n  - name: r\n    cloud: {type: sim}\n    max: 1\n`

/** Expects a promise to reject with a DcaasError of exit code 3, and returns its message. */
async function configError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(error).to.be.instanceOf(DcaasError)
    expect((error as DcaasError).exitCode).to.equal(EXIT.CONFIG)
    return (error as Error).message
  }
  return expect.fail('expected a configuration error')
}

describe('config loading', () => {
  let root: string
  let cwd: string
  let home: string
  let xdg: string

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dcaas-config-'))
    cwd = join(root, 'work')
    home = join(root, 'home')
    xdg = join(root, 'xdg')
    for (const dir of [cwd, home, join(home, '.config', 'dcaas'), join(xdg, 'dcaas')]) mkdirSync(dir, {recursive: true})
  })
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  describe('search order', () => {
    it('uses --config first, even when $DCAAS_CONFIG and ./dcaas.yaml exist', async () => {
      writeFileSync(join(root, 'flag.yaml'), yamlFor('from-flag'))
      writeFileSync(join(root, 'env.yaml'), yamlFor('from-env'))
      writeFileSync(join(cwd, 'dcaas.yaml'), yamlFor('from-cwd'))
      const loaded = await loadConfig({path: join(root, 'flag.yaml'), cwd, env: {HOME: home, DCAAS_CONFIG: join(root, 'env.yaml')}})
      expect(loaded.source).to.equal(join(root, 'flag.yaml'))
      expect(loaded.config.cluster.name).to.equal('from-flag')
    })

    it('resolves a relative --config against the working directory', async () => {
      writeFileSync(join(cwd, 'mine.yaml'), yamlFor('relative'))
      const loaded = await loadConfig({path: 'mine.yaml', cwd, env: {HOME: home}})
      expect(loaded.source).to.equal(join(cwd, 'mine.yaml'))
    })

    it('uses $DCAAS_CONFIG before ./dcaas.yaml', async () => {
      writeFileSync(join(root, 'env.yaml'), yamlFor('from-env'))
      writeFileSync(join(cwd, 'dcaas.yaml'), yamlFor('from-cwd'))
      const loaded = await loadConfig({cwd, env: {HOME: home, DCAAS_CONFIG: join(root, 'env.yaml')}})
      expect(loaded.config.cluster.name).to.equal('from-env')
    })

    it('uses ./dcaas.yaml before the user config dir', async () => {
      writeFileSync(join(cwd, 'dcaas.yaml'), yamlFor('from-cwd'))
      writeFileSync(join(xdg, 'dcaas', 'config.yaml'), yamlFor('from-xdg'))
      const loaded = await loadConfig({cwd, env: {HOME: home, XDG_CONFIG_HOME: xdg}})
      expect(loaded).to.deep.include({source: join(cwd, 'dcaas.yaml')})
    })

    it('uses $XDG_CONFIG_HOME/dcaas/config.yaml, else ~/.config/dcaas/config.yaml', async () => {
      writeFileSync(join(xdg, 'dcaas', 'config.yaml'), yamlFor('from-xdg'))
      writeFileSync(join(home, '.config', 'dcaas', 'config.yaml'), yamlFor('from-home'))
      expect((await loadConfig({cwd, env: {HOME: home, XDG_CONFIG_HOME: xdg}})).config.cluster.name).to.equal('from-xdg')
      expect((await loadConfig({cwd, env: {HOME: home}})).config.cluster.name).to.equal('from-home')
    })

    it('falls back to the built-in simulated default when no file exists', async () => {
      const loaded = await loadConfig({cwd, env: {HOME: home, XDG_STATE_HOME: join(root, 'state')}})
      expect(loaded.source).to.equal(BUILT_IN_SOURCE)
      expect(loaded.config.scheduler.type).to.equal('sim')
      expect(loaded.config.resources.map((resource) => resource.cloud.type)).to.deep.equal(['sim'])
      expect(loaded.config.stateDir).to.equal(join(root, 'state', 'dcaas', 'demo'))
      expect(loaded.config).to.deep.equal(defaultConfig({HOME: home, XDG_STATE_HOME: join(root, 'state')}))
    })

    it('treats a missing --config file as an error, not a fallback', async () => {
      writeFileSync(join(cwd, 'dcaas.yaml'), yamlFor('from-cwd'))
      const message = await configError(loadConfig({path: join(root, 'nope.yaml'), cwd, env: {HOME: home}}))
      expect(message).to.equal(`Configuration file not found: ${join(root, 'nope.yaml')} (--config names it).`)
    })

    it('treats a missing $DCAAS_CONFIG file as an error, not a fallback', async () => {
      writeFileSync(join(cwd, 'dcaas.yaml'), yamlFor('from-cwd'))
      const message = await configError(loadConfig({cwd, env: {HOME: home, DCAAS_CONFIG: join(root, 'gone.yaml')}}))
      expect(message).to.equal(`Configuration file not found: ${join(root, 'gone.yaml')} ($DCAAS_CONFIG names it).`)
    })
  })

  it('reports every problem with its YAML line under a header naming the file', async () => {
    const file = join(root, 'bad.yaml')
    writeFileSync(
      file,
      [
        'cluster:',
        '  name: hpc',
        'scheduler:',
        '  type: slurm',
        'autoscale:',
        '  maxIdle: ten minutes',
        'resources:',
        '  - name: a',
        '    cloud: {type: sim}',
        '    max: 2',
        '  - name: b',
        '    cloud: {type: sim}',
        '    min: 3',
        '    max: 1',
        '    maxx: 4',
      ].join('\n'),
    )
    const message = await configError(loadConfig({path: file, cwd, env: {HOME: home}}))
    expect(message).to.equal(
      [
        `Invalid configuration in ${file}:`,
        '  scheduler.type: expected one of sge, torque, sim, got "slurm" (line 4)',
        '  autoscale.maxIdle: expected a duration like "10m" or a number of seconds, got "ten minutes" (line 6)',
        '  resources[1].max: expected an integer >= min (3), got 1 (line 14)',
        '  resources[1].maxx: unknown key (did you mean "max"?) (line 15)',
      ].join('\n'),
    )
  })

  it('reports YAML syntax errors and duplicate keys with their line', async () => {
    const file = join(root, 'broken.yaml')
    writeFileSync(file, 'cluster:\n  name: a\ncluster:\n  name: b\n')
    const message = await configError(loadConfig({path: file, cwd, env: {HOME: home}}))
    expect(message.split('\n')[0]).to.equal(`Invalid configuration in ${file}:`)
    expect(message.split('\n')[1]).to.match(/^ {2}line 3: .*unique/i)
  })

  it('reports an empty file as not a mapping', async () => {
    const file = join(root, 'empty.yaml')
    writeFileSync(file, '# nothing yet\n')
    expect(await configError(loadConfig({path: file, cwd, env: {HOME: home}}))).to.equal(`Invalid configuration in ${file}:\n  (top level): expected a mapping, got null`)
  })

  it('never echoes a secret from the file in its error', async () => {
    const file = join(root, 'secret.yaml')
    writeFileSync(
      file,
      [
        'cluster: {name: hpc}',
        'scheduler: {type: sge}',
        'resources:',
        '  - name: os',
        '    max: 1',
        '    cloud:',
        '      type: openstack',
        '      authUrl: https://keystone.example.org/v3',
        '      flavor: m1',
        '      image: img',
        '      password: 987654321',
        '      applicationCredentialSecret: {nested: Zz-s3cret-Zz}',
        '      secretToken: tok-Qq-unknown-key',
      ].join('\n'),
    )
    const message = await configError(loadConfig({path: file, cwd, env: {HOME: home}}))
    expect(message).to.include('resources[0].cloud.password: expected a string, got a value (redacted) (line 11)')
    expect(message).to.include('resources[0].cloud.secretToken: unknown key')
    for (const secret of ['987654321', 'Zz-s3cret-Zz', 'tok-Qq-unknown-key']) expect(message).not.to.include(secret)
  })

  it('resolves relative paths in the file against its folder and ~ against $HOME', async () => {
    const file = join(root, 'paths.yaml')
    writeFileSync(
      file,
      yamlFor('paths').replace('scheduler:\n  type: sim\n', 'scheduler:\n  type: sge\n  ssh: {host: head, privateKey: keys/id_ed25519}\n') + 'stateDir: ~/state\nlogging: {file: logs/dcaas.log}\n',
    )
    const {config} = await loadConfig({path: file, cwd, env: {HOME: home}})
    expect(config.scheduler.ssh?.privateKeyPath).to.equal(join(root, 'keys', 'id_ed25519'))
    expect(config.stateDir).to.equal(join(home, 'state'))
    expect(config.logging.file).to.equal(join(root, 'logs', 'dcaas.log'))
  })
})
