import {escapeXml} from '../charts/escape.js'

/**
 * One table builder for every section of the report: escaped cells, numeric columns right-aligned with a
 * machine-readable sort value, long breakdowns capped with a footer row that accounts for the rest.
 */
export interface Column<T> {
  header: string
  numeric?: boolean
  /** Plain text of the cell; escaped here. */
  text(row: T): string
  /** Number the optional in-page sorter uses; defaults to the text for non-numeric columns. */
  sortValue?(row: T): number | null
  /** Wrap the text in <code> (concrete config changes). */
  code?: boolean
  /** Let long names wrap instead of widening the table. */
  wrap?: boolean
}

export interface TableOptions<T> {
  caption: string
  columns: Column<T>[]
  rows: T[]
  /** At most this many body rows; the rest are summarised by `remainder`. */
  limit?: number
  /** Footer cells for the rows past `limit` (plain text, one per column). */
  remainder?(rest: T[]): string[]
  /** Footer cells for a totals row (plain text, one per column). */
  totals?: string[]
  empty?: string
}

function attr(value: number): string {
  return Number.isFinite(value) ? String(value) : '0'
}

function cellClass<T>(column: Column<T>): string {
  const classes = [column.numeric ? 'num' : '', column.wrap ? 'name' : ''].filter(Boolean)
  return classes.length > 0 ? ` class="${classes.join(' ')}"` : ''
}

export function dataTable<T>(options: TableOptions<T>): string {
  const {columns, rows} = options
  if (rows.length === 0) return `<p class="empty">${escapeXml(options.empty ?? 'Nothing to show.')}</p>`
  const limit = options.limit ?? rows.length
  const shown = rows.slice(0, limit)
  const rest = rows.slice(limit)
  const head = columns.map((column) => `<th scope="col"${cellClass(column)}>${escapeXml(column.header)}</th>`).join('')
  const body = shown
    .map((row) => {
      const cells = columns.map((column) => {
        const text = escapeXml(column.text(row))
        const sort = column.sortValue?.(row)
        const data = sort === undefined || sort === null ? '' : ` data-v="${attr(sort)}"`
        return `<td${cellClass(column)}${data}>${column.code ? `<code>${text}</code>` : text}</td>`
      })
      return `<tr>${cells.join('')}</tr>`
    })
    .join('\n')
  const footRows: string[] = []
  if (rest.length > 0 && options.remainder) {
    footRows.push(`<tr class="rest">${options.remainder(rest).map((text, i) => `<td${cellClass(columns[i])}>${escapeXml(text)}</td>`).join('')}</tr>`)
  }
  if (options.totals) {
    footRows.push(`<tr class="total">${options.totals.map((text, i) => `<td${cellClass(columns[i])}>${escapeXml(text)}</td>`).join('')}</tr>`)
  }
  const foot = footRows.length > 0 ? `\n<tfoot>${footRows.join('\n')}</tfoot>` : ''
  return [
    '<div class="table-wrap">',
    `<table class="sortable"><caption>${escapeXml(options.caption)}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>${foot}`,
    '</table>',
    '</div>',
  ].join('\n')
}
