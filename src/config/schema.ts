/**
 * The schema of dcaas.yaml: validates the parsed YAML, collects every problem at once (each with
 * its YAML path, the value found and what was expected), and turns valid input into the
 * normalised Config (durations in seconds, defaults filled in). No file I/O.
 */
import {homedir} from 'node:os'
import {join} from 'node:path'
import {z} from 'zod'
import {parseDuration} from './durations.js'
import {isSecretPath} from './redact.js'
import type {CloudConfig, Config, ResourceConfig} from './types.js'

/** A path into the YAML document: keys and list indexes. */
export type ConfigPath = (string | number)[]

/** One problem found in a configuration. */
export interface ConfigIssue {
  path: ConfigPath
  /** What is wrong, without the path: `expected an integer >= 0, got -1`. */
  message: string
  /** 1-based line in the YAML file, when known. */
  line?: number
}

/** Options of checkConfig(). */
export interface CheckOptions {
  /** Environment for the default stateDir ($DCAAS_STATE_DIR, $XDG_STATE_HOME, $HOME). */
  env?: NodeJS.ProcessEnv
  /** Finds the line of a path in the source file (load.ts passes one built from the YAML document). */
  lineOf?: (path: ConfigPath) => number | undefined
}

/** The outcome of checkConfig(): a Config when there are no issues. */
export type CheckResult = {ok: true; config: Config} | {ok: false; issues: ConfigIssue[]}

const KNOWN_KEYS = '\u0000known-keys:'
const HOST_PART = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const HOST_PART_EXPECTED = 'expected lowercase letters, digits and "-" (not first or last, at most 63 characters; it becomes part of host names)'
const DURATION_EXPECTED = 'expected a duration like "10m" or a number of seconds'

/** A mapping that rejects unknown keys (reported one by one, with a suggestion). */
function strict<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? KNOWN_KEYS + Object.keys(shape).join(',') : 'expected a mapping'),
  })
}

const text = () => z.string({error: 'expected a string'}).min(1, {error: 'expected a non-empty string'})
const flag = () => z.boolean({error: 'expected true or false'})
const list = <T extends z.ZodType>(item: T) => z.array(item, {error: 'expected a list'})
const stringMap = () => z.record(z.string(), z.string({error: 'expected a string'}), {error: 'expected a mapping'})
const hostPart = () => z.string({error: 'expected a string'}).regex(HOST_PART, {error: HOST_PART_EXPECTED})

/** An integer with bounds, whose error message says them. */
function integer(min: number, max?: number) {
  const expected = max === undefined ? `expected an integer >= ${min}` : `expected an integer from ${min} to ${max}`
  const base = z.number({error: expected}).int({error: expected}).min(min, {error: expected})
  return max === undefined ? base : base.max(max, {error: expected})
}

/** A number with bounds, whose error message says them. */
function decimal(min: number, max?: number, exclusiveMin = false) {
  const expected = `expected a number ${exclusiveMin ? '>' : '>='} ${min}${max === undefined ? '' : ` and <= ${max}`}`
  const base = z.number({error: expected})
  const low = exclusiveMin ? base.gt(min, {error: expected}) : base.min(min, {error: expected})
  return max === undefined ? low : low.max(max, {error: expected})
}

/** A duration: seconds, or a string like "10m", "600s", "1h30m". */
function duration() {
  return z.unknown().transform((value, context) => {
    const seconds = parseDuration(value)
    if (seconds === undefined) {
      context.addIssue({code: 'custom', message: DURATION_EXPECTED, input: value})
      return z.NEVER
    }
    return seconds
  })
}

/** One of the given words. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {error: `expected one of ${values.join(', ')}`})
}

const sshSchema = strict({
  host: text(),
  port: integer(1, 65_535).default(22),
  user: text().default('root'),
  privateKey: text().optional(),
  connectTimeout: duration().default(10),
})

const schedulerSchema = strict({
  type: oneOf(['sge', 'torque', 'sim']),
  ssh: sshSchema.optional(),
  commandTimeout: duration().default(30),
  queues: list(text()).default([]),
  hostgroup: text().optional(),
  env: stringMap().optional(),
})

const backoffSchema = strict({
  initial: duration().default(60),
  factor: decimal(1).default(2),
  max: duration().default(1800),
})

const autoscaleSchema = strict({
  maxIdle: duration().default(600),
  maxDown: duration().default(480),
  maxLaunch: duration().default(1200),
  interval: duration().default(60),
  maxNodes: integer(0).optional(),
  backoff: backoffSchema.prefault({}),
  maxFailedBoots: integer(0).default(3),
})

const awsSchema = strict({
  type: z.literal('aws'),
  region: text().optional(),
  profile: text().optional(),
  endpoint: z.url({error: 'expected a URL'}).optional(),
  imageId: text(),
  instanceType: text(),
  keyName: text().optional(),
  securityGroupIds: list(text()).default([]),
  subnetId: text().optional(),
  publicIp: flag().optional(),
  instanceProfile: text().optional(),
  blockDevices: list(
    strict({
      deviceName: text(),
      volumeSizeGiB: integer(1),
      volumeType: text().optional(),
      deleteOnTermination: flag().default(true),
    }),
  ).default([]),
  spot: strict({
    maxPrice: z.union([z.string(), z.number()], {error: 'expected a price like "0.05"'}).transform(String).optional(),
    timeout: duration().default(300),
  }).optional(),
  tags: stringMap().default({}),
})

const openstackSchema = strict({
  type: z.literal('openstack'),
  authUrl: z.url({error: 'expected a URL'}),
  region: text().optional(),
  username: text().optional(),
  password: text().optional(),
  projectName: text().optional(),
  projectId: text().optional(),
  userDomainName: text().optional(),
  projectDomainName: text().optional(),
  applicationCredentialId: text().optional(),
  applicationCredentialSecret: text().optional(),
  flavor: text(),
  image: text(),
  network: text().optional(),
  keyName: text().optional(),
  securityGroups: list(text()).default([]),
  availabilityZone: text().optional(),
})

const simCloudSchema = strict({
  type: z.literal('sim'),
  cores: integer(1).default(8),
  memoryMiB: integer(1).default(32_768),
  bootTime: duration().default(120),
  bootFailureRate: decimal(0, 1).default(0),
  apiFailureRate: decimal(0, 1).default(0),
})

const CLOUD_TYPES = 'expected one of aws, openstack, sim'
const cloudSchema = z.discriminatedUnion('type', [awsSchema, openstackSchema, simCloudSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? CLOUD_TYPES : 'expected a mapping with a type (aws, openstack, sim)'),
})

const resourceSchema = strict({
  name: hostPart(),
  cloud: cloudSchema,
  min: integer(0).default(0),
  max: integer(0),
  priority: integer(0).default(1),
  reservation: strict({queue: text().optional(), account: text().optional(), property: text().optional()}).optional(),
  userData: z.string({error: 'expected a string'}).optional(),
  cores: integer(1).optional(),
  memoryMiB: integer(1).optional(),
})

/** The schema of the whole YAML file (before normalisation into Config). */
export const configSchema = strict({
  cluster: strict({name: hostPart(), head: text().optional()}),
  scheduler: schedulerSchema,
  autoscale: autoscaleSchema.prefault({}),
  resources: list(resourceSchema).min(1, {error: 'expected a list of at least one resource'}),
  stateDir: text().optional(),
  sim: strict({speed: decimal(0, undefined, true).default(1), seed: integer(0).default(1)}).prefault({}),
  logging: strict({level: oneOf(['error', 'warn', 'info', 'debug']).default('info'), file: text().optional()}).prefault({}),
})

type ParsedConfig = z.output<typeof configSchema>

/** Validates parsed YAML; returns the normalised Config or every issue found. */
export function checkConfig(raw: unknown, options: CheckOptions = {}): CheckResult {
  const issues: ConfigIssue[] = []
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(...describeIssue(issue, raw))
  }
  issues.push(...crossFieldIssues(raw))
  if (issues.length > 0 || !parsed.success) {
    const lineOf = options.lineOf
    const located = issues.map((issue, index) => ({issue: lineOf ? {...issue, line: lineOf(issue.path)} : issue, index}))
    located.sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.index - b.index)
    return {ok: false, issues: located.map((entry) => entry.issue)}
  }
  return {ok: true, config: normalise(parsed.data, options.env ?? process.env)}
}

/** Renders a path as `resources[1].cloud.type` (`(top level)` for the root). */
export function formatPath(path: ConfigPath): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else if (/^[A-Za-z_][\w-]*$/.test(key)) out += out === '' ? key : `.${key}`
    else out += `[${JSON.stringify(key)}]`
  }
  return out === '' ? '(top level)' : out
}

/** Renders one issue as a line: `resources[1].max: expected an integer >= min (3), got 1 (line 12)`. */
export function formatIssue(issue: ConfigIssue): string {
  return `${formatPath(issue.path)}: ${issue.message}${issue.line === undefined ? '' : ` (line ${issue.line})`}`
}

/** Renders a value for an error message; secrets are never shown. */
export function describeValue(value: unknown, path: ConfigPath): string {
  if (isSecretPath(path)) return 'a value (redacted)'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  return String(value)
}

/** The value at a path of the raw input, or undefined. */
function valueAt(raw: unknown, path: ConfigPath): unknown {
  let node = raw
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string | number, unknown>)[key]
  }
  return node
}

/** Turns one zod issue into dcaas issues (one per unknown key). */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigIssue[] {
  const path = issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))
  if (issue.code === 'unrecognized_keys') {
    const known = issue.message.startsWith(KNOWN_KEYS) ? issue.message.slice(KNOWN_KEYS.length).split(',') : []
    return issue.keys.map((key) => ({path: [...path, key], message: unknownKeyMessage(key, known)}))
  }
  const expected = issue.message.startsWith('expected') ? issue.message : fallbackExpected(issue)
  const value = valueAt(raw, path)
  if (value === undefined) return [{path, message: `missing, ${expected}`}]
  return [{path, message: `${expected}, got ${describeValue(value, path)}`}]
}

/** An "expected …" phrase for the issues our own messages do not cover. */
function fallbackExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`
  return `expected a valid value (${issue.message})`
}

/** `unknown key (did you mean "max"?)`, or the list of keys allowed there. */
function unknownKeyMessage(key: string, known: string[]): string {
  if (/^(aws)?(access_?key(_?id)?|secret_?access_?key)$/i.test(key.replaceAll('-', '_'))) {
    return 'unknown key (AWS keys do not belong in the file: dcaas uses the AWS SDK credential chain — environment, cloud.profile, or an instance role)'
  }
  const guess = closest(key, known)
  if (guess) return `unknown key (did you mean "${guess}"?)`
  return known.length > 0 ? `unknown key (expected one of ${known.join(', ')})` : 'unknown key'
}

/** The known key most like `key` (same letters ignoring case and separators, or within a small edit distance). */
function closest(key: string, known: string[]): string | undefined {
  const squash = (value: string) => value.toLowerCase().replaceAll(/[-_]/g, '')
  const same = known.find((candidate) => squash(candidate) === squash(key))
  if (same) return same
  let best: string | undefined
  let bestDistance = Math.max(1, Math.min(3, Math.floor(key.length / 3)))
  for (const candidate of known) {
    const distance = editDistance(squash(key), squash(candidate))
    if (distance <= bestDistance && (best === undefined || distance < editDistance(squash(key), squash(best)))) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Levenshtein distance between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value)

/** Checks across fields that the per-field schema cannot see: min <= max, unique names, back-off bounds. */
function crossFieldIssues(raw: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const resources = valueAt(raw, ['resources'])
  if (Array.isArray(resources)) {
    const seen = new Map<string, number>()
    resources.forEach((resource: unknown, index) => {
      const min = valueAt(resource, ['min']) ?? 0
      const max = valueAt(resource, ['max'])
      if (isInteger(min) && isInteger(max) && min >= 0 && max >= 0 && min > max) {
        issues.push({path: ['resources', index, 'max'], message: `expected an integer >= min (${min}), got ${max}`})
      }
      const name = valueAt(resource, ['name'])
      if (typeof name === 'string' && HOST_PART.test(name)) {
        const first = seen.get(name)
        if (first === undefined) seen.set(name, index)
        else issues.push({path: ['resources', index, 'name'], message: `expected a unique resource name (resources[${first}].name is the same), got ${JSON.stringify(name)}`})
      }
    })
  }
  const initial = parseDuration(valueAt(raw, ['autoscale', 'backoff', 'initial']) ?? 60)
  const longest = valueAt(raw, ['autoscale', 'backoff', 'max'])
  const longestSeconds = parseDuration(longest)
  if (initial !== undefined && longestSeconds !== undefined && longestSeconds < initial) {
    issues.push({path: ['autoscale', 'backoff', 'max'], message: `expected a duration >= backoff.initial (${initial}s), got ${describeValue(longest, [])}`})
  }
  return issues
}

/** Builds the Config contract from the parsed YAML (renames, default stateDir, no undefined keys). */
function normalise(parsed: ParsedConfig, env: NodeJS.ProcessEnv): Config {
  const {ssh, ...scheduler} = parsed.scheduler
  const config: Config = {
    cluster: parsed.cluster,
    scheduler: {
      ...scheduler,
      ...(ssh && {
        ssh: {host: ssh.host, port: ssh.port, user: ssh.user, connectTimeout: ssh.connectTimeout, ...(ssh.privateKey !== undefined && {privateKeyPath: ssh.privateKey})},
      }),
    },
    autoscale: parsed.autoscale,
    resources: parsed.resources.map((resource) => ({...resource, cloud: resource.cloud as CloudConfig}) satisfies ResourceConfig),
    stateDir: parsed.stateDir ?? defaultStateDir(parsed.cluster.name, env),
    sim: parsed.sim,
    logging: parsed.logging,
  }
  return dropUndefined(config)
}

/** The default state directory: $DCAAS_STATE_DIR, else $XDG_STATE_HOME/dcaas/NAME, else ~/.local/state/dcaas/NAME. */
export function defaultStateDir(cluster: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DCAAS_STATE_DIR) return env.DCAAS_STATE_DIR
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state')
  return join(base, 'dcaas', cluster)
}

/** Returns a copy without keys whose value is undefined (so JSON and YAML output stay clean). */
function dropUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => dropUndefined(item)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).map(([key, item]) => [key, dropUndefined(item)])) as T
  }
  return value
}
