/**
 * One table of exit codes, shown in help and the README, and the typed error that carries one.
 * Library code throws DcaasError (or a typed cloud / scheduler error); commands map it with exitCodeOf().
 */
import {AuthError, CloudError} from './cloud/provider.js'
import {SchedulerError} from './scheduler/scheduler.js'
import {RunnerError} from './exec/runner.js'

/** Every exit code dcaas uses, with its meaning. */
export const EXIT = {
  OK: 0,
  /** Unexpected internal error. */
  INTERNAL: 1,
  /** Bad command-line usage (unknown flag, missing argument) — oclif's own code. */
  USAGE: 2,
  /** The configuration file is missing, unreadable or invalid. */
  CONFIG: 3,
  /** The scheduler could not be observed or refused a change. */
  SCHEDULER: 4,
  /** The cloud API failed (capacity, quota, API error). */
  CLOUD: 5,
  /** Cloud credentials missing or refused. */
  AUTH: 6,
  /** Another dcaas pass holds the lock. */
  LOCKED: 7,
  /** The request was refused to protect running work or limits (e.g. would kill a job, exceed max). */
  REFUSED: 8,
  /** Named node, resource or file not found. */
  NOT_FOUND: 9,
  /** The capability belongs to a later release. */
  NOT_AVAILABLE: 10,
  /** A pass ran but some of its actions failed. */
  PARTIAL: 11,
  /** Running a command locally or over SSH failed (cannot start, cannot connect). */
  RUNNER: 12,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** Human description of each exit code, for help text and the README. */
export const EXIT_DESCRIPTIONS: Record<ExitCode, string> = {
  0: 'success',
  1: 'unexpected internal error',
  2: 'bad command-line usage',
  3: 'configuration missing or invalid',
  4: 'scheduler unavailable or refused a change',
  5: 'cloud API error (capacity, quota, API failure)',
  6: 'cloud credentials missing or refused',
  7: 'another dcaas pass holds the lock',
  8: 'refused to protect running jobs or limits',
  9: 'node, resource or file not found',
  10: 'not available yet in this release',
  11: 'pass ran, but some actions failed',
  12: 'could not run a command locally or over SSH',
}

/** An error with an exit code and optional suggestions, thrown by library code for commands to report. */
export class DcaasError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly suggestions: string[] = [],
  ) {
    super(message)
    this.name = 'DcaasError'
  }
}

/** Maps any error to its exit code. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof DcaasError) return error.exitCode
  if (error instanceof AuthError) return EXIT.AUTH
  if (error instanceof CloudError) return EXIT.CLOUD
  if (error instanceof SchedulerError) return EXIT.SCHEDULER
  if (error instanceof RunnerError) return EXIT.RUNNER
  return EXIT.INTERNAL
}

/** The exit-code table as help text. */
export function exitCodeHelp(): string {
  return Object.entries(EXIT_DESCRIPTIONS)
    .map(([code, text]) => `  ${code.padStart(2)}  ${text}`)
    .join('\n')
}
