/**
 * Chooses a Runner: local when there is no SSH target, over SSH to the head node otherwise.
 */
import type {SshTarget} from '../config/types.js'
import {LocalRunner, type RunnerOptions} from './local.js'
import type {Runner} from './runner.js'
import {SshRunner} from './ssh.js'

export {LocalRunner, type RunnerOptions, TIMEOUT_EXIT_CODE} from './local.js'
export {SshRunner} from './ssh.js'
export {quoteArgv, quoteWord} from './quote.js'
export {type RunOptions, type RunResult, type Runner, RunnerError} from './runner.js'

/** Creates the runner for a target: a LocalRunner without one, an SshRunner with one. */
export function createRunner(target?: SshTarget, options: RunnerOptions = {}): Runner {
  return target ? new SshRunner(target, options) : new LocalRunner(options)
}
