/**
 * How a per-week figure says where it comes from: credits seen in the report window, scaled to 7 days. Every
 * medium (terminal, Markdown, HTML, Slack) prints the same words, e.g. "projected from the 7 days 2026-11-23..29".
 */
export interface ProjectionWindow {
  /** ISO 8601, inclusive. */
  start: string
  /** ISO 8601, exclusive. */
  end: string
  days: number
}

const DAY_MS = 86_400_000

/** `2026-11-23..29`, `2026-11-28..12-04`, `2026-12-30..2027-01-05`: the last day shown is the last one included. */
export function dayRange(window: ProjectionWindow): string {
  const first = new Date(Date.parse(window.start)).toISOString().slice(0, 10)
  const last = new Date(Date.parse(window.end) - DAY_MS).toISOString().slice(0, 10)
  if (first >= last) return first
  if (first.slice(0, 7) === last.slice(0, 7)) return `${first}..${last.slice(8)}`
  if (first.slice(0, 4) === last.slice(0, 4)) return `${first}..${last.slice(5)}`
  return `${first}..${last}`
}

export function projectionWording(window: ProjectionWindow): string {
  return window.days === 1 ? `projected from the day ${dayRange(window)}` : `projected from the ${window.days} days ${dayRange(window)}`
}
