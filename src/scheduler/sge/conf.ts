/**
 * Pure parsers of SGE's `qconf -s…` text output (parallel environments, exec hosts,
 * hostgroups, cluster queues) and of its memory units.
 */

/** Parses `qconf -sp/-se/-shgrp/-sq` output into attribute → value, joining `\`-continued lines. */
export function parseConf(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.replace(/\\\n\s*/g, '').split('\n')
  for (const raw of lines) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^(\S+)\s*(.*)$/.exec(line)
    if (match) result[match[1]] = match[2].trim()
  }
  return result
}

/** How a parallel environment spreads a job's slots over hosts. */
export type AllocationRule = {kind: 'pe_slots'} | {kind: 'fixed'; perNode: number} | {kind: 'fill_up'} | {kind: 'round_robin'}

/** Parses `qconf -sp NAME` into the PE's name and allocation rule; undefined when the text is not a PE. */
export function parsePe(text: string): {name: string; allocationRule: AllocationRule} | undefined {
  const conf = parseConf(text)
  const name = conf.pe_name
  const rule = conf.allocation_rule
  if (!name || !rule) return undefined
  const allocationRule = parseAllocationRule(rule)
  return allocationRule ? {name, allocationRule} : undefined
}

/** Parses an `allocation_rule` value ($pe_slots, $fill_up, $round_robin or a positive integer). */
export function parseAllocationRule(value: string): AllocationRule | undefined {
  const rule = value.trim()
  if (rule === '$pe_slots') return {kind: 'pe_slots'}
  if (rule === '$fill_up') return {kind: 'fill_up'}
  if (rule === '$round_robin') return {kind: 'round_robin'}
  if (/^[1-9]\d*$/.test(rule)) return {kind: 'fixed', perNode: Number(rule)}
  return undefined
}

/** Parses `qconf -shgrp GROUP` into its host list (NONE → empty). */
export function parseHostgroup(text: string): {name: string; hosts: string[]} {
  const conf = parseConf(text)
  return {name: conf.group_name ?? '', hosts: splitList(conf.hostlist)}
}

/** Parses a queue's `slots` value (`1,[host=4],[@grp=2]`) into the default and the per-host/hostgroup overrides. */
export function parseSlotsAttribute(value: string): {default?: number; overrides: Record<string, number>} {
  const overrides: Record<string, number> = {}
  let fallback: number | undefined
  for (const part of value.match(/\[[^\]]*\]|[^,\s]+/g) ?? []) {
    const bracket = /^\[([^=\]]+)=(\d+)\]$/.exec(part)
    if (bracket) overrides[bracket[1].trim()] = Number(bracket[2])
    else if (/^\d+$/.test(part)) fallback = Number(part)
  }
  return {default: fallback, overrides}
}

/** Parses `qconf -sq QUEUE`: its name, host list and slots (default and per host). */
export function parseQueue(text: string): {name: string; hostlist: string[]; slots: ReturnType<typeof parseSlotsAttribute>} {
  const conf = parseConf(text)
  return {name: conf.qname ?? '', hostlist: splitList(conf.hostlist), slots: parseSlotsAttribute(conf.slots ?? '')}
}

/** Splits a space- or comma-separated SGE list; `NONE` is empty. */
export function splitList(value: string | undefined): string[] {
  if (!value || value.trim() === 'NONE') return []
  return value.split(/[\s,]+/).filter((s) => s !== '' && s !== 'NONE')
}

/**
 * Converts an SGE memory value to MiB: K/M/G/T are powers of 1024, k/m/g/t powers of 1000,
 * a bare number is bytes. Returns undefined for anything else (e.g. INFINITY).
 */
export function parseMemoryMiB(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)\s*$/.exec(value)
  if (!match) return undefined
  const number = Number(match[1])
  const unit = match[2]
  const factors: Record<string, number> = {
    '': 1,
    K: 1024,
    k: 1000,
    M: 1024 ** 2,
    m: 1000 ** 2,
    G: 1024 ** 3,
    g: 1000 ** 3,
    T: 1024 ** 4,
    t: 1000 ** 4,
  }
  return (number * factors[unit]) / 1024 ** 2
}

/** Counts the tasks of an SGE task range list (`1-10:1`, `3,5,7-9:2`). */
export function countTasks(range: string): number {
  return expandTasks(range, Number.POSITIVE_INFINITY).count
}

/** Expands a task range list into task ids (at most `limit` of them) and the total count. */
export function expandTasks(range: string, limit: number): {ids: number[]; count: number} {
  const ids: number[] = []
  let count = 0
  for (const part of range.split(',')) {
    const match = /^\s*(\d+)(?:-(\d+)(?::(\d+))?)?\s*$/.exec(part)
    if (!match) continue
    const first = Number(match[1])
    const last = match[2] === undefined ? first : Number(match[2])
    const step = match[3] === undefined ? 1 : Math.max(1, Number(match[3]))
    if (last < first) continue
    const n = Math.floor((last - first) / step) + 1
    for (let i = 0; i < n && ids.length < limit; i++) ids.push(first + i * step)
    count += n
  }
  return {ids, count}
}
