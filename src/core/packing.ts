/**
 * Bin-packing of queued jobs onto the capacity of one resource: existing free capacity
 * (idle, busy-with-room, starting workers) first, then new workers up to the headroom the
 * caller allows. First fit, in the order jobs are offered (the planner offers them largest
 * first, i.e. first-fit decreasing). Placement of one job is atomic. Pure.
 */
import type {Job, NodeShape} from './model.js'

/** Free capacity of one worker (existing or planned). */
export interface Bin {
  /** Worker name for existing workers; undefined for a planned new one. */
  node?: string
  freeCores: number
  freeMem: number
}

/** A shared, decreasing allowance of new workers (the cluster-wide max). */
export interface Allowance {
  left: number
}

/** Why a job did not fit a pool. */
export type PackFailure = 'no-fit' | 'max-reached' | 'cluster-max-reached'

/** Cores of each node-chunk a job needs, or undefined for a job that may spread freely. */
export function chunksOf(job: Job): number[] | undefined {
  if (job.spread) return undefined
  if (job.perNode && job.perNode > 0 && job.perNode < job.cores) {
    const n = Math.ceil(job.cores / job.perNode)
    return Array.from({length: n}, () => job.perNode as number)
  }
  return [job.cores]
}

/** Tells whether a job could ever run on workers of this shape (ignoring how many). */
export function fitsShape(job: Job, shape: NodeShape): boolean {
  const memPerCore = job.memoryMiBPerCore ?? 0
  if (job.spread) return shape.cores >= 1 && memPerCore <= shape.memoryMiB
  const chunk = chunksOf(job)![0]
  return chunk <= shape.cores && chunk * memPerCore <= shape.memoryMiB
}

interface Change {
  bin: Bin
  cores: number
  mem: number
}

/** The capacity of one resource during one planning pass. */
export class Pool {
  private readonly existing: Bin[]
  private readonly fresh: Bin[] = []
  /** Upper bound of freeCores over existing bins (exact after a full scan that found nothing). */
  private maxExisting: number
  /** Existing workers that received a job in this plan. */
  readonly used = new Set<string>()
  /** Ids of jobs placed on new workers. */
  readonly jobsOnNew: string[] = []
  /** Ids of jobs covered by existing capacity. */
  readonly jobsOnExisting: string[] = []

  constructor(
    readonly resource: string,
    readonly shape: NodeShape,
    existing: Bin[],
    /** How many new workers this resource may still get. */
    public headroom: number,
  ) {
    this.existing = existing.filter((b) => b.freeCores > 0)
    this.maxExisting = this.existing.reduce((m, b) => Math.max(m, b.freeCores), 0)
  }

  /** Number of new workers planned so far. */
  get newCount(): number {
    return this.fresh.length
  }

  /** Places a job on existing capacity only; true if placed. */
  placeExisting(job: Job): boolean {
    const changes: Change[] = []
    if (this.place(job, changes, false, {left: 0})) {
      for (const c of changes) if (c.bin.node) this.used.add(c.bin.node)
      this.jobsOnExisting.push(job.id)
      return true
    }
    this.undo(changes)
    return false
  }

  /** Places a job on existing and new capacity (opening new workers within headroom and allowance); returns a failure code or undefined when placed. */
  placeWithNew(job: Job, allowance: Allowance): PackFailure | undefined {
    if (!fitsShape(job, this.shape)) return 'no-fit'
    const changes: Change[] = []
    const freshBefore = this.fresh.length
    const allowanceBefore = allowance.left
    const headroomBefore = this.headroom
    if (this.place(job, changes, true, allowance)) {
      let onNew = false
      for (const c of changes) {
        if (c.bin.node) this.used.add(c.bin.node)
        else onNew = true
      }
      if (onNew) this.jobsOnNew.push(job.id)
      else this.jobsOnExisting.push(job.id)
      return undefined
    }
    this.undo(changes)
    this.fresh.length = freshBefore
    const hitCluster = allowance.left <= 0 && this.headroom > 0
    allowance.left = allowanceBefore
    this.headroom = headroomBefore
    return hitCluster ? 'cluster-max-reached' : 'max-reached'
  }

  private place(job: Job, changes: Change[], allowNew: boolean, allowance: Allowance): boolean {
    const memPerCore = job.memoryMiBPerCore ?? 0
    const chunks = chunksOf(job)
    if (!chunks) return this.spread(job.cores, memPerCore, changes, allowNew, allowance)
    for (const cores of chunks) {
      const mem = cores * memPerCore
      const bin = this.firstFit(cores, mem, allowNew, allowance)
      if (!bin) return false
      bin.freeCores -= cores
      bin.freeMem -= mem
      changes.push({bin, cores, mem})
    }
    return true
  }

  private spread(total: number, memPerCore: number, changes: Change[], allowNew: boolean, allowance: Allowance): boolean {
    let left = total
    const take = (bin: Bin) => {
      const byMem = memPerCore > 0 ? Math.floor(bin.freeMem / memPerCore) : Number.POSITIVE_INFINITY
      const cores = Math.min(left, bin.freeCores, byMem)
      if (cores <= 0) return
      bin.freeCores -= cores
      bin.freeMem -= cores * memPerCore
      changes.push({bin, cores, mem: cores * memPerCore})
      left -= cores
    }
    if (this.maxExisting > 0) {
      let seen = 0
      for (const bin of this.existing) {
        if (left === 0) break
        take(bin)
        if (bin.freeCores > seen) seen = bin.freeCores
      }
      if (left > 0) this.maxExisting = seen
    }
    if (left > 0 && allowNew) {
      for (const bin of this.fresh) {
        if (left === 0) break
        take(bin)
      }
      while (left > 0) {
        const bin = this.open(allowance)
        if (!bin) return false
        take(bin)
      }
    }
    return left === 0
  }

  private firstFit(cores: number, mem: number, allowNew: boolean, allowance: Allowance): Bin | undefined {
    if (cores <= this.maxExisting) {
      let seen = 0
      for (const bin of this.existing) {
        if (bin.freeCores >= cores && bin.freeMem >= mem) return bin
        if (bin.freeCores > seen) seen = bin.freeCores
      }
      this.maxExisting = seen
    }
    if (!allowNew) return undefined
    for (const bin of this.fresh) if (bin.freeCores >= cores && bin.freeMem >= mem) return bin
    if (cores > this.shape.cores || mem > this.shape.memoryMiB) return undefined
    return this.open(allowance)
  }

  private open(allowance: Allowance): Bin | undefined {
    if (this.headroom <= 0 || allowance.left <= 0) return undefined
    this.headroom--
    allowance.left--
    const bin: Bin = {freeCores: this.shape.cores, freeMem: this.shape.memoryMiB}
    this.fresh.push(bin)
    return bin
  }

  private undo(changes: Change[]): void {
    for (const c of changes) {
      c.bin.freeCores += c.cores
      c.bin.freeMem += c.mem
      if (c.bin.node && c.bin.freeCores > this.maxExisting) this.maxExisting = c.bin.freeCores
    }
  }
}
