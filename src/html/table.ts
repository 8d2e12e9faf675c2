import {escapeXml} from '../charts/escape.js'

/** One column of a report table: how a row reads in it and, for numbers, the exact value it sorts by. */
export interface Column<T> {
  heading: string
  text: (row: T) => string
  numeric?: boolean
  /** Exact value for click-to-sort; display text is rounded and formatted, so it cannot be sorted on. */
  sort?: (row: T) => number
  /** Render the cell as code (concrete config changes). */
  code?: boolean
}

function sortAttribute(value: number): string {
  return Number.isFinite(value) ? ` data-sort="${value}"` : ''
}

/**
 * The Organization column of a job table, only when the report covers several organizations: two organizations
 * of one plan can have a job of the same project, workflow and name, and without it their rows read the same.
 */
export function orgColumn<T extends {org?: string | null}>(orgs: number): Column<T>[] {
  return orgs > 1 ? [{heading: 'Organization', text: (row) => row.org ?? '–'}] : []
}

/**
 * A table inside a horizontally scrolling wrapper (wide tables must not break the page on a phone). Every cell
 * is escaped; headers are plain <th> with scope so screen readers announce them, and the sort script (when it runs)
 * puts each header's text in a button.
 */
export function renderTable<T>(columns: Column<T>[], rows: T[], caption: string): string {
  const head = columns
    .map((column) => `<th scope="col"${column.numeric ? ' class="num"' : ''}>${escapeXml(column.heading)}</th>`)
    .join('')
  const body = rows
    .map((row) => {
      const cells = columns.map((column, index) => {
        const text = escapeXml(column.text(row))
        const content = column.code ? `<code>${text}</code>` : text
        const tag = index === 0 ? 'th scope="row"' : 'td'
        const close = index === 0 ? 'th' : 'td'
        const classes = [column.numeric ? 'num' : '', index === 0 || !column.numeric ? 'name' : '', column.code ? 'change' : ''].filter(Boolean).join(' ')
        const sort = column.sort ? sortAttribute(column.sort(row)) : ''
        return `<${tag}${classes ? ` class="${classes}"` : ''}${sort}>${content}</${close}>`
      })
      return `<tr>${cells.join('')}</tr>`
    })
    .join('\n')
  return [
    '<div class="table-wrap">',
    '<table class="sortable">',
    `<caption>${escapeXml(caption)}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    '</table>',
    '</div>',
  ].join('\n')
}
