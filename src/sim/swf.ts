/**
 * Reader of the Standard Workload Format (Parallel Workloads Archive): one job per line,
 * 18 whitespace-separated fields, header lines starting with ';'. Streams `.swf` and gzip
 * (`.swf.gz`, detected by its magic bytes) with node:zlib.
 *
 * Pitfalls handled: -1 means unknown in any field; requested processors may be missing
 * (allocated ones are used first anyway); submit times may be out of order (jobs are sorted
 * by submit time, stably); jobs with no run time or no processors are skipped and counted.
 */
import {createReadStream} from 'node:fs'
import {open} from 'node:fs/promises'
import {createInterface} from 'node:readline'
import {createGunzip} from 'node:zlib'
import type {Readable} from 'node:stream'

/** One job of a workload, ready to submit to a simulated scheduler. */
export interface WorkloadJob {
  /** The trace's job number (field 1). */
  id: string
  /** Submit time in seconds from the trace's start (field 2). */
  submitAt: number
  /** Real run time in seconds (field 4). */
  runTime: number
  /** Allocated processors (field 5), else requested processors (field 8). */
  cores: number
  /** Requested time in seconds (field 9), when known. */
  walltime?: number
  /** Requested memory per processor in MiB (field 10, KB in the file), when known. */
  memoryMiBPerCore?: number
  /** Queue number (field 15), when known. */
  queue?: string
  /** User id (field 12), when known. */
  owner?: string
}

/** Counts of lines that did not become jobs, by why. */
export interface SkippedLines {
  /** Run time unknown or zero (cancelled before start, or not recorded). */
  noRunTime: number
  /** Neither allocated nor requested processors known. */
  noCores: number
  /** Fewer than 5 fields, or a submit time that is not a number. */
  malformed: number
}

/** What the header comments say about the machine. */
export interface SwfHeader {
  /** `; MaxProcs:` — processors of the traced machine. */
  maxProcs?: number
  /** `; MaxNodes:` — nodes of the traced machine. */
  maxNodes?: number
  /** `; UnixStartTime:` — epoch seconds of submit time 0. */
  unixStartTime?: number
  /** Every `; Key: value` header line (first occurrence of each key). */
  fields: Record<string, string>
}

/** A whole workload read from one file. */
export interface Workload {
  header: SwfHeader
  /** Sorted by submit time (stable: file order among equal times). */
  jobs: WorkloadJob[]
  skipped: SkippedLines
  /** Whether submit times were out of order in the file. */
  unsorted: boolean
}

/** Parses one non-comment SWF line into a job, or names why it is skipped. */
export function parseSwfLine(line: string): WorkloadJob | keyof SkippedLines {
  const f = line.trim().split(/\s+/)
  if (f.length < 5) return 'malformed'
  const num = (i: number): number => {
    if (i >= f.length) return -1
    const v = Number(f[i])
    return Number.isFinite(v) ? v : -1
  }
  const submit = num(1)
  if (submit < 0) return 'malformed'
  const runTime = num(3)
  if (runTime <= 0) return 'noRunTime'
  const allocated = num(4)
  const requested = num(7)
  const cores = Math.round(allocated > 0 ? allocated : requested)
  if (!(cores > 0)) return 'noCores'
  const job: WorkloadJob = {id: f[0], submitAt: submit, runTime, cores}
  const reqTime = num(8)
  if (reqTime > 0) job.walltime = reqTime
  const reqMem = num(9)
  if (reqMem > 0) job.memoryMiBPerCore = reqMem / 1024
  const user = num(11)
  if (user >= 0) job.owner = String(user)
  const queue = num(14)
  if (queue >= 0) job.queue = String(queue)
  return job
}

/** Reads a header comment line (`; Key: value`) into the header. */
function readHeaderLine(line: string, header: SwfHeader): void {
  const m = /^;\s*([A-Za-z][\w ]*?)\s*:\s*(.*?)\s*$/.exec(line)
  if (!m) return
  const [, key, value] = m
  if (!(key in header.fields)) header.fields[key] = value
  const n = Number(value.split(/\s+/)[0])
  if (!Number.isFinite(n)) return
  if (key === 'MaxProcs' && header.maxProcs === undefined) header.maxProcs = n
  if (key === 'MaxNodes' && header.maxNodes === undefined) header.maxNodes = n
  if (key === 'UnixStartTime' && header.unixStartTime === undefined) header.unixStartTime = n
}

/** Tells whether a file starts with the gzip magic bytes. */
async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(2)
    const {bytesRead} = await fh.read(buf, 0, 2, 0)
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b
  } finally {
    await fh.close()
  }
}

/** Parses SWF text from a stream (already decompressed). */
export async function readSwfStream(input: Readable): Promise<Workload> {
  const header: SwfHeader = {fields: {}}
  const jobs: WorkloadJob[] = []
  const skipped: SkippedLines = {noRunTime: 0, noCores: 0, malformed: 0}
  let unsorted = false
  let last = -Infinity
  const lines = createInterface({input, crlfDelay: Infinity})
  for await (const raw of lines) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith(';')) {
      readHeaderLine(line, header)
      continue
    }
    const parsed = parseSwfLine(line)
    if (typeof parsed === 'string') {
      skipped[parsed]++
      continue
    }
    if (parsed.submitAt < last) unsorted = true
    last = Math.max(last, parsed.submitAt)
    jobs.push(parsed)
  }
  if (unsorted) jobs.sort((a, b) => a.submitAt - b.submitAt) // Array.prototype.sort is stable
  return {header, jobs, skipped, unsorted}
}

/** Reads a `.swf` or gzip-compressed `.swf.gz` file. */
export async function readSwf(path: string): Promise<Workload> {
  const gz = await isGzip(path)
  const file = createReadStream(path)
  const input = gz ? file.pipe(createGunzip()) : file
  if (gz) file.on('error', (error) => input.destroy(error))
  return readSwfStream(input)
}

/** Which part of a workload to replay. */
export interface WorkloadWindow {
  /** Seconds from the first submit: jobs submitted earlier are dropped. */
  from?: number
  /** Seconds from the first submit: jobs submitted at or after are dropped. */
  to?: number
  /** Keep only the first N jobs (after from/to). */
  jobs?: number
}

/** Cuts a window out of a sorted workload and shifts submit times so the first kept job is submitted at 0. */
export function selectWindow(jobs: readonly WorkloadJob[], window: WorkloadWindow): WorkloadJob[] {
  if (jobs.length === 0) return []
  const start = jobs[0].submitAt
  let kept = jobs.filter((j) => {
    const rel = j.submitAt - start
    return (window.from === undefined || rel >= window.from) && (window.to === undefined || rel < window.to)
  })
  if (window.jobs !== undefined) kept = kept.slice(0, window.jobs)
  if (kept.length === 0) return []
  const origin = kept[0].submitAt
  return kept.map((j) => ({...j, submitAt: j.submitAt - origin}))
}
