/**
 * Keeps the simulated world of the CLI in `<stateDir>/sim-world.json`, so successive dcaas
 * invocations see the same cluster. The file is locked while open, written atomically, and maps
 * real time to simulated time with an anchor and a speed (simulated seconds per real second).
 */
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import lockfile from 'proper-lockfile'
import type {Config, SimConfig} from '../config/types.js'
import {DcaasError, EXIT} from '../errors.js'
import {emptyWorldState, SimWorld, type WorldState} from './world.js'

/** The file name of the simulated world inside the state directory. */
export const SIM_WORLD_FILE = 'sim-world.json'

/** What the world file holds. */
export interface SimWorldFile {
  version: 1
  /** A real time and the simulated time it corresponds to. */
  anchor: {realMs: number; simSeconds: number}
  /** Simulated seconds per real second. */
  speed: number
  world: WorldState
}

/** An open, locked simulated world. */
export interface OpenSimWorld {
  world: SimWorld
  /** Path of the world file. */
  path: string
  /** Returns the current simulated time in seconds (from the anchor, the speed and the real clock). */
  now(): number
  /** Jumps the simulated clock forward by seconds and processes the events up to the new time. */
  advance(seconds: number): void
  /** Writes the world file atomically (temp file + rename). */
  save(): Promise<void>
  /** Releases the lock (idempotent). */
  release(): Promise<void>
}

/** Options of openSimWorld, mostly for tests. */
export interface OpenSimWorldOptions {
  /** Seconds to wait for another process's lock before failing (default 10). */
  lockWaitSeconds?: number
  /** Real clock in milliseconds (default Date.now). */
  clock?: () => number
}

/** Opens (or creates) the simulated world in stateDir, locks it, and advances it to the current simulated time. */
export async function openSimWorld(stateDir: string, sim: SimConfig, options: OpenSimWorldOptions = {}): Promise<OpenSimWorld> {
  const clock = options.clock ?? Date.now
  const path = join(stateDir, SIM_WORLD_FILE)
  let compromised: Error | undefined
  const unlock = await lockWorld(stateDir, options.lockWaitSeconds ?? 10, (error) => {
    compromised = error
  })
  let released = false
  try {
    const file = await readWorldFile(path)
    const startMs = clock()
    const speed = sim.speed > 0 ? sim.speed : 1
    const world = new SimWorld(file?.world ?? emptyWorldState({now: Math.floor(startMs / 1000), seed: sim.seed}))
    let anchor = file?.anchor ?? {realMs: startMs, simSeconds: world.now}
    const simNow = (): number => Math.max(world.now, Math.floor(anchor.simSeconds + ((clock() - anchor.realMs) / 1000) * (file?.speed ?? speed)))
    if (file && file.speed !== speed) anchor = {realMs: startMs, simSeconds: simNow()}
    const now = (): number => Math.max(world.now, Math.floor(anchor.simSeconds + ((clock() - anchor.realMs) / 1000) * speed))
    world.advanceTo(now())
    return {
      world,
      path,
      now,
      advance(seconds: number): void {
        if (!(seconds >= 0)) throw new DcaasError(`cannot move the simulated clock by ${seconds} seconds`, EXIT.USAGE)
        anchor = {realMs: anchor.realMs, simSeconds: anchor.simSeconds + seconds}
        world.advanceTo(now())
      },
      async save(): Promise<void> {
        if (compromised) throw new DcaasError(`lost the lock on ${path}: ${compromised.message}`, EXIT.LOCKED)
        world.advanceTo(now())
        const content: SimWorldFile = {version: 1, anchor, speed, world: world.state()}
        const temp = `${path}.${process.pid}.${Date.now()}.tmp`
        await writeFile(temp, JSON.stringify(content))
        await rename(temp, path)
      },
      async release(): Promise<void> {
        if (released) return
        released = true
        await unlock().catch(() => undefined)
      },
    }
  } catch (error) {
    await unlock().catch(() => undefined)
    throw error
  }
}

/** Throws a CONFIG DcaasError unless the configuration uses the simulated scheduler. */
export function requireSimScheduler(config: Config): void {
  if (config.scheduler.type === 'sim') return
  throw new DcaasError(`this command drives the simulated cluster, but the configuration's scheduler is ${config.scheduler.type}`, EXIT.CONFIG, [
    'Use a configuration with `scheduler: {type: sim}` (the built-in default is one).',
  ])
}

/** Deletes the simulated world file (under its lock); returns whether there was one. */
export async function resetSimWorld(stateDir: string, options: OpenSimWorldOptions = {}): Promise<boolean> {
  const path = join(stateDir, SIM_WORLD_FILE)
  const unlock = await lockWorld(stateDir, options.lockWaitSeconds ?? 10, () => undefined)
  try {
    const existed = await readFile(path).then(
      () => true,
      () => false,
    )
    await rm(path, {force: true})
    return existed
  } finally {
    await unlock().catch(() => undefined)
  }
}

/** Takes the lock on the world file in dir, waiting up to waitSeconds for another holder. */
async function lockWorld(dir: string, waitSeconds: number, onCompromised: (error: Error) => void): Promise<() => Promise<void>> {
  await mkdir(dir, {recursive: true})
  const target = join(dir, SIM_WORLD_FILE)
  try {
    return await lockfile.lock(target, {
      realpath: false,
      lockfilePath: `${target}.lock`,
      stale: 30_000,
      retries: {retries: Math.max(0, Math.ceil((waitSeconds * 1000) / 200)), factor: 1, minTimeout: 200, maxTimeout: 200},
      onCompromised,
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new DcaasError(`the simulated world ${target} is in use by another dcaas process (waited ${waitSeconds}s)`, EXIT.LOCKED, [
        'Wait for the other dcaas command to finish and try again.',
      ])
    }
    throw error
  }
}

/** Reads and checks the world file; undefined when there is none. */
async function readWorldFile(path: string): Promise<SimWorldFile | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let parsed: SimWorldFile
  try {
    parsed = JSON.parse(text) as SimWorldFile
  } catch (error) {
    throw new DcaasError(`the simulated world ${path} is not valid JSON: ${(error as Error).message}`, EXIT.CONFIG, [
      'Start a fresh simulated world with `dcaas sim reset --yes`.',
    ])
  }
  if (parsed?.version !== 1 || typeof parsed.anchor?.simSeconds !== 'number' || typeof parsed.world?.now !== 'number') {
    throw new DcaasError(`the simulated world ${path} has an unknown format`, EXIT.CONFIG, ['Start a fresh simulated world with `dcaas sim reset --yes`.'])
  }
  return parsed
}
