/**
 * Job specs for `dcaas sim submit`, as command-line flags or a YAML/JSON file: durations like
 * "10m", memory like "2G", turned into SimJobSpec objects for the simulated scheduler.
 */
import {readFile} from 'node:fs/promises'
import {parse as parseYaml} from 'yaml'
import {parseDuration} from '../config/durations.js'
import {DcaasError, EXIT} from '../errors.js'
import type {SimJobSpec} from './world.js'

/** One job as a user writes it (flags or one entry of a jobs file); sizes and times may be strings. */
export interface JobInput {
  name?: string
  owner?: string
  queue?: string
  account?: string
  property?: string
  cores?: number
  /** How many identical jobs (default 1). */
  count?: number
  /** Actual run time: seconds or a duration ("10m"). */
  runtime?: string | number
  /** Requested wall time: seconds or a duration. */
  walltime?: string | number
  /** Memory per core: MiB or a size ("2G", "2048M"). */
  memory?: string | number
  perNode?: number
  spread?: boolean
  priority?: number
  /** Arrival this long after now: seconds or a duration. */
  delay?: string | number
}

const UNIT_MIB: Record<string, number> = {k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024}
const KNOWN_KEYS = new Set(['name', 'owner', 'queue', 'account', 'property', 'cores', 'count', 'runtime', 'walltime', 'memory', 'perNode', 'spread', 'priority', 'delay'])

/** Parses a memory size ("2G", "2048M", "512Mi", or a number of MiB) into MiB; undefined if it is not one. */
export function parseMemoryMiB(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt])?i?b?$/i.exec(value.trim())
  if (!match) return undefined
  const mib = Number(match[1]) * UNIT_MIB[(match[2] ?? 'm').toLowerCase()]
  return mib > 0 ? Math.ceil(mib) : undefined
}

/** Turns one job input into `count` job specs arriving at now (+ delay); throws DcaasError naming the bad field. */
export function jobSpecs(input: JobInput, now: number, where = 'job'): SimJobSpec[] {
  const bad = (field: string, why: string): DcaasError => new DcaasError(`${where}: ${field} ${why}`, EXIT.USAGE)
  const positiveInt = (field: string, value: unknown, fallback?: number): number | undefined => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw bad(field, `must be a positive whole number, got ${JSON.stringify(value)}`)
    return value
  }
  const seconds = (field: string, value: unknown): number | undefined => {
    if (value === undefined) return undefined
    const parsed = parseDuration(value)
    if (parsed === undefined) throw bad(field, `must be seconds or a duration like "10m" or "1h30m", got ${JSON.stringify(value)}`)
    return parsed
  }
  const cores = positiveInt('cores', input.cores, 1) as number
  const count = positiveInt('count', input.count, 1) as number
  const perNode = positiveInt('perNode', input.perNode)
  if (perNode !== undefined && cores % perNode !== 0) throw bad('cores', `(${cores}) must be a multiple of perNode (${perNode})`)
  if (perNode !== undefined && input.spread) throw bad('spread', 'cannot be combined with perNode')
  let memoryMiBPerCore: number | undefined
  if (input.memory !== undefined) {
    memoryMiBPerCore = parseMemoryMiB(input.memory)
    if (memoryMiBPerCore === undefined) throw bad('memory', `must be a size per core like "2G" or "2048M", got ${JSON.stringify(input.memory)}`)
  }
  if (input.priority !== undefined && (typeof input.priority !== 'number' || !Number.isFinite(input.priority))) throw bad('priority', 'must be a number')
  const runTime = seconds('runtime', input.runtime) ?? 600
  const walltime = seconds('walltime', input.walltime)
  const submitAt = now + (seconds('delay', input.delay) ?? 0)
  const spec: SimJobSpec = {cores, runTime, submitAt}
  if (walltime !== undefined) spec.walltime = walltime
  if (perNode !== undefined) spec.perNode = perNode
  if (input.spread) spec.spread = true
  if (memoryMiBPerCore !== undefined) spec.memoryMiBPerCore = memoryMiBPerCore
  if (input.priority !== undefined) spec.priority = input.priority
  for (const key of ['name', 'owner', 'queue', 'account', 'property'] as const) {
    const value = input[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value === '') throw bad(key, 'must be a non-empty string')
    spec[key] = value
  }
  return Array.from({length: count}, () => ({...spec}))
}

/** Reads a YAML or JSON file holding a list of job inputs (or {jobs: [...]}) and returns the job specs. */
export async function jobSpecsFromFile(path: string, now: number): Promise<SimJobSpec[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new DcaasError(`cannot read jobs file ${path}: ${(error as Error).message}`, EXIT.NOT_FOUND)
  }
  let data: unknown
  try {
    data = parseYaml(text)
  } catch (error) {
    throw new DcaasError(`jobs file ${path} is not valid YAML or JSON: ${(error as Error).message}`, EXIT.USAGE)
  }
  const list = Array.isArray(data) ? data : (data as {jobs?: unknown} | null)?.jobs
  if (!Array.isArray(list)) throw new DcaasError(`jobs file ${path} must hold a list of jobs (or a "jobs:" list)`, EXIT.USAGE)
  return list.flatMap((entry: unknown, i) => {
    const where = `${path}: jobs[${i}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new DcaasError(`${where} must be a mapping of job fields`, EXIT.USAGE)
    const unknown = Object.keys(entry).filter((key) => !KNOWN_KEYS.has(key))
    if (unknown.length > 0) {
      throw new DcaasError(`${where} has unknown field(s) ${unknown.join(', ')}`, EXIT.USAGE, [`Known fields: ${[...KNOWN_KEYS].join(', ')}.`])
    }
    return jobSpecs(entry as JobInput, now, where)
  })
}
