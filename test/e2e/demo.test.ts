/**
 * Smoke test of `npm run demo` (scripts/demo.sh): it runs on the built-in simulated cluster in a
 * fresh state directory, tells its story and ends with no worker left and every job done.
 */
import {expect} from 'chai'
import {rmSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {CLI_BIN, cliEnv, REPO_ROOT, requireBuild, runCliJson} from '../helpers/cli.js'

describe('e2e: the demo script', function () {
  this.timeout(120_000)
  let state: string | undefined
  after(() => {
    if (state) rmSync(state, {recursive: true, force: true})
  })

  it('runs to the end: workers launched for the jobs, jobs run, workers removed', async () => {
    requireBuild()
    const r = await execa('bash', [join(REPO_ROOT, 'scripts', 'demo.sh')], {env: cliEnv({DCAAS_DEMO_BIN: CLI_BIN}), extendEnv: false, reject: false, timeout: 110_000})
    const stdout = String(r.stdout)
    state = /^State directory: (\S+)$/m.exec(stdout)?.[1]
    expect(r.exitCode, `${stdout}\n${r.stderr}`).to.equal(0)
    expect(state, 'the demo prints its state directory').to.be.a('string')
    for (const header of ['1. An empty cluster', '3. What would a pass do?', '4. An autoscaling pass', '8. Back to an empty cluster']) expect(stdout).to.contain(header)
    expect(stdout).to.match(/Plan \(dry run, nothing changed\)[^\n]*\n\s+1\. launch \d+ on sim [^\n]* — pending-jobs/)
    expect(stdout).to.match(/remove demo-sim-001 \[sim-\d+\] — idle-timeout[^\n]*→ done/)
    expect(stdout).to.contain('Demo finished: 0 worker(s) and 0 instance(s) left; 12 job(s) done, 0 killed.')

    // The state it leaves behind agrees: nothing left, a dozen jobs done.
    const counts = (await runCliJson<{counts: {done: number; killed: number; instances: number; nodesUp: number}}>(['sim', 'advance', '0'], {env: {DCAAS_STATE_DIR: state!}})).counts
    expect(counts).to.include({done: 12, killed: 0, instances: 0, nodesUp: 0})
  })
})
