/**
 * Starts a real OpenSSH sshd for tests: 127.0.0.1 only, a free port, a generated host key
 * and client key, everything in one temporary directory that stop() removes.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile, readFile} from 'node:fs/promises'
import {createServer, connect} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

/** A running test sshd and how to log in to it. */
export interface TestSshd {
  host: string
  port: number
  user: string
  privateKeyPath: string
  /** The temporary directory holding keys, config and logs. */
  dir: string
  /** Stops sshd and removes its temporary directory. */
  stop(): Promise<void>
}

const SSHD = '/usr/sbin/sshd'
const SSH_KEYGEN = 'ssh-keygen'

/** Starts sshd on 127.0.0.1 with a generated host key and client key; fails clearly if OpenSSH is missing. */
export async function startSshd(): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: install openssh-server (.ci/install-system.sh does)`)
  const dir = await mkdtemp(join(tmpdir(), 'dcaas-sshd-'))
  try {
    return await launch(dir)
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    throw error
  }
}

/** Generates the keys and config in dir and runs sshd until it accepts connections (retrying if the port was taken). */
async function launch(dir: string): Promise<TestSshd> {
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', {recursive: true, mode: 0o755}).catch((error: Error) => {
    throw new Error(`cannot create sshd's privilege-separation directory /run/sshd (run the tests as root): ${error.message}`)
  })
  const hostKey = join(dir, 'host_ed25519')
  const clientKey = join(dir, 'client_ed25519')
  try {
    execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'dcaas-test-host', '-f', hostKey], {stdio: 'pipe'})
    execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'dcaas-test-client', '-f', clientKey], {stdio: 'pipe'})
  } catch (error) {
    throw new Error(`ssh-keygen failed (install openssh-client): ${(error as Error).message}`)
  }
  const authorizedKeys = join(dir, 'authorized_keys')
  await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`, 'utf8'), {mode: 0o600})
  const user = userInfo().username
  let lastError: Error | undefined
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const config = join(dir, 'sshd_config')
    await writeFile(config, sshdConfig({dir, port, hostKey, authorizedKeys}))
    try {
      const child = await spawnSshd(config, port)
      return {
        host: '127.0.0.1',
        port,
        user,
        privateKeyPath: clientKey,
        dir,
        async stop() {
          await stopProcess(child)
          await rm(dir, {recursive: true, force: true})
        },
      }
    } catch (error) {
      lastError = error as Error
    }
  }
  throw lastError ?? new Error('sshd did not start')
}

/** Renders an sshd_config that accepts only the generated client key, on 127.0.0.1:port. */
function sshdConfig(o: {dir: string; port: number; hostKey: string; authorizedKeys: string}): string {
  return [
    `ListenAddress 127.0.0.1`,
    `Port ${o.port}`,
    `HostKey ${o.hostKey}`,
    `PidFile ${join(o.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'AuthenticationMethods publickey',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PrintMotd no',
    'MaxStartups 50',
    'MaxSessions 50',
    'LogLevel ERROR',
    'Subsystem sftp internal-sftp',
    // Bash sources ~/.bashrc for ssh commands only at SHLVL 0; skip it so a slow .bashrc on the test machine does not slow every command.
    'SetEnv SHLVL=1',
    '',
  ].join('\n')
}

/** Runs `sshd -D -e -f config` and resolves once the port accepts TCP connections. */
async function spawnSshd(config: string, port: number): Promise<ChildProcess> {
  const child = spawn(SSHD, ['-D', '-e', '-f', config], {stdio: ['ignore', 'ignore', 'pipe']})
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString(); if (process.env.SSHD_DEBUG) process.stderr.write(chunk)
  })
  let exited = false
  child.on('exit', () => {
    exited = true
  })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`sshd exited at start: ${log.trim()}`)
    if (await accepts(port)) return child
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await stopProcess(child)
  throw new Error(`sshd did not accept connections on 127.0.0.1:${port} within 10s: ${log.trim()}`)
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Tells whether 127.0.0.1:port accepts a TCP connection. */
async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host: '127.0.0.1', port})
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Sends SIGTERM and waits for the process to exit (SIGKILL after 5 s). */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
