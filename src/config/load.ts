/**
 * PLACEHOLDER until the config module lands: returns a built-in simulated config.
 * The config helper replaces this file with the real loader (YAML, schema, search order).
 */
import type {Config, LoadedConfig} from './types.js'

export interface LoadOptions {
  /** --config flag value. */
  path?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/** Returns the built-in default configuration: a simulated cloud and scheduler. */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    cluster: {name: 'demo'},
    scheduler: {type: 'sim', commandTimeout: 30, queues: []},
    autoscale: {maxIdle: 600, maxDown: 480, maxLaunch: 1200, interval: 60, backoff: {initial: 60, factor: 2, max: 1800}, maxFailedBoots: 3},
    resources: [{name: 'sim', cloud: {type: 'sim', cores: 8, memoryMiB: 32768, bootTime: 120, bootFailureRate: 0, apiFailureRate: 0}, min: 0, max: 10, priority: 1}],
    stateDir: env.DCAAS_STATE_DIR ?? `${env.HOME ?? '.'}/.local/state/dcaas`,
    sim: {speed: 1, seed: 1},
    logging: {level: 'info'},
  }
}

/** Loads the configuration (placeholder: always the built-in default). */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  return {config: defaultConfig(options.env ?? process.env), source: 'built-in default'}
}
