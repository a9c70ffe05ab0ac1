/**
 * The state file (timers, back-off, admin intent), the stats file (one JSON line per pass)
 * and the pass lock, all in the config's state directory. Writes are atomic (temp file +
 * rename); a missing or unreadable state file yields an empty state — losing it is safe.
 */
import {mkdir, readFile, rename, writeFile, appendFile, open} from 'node:fs/promises'
import {join} from 'node:path'
import lockfile from 'proper-lockfile'
import {emptyState, type EngineState} from '../core/state.js'
import type {NodeState} from '../core/model.js'
import {DcaasError, EXIT} from '../errors.js'

/** One line of the stats file: what one pass saw and did. */
export interface StatsRecord {
  time: number
  nodes: Record<NodeState, number>
  jobs: {queued: number; running: number; held: number; error: number}
  actions: Record<string, number>
  failed: number
  dryRun?: boolean
  notes?: string[]
}

/** What a pass needs to keep its state: load, save, append stats, lock. */
export interface EngineStore {
  /** Set after load() when the stored state was unreadable. */
  warning?: string
  load(): Promise<EngineState>
  save(state: EngineState): Promise<void>
  appendStats(record: StatsRecord): Promise<void>
  lastStats(): Promise<StatsRecord | undefined>
  lock(): Promise<() => Promise<void>>
}

/** An EngineStore in memory (tests and simulations: no files, no lock contention). */
export class MemoryStore implements EngineStore {
  state: EngineState = emptyState()
  readonly stats: StatsRecord[] = []
  private locked = false

  async load(): Promise<EngineState> {
    return structuredClone(this.state)
  }

  async save(state: EngineState): Promise<void> {
    this.state = structuredClone(state)
  }

  async appendStats(record: StatsRecord): Promise<void> {
    this.stats.push(record)
  }

  async lastStats(): Promise<StatsRecord | undefined> {
    return this.stats.at(-1)
  }

  async lock(): Promise<() => Promise<void>> {
    if (this.locked) throw new DcaasError('Another dcaas pass is running; this one did nothing.', EXIT.LOCKED)
    this.locked = true
    return async () => {
      this.locked = false
    }
  }
}

/** Reads and writes the engine's files in one directory. */
export class StateStore implements EngineStore {
  readonly statePath: string
  readonly statsPath: string
  readonly lockPath: string
  /** Set when the state file existed but could not be read (the pass then starts from an empty state). */
  warning?: string

  constructor(readonly dir: string) {
    this.statePath = join(dir, 'state.json')
    this.statsPath = join(dir, 'stats.jsonl')
    this.lockPath = join(dir, 'pass.lock')
  }

  /** Reads the state; a missing file gives an empty state, a corrupt one an empty state and a warning. */
  async load(): Promise<EngineState> {
    let text: string
    try {
      text = await readFile(this.statePath, 'utf8')
    } catch {
      return emptyState()
    }
    try {
      const parsed = JSON.parse(text) as EngineState
      if (parsed?.version !== 1 || typeof parsed.nodes !== 'object' || typeof parsed.resources !== 'object') throw new Error('unexpected shape')
      return {...emptyState(), ...parsed}
    } catch (error) {
      this.warning = `state file ${this.statePath} is unreadable (${(error as Error).message}); starting from an empty state`
      return emptyState()
    }
  }

  /** Writes the state atomically. */
  async save(state: EngineState): Promise<void> {
    await mkdir(this.dir, {recursive: true})
    const tmp = `${this.statePath}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(state, null, 1) + '\n')
    await rename(tmp, this.statePath)
  }

  /** Appends one record to the stats file. */
  async appendStats(record: StatsRecord): Promise<void> {
    await mkdir(this.dir, {recursive: true})
    await appendFile(this.statsPath, JSON.stringify(record) + '\n')
  }

  /** Returns the last record of the stats file, if any (reads only its tail). */
  async lastStats(): Promise<StatsRecord | undefined> {
    let handle
    try {
      handle = await open(this.statsPath, 'r')
    } catch {
      return undefined
    }
    try {
      const {size} = await handle.stat()
      const length = Math.min(size, 64 * 1024)
      const buffer = Buffer.alloc(length)
      await handle.read(buffer, 0, length, size - length)
      const lines = buffer.toString('utf8').trim().split('\n')
      for (let i = lines.length - 1; i >= 0; i--) {
        try {
          return JSON.parse(lines[i]) as StatsRecord
        } catch {
          // a torn or partial line: try the one before
        }
      }
      return undefined
    } finally {
      await handle.close()
    }
  }

  private held = 0
  private releaseHeld?: () => Promise<void>

  /**
   * Takes the pass lock or fails at once with exit code 7 when another process holds it.
   * Returns the function that releases it. Re-entrant within this store (a command that locks
   * before opening its backends can run a pass that locks again). A lock left by a killed
   * process goes stale after 30 s.
   */
  async lock(): Promise<() => Promise<void>> {
    if (this.held > 0) {
      this.held++
      return async () => this.unlock()
    }
    this.releaseHeld = await this.acquire()
    this.held = 1
    return async () => this.unlock()
  }

  private async unlock(): Promise<void> {
    if (--this.held === 0) await this.releaseHeld?.()
  }

  private async acquire(): Promise<() => Promise<void>> {
    await mkdir(this.dir, {recursive: true})
    const handle = await open(this.lockPath, 'a')
    await handle.close()
    try {
      return await lockfile.lock(this.lockPath, {retries: 0, stale: 30_000, realpath: false})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED')
        throw new DcaasError(`Another dcaas pass is running (lock ${this.lockPath}); this one did nothing.`, EXIT.LOCKED, [
          'Wait for it to finish; with cron, a pass that overlaps the next is harmless.',
        ])
      throw error
    }
  }
}

/** Opens the state store of a state directory. */
export function openStateStore(dir: string): StateStore {
  return new StateStore(dir)
}
