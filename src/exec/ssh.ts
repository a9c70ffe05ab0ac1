/**
 * Runs argv arrays on a remote host over SSH (node-ssh). The remote sshd hands the command
 * to the user's login shell as one line, so every word is single-quoted by quoteArgv() —
 * the only place a command line is built — and the login shell must be POSIX (sh, bash,
 * dash, ksh, zsh). One connection is opened on first use and reused until close().
 */
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {NodeSSH} from 'node-ssh'
import type {SshTarget} from '../config/types.js'
import type {RunnerOptions} from './local.js'
import {TIMEOUT_EXIT_CODE, signalExitCode} from './local.js'
import {quoteArgv, withEnv} from './quote.js'
import {type RunOptions, type RunResult, type Runner, RunnerError} from './runner.js'

/** Seconds to wait, after killing a timed-out remote command, before dropping the whole connection. */
const KILL_GRACE_SECONDS = 2

/** Key files tried, in order, when the target names none and no SSH agent is running. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa']

/** The parts of an ssh2 channel the runner uses (node-ssh does not re-export the type). */
interface Channel {
  signal(name: string): void
  close(): void
  outgoing?: {id?: number; state?: string}
  _client?: {_protocol?: {signal?(channelId: number, name: string): void}}
}

/**
 * Sends a signal request on a session channel. ssh2's Channel.signal() silently does
 * nothing once stdin has been closed (node-ssh closes it right after writing the input),
 * so the request goes through ssh2's protocol object when the channel is still open.
 */
function signalChannel(channel: Channel, name: string): void {
  try {
    const protocol = channel._client?._protocol
    const id = channel.outgoing?.id
    if (protocol?.signal && id !== undefined && channel.outgoing?.state === 'open') protocol.signal(id, name)
    else channel.signal(name)
  } catch {
    // The channel is already closing; the grace period below drops the connection if needed.
  }
}

/** Runs commands on one remote host over a single, lazily opened SSH connection. */
export class SshRunner implements Runner {
  readonly where: string
  private readonly timeout: number
  private readonly env: Record<string, string>
  private connecting: Promise<NodeSSH> | undefined

  constructor(
    private readonly target: SshTarget,
    options: RunnerOptions = {},
  ) {
    this.where = `ssh ${target.user}@${target.host}:${target.port}`
    this.timeout = options.timeout ?? 60
    this.env = options.env ?? {}
  }

  /** Runs argv remotely; resolves whatever the exit code; rejects with RunnerError if it cannot connect or the connection drops. */
  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    const command = remoteCommandLine(argv, {...this.env, ...options.env})
    const ssh = await this.connection()
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let channel: Channel | undefined
    let timedOut = false
    let abandon: (() => void) | undefined
    let grace: NodeJS.Timeout | undefined
    const abandoned = new Promise<undefined>((resolve) => {
      abandon = () => resolve(undefined)
    })
    const timer = setTimeout(
      () => {
        timedOut = true
        this.kill(ssh, channel, parsePidMarker(Buffer.concat(stderr)).pid)
        grace = setTimeout(() => {
          this.drop(ssh)
          abandon?.()
        }, KILL_GRACE_SECONDS * 1000)
      },
      (options.timeout ?? this.timeout) * 1000,
    )
    try {
      // SSH carries one command line; `command` is built only by quoteArgv/withEnv (every argv word single-quoted).
      const finished = ssh.execCommand(command, {
        stdin: options.input ?? '',
        noTrim: true,
        onChannel: (opened) => {
          channel = opened as unknown as Channel
        },
        onStdout: (chunk) => stdout.push(chunk),
        onStderr: (chunk) => stderr.push(chunk),
      })
      // If the command is abandoned, a late rejection must not become an unhandled one.
      finished.catch(() => undefined)
      const outcome = await Promise.race([finished, abandoned])
      const marker = parsePidMarker(Buffer.concat(stderr))
      const result = {argv: [...argv], stdout: decode(stdout), stderr: marker.rest.toString('utf8'), timedOut}
      if (timedOut) return {...result, exitCode: TIMEOUT_EXIT_CODE}
      if (outcome === undefined || (outcome.code === null && outcome.signal === null)) {
        throw new RunnerError(`${this.where}: the connection closed before ${JSON.stringify(argv[0])} reported an exit status`)
      }
      if (couldNotStart(outcome.code, result.stderr, argv[0])) {
        throw new RunnerError(`${this.where}: cannot run ${JSON.stringify(argv[0])}: ${result.stderr.trim()}`)
      }
      return {...result, exitCode: outcome.code ?? signalExitCode(`SIG${outcome.signal}`)}
    } catch (error) {
      if (error instanceof RunnerError) throw error
      if (!ssh.isConnected()) this.drop(ssh)
      throw new RunnerError(`${this.where}: cannot run ${JSON.stringify(argv[0])}: ${(error as Error).message}`)
    } finally {
      clearTimeout(timer)
      clearTimeout(grace)
    }
  }

  /**
   * Kills a timed-out remote command: `kill -s KILL -- -PGID` on a second channel (works
   * whatever the login user, where sshd refuses signal requests for root), plus an SSH
   * signal request, then closes the channel.
   */
  private kill(ssh: NodeSSH, channel: Channel | undefined, pid: number | undefined): void {
    if (pid !== undefined) {
      ssh.execCommand(quoteArgv(['kill', '-s', 'KILL', '--', `-${pid}`])).catch(() => undefined)
    }
    if (channel) {
      signalChannel(channel, 'KILL')
      channel.close()
    }
  }

  /** Writes a file on the remote host atomically: `cat` into a temporary file beside it, then `mv` over the target. */
  async writeFile(path: string, content: string): Promise<void> {
    const script = 'tmp="$1.dcaas-tmp.$$"; trap \'rm -f "$tmp"\' EXIT; cat > "$tmp" && mv -f "$tmp" "$1"'
    const result = await this.run(['sh', '-c', script, 'sh', path], {input: content})
    if (result.exitCode !== 0) {
      throw new RunnerError(`${this.where}: cannot write ${path}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`)
    }
  }

  /** Closes the connection, if one is open; the next run() opens a new one. */
  async close(): Promise<void> {
    const connecting = this.connecting
    this.connecting = undefined
    if (!connecting) return
    try {
      ;(await connecting).dispose()
    } catch {
      // It never connected: nothing to close.
    }
  }

  /** Returns the open connection, opening it on first use or after it dropped. */
  private async connection(): Promise<NodeSSH> {
    if (this.connecting) {
      const ssh = await this.connecting.catch(() => undefined)
      if (ssh?.isConnected()) return ssh
      if (ssh) this.drop(ssh)
    }
    const connecting = this.connect()
    this.connecting = connecting
    try {
      return await connecting
    } catch (error) {
      if (this.connecting === connecting) this.connecting = undefined
      throw error
    }
  }

  /** Opens a new connection, mapping every failure to a RunnerError that names user@host:port and never the key. */
  private async connect(): Promise<NodeSSH> {
    const {host, port, user, connectTimeout} = this.target
    const credentials = await this.credentials()
    const ssh = new NodeSSH()
    try {
      await ssh.connect({host, port, username: user, readyTimeout: connectTimeout * 1000, ...credentials})
    } catch (error) {
      ssh.dispose()
      throw new RunnerError(`cannot connect to ${user}@${host}:${port}: ${describeConnectError(error, connectTimeout)}`)
    }
    // ssh2 emits late errors (e.g. ECONNRESET) on the client; without a listener they would crash the process.
    ssh.connection?.on('error', () => this.drop(ssh))
    ssh.connection?.on('close', () => this.drop(ssh))
    return ssh
  }

  /** Chooses how to authenticate: the target's key file, else the SSH agent, else a default key in ~/.ssh. */
  private async credentials(): Promise<{privateKey: string} | {agent: string}> {
    const {privateKeyPath} = this.target
    if (privateKeyPath) {
      try {
        return {privateKey: await readFile(privateKeyPath, 'utf8')}
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
        throw new RunnerError(`cannot connect to ${this.target.user}@${this.target.host}:${this.target.port}: cannot read private key file ${privateKeyPath} (${code})`)
      }
    }
    if (process.env.SSH_AUTH_SOCK) return {agent: process.env.SSH_AUTH_SOCK}
    for (const name of DEFAULT_KEYS) {
      const privateKey = await readFile(join(homedir(), '.ssh', name), 'utf8').catch(() => undefined)
      if (privateKey !== undefined) return {privateKey}
    }
    throw new RunnerError(`cannot connect to ${this.target.user}@${this.target.host}:${this.target.port}: no private key (set privateKeyPath, or run an SSH agent)`)
  }

  /** Forgets a connection (if it is still the current one) and closes it. */
  private drop(ssh: NodeSSH): void {
    const connecting = this.connecting
    if (connecting) {
      void connecting.then(
        (current) => {
          if (current === ssh && this.connecting === connecting) this.connecting = undefined
        },
        () => undefined,
      )
    }
    ssh.dispose()
  }
}

/** Marks the first line of remote stderr: the process id of the remote command, which leads its process group. */
const PID_MARKER = 'dcaas-pid:'

/**
 * Builds the one command line sent to the remote login shell: a fixed prefix that reports
 * the shell's pid on stderr, then `exec` of argv (with `env NAME=value` words in front when
 * env is given), every word single-quoted. The pid identifies the process group to kill on timeout.
 */
export function remoteCommandLine(argv: readonly string[], env?: Record<string, string>): string {
  return `printf '${PID_MARKER}%s\\n' "$$" >&2; exec ${quoteArgv(withEnv(argv, env))}`
}

/** Removes the pid marker line from remote stderr (it may follow noise from the login shell's startup files); returns the pid and the rest. */
export function parsePidMarker(stderr: Buffer): {pid: number | undefined; rest: Buffer} {
  let start = stderr.indexOf(PID_MARKER)
  while (start > 0 && stderr[start - 1] !== 10) start = stderr.indexOf(PID_MARKER, start + 1)
  if (start < 0) return {pid: undefined, rest: stderr}
  const newline = stderr.indexOf(10, start)
  if (newline < 0) return {pid: undefined, rest: stderr.subarray(0, start)}
  const digits = stderr.subarray(start + PID_MARKER.length, newline).toString('ascii')
  const rest = Buffer.concat([stderr.subarray(0, start), stderr.subarray(newline + 1)])
  return {pid: /^[1-9][0-9]*$/.test(digits) ? Number(digits) : undefined, rest}
}

/**
 * Tells whether exit code 126/127 came from the remote shell's `exec` or from `env` failing
 * to start the program (not found, not executable), rather than from the program itself.
 */
export function couldNotStart(exitCode: number | null, stderr: string, program: string): boolean {
  if (exitCode !== 126 && exitCode !== 127) return false
  // `env: 'qstat': No such file…`, with a locale-dependent quote character on each side of the name.
  const fromEnv = (line: string): boolean => {
    if (!line.startsWith('env: ')) return false
    const named = line.slice('env: '.length + 1)
    return named.startsWith(program) && named.slice(program.length + 1).startsWith(': ')
  }
  return stderr.includes(`exec: ${program}: `) || stderr.split('\n').some((line) => fromEnv(line))
}

/** Joins output chunks and decodes them once, so a multi-byte character split across chunks survives. */
function decode(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8')
}

/** Turns an ssh2 / socket connection error into a short explanation that contains no key material. */
export function describeConnectError(error: unknown, connectTimeout: number): string {
  const {code, level, message} = error as {code?: string; level?: string; message?: string}
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is sshd running on that port?)'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable'
    case 'ECONNRESET':
      return 'connection reset by the server'
    case 'ETIMEDOUT':
      return `no answer within ${connectTimeout}s`
  }
  if (level === 'client-authentication') return 'authentication failed: the server refused the key'
  if (level === 'client-timeout') return `no SSH handshake within ${connectTimeout}s`
  const text = String(message ?? error)
  if (/PRIVATE KEY|[A-Za-z0-9+/=]{64,}/.test(text)) return 'the private key could not be used'
  if (/parse privateKey|passphrase|key format/i.test(text)) return `the private key could not be used (${text})`
  return text
}
