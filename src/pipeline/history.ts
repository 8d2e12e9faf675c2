/**
 * The history's part of `run`, before the export: read the history (refusing one made for other organizations,
 * or a damaged one, before any POST is spent), and list the days it lacks or holds as not final, which the
 * export then fetches in the same run as the report window.
 */
import type {ExportTarget} from '../export/demo.js'
import type {DateRange} from '../export/windows.js'
import {shiftDay} from '../history/days.js'
import {historyRange, MAX_EXPORT_JOBS, planFetch, toDateRanges, withinJobBudget} from '../history/plan.js'
import {checkOrganizations, organizationSet, readHistory, verifyHistoryFiles} from '../history/store.js'

export interface HistoryExportPlan {
  /** The organizations the export covers (and the history is keyed by). */
  organizations: string[]
  /** The history's days to export with the report window. */
  extraRanges: DateRange[]
}

/**
 * The organizations an export covers: the org and its shared orgs, or the demo's organizations. With
 * --discover-shared-orgs these are only the start: historyOrganizations adds what the export found.
 */
async function exportOrganizations(api: ExportTarget, sharedOrgIds: string[]): Promise<string[]> {
  if (api === 'demo') {
    const {demoOrganizationIds} = await import('../simulator/demo-data.js')
    return organizationSet(demoOrganizationIds())
  }
  return organizationSet([api.orgId, ...sharedOrgIds])
}

export async function planHistoryExport(
  history: {dir: string; trendWeeks: number},
  run: {api: ExportTarget; sharedOrgIds: string[]; discoverSharedOrgs?: boolean; window: {since: string; until: string}; end: Date; exportRange: DateRange},
  context: {clock: () => Date; log: (line: string) => void},
): Promise<HistoryExportPlan> {
  const organizations = await exportOrganizations(run.api, run.sharedOrgIds)
  const manifest = await readHistory(history.dir)
  if (manifest) {
    checkOrganizations(manifest, organizations, history.dir, run.discoverSharedOrgs === true && run.api !== 'demo')
    await verifyHistoryFiles(history.dir, manifest)
  }
  const range = historyRange({start: run.window.since, end: shiftDay(run.window.until, 1)}, history.trendWeeks)
  const plan = planFetch(manifest?.days ?? {}, range, context.clock())
  const parts = [
    `${plan.missing.length} missing`,
    `${plan.provisional.length} not final`,
    ...(plan.unreachable.length > 0 ? [`${plan.unreachable.length} older than the API keeps`] : []),
  ]
  context.log(
    `History ${history.dir}: ${manifest ? 'found' : 'new'}; of ${range.start} .. ${run.window.until}, ${parts.join(', ')}${plan.ranges.length > 0 ? ': exported with the report window' : ''}.`,
  )
  const budgeted = withinJobBudget([run.exportRange], plan.ranges)
  if (budgeted.deferred.length > 0) {
    context.log(
      `History: ${budgeted.deferred.length} older day(s) (${budgeted.deferred[0]} .. ${budgeted.deferred.at(-1)}) wait for the next run: one run spends at most ${MAX_EXPORT_JOBS} export jobs (the API allows 10 an hour).`,
    )
  }
  // A report window reaching into today ends at "now": the history's ranges must not ask for the future either.
  const extraRanges = toDateRanges(budgeted.ranges)
    .map((range) => ({start: range.start, end: range.end.getTime() > run.end.getTime() ? run.end : range.end}))
    .filter((range) => range.end.getTime() > range.start.getTime())
  return {organizations, extraRanges}
}

/** The organizations the export really covered: the planned ones and those --discover-shared-orgs found. */
export function historyOrganizations(planned: readonly string[], sharedPlan: {orgs: readonly {id: string}[]} | null): string[] {
  return organizationSet([...planned, ...(sharedPlan?.orgs.map((org) => org.id) ?? [])])
}
