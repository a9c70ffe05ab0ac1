/**
 * The base of every dcaas command: the shared --config flag, config loading, and one mapping
 * from library errors to exit codes and messages (see src/errors.ts).
 */
import {Command, Flags} from '@oclif/core'
import {loadConfig} from '../config/load.js'
import type {AdminResult} from '../engine/admin.js'
import {type Session, withSession} from '../engine/session.js'
import type {LoadedConfig} from '../config/types.js'
import {DcaasError, exitCodeHelp, exitCodeOf} from '../errors.js'

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    config: Flags.string({
      char: 'c',
      summary: 'Configuration file (else $DCAAS_CONFIG, ./dcaas.yaml, the user config dir, the built-in simulated default).',
      helpGroup: 'GLOBAL',
    }),
  }

  static override enableJsonFlag = true

  /** Loads the configuration named by --config (or found by the search order). */
  protected async loadConfig(path?: string): Promise<LoadedConfig> {
    return loadConfig({path, env: process.env, cwd: process.cwd()})
  }

  /**
   * Runs an admin action that changes the cluster: loads the config, takes the pass lock, opens
   * the backends, runs `action`, prints its messages (unless --json) and returns its result.
   */
  protected async admin(configPath: string | undefined, action: (session: Session & {progress?: (line: string) => void}) => Promise<AdminResult>): Promise<AdminResult> {
    const loaded = await this.loadConfig(configPath)
    const result = await withSession(loaded, (s) => action({...s, progress: this.progress()}), {lock: true})
    if (!this.jsonEnabled()) for (const m of result.messages) this.log(m)
    return result
  }

  /** Returns a progress sink writing one line per step to stderr (none in --json mode). */
  protected progress(): ((line: string) => void) | undefined {
    return this.jsonEnabled() ? undefined : (line: string) => process.stderr.write(`  … ${line}\n`)
  }

  /** Maps typed errors to their exit codes and prints suggestions. */
  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error.oclif?.exit !== undefined) return super.catch(error)
    const exit = exitCodeOf(error)
    const suggestions = error instanceof DcaasError ? error.suggestions : []
    this.error(error.message, {exit, suggestions: suggestions.length > 0 ? suggestions : undefined})
  }
}

/** Help text listing the exit codes, for command descriptions. */
export const EXIT_CODES_HELP = `EXIT CODES\n${exitCodeHelp()}`
