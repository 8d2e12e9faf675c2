/** Generated export parts in every shape the merge must survive, for the merge and scan tests. Test code only. */
import {seededRandom} from '../../src/simulator/random.js'

export interface PartText {
  text: string | Buffer
  window: number
  gzip?: boolean
}

export const BOUNDARY = ['2024-11-30', '2024-12-01', '2024-12-02']

/**
 * Several windows of several parts in the shapes a merge must survive: a BOM, header names in other case and
 * with spaces, CRLF and mixed line ends, blank lines, RFC 4180 quoting with commas, doubled quotes and line
 * breaks (LF and CRLF) inside fields, null JOB_IDs and days, days with a time, rows repeated across a window
 * boundary (sometimes with other line ends), repeats within one window and on non-boundary days (both kept),
 * UTF-8 beyond ASCII, header-only parts and a last line without terminator.
 */
export function generatedExport(seed: number, options: {runDate?: boolean; rowsPerPart?: number; exactRows?: boolean} = {}): PartText[] {
  const random = seededRandom('generated-parts', seed).next
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]
  const runDate = options.runDate ?? true
  const names = runDate ? ['JOB_ID', 'JOB_RUN_DATE', 'PROJECT_NAME', 'TOTAL_CREDITS'] : ['JOB_ID', 'PROJECT_NAME', 'TOTAL_CREDITS']
  const windows = 2 + Math.floor(random() * 2)
  const rowsPerPart = options.rowsPerPart ?? 25
  const earlier: string[][] = []
  const parts: PartText[] = []
  let next = 0
  for (let window = 0; window < windows; window++) {
    const partCount = 1 + Math.floor(random() * 3)
    for (let p = 0; p < partCount; p++) {
      const crlf = random() < 0.3
      const end = () => (crlf || random() < 0.05 ? '\r\n' : '\n')
      let header = names.map((name) => (random() < 0.2 ? ` ${name.toLowerCase()} ` : name)).join(',')
      if (random() < 0.2) header = `\uFEFF${header}`
      let text = random() < 0.1 ? end() : ''
      text += header + end()
      const rows = options.exactRows ? rowsPerPart : random() < 0.1 ? 0 : Math.floor(random() * rowsPerPart)
      for (let r = 0; r < rows; r++) {
        if (random() < 0.05) {
          text += end()
          continue
        }
        let fields: string[]
        const roll = random()
        if (roll < 0.2 && earlier.length > 0) {
          // A row an earlier part already has (boundary overlap, or a repeat that must be kept).
          fields = [...pick(earlier)]
        } else {
          const day = roll < 0.5 ? pick(BOUNDARY) : pick(['2024-11-10', '2024-11-20', '2024-12-15', '\\N', '', '2024-12-01 10:00:00'])
          const jobId = random() < 0.08 ? pick(['', '\\N', '\\\\N']) : random() < 0.1 ? `"job-${next++}"` : `job-${next++}`
          const project = pick(['web', '"web, api"', '"say ""hi"""', '"two\nlines"', '"crlf\r\ninside"', 'café', 'ünïcode-😀', '\\\\N'])
          fields = runDate ? [jobId, day, project, String(Math.floor(random() * 100))] : [jobId, project, String(Math.floor(random() * 100))]
        }
        earlier.push(fields)
        text += fields.join(',')
        if (r < rows - 1 || random() < 0.8) text += end()
      }
      if (!text.endsWith('\n') && random() < 0.5) text += end()
      parts.push({text, window, gzip: random() < 0.8})
    }
  }
  return parts
}
