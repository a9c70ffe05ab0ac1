/**
 * Errors and help of the dcaas CLI as a process: invalid and missing configuration (exit 3, every
 * problem with its YAML path), `init` (exit 10), unknown commands (exit 2, oclif's own code), the
 * exit-code table (src/errors.ts, EXIT_DESCRIPTIONS and the README agree), and an example in
 * every command's --help.
 */
import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {EXIT, EXIT_DESCRIPTIONS} from '../../src/errors.js'
import {CLI_ROOT, oneLine, REPO_ROOT, runCli, tempStateDir, type TempStateDir} from '../helpers/cli.js'

const BAD_CONFIG = `cluster:
  name: Bad Name!
scheduler:
  type: slurmish
autoscale:
  maxIdle: soon
resources:
  - name: cpu
    min: 5
    max: 2
    cloud:
      type: sim
      cores: -1
`

/** Each problem of BAD_CONFIG: its YAML path, a fragment of its message, and its line. */
const BAD_CONFIG_ISSUES: [string, string, number][] = [
  ['cluster.name', 'got "Bad Name!"', 2],
  ['scheduler.type', 'expected one of sge, torque, sim, got "slurmish"', 4],
  ['autoscale.maxIdle', 'got "soon"', 6],
  ['resources[0].max', 'expected an integer >= min (5), got 2', 10],
  ['resources[0].cloud.cores', 'expected an integer >= 1, got -1', 13],
]

describe('e2e: dcaas errors, exit codes and help', function () {
  this.timeout(90_000)
  let dir: TempStateDir
  before(() => {
    dir = tempStateDir()
    writeFileSync(join(dir.path, 'bad.yaml'), BAD_CONFIG)
  })
  after(() => dir.cleanup())

  it('an invalid config prints every problem with its YAML path and line, and exits 3 (--config and $DCAAS_CONFIG)', async () => {
    const bad = join(dir.path, 'bad.yaml')
    const results = await Promise.all([
      runCli(['status', '--config', bad], {env: dir.env}),
      runCli(['autoscale'], {env: {...dir.env, DCAAS_CONFIG: bad}}),
      runCli(['config', 'validate', '--config', bad], {env: dir.env}),
    ])
    for (const r of results) {
      expect(r.exitCode, r.stderr).to.equal(3)
      const text = oneLine(r.stderr)
      expect(text).to.contain(`Invalid configuration in ${bad}:`)
      for (const [path, message, line] of BAD_CONFIG_ISSUES) {
        expect(text).to.match(new RegExp(`${path.replace(/[.[\]]/g, '\\$&')}: [^:]*${message.replace(/[.()[\]>]/g, '\\$&')}[^:]*\\(line ${line}\\)`), `${path} in:\n${r.stderr}`)
      }
    }
  })

  it('a missing --config file exits 3 and names the file', async () => {
    const missing = join(dir.path, 'nope.yaml')
    const [flag, env] = await Promise.all([
      runCli(['status', '--config', missing], {env: dir.env}),
      runCli(['status'], {env: {...dir.env, DCAAS_CONFIG: missing}}),
    ])
    for (const r of [flag, env]) {
      expect(r.exitCode, r.stderr).to.equal(3)
      expect(oneLine(r.stderr)).to.contain(`Configuration file not found: ${missing}`)
    }
    expect(oneLine(flag.stderr)).to.contain('--config names it')
    expect(oneLine(env.stderr)).to.contain('$DCAAS_CONFIG names it')
  })

  it('init exits 10 and says it is not available', async () => {
    const r = await runCli(['init'], {env: dir.env})
    expect(r.exitCode).to.equal(10)
    expect(oneLine(r.stderr)).to.contain('dcaas init is not available yet')
  })

  it('an unknown command exits 2', async () => {
    const r = await runCli(['frobnicate'], {env: dir.env})
    expect(r.exitCode).to.equal(2)
    expect(oneLine(r.stderr)).to.contain('command frobnicate not found')
  })

  it('every exit code has a description, and the README exit-code table lists each with it', () => {
    const codes = Object.values(EXIT)
    expect(codes).to.have.length(new Set(codes).size)
    expect(Object.keys(EXIT_DESCRIPTIONS).map(Number).sort((a, b) => a - b)).to.deep.equal([...codes].sort((a, b) => a - b))
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    const section = readme.split(/^## Exit codes\s*$/m)[1]
    expect(section, 'README.md has an "## Exit codes" section').to.be.a('string')
    const table = new Map<number, string>()
    for (const m of section!.split(/^## /m)[0]!.matchAll(/^\|\s*(\d+)\s*\|\s*(.+?)\s*\|\s*$/gm)) table.set(Number(m[1]), m[2]!)
    for (const code of codes) expect(table.get(code), `README row for exit code ${code}`).to.equal(EXIT_DESCRIPTIONS[code])
    expect([...table.keys()].sort((a, b) => a - b)).to.deep.equal([...codes].sort((a, b) => a - b))
  })

  it('every command in oclif.manifest.json shows at least one example in --help', async () => {
    const manifest = JSON.parse(readFileSync(join(CLI_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {examples?: unknown[]}>}
    const ids = Object.keys(manifest.commands).sort()
    expect(ids.length, 'commands in the manifest').to.be.at.least(20)
    const missing: string[] = []
    // Two at a time: the machine has two cores.
    for (let i = 0; i < ids.length; i += 2) {
      await Promise.all(
        ids.slice(i, i + 2).map(async (id) => {
          const words = id.split(':')
          const r = await runCli([...words, '--help'], {env: dir.env})
          const examples = r.stdout.split(/^EXAMPLES$/m)[1] ?? ''
          if (r.exitCode !== 0 || !examples.includes(`$ dcaas ${words.join(' ')}`)) missing.push(`${id} (exit ${r.exitCode})`)
        }),
      )
    }
    expect(missing, 'commands without an example in --help').to.deep.equal([])
  })
})
