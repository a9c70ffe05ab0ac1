/**
 * Stands up a real Son of Grid Engine for tests with the same head / worker scripts a user's
 * head node runs (templates/sge/): qmaster (host_aliases fix, load_thresholds NONE, a 1 s
 * scheduler interval, PEs smp and mpi on all.q), a non-root submit user, and extra exec hosts
 * in network namespaces on link-local addresses (169.254.x.y/30 only).
 */
import {existsSync} from 'node:fs'
import {readFile, rm, writeFile, mkdir} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import {fileURLToPath} from 'node:url'
import {execa} from 'execa'
import {LocalRunner} from '../../src/exec/local.js'
import {parseQhostXml, toSchedulerNodes} from '../../src/scheduler/sge/index.js'

/** Environment every SGE command needs. */
export const SGE_ENV = {SGE_ROOT: '/var/lib/gridengine', SGE_CELL: 'default'}
/** The non-root user test jobs are submitted as (SGE's min_uid is 1000). */
export const SUBMIT_USER = 'dcaastest'
/** Marker on the /etc/hosts lines this helper writes. */
const MARK = '# dcaas-test-sge'
/** Prefix of every netns exec host this helper creates (leftovers of a killed run are swept). */
export const HOST_PREFIX = 'dcsg'
/** Netns host on subnet 169.254.N.0/30 uses supplementary group ids GID_BASE + N × GIDS_PER_HOST onwards. */
const GID_BASE = 30000
const GIDS_PER_HOST = 20

const HEAD_SCRIPT = fileURLToPath(new URL('../../templates/sge/head.sh', import.meta.url))
const WORKER_SCRIPT = fileURLToPath(new URL('../../templates/sge/worker.sh', import.meta.url))

/** A running test SGE. */
export interface SgeHandle {
  /** qmaster's host name (this machine's). */
  master: string
  env: Record<string, string>
  runner: LocalRunner
  /** Seconds the head script took (qmaster start or reuse). */
  headSeconds: number
  /** Submits `qsub ARGS` as the submit user; returns the job id. */
  submit(args: string[]): Promise<string>
  /** Runs an SGE command as root; returns stdout and stderr together, whatever the exit code. */
  sge(argv: string[]): Promise<string>
  /** Deletes every job of the submit user. */
  deleteAllJobs(): Promise<void>
}

/** One network-namespace exec host. */
export interface NetnsHost {
  name: string
  address: string
}

/** Fails with a clear message when the SGE or netns binaries are missing. */
function requireBinaries(): void {
  const missing = ['/usr/sbin/sge_qmaster', '/usr/sbin/sge_execd', '/usr/bin/qconf', '/usr/bin/qsub'].filter((p) => !existsSync(p))
  if (missing.length > 0) throw new Error(`SGE is not installed (${missing.join(', ')} missing): run .ci/install-system.sh`)
}

async function sh(argv: string[], options: {input?: string; env?: Record<string, string>; reject?: boolean} = {}) {
  const [file, ...args] = argv
  return execa(file, args, {env: {...process.env, ...SGE_ENV, ...options.env}, reject: options.reject ?? true, input: options.input, timeout: 60_000})
}

/** Starts (or reuses) qmaster through templates/sge/head.sh and sweeps leftovers of earlier runs. */
export async function startSge(): Promise<SgeHandle> {
  requireBinaries()
  const started = Date.now()
  await stopQmaster()
  await sh(['sh', HEAD_SCRIPT], {
    env: {DCAAS_SGE_LOAD_THRESHOLDS: 'NONE', DCAAS_SGE_SCHEDULE_INTERVAL: '0:0:1', DCAAS_SGE_SUBMIT_USER: SUBMIT_USER, DCAAS_SGE_INSTALL: '0'},
  })
  const headSeconds = (Date.now() - started) / 1000
  const master = (await sh(['hostname'])).stdout.trim()
  const handle: SgeHandle = {
    master,
    env: {...SGE_ENV},
    runner: new LocalRunner({env: SGE_ENV, timeout: 60}),
    headSeconds,
    async submit(args) {
      const cmd = ['qsub', '-terse', '-w', 'n', '-o', '/dev/null', '-e', '/dev/null', ...args]
      // With no exec host in any queue yet, qsub warns and exits 1 although it did submit the job.
      const result = await sh(['runuser', '-u', SUBMIT_USER, '--', 'env', `SGE_ROOT=${SGE_ENV.SGE_ROOT}`, `SGE_CELL=${SGE_ENV.SGE_CELL}`, ...cmd], {reject: false})
      const text = `${result.stdout}\n${result.stderr}`
      const id = /^(\d+)(?:\.\S+)?\s*$/m.exec(result.stdout)?.[1] ?? /Your job(?:-array)? (\d+)/.exec(text)?.[1]
      if (id === undefined) throw new Error(`qsub ${args.join(' ')} failed: ${text.trim()}`)
      return id
    },
    async sge(argv) {
      const result = await sh(argv, {reject: false})
      return `${result.stdout}\n${result.stderr}`
    },
    async deleteAllJobs() {
      await sh(['qdel', '-f', '-u', SUBMIT_USER], {reject: false})
    },
  }
  await sweepLeftovers()
  return handle
}

/** Stops a running qmaster (so a fresh one starts with empty host-name caches) and waits for it to exit. */
async function stopQmaster(): Promise<void> {
  const pidFile = '/var/spool/gridengine/qmaster/qmaster.pid'
  if (!existsSync(pidFile)) return
  const pid = Number((await readFile(pidFile, 'utf8')).trim())
  if (!Number.isInteger(pid) || pid <= 0) return
  const alive = () => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  if (!alive()) return
  process.kill(pid, 'SIGTERM')
  for (let i = 0; i < 150 && alive(); i++) await new Promise((r) => setTimeout(r, 200))
  if (alive()) process.kill(pid, 'SIGKILL')
}

/** Removes netns hosts (and their SGE registrations) that a killed earlier run left behind. */
export async function sweepLeftovers(): Promise<void> {
  const netns = (await sh(['ip', 'netns', 'list'], {reject: false})).stdout
  for (const line of netns.split('\n')) {
    const name = line.split(' ')[0]
    if (name.startsWith(HOST_PREFIX)) await removeNetnsHost(name)
  }
  const hosts = await readFile('/etc/hosts', 'utf8')
  for (const line of hosts.split('\n')) {
    if (!line.includes(MARK)) continue
    const name = line.split(/\s+/)[1]
    if (name?.startsWith(HOST_PREFIX)) await deregister(name)
  }
  await removeHostsLines(() => true)
}

/** Deregisters a host from SGE whatever its state (test cleanup: jobs on it are killed). */
async function deregister(name: string): Promise<void> {
  await sh(['qdel', '-f', ...(await jobsOn(name))], {reject: false})
  const queues = (await sh(['qconf', '-sql'], {reject: false})).stdout.split('\n').filter(Boolean)
  for (const queue of queues) await sh(['qconf', '-purge', 'queue', 'slots', `${queue}@${name}`], {reject: false})
  const groups = (await sh(['qconf', '-shgrpl'], {reject: false})).stdout.split('\n').filter(Boolean)
  for (const group of groups) await sh(['qconf', '-dattr', 'hostgroup', 'hostlist', name, group], {reject: false})
  await sh(['qconf', '-de', name], {reject: false})
  await sh(['qconf', '-dh', name], {reject: false})
  await dropLocalConf(name)
}

async function jobsOn(name: string): Promise<string[]> {
  const out = (await sh(['qhost', '-j', '-h', name], {reject: false})).stdout
  const ids = [...out.matchAll(/^\s+(\d+)\s+\d\.\d+/gm)].map((m) => m[1])
  return ids.length > 0 ? [...new Set(ids)] : ['__none__']
}

/** Returns a host name no earlier run used: `dcsg<6 hex>-<n>`. */
export function uniqueHostName(n: number | string): string {
  return `${HOST_PREFIX}${randomBytes(3).toString('hex')}-${n}`
}

async function freeSubnet(): Promise<number> {
  // Random, so that a name and an address of an earlier run are not paired again in qmaster's host cache.
  const used = (await sh(['ip', '-o', 'addr'])).stdout
  const free = Array.from({length: 150}, (_, i) => 100 + i).filter((i) => !used.includes(`169.254.${i}.`))
  if (free.length > 0) return free[Math.floor(Math.random() * free.length)]
  throw new Error('no free 169.254.x.0/30 subnet for a test exec host')
}

/**
 * Creates a network namespace NAME with a veth pair (169.254.N.1 here, .2 inside) and the host
 * lines on both sides — before SGE first resolves the name. Does not start the execd.
 */
export async function addNetnsHost(name: string, master: string): Promise<NetnsHost> {
  const n = await freeSubnet()
  const outside = `169.254.${n}.1`
  const inside = `169.254.${n}.2`
  const hostSide = `dcsg${n}h`
  const nsSide = `dcsg${n}n`
  await appendHostsLine(`${inside} ${name} ${MARK}`)
  await sh(['ip', 'netns', 'add', name])
  await sh(['ip', 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide])
  await sh(['ip', 'link', 'set', nsSide, 'netns', name])
  await sh(['ip', 'addr', 'add', `${outside}/30`, 'dev', hostSide])
  await sh(['ip', 'link', 'set', hostSide, 'up'])
  await sh(['ip', 'netns', 'exec', name, 'ip', 'addr', 'add', `${inside}/30`, 'dev', nsSide])
  await sh(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', nsSide, 'up'])
  await sh(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'])
  await mkdir(`/etc/netns/${name}`, {recursive: true})
  await writeFile(`/etc/netns/${name}/hosts`, `127.0.0.1 localhost\n${outside} ${master}\n${inside} ${name}\n`)
  await setGidRange(name, n)
  return {name, address: inside}
}

/**
 * Gives the host's execd its own supplementary group ids (a local configuration). Namespaces
 * share one kernel, and an execd kills every process of a job's group id when the job ends
 * (ENABLE_ADDGRP_KILL, on by default): with the global gid_range, the first job of each host
 * got the same id, and a job ending on one host SIGKILLed the job running on another.
 */
async function setGidRange(name: string, subnet: number): Promise<void> {
  const first = GID_BASE + subnet * GIDS_PER_HOST
  const dir = `/tmp/dcaas-sgeconf-${randomBytes(4).toString('hex')}`
  await mkdir(dir)
  try {
    await writeFile(`${dir}/${name}`, `gid_range ${first}-${first + GIDS_PER_HOST - 1}\n`)
    await dropLocalConf(name)
    await sh(['qconf', '-Aconf', `${dir}/${name}`])
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/** Deletes the host's local configuration, if it has one (qmaster logs an error for a missing one). */
async function dropLocalConf(name: string): Promise<void> {
  const list = (await sh(['qconf', '-sconfl'], {reject: false})).stdout.split('\n').map((l) => l.trim())
  if (list.includes(name)) await sh(['qconf', '-dconf', name], {reject: false})
}

/** Starts sge_execd inside the namespace with the host name NAME, through templates/sge/worker.sh. */
export async function startNetnsExecd(name: string, master: string): Promise<void> {
  await sh(['ip', 'netns', 'exec', name, 'unshare', '--uts', 'sh', '-c', `hostname "$0"; exec sh "$1"`, name, WORKER_SCRIPT], {
    env: {DCAAS_SGE_MASTER: master, DCAAS_SGE_INSTALL: '0'},
  })
}

/** Waits until qhost shows the host reporting (no `u`); returns the seconds it took. */
export async function waitForExecd(name: string, timeoutSeconds = 60): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutSeconds * 1000) {
    const result = await sh(['qhost', '-q', '-xml', '-h', name], {reject: false})
    const node = result.exitCode === 0 ? toSchedulerNodes(parseQhostXml(result.stdout), [])[0] : undefined
    if (node?.status === 'up') return (Date.now() - started) / 1000
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`sge_execd on ${name} did not report within ${timeoutSeconds} s`)
}

/** Kills the namespace's processes (sge_execd and its jobs), deletes the namespace, its local SGE configuration, its files and host lines. */
export async function removeNetnsHost(name: string): Promise<void> {
  const pids = (await sh(['ip', 'netns', 'pids', name], {reject: false})).stdout.split('\n').filter(Boolean)
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // gone already
    }
  }
  await sh(['ip', 'netns', 'del', name], {reject: false})
  await dropLocalConf(name)
  await rm(`/etc/netns/${name}`, {recursive: true, force: true})
  await rm(`/var/spool/gridengine/execd/${name}`, {recursive: true, force: true})
  await removeHostsLines((line) => line.split(/\s+/)[1] === name)
}

async function appendHostsLine(line: string): Promise<void> {
  const text = await readFile('/etc/hosts', 'utf8')
  await writeFile('/etc/hosts', `${text.endsWith('\n') || text === '' ? text : `${text}\n`}${line}\n`)
}

async function removeHostsLines(match: (line: string) => boolean): Promise<void> {
  const text = await readFile('/etc/hosts', 'utf8')
  const kept = text.split('\n').filter((line) => !(line.includes(MARK) && match(line)))
  const next = kept.join('\n')
  if (next !== text) await writeFile('/etc/hosts', next)
}
