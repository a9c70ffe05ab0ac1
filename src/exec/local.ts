/**
 * Runs argv arrays on this machine with execa — never through a shell — and writes files
 * atomically (temporary file in the same directory, then rename).
 */
import {randomBytes} from 'node:crypto'
import {rename, rm, writeFile} from 'node:fs/promises'
import {constants} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {execa} from 'execa'
import {type RunOptions, type RunResult, type Runner, RunnerError} from './runner.js'

/** Exit code reported for a command killed because it ran past its timeout (as GNU `timeout` does). */
export const TIMEOUT_EXIT_CODE = 124

/** Options shared by every runner. */
export interface RunnerOptions {
  /** Seconds a command may run when RunOptions.timeout is not given (default 60). */
  timeout?: number
  /** Environment added to every command (RunOptions.env adds to and overrides it). */
  env?: Record<string, string>
}

/** Converts a signal name to the shell's exit-code convention (128 + signal number). */
export function signalExitCode(signal: string | undefined | null): number {
  const number = signal ? constants.signals[signal as keyof typeof constants.signals] : undefined
  return number === undefined ? 255 : 128 + number
}

/** Runs commands on the local machine; the process group is killed on timeout so no child keeps running. */
export class LocalRunner implements Runner {
  readonly where = 'local'
  private readonly timeout: number
  private readonly env: Record<string, string>

  constructor(options: RunnerOptions = {}) {
    this.timeout = options.timeout ?? 60
    this.env = options.env ?? {}
  }

  /** Runs argv; resolves whatever the exit code; rejects with RunnerError if the program cannot be started. */
  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) throw new RunnerError('cannot run an empty command')
    const [file, ...args] = argv
    const subprocess = execa(file, args, {
      reject: false,
      shell: false,
      // Own process group, so a timeout kills the command and everything it started.
      detached: true,
      input: options.input ?? '',
      env: {...process.env, ...this.env, ...options.env},
      stripFinalNewline: false,
      encoding: 'utf8',
    })
    let timedOut = false
    const seconds = options.timeout ?? this.timeout
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(subprocess.pid)
    }, seconds * 1000)
    try {
      const result = await subprocess
      if (result.exitCode === undefined && !timedOut && result.signal === undefined) {
        throw new RunnerError(`cannot run ${JSON.stringify(file)} locally: ${result.code ?? result.shortMessage}`)
      }
      return {
        argv: [...argv],
        exitCode: timedOut ? TIMEOUT_EXIT_CODE : (result.exitCode ?? signalExitCode(result.signal)),
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
        timedOut,
      }
    } finally {
      clearTimeout(timer)
    }
  }

  /** Writes a file atomically: a temporary file beside it, then a rename over the target. */
  async writeFile(path: string, content: string): Promise<void> {
    const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      await writeFile(temporary, content, {flag: 'wx'})
      await rename(temporary, path)
    } catch (error) {
      await rm(temporary, {force: true})
      throw new RunnerError(`cannot write ${path} locally: ${(error as Error).message}`)
    }
  }

  /** Does nothing: a local runner holds no connection. */
  async close(): Promise<void> {}
}

/** Sends SIGKILL to a process group, ignoring one that has already gone. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // Already exited.
  }
}
