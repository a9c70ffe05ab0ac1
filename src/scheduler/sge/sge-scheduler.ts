/**
 * The Son of Grid Engine scheduler module: observes nodes and jobs with qhost / qstat and
 * changes exec hosts, hostgroups and queues with qconf / qmod / qdel — every command an argv
 * array run through a Runner (locally on the head node, or over SSH). Each change is
 * idempotent and read back.
 *
 * Reservation convention: a reservation with `queue: Q` puts the host into hostgroup
 * `@<Q without a trailing .q>` (created when missing, and added to Q's hostlist) and gives it
 * slots on Q; a reservation with only `account: A` puts it into hostgroup `@A` and gives it
 * slots on the monitored queues (the admin's queue for A lists `@A` and `projects A`).
 * Without a reservation the host joins the configured hostgroup (default `@allhosts`) and
 * gets slots on the monitored queues (default `all.q`).
 */
import {randomBytes} from 'node:crypto'
import type {Reservation} from '../../core/model.js'
import type {RunResult, Runner} from '../../exec/runner.js'
import {NodeBusyError, type NodeRegistration, type Scheduler, SchedulerError, type SchedulerObservation, SchedulerUnavailableError} from '../scheduler.js'
import {type AllocationRule, parseConf, parseHostgroup, parsePe, parseQueue, splitList} from './conf.js'
import {parseQhostXml, toSchedulerNodes} from './qhost.js'
import {parseQstatProjects, parseQstatXml, toJobs} from './qstat.js'

/** Settings of an SgeScheduler (from the `scheduler` section of the config). */
export interface SgeOptions {
  /** Monitored cluster queues; empty: all (and `all.q` is where new hosts get slots). */
  queues?: string[]
  /** Hostgroup workers join (default `@allhosts`). */
  hostgroup?: string
  /** Environment of every command (SGE_ROOT, SGE_CELL…). */
  env?: Record<string, string>
  /** Seconds one command may take (default 30). */
  timeout?: number
  /** Directory on the runner's host for the files fed to `qconf -A…` (default /tmp). */
  tmpDir?: string
}

/** Output that means qmaster could not be reached (it is down, or the network is). */
const UNREACHABLE = /unable to (contact|send message to) qmaster|commlib error|cannot reach qmaster|failed receiving gdi request/i

/** Host names dcaas accepts: letters, digits, dots and dashes, not starting with a dash. */
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/

/** Drives a real Son of Grid Engine through a Runner. */
export class SgeScheduler implements Scheduler {
  readonly kind = 'sge'
  private readonly queues: string[]
  private readonly hostgroup: string
  private readonly env: Record<string, string>
  private readonly timeout: number
  private readonly tmpDir: string
  private readonly peRules = new Map<string, AllocationRule>()

  constructor(
    private readonly runner: Runner,
    options: SgeOptions = {},
  ) {
    this.queues = options.queues ?? []
    this.hostgroup = options.hostgroup ?? '@allhosts'
    this.env = options.env ?? {}
    this.timeout = options.timeout ?? 30
    this.tmpDir = options.tmpDir ?? '/tmp'
  }

  /** Reads nodes (qhost) and jobs (qstat -r for times and requests, qstat -ext for projects), and the PEs they use. */
  async observe(): Promise<SchedulerObservation> {
    const [qhost, qstat, ext] = await Promise.all([
      this.read(['qhost', '-q', '-j', '-xml']),
      this.read(['qstat', '-u', '*', '-xml', '-r']),
      this.read(['qstat', '-u', '*', '-xml', '-ext']),
    ])
    const hosts = parseQhostXml(qhost)
    const entries = parseQstatXml(qstat)
    const projects = parseQstatProjects(ext)
    const warnings: string[] = []
    const pes: Record<string, AllocationRule> = {}
    await Promise.all(
      [...new Set(entries.map((e) => e.pe).filter((pe): pe is string => pe !== undefined))].map(async (pe) => {
        const rule = await this.peRule(pe)
        if (rule) pes[pe] = rule
      }),
    )
    const jobHosts: Record<string, string[]> = {}
    for (const host of hosts) {
      for (const job of host.jobs) {
        const list = (jobHosts[job.id] ??= [])
        if (!list.includes(host.name)) list.push(host.name)
      }
    }
    const nodes = toSchedulerNodes(hosts, this.queues)
    const result = toJobs(entries, {queues: this.queues, pes, projects, hosts: jobHosts})
    warnings.push(...result.warnings)
    return {nodes, jobs: result.jobs, ...(warnings.length > 0 ? {warnings} : {})}
  }

  /** Registers the host: admin host, exec host (`qconf -Ae`), hostgroup, slots on the queue(s); each step read back. */
  async addNode(node: NodeRegistration): Promise<void> {
    const name = checkHostName(node.name)
    if (!Number.isInteger(node.slots) || node.slots < 1) throw new SchedulerError(`cannot add ${name}: slots must be a positive integer, got ${node.slots}`)
    const {hostgroup, queues} = this.placementOf(node.reservation)

    // Each change tolerates "already done"; everything is read back at the end.
    await this.change(['qconf', '-ah', name], /already exists/)
    const file = `${this.tmpDir}/dcaas-exechost-${name}-${randomBytes(4).toString('hex')}`
    await this.runner.writeFile(file, `hostname ${name}\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n`)
    try {
      await this.change(['qconf', '-Ae', file], /already exists/)
    } finally {
      await this.runner.run(['rm', '-f', file], {timeout: this.timeout}).catch(() => undefined)
    }

    const join = ['qconf', '-aattr', 'hostgroup', 'hostlist', name, hostgroup]
    const joined = await this.sge(join)
    if (joined.exitCode !== 0 && /host group .* does not exist/.test(joined.stdout + joined.stderr)) {
      await this.createHostgroup(hostgroup)
      await this.change(join, /already exists/)
    } else if (joined.exitCode !== 0 && !/already exists/.test(joined.stdout + joined.stderr)) {
      throw new SchedulerError(`${join.join(' ')} failed: ${(joined.stdout + joined.stderr).trim()}`)
    }

    for (const queue of queues) {
      if (node.reservation?.queue === queue) {
        const conf = await this.queue(queue)
        if (!conf.hostlist.includes(hostgroup) && !conf.hostlist.includes(name)) await this.change(['qconf', '-aattr', 'queue', 'hostlist', hostgroup, queue], /already exists/)
      }
      await this.change(['qconf', '-aattr', 'queue', 'slots', `[${name}=${node.slots}]`, queue], /already exists/)
    }

    // Read back.
    const [admins, exec, members, ...queueConfs] = await Promise.all([
      this.adminHosts(),
      this.execHostExists(name),
      this.hostgroupHosts(hostgroup),
      ...queues.map((queue) => this.queue(queue)),
    ])
    if (!admins.includes(name)) throw new SchedulerError(`qconf -ah ${name} did not make it an admin host`)
    if (!exec) throw new SchedulerError(`qconf -Ae did not make ${name} an exec host`)
    if (!members.includes(name)) throw new SchedulerError(`${name} is not in ${hostgroup} after qconf -aattr`)
    for (const [i, queue] of queues.entries()) {
      if (queueConfs[i].slots.overrides[name] === node.slots) continue
      await this.change(['qconf', '-mattr', 'queue', 'slots', String(node.slots), `${queue}@${name}`])
      if ((await this.queue(queue)).slots.overrides[name] !== node.slots) throw new SchedulerError(`${queue} does not give ${name} ${node.slots} slots`)
    }
  }

  /** Disables the host's queue instances of the monitored queues (`qmod -d`), then reads the state back. */
  async holdNode(name: string): Promise<void> {
    await this.setEnabled(checkHostName(name), false)
  }

  /** Enables the host's queue instances again (`qmod -e`), then reads the state back. */
  async releaseNode(name: string): Promise<void> {
    await this.setEnabled(checkHostName(name), true)
  }

  /** Force-deletes (`qdel -f`) every job and array task running on the host. */
  async vacateNode(name: string): Promise<void> {
    const host = checkHostName(name)
    const jobs = (await this.jobsOn(host))?.filter((id) => /^\d+(\.\d+)?$/.test(id))
    if (jobs === undefined || jobs.length === 0) return
    await this.change(['qdel', '-f', ...jobs], /does not exist/)
  }

  /**
   * Deregisters the host: hold, confirm it runs no job (else NodeBusyError, nothing removed),
   * purge its slot entries, leave its hostgroups, `qconf -de`, `qconf -dh`. A host already
   * (partly) gone is cleaned up without error.
   */
  async removeNode(name: string, reservation?: Reservation): Promise<void> {
    const host = checkHostName(name)
    const exec = await this.execHostExists(host)
    if (exec) {
      await this.setEnabled(host, false, true)
      const jobs = await this.jobsOn(host)
      if (jobs && jobs.length > 0) throw new NodeBusyError(`${host} still runs job(s) ${jobs.join(', ')}: not removed (it stays held)`)
    }

    for (const queue of await this.listOf(['qconf', '-sql'], /no cqueue list defined/)) {
      const conf = await this.queue(queue)
      if (conf.slots.overrides[host] !== undefined) await this.change(['qconf', '-purge', 'queue', 'slots', `${queue}@${host}`], /not found/)
      if (conf.hostlist.includes(host)) await this.change(['qconf', '-dattr', 'queue', 'hostlist', host, queue], /does not exist/)
    }
    const groups = new Set([this.placementOf(reservation).hostgroup, ...(await this.listOf(['qconf', '-shgrpl'], /no host group list defined/))])
    for (const group of groups) {
      const shown = await this.sge(['qconf', '-shgrp', group])
      if (shown.exitCode !== 0) continue
      if (parseHostgroup(shown.stdout).hosts.includes(host)) {
        await this.change(['qconf', '-dattr', 'hostgroup', 'hostlist', host, group], /does not exist/)
      }
    }
    if (exec || (await this.execHostExists(host))) {
      const result = await this.sge(['qconf', '-de', host])
      const text = result.stdout + result.stderr
      if (result.exitCode !== 0 && !/does not exist|not an execution host/i.test(text)) {
        if (/still referenced|running jobs/i.test(text)) throw new NodeBusyError(`qconf -de ${host} refused: ${text.trim()}`)
        throw new SchedulerError(`qconf -de ${host} failed: ${text.trim()}`)
      }
      if (await this.execHostExists(host)) throw new SchedulerError(`${host} is still an exec host after qconf -de`)
    }
    const submitHosts = await this.listOf(['qconf', '-ss'], /no submit host defined/)
    if ((await this.adminHosts()).includes(host) && !submitHosts.includes(host)) {
      await this.change(['qconf', '-dh', host], /does not exist|not an administrative host/)
    }
  }

  /** Hostgroup and queues a registration goes to (see the reservation convention at the top). */
  placementOf(reservation?: Reservation): {hostgroup: string; queues: string[]} {
    const monitored = this.queues.length > 0 ? this.queues : ['all.q']
    if (reservation?.queue) return {hostgroup: `@${reservation.queue.replace(/\.q$/, '')}`, queues: [reservation.queue]}
    if (reservation?.account) return {hostgroup: `@${reservation.account}`, queues: monitored}
    return {hostgroup: this.hostgroup, queues: monitored}
  }

  private async setEnabled(host: string, enabled: boolean, tolerateMissing = false): Promise<void> {
    const targets = this.queues.length > 0 ? this.queues.map((q) => `${q}@${host}`) : [`*@${host}`]
    const result = await this.sge(['qmod', enabled ? '-e' : '-d', ...targets])
    const text = result.stdout + result.stderr
    if (result.exitCode !== 0 && !/already in the specified state/.test(text)) {
      if (tolerateMissing && /invalid queue/.test(text)) return
      throw new SchedulerError(`qmod ${enabled ? '-e' : '-d'} ${targets.join(' ')} failed: ${text.trim()}`)
    }
    const node = toSchedulerNodes(parseQhostXml(await this.read(['qhost', '-q', '-xml', '-h', host])), this.queues)[0]
    if (node && node.held === enabled) throw new SchedulerError(`${host} is ${node.held ? 'still disabled' : 'not disabled'} after qmod`)
  }

  /** Jobs and tasks on the host in any queue (undefined when SGE does not know the host). */
  private async jobsOn(host: string): Promise<string[] | undefined> {
    const result = await this.sge(['qhost', '-q', '-j', '-xml', '-h', host])
    if (result.exitCode !== 0) {
      if (/can't resolve hostname/.test(result.stderr)) return undefined
      throw new SchedulerUnavailableError(`qhost -h ${host} failed: ${(result.stderr || result.stdout).trim()}`)
    }
    const found = parseQhostXml(result.stdout).find((h) => h.name === host)
    const ids = new Set(found ? found.jobs.map((j) => j.id) : [])
    // qhost -j can miss a job still being transferred; qstat and the used-slot count do not.
    for (const entry of parseQstatXml(await this.read(['qstat', '-u', '*', '-xml', '-r', '-s', 'rs']))) {
      if (entry.host === host) ids.add(entry.tasks ? `${entry.number}.${entry.tasks}` : entry.number)
    }
    const used = found ? found.queues.reduce((sum, q) => sum + q.slotsUsed, 0) : 0
    if (ids.size === 0 && used > 0) ids.add(`(${used} slot(s) in use)`)
    return found || ids.size > 0 ? [...ids] : []
  }

  private async peRule(pe: string): Promise<AllocationRule | undefined> {
    const cached = this.peRules.get(pe)
    if (cached) return cached
    const result = await this.sge(['qconf', '-sp', pe])
    const rule = result.exitCode === 0 ? parsePe(result.stdout)?.allocationRule : undefined
    if (rule) this.peRules.set(pe, rule)
    return rule
  }

  private async adminHosts(): Promise<string[]> {
    return this.listOf(['qconf', '-sh'], /no administrative host defined/)
  }

  private async execHostExists(host: string): Promise<boolean> {
    const result = await this.sge(['qconf', '-se', host])
    if (result.exitCode === 0) return parseConf(result.stdout).hostname === host || result.stdout.includes(host)
    const text = result.stdout + result.stderr
    if (/can't resolve|cannot resolve/i.test(text))
      // Treating this as "not registered" would leave a stale exec host behind: say so and let the next pass retry.
      throw new SchedulerError(`${host} does not resolve on the scheduler host, so SGE cannot look it up or deregister it: add it to /etc/hosts or DNS there (${text.trim()})`)
    if (/not an execution host|does not exist/i.test(text)) return false
    throw new SchedulerError(`qconf -se ${host} failed: ${text.trim()}`)
  }

  private async createHostgroup(group: string): Promise<void> {
    const file = `${this.tmpDir}/dcaas-hostgroup-${randomBytes(4).toString('hex')}`
    await this.runner.writeFile(file, `group_name ${group}\nhostlist NONE\n`)
    try {
      await this.change(['qconf', '-Ahgrp', file], /already exists/)
    } finally {
      await this.runner.run(['rm', '-f', file], {timeout: this.timeout}).catch(() => undefined)
    }
  }

  private async hostgroupHosts(group: string): Promise<string[]> {
    return parseHostgroup(await this.read(['qconf', '-shgrp', group])).hosts
  }

  private async queue(queue: string) {
    return parseQueue(await this.read(['qconf', '-sq', queue]))
  }

  /** Runs a listing command; a "none defined" answer is an empty list. */
  private async listOf(argv: string[], none: RegExp): Promise<string[]> {
    const result = await this.sge(argv)
    if (result.exitCode !== 0) {
      if (none.test(result.stdout + result.stderr)) return []
      throw new SchedulerError(`${argv.join(' ')} failed: ${(result.stderr || result.stdout).trim()}`)
    }
    return splitList(result.stdout)
  }

  /** Runs a read command; a non-zero exit is SchedulerUnavailableError. */
  private async read(argv: string[]): Promise<string> {
    const result = await this.sge(argv)
    if (result.exitCode !== 0) throw new SchedulerUnavailableError(`${argv.join(' ')} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`)
    return result.stdout
  }

  /** Runs a change; a non-zero exit whose output matches `alreadyDone` counts as success. */
  private async change(argv: string[], alreadyDone?: RegExp): Promise<RunResult> {
    const result = await this.sge(argv)
    const text = result.stdout + result.stderr
    if (result.exitCode !== 0 && !(alreadyDone && alreadyDone.test(text))) {
      throw new SchedulerError(`${argv.join(' ')} failed (exit ${result.exitCode}): ${text.trim()}`)
    }
    return result
  }

  /** Runs one SGE command through the runner; unreachable qmaster, timeouts and runner failures become SchedulerUnavailableError. */
  private async sge(argv: string[]): Promise<RunResult> {
    let result: RunResult
    try {
      result = await this.runner.run(argv, {timeout: this.timeout, env: this.env})
    } catch (error) {
      throw new SchedulerUnavailableError(`cannot run ${argv[0]} on ${this.runner.where}: ${(error as Error).message}`)
    }
    if (result.timedOut) throw new SchedulerUnavailableError(`${argv.join(' ')} timed out after ${this.timeout} s on ${this.runner.where}`)
    if (result.exitCode !== 0 && UNREACHABLE.test(result.stderr + result.stdout)) {
      throw new SchedulerUnavailableError(`qmaster unreachable from ${this.runner.where}: ${(result.stderr || result.stdout).trim().split('\n').pop()}`)
    }
    return result
  }
}

/** Validates a host name before it goes into an argv or a qconf file. */
function checkHostName(name: string): string {
  if (!HOST_NAME.test(name)) throw new SchedulerError(`refusing host name ${JSON.stringify(name)}: only letters, digits, dots and dashes`)
  return name
}
