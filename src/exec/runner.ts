/**
 * Runs a command given as an argv array — locally or on a remote host over SSH — and
 * returns its exit code and output. Never builds a shell string from data.
 */

/** What running one command produced. */
export interface RunResult {
  /** The argv that ran, for messages. */
  argv: string[]
  exitCode: number
  stdout: string
  stderr: string
  /** True when the command was killed because it ran past its timeout. */
  timedOut: boolean
}

export interface RunOptions {
  /** Seconds before the command is killed (default: the runner's). */
  timeout?: number
  /** Text written to the command's standard input. */
  input?: string
  /** Extra environment variables. */
  env?: Record<string, string>
}

/** Runs argv arrays somewhere. Implementations: LocalRunner (execa), SshRunner (node-ssh). */
export interface Runner {
  /** Where commands run, for messages (e.g. `local`, `ssh root@head:22`). */
  readonly where: string
  /** Runs argv; resolves with the result whatever the exit code; rejects only if it could not start or connect. */
  run(argv: string[], options?: RunOptions): Promise<RunResult>
  /** Writes a file on the runner's host (used to feed `qconf -Ae FILE` and the like). */
  writeFile(path: string, content: string): Promise<void>
  /** Closes connections. */
  close(): Promise<void>
}

/** The command could not be started, or the SSH connection failed. */
export class RunnerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunnerError'
  }
}
