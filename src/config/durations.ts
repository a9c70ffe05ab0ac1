/**
 * Durations as written in the configuration: a number of seconds (`600`), or a string of
 * number+unit parts (`600s`, `10m`, `1h30m`, `1d`). Everything dcaas computes with is seconds.
 */

const UNIT_SECONDS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86_400}
const PART = /(\d+(?:\.\d+)?)([smhd])/g
const WHOLE = /^(?:\d+(?:\.\d+)?[smhd])+$/

/** Parses a duration (number of seconds or a string like "1h30m") into seconds; undefined if it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim().toLowerCase()
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text)
  if (!WHOLE.test(text)) return undefined
  let seconds = 0
  for (const [, amount, unit] of text.matchAll(PART)) seconds += Number(amount) * UNIT_SECONDS[unit]
  return seconds
}

/** Formats seconds as the shortest duration string ("10m", "1h30m", "45s"); fractions stay in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) return `${seconds}s`
  if (seconds === 0) return '0s'
  let rest = seconds
  let text = ''
  for (const unit of ['d', 'h', 'm', 's']) {
    const size = UNIT_SECONDS[unit]
    const count = Math.floor(rest / size)
    if (count > 0) text += `${count}${unit}`
    rest -= count * size
  }
  return text
}
