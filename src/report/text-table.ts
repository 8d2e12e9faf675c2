/** Plain-text and Markdown tables for stdout, with the escaping each medium needs for text from the data. */
import {terminalSafe} from '../core/terminal-safe.js'

export const integer = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0})
export const money = new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD', maximumFractionDigits: 2})

/**
 * Markdown-safe cell: no table breaks, no emphasis/links/HTML from the data; `&` cannot start an entity and `@`
 * cannot mention anyone where the Markdown is posted (a GitHub comment or wiki).
 */
export function markdownSafe(text: string): string {
  return terminalSafe(text).replace(/[\\`*_{}[\]()<>#+!|~&@]/g, (char) => `\\${char}`)
}

export interface TextColumn<T> {
  header: string
  align: 'left' | 'right'
  cell: (row: T) => string
}

/**
 * The widest a name may make a column of the terminal table: one 200-character branch or job name would otherwise
 * push every figure of the table off an 80- or 120-column screen. The CSVs, summary.json and report.html keep
 * names whole.
 */
export const TEXT_CELL_MAX = 60

/** Cut to TEXT_CELL_MAX characters (code points, so no emoji is split in half), the cut marked with an ellipsis. */
export function clipCell(text: string): string {
  const characters = Array.from(text)
  return characters.length <= TEXT_CELL_MAX ? text : `${characters.slice(0, TEXT_CELL_MAX - 1).join('')}\u2026`
}

/** An aligned table, columns two spaces apart; the last `footerRows` rows (totals) sit below a second rule. */
export function alignedTable<T>(columns: TextColumn<T>[], rows: T[], footerRows = 0): string[] {
  const cells = rows.map((row) => columns.map((column) => {
    const text = terminalSafe(column.cell(row))
    return column.align === 'left' ? clipCell(text) : text
  }))
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => row[index].length)))
  const line = (values: string[]) =>
    values.map((value, index) => (columns[index].align === 'left' ? value.padEnd(widths[index]) : value.padStart(widths[index]))).join('  ').trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('  ')
  const body = cells.slice(0, cells.length - footerRows).map(line)
  const footer = footerRows > 0 ? [rule, ...cells.slice(cells.length - footerRows).map(line)] : []
  return [line(columns.map((column) => column.header)), rule, ...body, ...footer]
}

export function markdownTable<T>(columns: TextColumn<T>[], rows: T[]): string[] {
  const row = (values: string[]) => `| ${values.join(' | ')} |`
  return [
    row(columns.map((column) => column.header)),
    row(columns.map((column) => (column.align === 'right' ? '---:' : '---'))),
    ...rows.map((item) => row(columns.map((column) => markdownSafe(column.cell(item))))),
  ]
}
