import {expect} from 'chai'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {captureOutput} from '@oclif/test'
import SimAdvance, {type SimAdvanceResult} from '../../../src/commands/sim/advance.js'
import SimReset, {type SimResetResult} from '../../../src/commands/sim/reset.js'
import SimSubmit, {type SimSubmitResult} from '../../../src/commands/sim/submit.js'
import {jobSpecs, jobSpecsFromFile, parseMemoryMiB} from '../../../src/sim/job-spec.js'
import {openSimWorld, SIM_WORLD_FILE} from '../../../src/sim/world-store.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

describe('sim job specs', () => {
  const memory: [unknown, number | undefined][] = [
    ['2G', 2048],
    ['2048M', 2048],
    ['512Mi', 512],
    ['1.5g', 1536],
    ['4096', 4096],
    [1024, 1024],
    ['2X', undefined],
    ['-1G', undefined],
    ['', undefined],
  ]
  for (const [input, expected] of memory) {
    it(`parseMemoryMiB(${JSON.stringify(input)}) = ${expected}`, () => {
      expect(parseMemoryMiB(input)).to.equal(expected)
    })
  }

  it('turns flags into count specs with seconds and MiB', () => {
    const specs = jobSpecs({cores: 8, count: 2, runtime: '1h', walltime: '2h', memory: '1G', perNode: 4, queue: 'mpi', delay: '5m'}, 1000)
    expect(specs).to.deep.equal([
      {cores: 8, runTime: 3600, submitAt: 1300, walltime: 7200, perNode: 4, memoryMiBPerCore: 1024, queue: 'mpi'},
      {cores: 8, runTime: 3600, submitAt: 1300, walltime: 7200, perNode: 4, memoryMiBPerCore: 1024, queue: 'mpi'},
    ])
  })

  const bad: [string, Parameters<typeof jobSpecs>[0], string][] = [
    ['cores not a multiple of perNode', {cores: 6, perNode: 4}, 'multiple of perNode'],
    ['bad runtime', {runtime: 'soon'}, 'runtime must be seconds or a duration'],
    ['bad memory', {memory: 'lots'}, 'memory must be a size'],
    ['zero cores', {cores: 0}, 'cores must be a positive whole number'],
  ]
  for (const [name, input, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => jobSpecs(input, 0)).to.throw(message)
    })
  }

  it('reads a YAML list and names the bad entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dcaas-jobs-'))
    try {
      const good = join(dir, 'jobs.yaml')
      await writeFile(good, '- {cores: 2, runtime: 10m}\n- {cores: 1, count: 2, spread: true, owner: bob}\n')
      const specs = await jobSpecsFromFile(good, 50)
      expect(specs.map((s) => [s.cores, s.runTime, s.spread ?? false, s.owner ?? null])).to.deep.equal([
        [2, 600, false, null],
        [1, 600, true, 'bob'],
        [1, 600, true, 'bob'],
      ])
      const wrong = join(dir, 'wrong.json')
      await writeFile(wrong, '{"jobs": [{"cores": 1}, {"cores": 1, "colour": "red"}]}')
      let thrown: unknown
      await jobSpecsFromFile(wrong, 0).catch((error: unknown) => (thrown = error))
      expect((thrown as Error).message).to.contain('jobs[1] has unknown field(s) colour')
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('dcaas sim commands (in-process)', () => {
  let dir: string
  let saved: Record<string, string | undefined>
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dcaas-sim-cmd-'))
    saved = {DCAAS_STATE_DIR: process.env.DCAAS_STATE_DIR, DCAAS_CONFIG: process.env.DCAAS_CONFIG, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME}
    process.env.DCAAS_STATE_DIR = join(dir, 'state')
    process.env.XDG_CONFIG_HOME = join(dir, 'xdg')
    delete process.env.DCAAS_CONFIG
  })
  afterEach(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    await rm(dir, {recursive: true, force: true})
  })

  it('submit, advance and reset work on the world file of the built-in simulated config', async () => {
    const submitted = await captureOutput<SimSubmitResult>(() => SimSubmit.run(['--cores', '2', '--count', '3', '--runtime', '30m', '--json'], root))
    expect(submitted.error).to.equal(undefined)
    expect(submitted.result?.submitted).to.deep.equal(['1', '2', '3'])

    const state = join(dir, 'state')
    const opened = await openSimWorld(state, {speed: 1, seed: 1})
    opened.world.launch({resource: 'sim', names: ['w1'], cores: 4, memoryMiB: 0, bootTime: 60, bootFails: [false]})
    opened.world.addNode({name: 'w1', slots: 4})
    await opened.save()
    await opened.release()

    const advanced = await captureOutput<SimAdvanceResult>(() => SimAdvance.run(['2m'], root))
    expect(advanced.stdout).to.match(/^Simulated time .* \(\+2m\): 1 instance\(s\), 1 node\(s\) up; 2 job\(s\) running, 1 queued, 0 done\.\n$/)

    const later = await captureOutput<SimAdvanceResult>(() => SimAdvance.run(['1h', '--json'], root))
    expect(later.result?.counts).to.include({running: 0, queued: 0, done: 3})
    expect(later.result?.advanced).to.equal(3600)

    const refused = await captureOutput<SimResetResult>(() => SimReset.run([], root))
    expect(refused.error?.message).to.contain('without --yes')
    const reset = await captureOutput<SimResetResult>(() => SimReset.run(['--yes', '--json'], root))
    expect(reset.result).to.deep.equal({path: join(state, SIM_WORLD_FILE), deleted: true})
    let gone = false
    await readFile(join(state, SIM_WORLD_FILE)).catch(() => (gone = true))
    expect(gone).to.equal(true)
  })

  it('advance refuses a bad duration', async () => {
    const out = await captureOutput(() => SimAdvance.run(['soon'], root))
    expect(out.error?.message).to.contain('not a duration: soon')
  })
})
