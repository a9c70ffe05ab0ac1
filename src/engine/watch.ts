/**
 * The --watch loop: one pass every interval until SIGINT/SIGTERM, which let the current
 * action finish and then stop cleanly. A failed pass is reported and the loop goes on.
 */
import {DcaasError, EXIT} from '../errors.js'
import type {PassReport} from './pass.js'

/** Controls a watch loop: `stopping()` turns true on the first SIGINT/SIGTERM. */
export interface WatchControl {
  stopping: () => boolean
  /** Sleeps up to `seconds`, waking early when a stop is requested. */
  sleep: (seconds: number) => Promise<void>
  dispose: () => void
}

/** Installs SIGINT/SIGTERM handlers that ask the loop to stop after the current action. */
export function watchControl(): WatchControl {
  let stop = false
  let wake: (() => void) | undefined
  const onSignal = () => {
    stop = true
    wake?.()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    stopping: () => stop,
    sleep: (seconds) =>
      new Promise<void>((resolve) => {
        if (stop) return resolve()
        const timer = setTimeout(resolve, seconds * 1000)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      }),
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

/** Repeats `pass` every `interval` seconds until stopped; reports each result or error. */
export async function watch(pass: () => Promise<PassReport>, interval: number, control: WatchControl, report: (r: PassReport | Error) => void): Promise<number> {
  let passes = 0
  try {
    while (!control.stopping()) {
      const started = Date.now()
      try {
        report(await pass())
      } catch (error) {
        if (error instanceof DcaasError && error.exitCode === EXIT.CONFIG) throw error
        report(error as Error)
      }
      passes++
      if (control.stopping()) break
      await control.sleep(Math.max(0, interval - (Date.now() - started) / 1000))
    }
  } finally {
    control.dispose()
  }
  return passes
}
