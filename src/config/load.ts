/**
 * Finds, reads and validates the configuration file: `--config`, else $DCAAS_CONFIG, else
 * ./dcaas.yaml, else $XDG_CONFIG_HOME/dcaas/config.yaml (~/.config/dcaas/config.yaml), else the
 * built-in simulated default. Every problem is reported at once, with its YAML path and line.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {dirname, isAbsolute, join, resolve} from 'node:path'
import {isMap, isSeq, LineCounter, parseDocument, type Document} from 'yaml'
import {DcaasError, EXIT} from '../errors.js'
import {checkConfig, formatIssue, type ConfigIssue, type ConfigPath} from './schema.js'
import type {Config, LoadedConfig} from './types.js'

export interface LoadOptions {
  /** --config flag value. */
  path?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/** The `source` of a configuration that was not read from a file. */
export const BUILT_IN_SOURCE = 'built-in default'

/** The YAML input of the built-in default: a simulated scheduler and one simulated resource. */
export const BUILT_IN_YAML = {
  cluster: {name: 'demo'},
  scheduler: {type: 'sim'},
  resources: [{name: 'sim', cloud: {type: 'sim'}, max: 10}],
}

/** Returns the built-in default configuration: a simulated cloud and scheduler. */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = checkConfig(BUILT_IN_YAML, {env})
  if (!result.ok) throw new Error(`built-in default configuration is invalid: ${result.issues.map(formatIssue).join('; ')}`)
  return result.config
}

/** Finds the configuration file by the search order; undefined means the built-in default. */
export function findConfigFile(options: LoadOptions = {}): string | undefined {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const given = options.path ?? (env.DCAAS_CONFIG || undefined)
  if (given !== undefined) {
    const file = resolve(cwd, expandHome(given, env))
    if (!existsSync(file)) {
      const how = options.path === undefined ? '$DCAAS_CONFIG names' : '--config names'
      throw new DcaasError(`Configuration file not found: ${file} (${how} it).`, EXIT.CONFIG, ['Check the path, or run `dcaas config import` to convert a dynamiccluster.yaml.'])
    }
    return file
  }
  const local = join(cwd, 'dcaas.yaml')
  if (existsSync(local)) return local
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  const user = join(configHome, 'dcaas', 'config.yaml')
  if (existsSync(user)) return user
  return undefined
}

/** Loads the configuration found by the search order, validated and defaulted. */
export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env
  const file = findConfigFile(options)
  if (file === undefined) return {config: defaultConfig(env), source: BUILT_IN_SOURCE}
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new DcaasError(`Cannot read configuration file ${file}: ${(error as Error).message}`, EXIT.CONFIG)
  }
  return {config: parseConfigText(text, file, env), source: file}
}

/** Parses and validates configuration text; relative paths in it are resolved against the file's folder. */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const lines = new LineCounter()
  const document = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => `line ${lines.linePos(error.pos[0]).line}: ${error.message.split('\n')[0]}`)
    throw invalid(file, issues)
  }
  const raw: unknown = document.toJS()
  const result = checkConfig(raw ?? null, {env, lineOf: (path) => lineOf(document, lines, path)})
  if (!result.ok) throw invalid(file, result.issues.map((issue: ConfigIssue) => formatIssue(issue)))
  return resolvePaths(result.config, dirname(file), env)
}

/** The DcaasError for an invalid file: a header line, then one line per problem. */
export function invalid(file: string, lines: string[]): DcaasError {
  return new DcaasError([`Invalid configuration in ${file}:`, ...lines.map((line) => `  ${line}`)].join('\n'), EXIT.CONFIG, [
    'Run `dcaas config validate` after fixing; docs/configuration.md lists every key.',
  ])
}

/** The 1-based line of the deepest node along a path that exists in the document. */
function lineOf(document: Document, lines: LineCounter, path: ConfigPath): number | undefined {
  let node: unknown = document.contents
  let line = positionLine(node, lines)
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const name = item.key !== null && typeof item.key === 'object' && 'value' in item.key ? item.key.value : item.key
        return name === key
      })
      if (!pair) break
      line = positionLine(pair.key, lines) ?? line
      node = pair.value
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key]
      line = positionLine(node, lines) ?? line
    } else break
  }
  return line
}

function positionLine(node: unknown, lines: LineCounter): number | undefined {
  const range = node !== null && typeof node === 'object' && 'range' in node ? (node.range as number[] | undefined) : undefined
  return range ? lines.linePos(range[0]).line : undefined
}

/** Expands a leading `~/` to the home directory. */
function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path === '~' || path.startsWith('~/') ? join(env.HOME || homedir(), path.slice(1)) : path
}

/** Makes file paths in the config absolute: `~` is home, relative paths are relative to the config file. */
function resolvePaths(config: Config, base: string, env: NodeJS.ProcessEnv): Config {
  const absolute = (path: string) => {
    const expanded = expandHome(path, env)
    return isAbsolute(expanded) ? expanded : resolve(base, expanded)
  }
  const ssh = config.scheduler.ssh
  return {
    ...config,
    scheduler: ssh?.privateKeyPath ? {...config.scheduler, ssh: {...ssh, privateKeyPath: absolute(ssh.privateKeyPath)}} : config.scheduler,
    stateDir: absolute(config.stateDir),
    logging: config.logging.file ? {...config.logging, file: absolute(config.logging.file)} : config.logging,
  }
}
