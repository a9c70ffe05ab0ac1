/**
 * POSIX shell quoting for the one place dcaas must hand a command line to a shell: the
 * remote side of an SSH exec request. Every word is single-quoted, so the remote shell
 * expands nothing in it.
 */
import {RunnerError} from './runner.js'

/** Quotes one word for a POSIX shell: wraps it in single quotes and writes each `'` as `'\''`; rejects NUL bytes. */
export function quoteWord(word: string): string {
  if (word.includes('\0')) throw new RunnerError(`cannot pass an argument containing a NUL byte: ${JSON.stringify(word)}`)
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** Joins an argv into one POSIX command line with every word single-quoted; rejects an empty argv. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new RunnerError('cannot run an empty command')
  return argv.map((word) => quoteWord(word)).join(' ')
}

/** Matches a portable environment variable name (letters, digits, underscore; not starting with a digit). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Prefixes argv with `env NAME=value …` so a remote command gets its variables without relying on sshd's AcceptEnv. */
export function withEnv(argv: readonly string[], env: Record<string, string> | undefined): string[] {
  const entries = Object.entries(env ?? {})
  if (entries.length === 0) return [...argv]
  for (const [name] of entries) {
    if (!ENV_NAME.test(name)) throw new RunnerError(`invalid environment variable name: ${JSON.stringify(name)}`)
  }
  return ['env', ...entries.map(([name, value]) => `${name}=${value}`), ...argv]
}
