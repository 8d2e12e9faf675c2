/** The Usage API's rules for an export window, checked against the simulator's clock. */

export type ExportWindow =
  | {ok: true; start: string; end: string; startMs: number; endMs: number; sharedOrgIds: string[]}
  | {ok: false; message: string}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i
const DAY_MS = 86_400_000
export const MAX_SPAN_MS = 31 * DAY_MS
export const MAX_LOOKBACK_MS = 366 * DAY_MS

export function validateExportWindow(body: unknown, now: Date): ExportWindow {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {ok: false, message: 'Request body must be a JSON object with start and end.'}
  }
  const {start, end, shared_org_ids: shared} = body as Record<string, unknown>
  const startMs = parseRfc3339(start)
  const endMs = parseRfc3339(end)
  if (start === undefined || end === undefined) return {ok: false, message: 'start and end are required.'}
  if (startMs === undefined) return {ok: false, message: 'start must be an RFC 3339 date-time.'}
  if (endMs === undefined) return {ok: false, message: 'end must be an RFC 3339 date-time.'}
  if (endMs <= startMs) return {ok: false, message: 'end must be after start.'}
  if (endMs - startMs > MAX_SPAN_MS) return {ok: false, message: 'The date range must not exceed 31 days.'}
  if (startMs < now.getTime() - MAX_LOOKBACK_MS) return {ok: false, message: 'start must be within the last 366 days.'}
  if (startMs > now.getTime() || endMs > now.getTime()) return {ok: false, message: 'start and end must not be in the future.'}
  if (shared !== undefined && !(Array.isArray(shared) && shared.every((id) => typeof id === 'string'))) {
    return {ok: false, message: 'shared_org_ids must be an array of organization ids.'}
  }
  return {ok: true, start: formatRfc3339(startMs), end: formatRfc3339(endMs), startMs, endMs, sharedOrgIds: shared ?? []}
}

function parseRfc3339(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

function formatRfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}
