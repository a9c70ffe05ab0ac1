/**
 * Converts Dynamic Cluster's dynamiccluster.yaml (sections `dynamic-cluster`, `cluster`, `cloud`,
 * `plugins`, `logging`) into a dcaas configuration. Keys with an equivalent are carried over;
 * every other key is reported with its full legacy path (never its value). The result is
 * validated with the dcaas schema before anything is written, and written atomically.
 */
import {existsSync} from 'node:fs'
import {readFile, rename, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {Document, parse} from 'yaml'
import {DcaasError, EXIT} from '../errors.js'
import {formatDuration} from './durations.js'
import {checkConfig, formatIssue} from './schema.js'

/** A legacy key that was not carried over, with why (and what to do instead). */
export interface UnmappedKey {
  /** Full legacy path, e.g. `cloud.aws-res.config.secret_access_key`. */
  path: string
  note?: string
}

/** The outcome of converting a legacy configuration (nothing written yet). */
export interface LegacyConversion {
  /** The new configuration, as it will be written (before defaults). */
  document: Record<string, unknown>
  unmapped: UnmappedKey[]
  /** Other remarks (renamed resources, converted values). */
  notes: string[]
}

/** Options of convertLegacy(). */
export interface ConvertOptions {
  /** The new cluster.name (Dynamic Cluster had none). */
  clusterName: string
}

type Mapping = Record<string, unknown>

const isMapping = (value: unknown): value is Mapping => value !== null && typeof value === 'object' && !Array.isArray(value)
/** Legacy keys are matched ignoring case and `-` vs `_` (the docs use both spellings). */
const norm = (key: string) => key.toLowerCase().replaceAll('-', '_')

const HOOKS = 'hooks are not supported; run the script from the worker user data or a cron job instead'
const COMMANDS = 'dcaas runs the scheduler commands itself (as argv, locally or over scheduler.ssh)'
const AWS_CREDENTIALS = 'not carried over: dcaas uses the AWS SDK credential chain (environment, a profile set with cloud.profile, or an instance role)'
const USERDATA = 'not carried over: copy the script into resources[].userData ({{node}}, {{cluster}}, {{head}}, {{resource}} are replaced)'
const NAME_PREFIX = 'dcaas names workers itself and finds them by their dcaas:cluster / dcaas:resource tags'

const GENERAL_NOTES: Record<string, string> = {
  auto_mode: 'auto mode is admin state in dcaas: `dcaas auto on|off`',
  cluster_poller_interval: 'dcaas observes the scheduler once per pass (autoscale.interval)',
  cloud_poller_interval: 'dcaas observes the cloud once per pass (autoscale.interval)',
  cloud_poller: 'dcaas observes the cloud once per pass (autoscale.interval)',
  worker_number: 'dcaas runs one pass at a time',
  admin_server: 'dcaas has no admin server or dashboard; use the CLI (`dcaas status`, `dcaas node …`, `dcaas resource …`)',
  config_checker: 'a worker is ready when it registers with the scheduler',
  config_checking_period: 'a worker is ready when it registers with the scheduler; dcaas checks every pass',
  post_vm_provision_command: HOOKS,
  post_vm_destroy_command: HOOKS,
}

const DURATIONS: Record<string, string> = {
  max_idle_time: 'maxIdle',
  max_down_time: 'maxDown',
  max_launch_time: 'maxLaunch',
  auto_provision_interval: 'interval',
}

const OPENSTACK_KEYS: Record<string, string> = {
  username: 'username',
  password: 'password',
  project: 'projectName',
  project_name: 'projectName',
  tenant: 'projectName',
  tenant_name: 'projectName',
  project_id: 'projectId',
  tenant_id: 'projectId',
  user_domain_name: 'userDomainName',
  project_domain_name: 'projectDomainName',
  image_uuid: 'image',
  image: 'image',
  flavor: 'flavor',
  auth_url: 'authUrl',
  key_name: 'keyName',
  security_groups: 'securityGroups',
  availability_zone: 'availabilityZone',
  region_name: 'region',
  network: 'network',
}

const AWS_KEYS: Record<string, string> = {
  image_id: 'imageId',
  instance_type: 'instanceType',
  region_name: 'region',
  key_name: 'keyName',
  subnet_id: 'subnetId',
  use_public_ip_address: 'publicIp',
}

const CLOUD_NOTES: Record<string, string> = {
  access_key_id: AWS_CREDENTIALS,
  secret_access_key: AWS_CREDENTIALS,
  userdata_file: USERDATA,
  instance_name_prefix: NAME_PREFIX,
  validate_certs: 'the AWS SDK always validates certificates',
  proxy: 'set HTTPS_PROXY in the environment instead',
  proxy_port: 'set HTTPS_PROXY in the environment instead',
}

const LOG_LEVELS: Record<string, 'error' | 'warn' | 'info' | 'debug'> = {
  0: 'error',
  1: 'warn',
  2: 'info',
  3: 'debug',
  critical: 'error',
  error: 'error',
  warning: 'warn',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
}

/** Converts a parsed legacy dynamiccluster.yaml into a dcaas configuration document. */
export function convertLegacy(raw: unknown, options: ConvertOptions): LegacyConversion {
  const unmapped: UnmappedKey[] = []
  const notes: string[] = []
  const skip = (path: string, value: unknown, note?: string) => {
    if (value !== null && value !== undefined) unmapped.push(note === undefined ? {path} : {path, note})
  }
  if (!isMapping(raw)) throw new DcaasError('The legacy configuration is not a YAML mapping.', EXIT.CONFIG)

  const cluster: Mapping = {name: options.clusterName}
  const scheduler: Mapping = {}
  const autoscale: Mapping = {}
  const resources: Mapping[] = []
  const logging: Mapping = {}

  for (const [section, body] of Object.entries(raw)) {
    const key = norm(section)
    if (key === 'dynamic_cluster' && isMapping(body)) convertGeneral(body, section, autoscale, skip)
    else if (key === 'cluster' && isMapping(body)) convertCluster(body, section, scheduler, skip)
    else if (key === 'cloud' && isMapping(body)) {
      for (const [name, resource] of Object.entries(body)) resources.push(convertResource(name, resource, `${section}.${name}`, skip, notes))
    } else if (key === 'logging' && isMapping(body)) convertLogging(body, section, logging, skip)
    else if (key === 'plugins') skip(section, body, 'dcaas has no plugins; `dcaas status --json` gives the node and core counts')
    else skip(section, body)
  }

  const document: Mapping = {cluster, scheduler}
  if (Object.keys(autoscale).length > 0) document.autoscale = autoscale
  document.resources = resources
  if (Object.keys(logging).length > 0) document.logging = logging
  return {document, unmapped, notes}
}

type Skip = (path: string, value: unknown, note?: string) => void

/** `dynamic-cluster:` — the timers; everything else is daemon plumbing dcaas does not have. */
function convertGeneral(body: Mapping, prefix: string, autoscale: Mapping, skip: Skip): void {
  for (const [name, value] of Object.entries(body)) {
    const key = norm(name)
    if (key in DURATIONS && value !== null) autoscale[DURATIONS[key]] = asDuration(value)
    else skip(`${prefix}.${name}`, value, GENERAL_NOTES[key])
  }
}

/** `cluster:` — the scheduler type and the queues to watch; the command lines are not needed. */
function convertCluster(body: Mapping, prefix: string, scheduler: Mapping, skip: Skip): void {
  for (const [name, value] of Object.entries(body)) {
    const key = norm(name)
    if (key === 'type') scheduler.type = typeof value === 'string' ? value.toLowerCase() : value
    else if (key === 'config' && isMapping(value)) {
      for (const [option, setting] of Object.entries(value)) {
        const optionKey = norm(option)
        const path = `${prefix}.${name}.${option}`
        if (optionKey === 'queue_to_monitor' && setting !== null) scheduler.queues = asList(setting)
        else if (optionKey === 'post_add_node_command' || optionKey === 'post_remove_node_command') skip(path, setting, HOOKS)
        else if (optionKey.endsWith('_command')) skip(path, setting, COMMANDS)
        else if (optionKey === 'queued_job_number_to_display') skip(path, setting, '`dcaas status` lists every queued job')
        else skip(path, setting)
      }
    } else skip(`${prefix}.${name}`, value)
  }
}

/** One `cloud:` entry — a resource with its quantity, priority, reservation and cloud settings. */
function convertResource(legacyName: string, body: unknown, prefix: string, skip: Skip, notes: string[]): Mapping {
  const name = hostPart(legacyName)
  if (name !== legacyName) notes.push(`${prefix}: resource renamed to "${name}" (names become parts of host names)`)
  const resource: Mapping = {name}
  const cloud: Mapping = {}
  if (!isMapping(body)) return {...resource, cloud}
  const type = typeof body.type === 'string' ? body.type.toLowerCase() : body.type
  cloud.type = type
  for (const [field, value] of Object.entries(body)) {
    const key = norm(field)
    const path = `${prefix}.${field}`
    if (key === 'type') continue
    if (key === 'priority' && value !== null) resource.priority = value
    else if (key === 'quantity' && isMapping(value)) {
      for (const [bound, count] of Object.entries(value)) {
        if ((norm(bound) === 'min' || norm(bound) === 'max') && count !== null) resource[norm(bound)] = count
        else skip(`${path}.${bound}`, count)
      }
    } else if (key === 'reservation' && isMapping(value)) {
      const reservation: Mapping = {}
      for (const [kind, setting] of Object.entries(value)) {
        const kindKey = norm(kind)
        if ((kindKey === 'queue' || kindKey === 'account' || kindKey === 'property') && setting !== null && setting !== '') reservation[kindKey] = String(setting)
        else if (setting !== '') skip(`${path}.${kind}`, setting)
      }
      if (Object.keys(reservation).length > 0) resource.reservation = reservation
    } else if (key === 'config' && isMapping(value)) {
      if (type === 'aws') convertAws(value, path, cloud, skip)
      else if (type === 'openstack') convertOpenStack(value, path, cloud, skip)
      else for (const [option, setting] of Object.entries(value)) skip(`${path}.${option}`, setting)
    } else skip(path, value)
  }
  return {...resource, cloud}
}

/** An OpenStack resource's `config:`. */
function convertOpenStack(config: Mapping, prefix: string, cloud: Mapping, skip: Skip): void {
  for (const [option, value] of Object.entries(config)) {
    const key = norm(option)
    if (key in OPENSTACK_KEYS && value !== null) cloud[OPENSTACK_KEYS[key]] = key === 'security_groups' ? asList(value) : String(value)
    else skip(`${prefix}.${option}`, value, CLOUD_NOTES[key] ?? (key === 'flavor_id' ? 'dcaas looks the flavor up by name (cloud.flavor)' : undefined))
  }
}

/** An AWS resource's `config:`; credentials are never carried over. */
function convertAws(config: Mapping, prefix: string, cloud: Mapping, skip: Skip): void {
  const spotBid = Object.entries(config).find(([option, value]) => norm(option) === 'spot_bid' && value !== null)?.[1]
  for (const [option, value] of Object.entries(config)) {
    const key = norm(option)
    const path = `${prefix}.${option}`
    if (key in AWS_KEYS && value !== null) cloud[AWS_KEYS[key]] = key === 'use_public_ip_address' ? asBoolean(value) : String(value)
    else if (key === 'security_groups' && value !== null) {
      const groups = asList(value)
      if (groups.every((group) => /^sg-[0-9a-f]+$/.test(group))) cloud.securityGroupIds = groups
      else skip(path, value, 'dcaas needs security group IDs (sg-…) in cloud.securityGroupIds; names are not looked up')
    } else if (key === 'spot_bid' && value !== null) cloud.spot = {...(cloud.spot as Mapping | undefined), maxPrice: String(value)}
    else if (key === 'spot_timeout' && value !== null && spotBid !== undefined) cloud.spot = {...(cloud.spot as Mapping | undefined), timeout: asDuration(value)}
    else if (key === 'availability_zone') skip(path, value, 'the zone follows the subnet in dcaas: set cloud.subnetId to a subnet in that zone')
    else skip(path, value, CLOUD_NOTES[key] ?? (key === 'spot_timeout' ? 'no spot_bid, so no spot requests' : undefined))
  }
}

/** `logging:` — Dynamic Cluster's log_level / log_location, or a Python logging dictConfig. */
function convertLogging(body: Mapping, prefix: string, logging: Mapping, skip: Skip): void {
  if ('version' in body) {
    convertDictConfig(body, prefix, logging, skip)
    return
  }
  for (const [name, value] of Object.entries(body)) {
    const key = norm(name)
    const level = key === 'log_level' || key === 'level' ? LOG_LEVELS[String(value).toLowerCase()] : undefined
    if (level) logging.level = level
    else if ((key === 'log_location' || key === 'log_file' || key === 'file') && typeof value === 'string') logging.file = value
    else if (key === 'log_max_size') skip(`${prefix}.${name}`, value, 'dcaas does not rotate its log; use logrotate')
    else if (key === 'log_format') skip(`${prefix}.${name}`, value, 'dcaas has a fixed log format')
    else skip(`${prefix}.${name}`, value)
  }
}

/** A Python logging dictConfig: the root level and the first handler's file carry over. */
function convertDictConfig(body: Mapping, prefix: string, logging: Mapping, skip: Skip): void {
  for (const [name, value] of Object.entries(body)) {
    const key = norm(name)
    if (key === 'version') continue
    if (key === 'root' && isMapping(value)) {
      for (const [option, setting] of Object.entries(value)) {
        const level = norm(option) === 'level' ? LOG_LEVELS[String(setting).toLowerCase()] : undefined
        if (level) logging.level = level
        else skip(`${prefix}.${name}.${option}`, setting)
      }
    } else if (key === 'handlers' && isMapping(value)) {
      for (const [handler, settings] of Object.entries(value)) {
        if (!isMapping(settings)) {
          skip(`${prefix}.${name}.${handler}`, settings)
          continue
        }
        for (const [option, setting] of Object.entries(settings)) {
          if (norm(option) === 'filename' && typeof setting === 'string' && logging.file === undefined) logging.file = setting
          else skip(`${prefix}.${name}.${handler}.${option}`, setting)
        }
      }
    } else skip(`${prefix}.${name}`, value)
  }
}

/** A legacy number of seconds as a dcaas duration string ("600" → "10m"). */
function asDuration(value: unknown): unknown {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined
  return seconds === undefined ? value : formatDuration(seconds)
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String)
  return String(value)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function asBoolean(value: unknown): unknown {
  if (typeof value === 'string' && /^(true|yes|1)$/i.test(value)) return true
  if (typeof value === 'string' && /^(false|no|0)$/i.test(value)) return false
  return value
}

/** A legacy resource name as a host-name part: lowercase, `_` and other characters become `-`. */
function hostPart(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replaceAll(/[^a-z0-9-]+/g, '-')
    .replaceAll(/^-+|-+$/g, '')
    .slice(0, 63)
  return cleaned === '' ? 'resource' : cleaned
}

/** Renders a converted configuration as YAML, with a header and the list of keys not carried over. */
export function renderConversion(conversion: LegacyConversion, sourceName: string): string {
  const document = new Document(conversion.document)
  document.commentBefore = ` dcaas configuration converted from ${sourceName} (Dynamic Cluster) by \`dcaas config import\`.\n Durations are seconds or strings like "10m"; see docs/configuration.md for every key.`
  if (conversion.unmapped.length > 0) {
    document.comment = [' Not carried over from the legacy file:', ...conversion.unmapped.map((key) => `   ${key.path}${key.note ? ` — ${key.note}` : ''}`)].join('\n')
  }
  return document.toString({lineWidth: 0})
}

/** Options of importLegacyFile(). */
export interface ImportOptions {
  output: string
  force?: boolean
  clusterName: string
  env?: NodeJS.ProcessEnv
}

/** What `dcaas config import` reports. */
export interface ImportResult {
  source: string
  output: string
  resources: number
  unmapped: UnmappedKey[]
  notes: string[]
}

/** Reads a legacy file, converts and validates it, and writes the new file atomically (nothing on error). */
export async function importLegacyFile(file: string, options: ImportOptions): Promise<ImportResult> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new DcaasError(`Cannot read legacy configuration ${file}: ${(error as Error).message}`, EXIT.CONFIG)
  }
  let raw: unknown
  try {
    // PyYAML keeps the last of duplicated keys; so does this (uniqueKeys off).
    raw = parse(text, {uniqueKeys: false})
  } catch (error) {
    throw new DcaasError(`Cannot parse legacy configuration ${file}: ${(error as Error).message.split('\n')[0]}`, EXIT.CONFIG)
  }
  const conversion = convertLegacy(raw, {clusterName: options.clusterName})
  const checked = checkConfig(conversion.document, {env: options.env})
  if (!checked.ok) {
    throw new DcaasError(
      [`Cannot import ${file}: the converted configuration would be invalid:`, ...checked.issues.map((issue) => `  ${formatIssue(issue)}`)].join('\n'),
      EXIT.CONFIG,
      ['Fix the legacy file (or write dcaas.yaml by hand); nothing was written.'],
    )
  }
  if (existsSync(options.output) && !options.force) {
    throw new DcaasError(`Refusing to overwrite ${options.output}; pass --force to replace it.`, EXIT.REFUSED)
  }
  await writeAtomically(options.output, renderConversion(conversion, basename(file)))
  return {source: file, output: options.output, resources: checked.config.resources.length, unmapped: conversion.unmapped, notes: conversion.notes}
}

/** Writes a file through a temporary file in the same folder and a rename; mode 0600 (it may hold a password). */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  try {
    await writeFile(temporary, content, {mode: 0o600, flag: 'wx'})
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, {force: true})
    throw new DcaasError(`Cannot write ${path}: ${(error as Error).message}`, EXIT.CONFIG)
  }
}
