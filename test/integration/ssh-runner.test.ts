import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {type Server, createServer} from 'node:net'
import {join} from 'node:path'
import {expect} from 'chai'
import type {SshTarget} from '../../src/config/types.js'
import {TIMEOUT_EXIT_CODE} from '../../src/exec/local.js'
import {RunnerError} from '../../src/exec/runner.js'
import {SshRunner} from '../../src/exec/ssh.js'
import {type TestSshd, startSshd} from '../helpers/sshd.js'

/** Arguments a shell would expand, split or execute; they must arrive verbatim. */
const NASTY = [
  'with space',
  "it's",
  "''",
  '"double"',
  '$HOME',
  '${USER}',
  '`id`',
  '$(id)',
  'a;b',
  'a && b || c | d',
  'line1\nline2',
  '*',
  '~',
  'back\\slash',
  '-n',
  '',
  'é ü 漢字',
  "'; touch /tmp/dcaas-pwned #",
]

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

/** Runs fn and returns what it threw (or undefined). */
async function thrown(fn: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await fn()
  } catch (error) {
    return error as Error
  }
  return undefined
}

/** Listens on 127.0.0.1 and returns a port (optionally accepting connections that never speak). */
async function listen(accept: boolean): Promise<{port: number; server: Server}> {
  const server = createServer((socket) => {
    if (!accept) socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {port: typeof address === 'object' && address ? address.port : 0, server}
}

describe('SshRunner against a real sshd', function () {
  this.timeout(30_000)
  let sshd: TestSshd
  let target: SshTarget
  let runner: SshRunner

  before(async () => {
    sshd = await startSshd()
    target = {host: sshd.host, port: sshd.port, user: sshd.user, privateKeyPath: sshd.privateKeyPath, connectTimeout: 5}
    runner = new SshRunner(target, {timeout: 10})
  })
  after(async () => {
    await runner?.close()
    await sshd?.stop()
  })

  it('names the target in where', () => {
    expect(runner.where).to.equal(`ssh ${sshd.user}@127.0.0.1:${sshd.port}`)
  })

  it('reports exit codes 0 and 3', async () => {
    const ok = await runner.run(['true'])
    expect(ok.exitCode).to.equal(0)
    expect(ok.timedOut).to.equal(false)
    expect((await runner.run(['sh', '-c', 'exit 3'])).exitCode).to.equal(3)
  })

  it('keeps stdout and stderr apart, without trimming', async () => {
    const result = await runner.run(['sh', '-c', 'echo out; echo err >&2; printf "  "'])
    expect(result.stdout).to.equal('out\n  ')
    expect(result.stderr).to.equal('err\n')
  })

  it('delivers arguments with spaces, quotes, $HOME, ;, backticks, newlines and * verbatim', async () => {
    const result = await runner.run(['printf', '%s\\0', ...NASTY])
    expect(result.exitCode).to.equal(0)
    expect(result.stdout.split('\0').slice(0, -1)).to.deep.equal(NASTY)
  })

  it('rejects a NUL byte before sending anything', async () => {
    expect(await thrown(() => runner.run(['echo', 'a\0b']))).to.be.instanceOf(RunnerError)
  })

  it('feeds input on stdin, and closes stdin when there is none', async () => {
    const input = "first line\n'$HOME' `id`\nno newline at end"
    expect((await runner.run(['cat'], {input})).stdout).to.equal(input)
    const empty = await runner.run(['cat'], {timeout: 5})
    expect(empty.timedOut).to.equal(false)
    expect(empty.stdout).to.equal('')
  })

  it('sets runner and per-command environment without relying on AcceptEnv', async () => {
    const withEnv = new SshRunner(target, {env: {SGE_CELL: 'default', A: 'runner'}})
    try {
      const result = await withEnv.run(['sh', '-c', 'printf "%s|%s" "$SGE_CELL" "$A"'], {env: {A: "x y $HOME 'q'"}})
      expect(result.stdout).to.equal("default|x y $HOME 'q'")
    } finally {
      await withEnv.close()
    }
  })

  it('decodes large output with multi-byte characters split across packets', async () => {
    const result = await runner.run(['sh', '-c', 'yes "é漢" | head -n 100000'])
    const lines = result.stdout.split('\n')
    expect(lines).to.have.length(100_001)
    expect(lines.slice(0, -1).every((line) => line === 'é漢')).to.equal(true)
  })

  it('reuses one connection for sequential and concurrent commands, and reconnects after close()', async () => {
    const connection = ['sh', '-c', 'printf %s "$SSH_CONNECTION"']
    const first = (await runner.run(connection)).stdout
    const parallel = await Promise.all([1, 2, 3, 4, 5].map(() => runner.run(connection)))
    expect(first).to.match(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/)
    expect(parallel.map((result) => result.stdout)).to.deep.equal([first, first, first, first, first])
    await runner.close()
    const after = (await runner.run(connection)).stdout
    expect(after).to.match(/^127\.0\.0\.1 \d+/)
    expect(after).not.to.equal(first)
  })

  it('kills a command that runs past its timeout, reports timedOut, and keeps working', async () => {
    const pidFile = join(sshd.dir, 'sleep.pid')
    const result = await runner.run(['sh', '-c', 'echo $$ > "$1"; sleep 30; echo late', 'sh', pidFile], {timeout: 1})
    expect(result.timedOut).to.equal(true)
    expect(result.exitCode).to.equal(TIMEOUT_EXIT_CODE)
    expect(result.stdout).to.equal('')
    const pid = Number(await readFile(pidFile, 'utf8'))
    expect(alive(process.pid), 'alive() must see a running process').to.equal(true)
    expect(await eventually(() => !alive(pid)), `remote command ${pid} still alive`).to.equal(true)
    const next = await runner.run(['echo', 'still works'])
    expect(next.stdout).to.equal('still works\n')
    expect(next.timedOut).to.equal(false)
  })

  it('rejects a program that does not exist with a RunnerError naming it', async () => {
    const error = await thrown(() => runner.run(['dcaas-no-such-command', 'x']))
    expect(error).to.be.instanceOf(RunnerError)
    expect(error?.message).to.contain('dcaas-no-such-command')
    const viaEnv = await thrown(() => runner.run(['dcaas-no-such-command'], {env: {A: 'b'}}))
    expect(viaEnv).to.be.instanceOf(RunnerError)
    expect(viaEnv?.message).to.contain('dcaas-no-such-command')
    expect((await runner.run(['sh', '-c', 'exit 127'])).exitCode).to.equal(127)
  })

  it('writes a file whose content and path contain special characters', async () => {
    const path = join(sshd.dir, "queue 'all' $q.conf")
    const content = "qname all.q\nhostlist @allhosts 'x' \"y\" $z `id` \\n\né漢\n\n"
    await runner.writeFile(path, 'old content that is longer than the new one .............................\n')
    await runner.writeFile(path, content)
    expect(await readFile(path, 'utf8')).to.equal(content)
    expect(execFileSync('ls', ['-A', sshd.dir], {encoding: 'utf8'})).not.to.contain('dcaas-tmp')
  })

  it('reports a failed write as a RunnerError', async () => {
    const error = await thrown(() => runner.writeFile(join(sshd.dir, 'missing', 'file'), 'x'))
    expect(error).to.be.instanceOf(RunnerError)
    expect(error?.message).to.contain('missing/file')
  })

  it('rejects a key the server does not accept, naming user@host:port and not the key', async () => {
    const otherKey = join(sshd.dir, 'other_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey])
    const key = await readFile(otherKey, 'utf8')
    const stranger = new SshRunner({...target, privateKeyPath: otherKey})
    const error = await thrown(() => stranger.run(['true']))
    await stranger.close()
    expect(error).to.be.instanceOf(RunnerError)
    expect(error?.message).to.contain(`${sshd.user}@127.0.0.1:${sshd.port}`).and.to.match(/authentication failed/)
    const keyBody = key.split('\n')[1]
    expect(error?.message).not.to.contain(keyBody)
  })

  it('rejects a missing key file', async () => {
    const error = await thrown(() => new SshRunner({...target, privateKeyPath: join(sshd.dir, 'nope')}).run(['true']))
    expect(error).to.be.instanceOf(RunnerError)
    expect(error?.message).to.match(/cannot read private key file .*nope \(ENOENT\)/)
  })

  it('rejects a port where nothing listens', async () => {
    const {port, server} = await listen(false)
    await new Promise((resolve) => server.close(resolve))
    const error = await thrown(() => new SshRunner({...target, port}).run(['true']))
    expect(error).to.be.instanceOf(RunnerError)
    expect(error?.message).to.contain(`@127.0.0.1:${port}`).and.to.match(/connection refused/)
  })

  it('gives up on a server that never completes the handshake after connectTimeout', async () => {
    const {port, server} = await listen(true)
    try {
      const error = await thrown(() => new SshRunner({...target, port, connectTimeout: 1}).run(['true']))
      expect(error).to.be.instanceOf(RunnerError)
      expect(error?.message).to.contain(`@127.0.0.1:${port}`).and.to.match(/within 1s/)
    } finally {
      server.close()
    }
  })
})
