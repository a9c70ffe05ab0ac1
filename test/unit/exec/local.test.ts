import {readFileSync} from 'node:fs'
import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect} from 'chai'
import {createRunner} from '../../../src/exec/index.js'
import {LocalRunner, TIMEOUT_EXIT_CODE, signalExitCode} from '../../../src/exec/local.js'
import {RunnerError} from '../../../src/exec/runner.js'
import {SshRunner} from '../../../src/exec/ssh.js'

/** Arguments a shell would expand, split or execute; they must arrive verbatim. */
const NASTY = ['with space', "it's", '"dq"', '$HOME', '`id`', '$(id)', 'a;b', 'x\ny', '*', '', 'é漢字']

/** Tells whether a process id is still running (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** Polls until check() is true or the deadline passes; returns the last answer. */
async function eventually(check: () => boolean, seconds = 5): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  return check()
}

describe('LocalRunner', () => {
  const runner = new LocalRunner({timeout: 10})
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dcaas-local-'))
  })
  after(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('reports exit codes 0 and 3', async () => {
    expect((await runner.run(['true'])).exitCode).to.equal(0)
    const failed = await runner.run(['sh', '-c', 'exit 3'])
    expect(failed.exitCode).to.equal(3)
    expect(failed.timedOut).to.equal(false)
    expect(failed.argv).to.deep.equal(['sh', '-c', 'exit 3'])
  })

  it('keeps stdout and stderr apart, without trimming', async () => {
    const result = await runner.run(['sh', '-c', 'echo out; echo err >&2; printf "  "'])
    expect(result.stdout).to.equal('out\n  ')
    expect(result.stderr).to.equal('err\n')
  })

  it('passes arguments verbatim, never through a shell', async () => {
    const result = await runner.run(['printf', '%s\\0', ...NASTY])
    expect(result.stdout.split('\0').slice(0, -1)).to.deep.equal(NASTY)
  })

  it('feeds input on stdin, and closes stdin when there is none', async () => {
    expect((await runner.run(['cat'], {input: "line 1\n'$x'\n"})).stdout).to.equal("line 1\n'$x'\n")
    expect((await runner.run(['cat'], {timeout: 5})).timedOut).to.equal(false)
  })

  it('adds runner and per-command environment, the latter winning', async () => {
    const local = new LocalRunner({env: {A: 'from-runner', B: 'b'}})
    const result = await local.run(['sh', '-c', 'printf "%s|%s|%s" "$A" "$B" "$PATH"'], {env: {A: 'a $HOME'}})
    const [a, b, path] = result.stdout.split('|')
    expect([a, b]).to.deep.equal(['a $HOME', 'b'])
    expect(path).to.equal(process.env.PATH)
  })

  it('kills a command and its children on timeout, then keeps working', async () => {
    const pidFile = join(dir, 'child.pid')
    const result = await runner.run(['sh', '-c', 'sleep 30 & echo $! > "$1"; wait', 'sh', pidFile], {timeout: 1})
    expect(result.timedOut).to.equal(true)
    expect(result.exitCode).to.equal(TIMEOUT_EXIT_CODE)
    const child = Number(await readFile(pidFile, 'utf8'))
    expect(alive(process.pid), "alive() must see a running process").to.equal(true)
    expect(await eventually(() => !alive(child)), `background child ${child} still alive`).to.equal(true)
    expect((await runner.run(['echo', 'next'])).stdout).to.equal('next\n')
  })

  it('maps a death by signal to 128 + the signal number', async () => {
    const result = await runner.run(['sh', '-c', 'kill -TERM $$'])
    expect(result.exitCode).to.equal(signalExitCode('SIGTERM'))
    expect(result.exitCode).to.equal(143)
    expect(result.timedOut).to.equal(false)
  })

  it('rejects with a RunnerError naming a command that does not exist', async () => {
    const error = await runner.run(['dcaas-no-such-command', 'x']).catch((error_: unknown) => error_)
    expect(error).to.be.instanceOf(RunnerError)
    expect((error as Error).message).to.contain('dcaas-no-such-command').and.to.contain('ENOENT')
  })

  it('rejects an empty argv', async () => {
    const error = await runner.run([]).catch((error_: unknown) => error_)
    expect(error).to.be.instanceOf(RunnerError)
  })

  it('writes a file atomically, replacing the old content and leaving no temporary file', async () => {
    const path = join(dir, 'queue.conf')
    const content = "qname all.q\nhostlist @allhosts 'x' $y `z`\n\u00e9\n"
    await runner.writeFile(path, 'old content that is longer than the new one .............................\n')
    await runner.writeFile(path, content)
    expect(await readFile(path, 'utf8')).to.equal(content)
    expect((await readdir(dir)).filter((name) => name.includes('queue.conf'))).to.deep.equal(['queue.conf'])
  })

  it('rejects writing into a missing directory with a RunnerError naming the path', async () => {
    const path = join(dir, 'missing', 'file')
    const error = await runner.writeFile(path, 'x').catch((error_: unknown) => error_)
    expect(error).to.be.instanceOf(RunnerError)
    expect((error as Error).message).to.contain(path)
  })
})

describe('createRunner', () => {
  it('returns a LocalRunner without a target', () => {
    const runner = createRunner()
    expect(runner).to.be.instanceOf(LocalRunner)
    expect(runner.where).to.equal('local')
  })

  it('returns an SshRunner, without connecting, for a target', async () => {
    const runner = createRunner({host: 'head', port: 2222, user: 'sgeadmin', connectTimeout: 5})
    expect(runner).to.be.instanceOf(SshRunner)
    expect(runner.where).to.equal('ssh sgeadmin@head:2222')
    await runner.close()
  })
})
