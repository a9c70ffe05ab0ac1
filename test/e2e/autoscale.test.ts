/**
 * `dcaas autoscale` as a process on the built-in simulated backend: planning offline from a saved
 * snapshot, the pass lock between concurrent processes, the whole elastic story (jobs arrive,
 * workers are launched, run them, idle out and are removed), --watch stopping on SIGTERM, and
 * the admin switches (resource freeze/restore, auto off, node hold).
 */
import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import lockfile from 'proper-lockfile'
import {oneLine, runCli, runCliJson, startCli, tempStateDir, type TempStateDir} from '../helpers/cli.js'

interface Action {
  kind: string
  resource?: string
  names?: string[]
  node?: string
  jobs?: string[]
  reason: string
  detail: string
}

interface PassReport {
  dryRun: boolean
  snapshot: {instances: {name: string}[]; jobs: {id: string}[]}
  plan: {actions: Action[]; skipped: {node?: string; reason: string}[]; unplaced: {job: string; reasons: {reason: string}[]}[]; notes: string[]}
  outcomes: {action: Action; status: string}[]
}

interface Status {
  time: number
  auto: boolean
  workers: {name: string; state: string; adminHold?: boolean}[]
  instances: {id: string; name: string}[]
  nodes: {name: string; held: boolean; jobs: string[]}[]
  jobs: {id: string; state: string; hosts: string[]}[]
  resources: {name: string; status: string; nodes: number}[]
  lastPass?: unknown
}

/** Names launched by the done launch outcomes of a pass. */
function launched(report: PassReport): string[] {
  return report.outcomes.filter((o) => o.action.kind === 'launch' && o.status === 'done').flatMap((o) => o.action.names ?? [])
}

/** The session of one test: a fresh state dir and shorthands for the CLI. */
function session() {
  const dir: TempStateDir = tempStateDir()
  return {
    dir,
    run: (...args: string[]) => runCli(args, {env: dir.env}),
    json: <T = any>(...args: string[]) => runCliJson<T>(args, {env: dir.env}),
  }
}

describe('e2e: dcaas autoscale on the simulated backend', function () {
  this.timeout(90_000)
  const cleanups: (() => void)[] = []
  after(() => cleanups.forEach((c) => c()))
  function fresh() {
    const s = session()
    cleanups.push(s.dir.cleanup)
    return s
  }

  it('plans offline from `status --json` with --dry-run --snapshot, with reasons, and changes nothing', async () => {
    const {dir, run, json} = fresh()
    // 5 jobs x 4 cores + 1 x 2 cores = 22 cores: three 8-core workers; a 16-core job never fits one.
    const jobs = join(dir.path, 'jobs.yaml')
    writeFileSync(jobs, ['- {cores: 4, count: 5, runtime: 10m}', '- {cores: 2, runtime: 10m}', '- {cores: 16, runtime: 10m}', ''].join('\n'))
    expect((await run('sim', 'submit', '--file', jobs)).exitCode).to.equal(0)
    const snap = await run('status', '--json')
    expect(snap.exitCode, snap.stderr).to.equal(0)
    const before = JSON.parse(snap.stdout) as Status
    expect(before.jobs.map((j) => j.state)).to.deep.equal(Array(7).fill('queued'))
    const file = join(dir.path, 'snap.json')
    writeFileSync(file, snap.stdout)

    const report = await json<PassReport>('autoscale', '--dry-run', '--snapshot', file)
    expect(report.dryRun).to.equal(true)
    expect(report.outcomes).to.deep.equal([])
    const launches = report.plan.actions.filter((a) => a.kind === 'launch')
    expect(launches).to.have.length(1)
    expect(launches[0]).to.include({resource: 'sim', reason: 'pending-jobs'})
    expect(launches[0]!.names).to.deep.equal(['demo-sim-001', 'demo-sim-002', 'demo-sim-003'])
    expect([...launches[0]!.jobs!].sort()).to.deep.equal(['1', '2', '3', '4', '5', '6'])
    expect(report.plan.actions.filter((a) => a.kind !== 'launch')).to.deep.equal([])
    expect(report.plan.unplaced.map((u) => [u.job, u.reasons.map((r) => r.reason)])).to.deep.equal([['7', ['no-fit']]])

    // The human form of a live dry run shows the same plan with its reason.
    const human = await run('autoscale', '--dry-run')
    expect(human.exitCode, human.stderr).to.equal(0)
    expect(human.stdout).to.contain('nothing changed')
    expect(human.stdout).to.match(/launch 3 on sim \(demo-sim-001, demo-sim-002, demo-sim-003\) — pending-jobs/)
    expect(human.stdout).to.match(/7 \(16 cores\): sim: no-fit/)

    const after = await json<Status>('status')
    expect(after.instances).to.deep.equal([])
    expect(after.workers).to.deep.equal([])
    expect(after.jobs.map((j) => [j.id, j.state])).to.deep.equal(before.jobs.map((j) => [j.id, j.state]))
    expect(after.lastPass, 'a dry run records no pass').to.equal(undefined)
  })

  it('a pass exits 7 and changes nothing while another holds the pass lock', async () => {
    const {dir, run, json} = fresh()
    expect((await run('sim', 'submit', '--count', '2', '--cores', '8')).exitCode).to.equal(0)
    const lockPath = join(dir.path, 'pass.lock')
    writeFileSync(lockPath, '')
    const release = await lockfile.lock(lockPath, {realpath: false, stale: 30_000})
    try {
      const [pass, add] = await Promise.all([run('autoscale'), run('scale', 'add', '1')])
      for (const r of [pass, add]) {
        expect(r.exitCode, r.stderr).to.equal(7)
        expect(oneLine(r.stderr)).to.contain('Another dcaas pass is running')
        expect(oneLine(r.stderr)).to.contain('this one did nothing')
      }
    } finally {
      await release()
    }
    const status = await json<Status>('status')
    expect(status.instances).to.deep.equal([])
    expect(status.lastPass).to.equal(undefined)
    // Once the lock is free, a pass launches what the two jobs need.
    expect(launched(await json<PassReport>('autoscale'))).to.deep.equal(['demo-sim-001', 'demo-sim-002'])
  })

  it('two autoscale processes started at the same moment never launch twice (3 trials)', async () => {
    for (let trial = 1; trial <= 3; trial++) {
      const {run, json} = fresh()
      expect((await run('sim', 'submit', '--count', '3', '--cores', '8')).exitCode).to.equal(0)
      const results = await Promise.all([run('autoscale', '--json'), run('autoscale', '--json')])
      const codes = results.map((r) => r.exitCode)
      for (const r of results) expect([0, 7], `trial ${trial}: exit ${r.exitCode}\n${r.stderr}`).to.include(r.exitCode)
      const reports = results.filter((r) => r.exitCode === 0).map((r) => JSON.parse(r.stdout) as PassReport)
      const all = reports.flatMap(launched)
      expect(all.sort(), `trial ${trial} (exit codes ${codes})`).to.deep.equal(['demo-sim-001', 'demo-sim-002', 'demo-sim-003'])
      expect(reports.filter((r) => launched(r).length > 0), `trial ${trial}: exactly one process launches`).to.have.length(1)
      // The other process either met the lock (exit 7) or ran after the first and saw its instances.
      for (const r of reports.filter((x) => launched(x).length === 0)) expect(r.snapshot.instances.map((i) => i.name).sort()).to.deep.equal(all)
      if (trial === 3) expect((await json<Status>('status')).instances).to.have.length(3)
    }
  })

  it('the whole story through the CLI: jobs arrive, workers launch, run them, idle out and are removed', async () => {
    const {dir, run, json} = fresh()
    const jobs = join(dir.path, 'jobs.yaml')
    writeFileSync(jobs, ['- {cores: 4, count: 4, runtime: 10m}', '- {cores: 8, count: 2, runtime: 5m}', ''].join('\n'))
    expect((await json<{submitted: string[]}>('sim', 'submit', '--file', jobs)).submitted).to.have.length(6)

    // 32 cores of jobs: four 8-core workers.
    const up = await json<PassReport>('autoscale')
    expect(launched(up)).to.deep.equal(['demo-sim-001', 'demo-sim-002', 'demo-sim-003', 'demo-sim-004'])
    expect(up.outcomes.find((o) => o.action.kind === 'launch')!.action.reason).to.equal('pending-jobs')

    // Past the 120 s boot: every worker is busy and every job runs on one of them.
    expect((await run('sim', 'advance', '3m')).exitCode).to.equal(0)
    const busy = await json<Status>('status')
    expect(busy.workers.map((w) => [w.name, w.state])).to.deep.equal(['001', '002', '003', '004'].map((n) => [`demo-sim-${n}`, 'busy']))
    expect(busy.jobs.map((j) => j.state)).to.deep.equal(Array(6).fill('running'))
    expect(busy.jobs.flatMap((j) => j.hosts).every((h) => /^demo-sim-00[1-4]$/.test(h))).to.equal(true)

    // A pass while they run removes nothing.
    const during = await json<PassReport>('autoscale')
    expect(during.outcomes).to.deep.equal([])

    // Past the run time: the workers are idle, and a pass starts their idle timers but removes nothing yet.
    const done = await json<{counts: {done: number; running: number; queued: number}}>('sim', 'advance', '11m')
    expect(done.counts).to.include({done: 6, running: 0, queued: 0})
    const idle = await json<PassReport>('autoscale')
    expect(idle.outcomes).to.deep.equal([])
    expect(idle.plan.skipped.map((s) => [s.node, s.reason])).to.deep.equal(['001', '002', '003', '004'].map((n) => [`demo-sim-${n}`, 'not-idle-long-enough']))

    // Past the 10-minute max idle: the next pass removes all four.
    expect((await run('sim', 'advance', '11m')).exitCode).to.equal(0)
    const down = await json<PassReport>('autoscale')
    const removed = down.outcomes.filter((o) => o.action.kind === 'remove' && o.status === 'done')
    expect(removed.map((o) => o.action.node).sort()).to.deep.equal(['demo-sim-001', 'demo-sim-002', 'demo-sim-003', 'demo-sim-004'])
    expect(removed.every((o) => o.action.reason === 'idle-timeout')).to.equal(true)

    const end = await json<Status>('status')
    expect(end.workers).to.deep.equal([])
    expect(end.instances).to.deep.equal([])
    expect(end.jobs).to.deep.equal([])
  })

  it('--watch with a short --interval stops cleanly on SIGTERM and says after how many passes', async () => {
    const {dir} = fresh()
    const child = startCli(['autoscale', '--watch', '--interval', '1'], {env: dir.env})
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    // Wait (without a time bound of our own; mocha's timeout applies) until the first pass is printed.
    while (!/^Pass at /m.test(out) && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
    expect(child.exitCode, `watch ended before its first pass:\n${out}`).to.equal(null)
    child.kill('SIGTERM')
    const result = await child
    expect(result.exitCode, String(result.stderr)).to.equal(0)
    const stopped = /Stopped after (\d+) pass\(es\)\./.exec(String(result.stdout))
    expect(stopped, String(result.stdout)).to.not.equal(null)
    const printed = String(result.stdout).match(/^Pass at /gm)!.length
    expect(Number(stopped![1])).to.equal(printed).and.to.be.at.least(1)
  })

  it('resource freeze stops launches and shows in status; restore clears it; auto off launches nothing; a held node is kept', async () => {
    const {run, json} = fresh()
    expect((await run('sim', 'submit', '--count', '2', '--cores', '8', '--runtime', '5m')).exitCode).to.equal(0)

    const freeze = await run('resource', 'freeze', 'sim')
    expect(freeze.exitCode, freeze.stderr).to.equal(0)
    expect(freeze.stdout).to.contain('sim is frozen')
    const table = await run('status')
    const simRow = table.stdout.split('\n').find((l) => /^\s*sim\s{2,}sim\s/.test(l))
    expect(simRow, table.stdout).to.match(/\s{2}frozen\b/)
    const frozenPass = await json<PassReport>('autoscale')
    expect(frozenPass.outcomes).to.deep.equal([])
    expect(frozenPass.plan.unplaced.flatMap((u) => u.reasons.map((r) => r.reason))).to.deep.equal(['frozen', 'frozen'])

    expect((await run('resource', 'restore', 'sim')).stdout).to.contain('sim is restored (cleared: frozen)')
    expect((await run('auto', 'off')).exitCode).to.equal(0)
    const offPass = await json<PassReport>('autoscale')
    expect(offPass.outcomes).to.deep.equal([])
    expect(offPass.plan.notes.join(' ')).to.contain('Automatic scaling is off')
    expect(offPass.plan.unplaced.flatMap((u) => u.reasons.map((r) => r.reason)), 'restored: no longer frozen').to.deep.equal(['auto-off', 'auto-off'])

    expect((await run('auto', 'on')).exitCode).to.equal(0)
    expect(launched(await json<PassReport>('autoscale'))).to.deep.equal(['demo-sim-001', 'demo-sim-002'])
    // Boot and run the 5-minute jobs; a pass sees both workers idle; one is held; then both sit idle past max idle.
    expect((await run('sim', 'advance', '10m')).exitCode).to.equal(0)
    expect((await json<PassReport>('autoscale')).outcomes).to.deep.equal([])
    const hold = await run('node', 'hold', 'demo-sim-001')
    expect(hold.exitCode, hold.stderr).to.equal(0)
    expect(hold.stdout).to.contain('demo-sim-001 is held')
    expect((await run('sim', 'advance', '11m')).exitCode).to.equal(0)
    const pass = await json<PassReport>('autoscale')
    expect(pass.outcomes.filter((o) => o.status === 'done').map((o) => [o.action.kind, o.action.node])).to.deep.equal([['remove', 'demo-sim-002']])
    expect(pass.plan.skipped.filter((s) => s.node === 'demo-sim-001').map((s) => s.reason)).to.deep.equal(['admin-hold'])
    const kept = await json<Status>('status')
    expect(kept.workers.map((w) => [w.name, w.state])).to.deep.equal([['demo-sim-001', 'held']])
    expect(kept.instances.map((i) => i.name)).to.deep.equal(['demo-sim-001'])
  })
})
