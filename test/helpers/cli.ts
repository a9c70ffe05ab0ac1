/**
 * Runs the built dcaas CLI (`node bin/run.js`) as a child process for end-to-end tests, with a
 * hermetic environment: no inherited DCAAS_CONFIG / DCAAS_STATE_DIR, an empty XDG config home,
 * and a temp working directory, so only what the test passes decides which config is used.
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {execa, type ResultPromise} from 'execa'

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..')

/**
 * The directory holding the CLI under test: the repository (whose dist/ `npm test` builds), or
 * $DCAAS_E2E_CLI_ROOT — a copy with its own bin/, dist/ and package.json, for running the e2e
 * tests while someone else rebuilds the shared dist/.
 */
export const CLI_ROOT = process.env.DCAAS_E2E_CLI_ROOT ? resolve(process.env.DCAAS_E2E_CLI_ROOT) : REPO_ROOT

/** The CLI entry point (bin/run.js loads dist/). */
export const CLI_BIN = join(CLI_ROOT, 'bin', 'run.js')

/** Options of one CLI run. */
export interface CliOptions {
  /** Extra environment (added to the hermetic base; DCAAS_STATE_DIR goes here). */
  env?: Record<string, string | undefined>
  /** Text written to the process's stdin. */
  input?: string
  /** Milliseconds before the process is killed (default 60 s). */
  timeout?: number
  /** Working directory (default: an empty temp directory). */
  cwd?: string
}

/** What one CLI run produced. */
export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

let emptyDir: string | undefined

/** Returns an empty directory used as cwd and XDG_CONFIG_HOME, so no stray dcaas.yaml is found. */
function hermeticDir(): string {
  emptyDir ??= mkdtempSync(join(tmpdir(), 'dcaas-e2e-empty-'))
  return emptyDir
}

/** Throws a clear error when dist/ has not been built. */
export function requireBuild(): void {
  if (!existsSync(join(CLI_ROOT, 'dist', 'commands')) || !existsSync(join(CLI_ROOT, 'dist', 'index.js')))
    throw new Error(`${join(CLI_ROOT, 'dist')} is missing or incomplete: run npm run build first (npm test does it).`)
}

/** Builds the environment of a CLI process: the parent's, minus dcaas settings, plus the test's. */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {...process.env, DCAAS_CONFIG: undefined, DCAAS_STATE_DIR: undefined, XDG_CONFIG_HOME: hermeticDir(), NO_COLOR: '1', FORCE_COLOR: '0'}
  return {...env, ...extra}
}

/** Runs `node bin/run.js ...args` and returns its exit code and output; never throws on a non-zero exit. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  requireBuild()
  const result = await execa('node', [CLI_BIN, ...args], {
    cwd: options.cwd ?? hermeticDir(),
    env: cliEnv(options.env),
    extendEnv: false,
    input: options.input,
    timeout: options.timeout ?? 60_000,
    reject: false,
    stripFinalNewline: false,
  })
  if (result.timedOut) throw new Error(`dcaas ${args.join(' ')} timed out after ${options.timeout ?? 60_000} ms\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`)
  return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)}
}

/** Runs the CLI with --json, expects exit 0 and returns the parsed JSON (fails with the output otherwise). */
export async function runCliJson<T = any>(args: string[], options: CliOptions = {}): Promise<T> {
  const result = await runCli([...args, '--json'], options)
  if (result.exitCode !== 0) throw new Error(`dcaas ${args.join(' ')} --json exited ${result.exitCode}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`)
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`dcaas ${args.join(' ')} --json printed no JSON:\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}

/** Starts the CLI in the background (for --watch and signals); the caller awaits or kills it. */
export function startCli(args: string[], options: CliOptions = {}): ResultPromise {
  requireBuild()
  return execa('node', [CLI_BIN, ...args], {
    cwd: options.cwd ?? hermeticDir(),
    env: cliEnv(options.env),
    extendEnv: false,
    input: options.input,
    timeout: options.timeout ?? 60_000,
    reject: false,
  })
}

/** A fresh temp state directory and a function that deletes it. */
export interface TempStateDir {
  path: string
  /** The environment that points the CLI at this state directory. */
  env: Record<string, string>
  cleanup(): void
}

/** Creates a fresh temp state directory for one test (so tests never share state). */
export function tempStateDir(prefix = 'dcaas-e2e-'): TempStateDir {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return {path, env: {DCAAS_STATE_DIR: path}, cleanup: () => rmSync(path, {recursive: true, force: true})}
}

/** Joins oclif's wrapped error output (` ›   ` prefixes, line breaks) into one line, for matching sentences. */
export function oneLine(text: string): string {
  return text
    .replace(/^\s*›\s*/gm, '')
    .replace(/\s+/g, ' ')
    .trim()
}
