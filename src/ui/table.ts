/** Renders rows as a cli-table3 table with a compact, border-light style. */
import Table from 'cli-table3'

/** Renders a table with a header row; empty rows give the `empty` text instead. */
export function table(head: string[], rows: (string | number)[][], empty = '(none)'): string {
  if (rows.length === 0) return `  ${empty}`
  const t = new Table({
    head,
    style: {head: process.stdout.isTTY ? ['bold'] : [], border: [], compact: true},
    chars: {top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: ' ', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  '},
  })
  for (const r of rows) t.push(r.map((c) => String(c)))
  return t.toString()
}
