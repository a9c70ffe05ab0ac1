/** Small formatters for human output: ages, times, sizes. */

/** Formats a number of seconds as a short age ("45s", "12m", "3h05m", "2d4h"). */
export function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? String(s % 60).padStart(2, '0') + 's' : ''}`
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`
}

/** Formats epoch seconds as a local-independent UTC time "2026-11-28 21:05:00Z". */
export function time(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

/** Formats MiB as GiB when large. */
export function mib(value: number | undefined): string {
  if (value === undefined) return '-'
  return value >= 1024 ? `${(value / 1024).toFixed(value % 1024 === 0 ? 0 : 1)}G` : `${value}M`
}
