import {SUMMARY_SCHEMA_VERSION, type Bucket, type Comparison, type CreditTotals, type DayBucket, type DayProjectPoint, type ProjectChange, type Summary, type Window} from './summary.js'
import type {CreditColumnSums, Group, GroupingSetName, Measures} from './aggregate.js'
import type {BranchKeyText, BranchTop} from './branch-top.js'
import {addDays} from './scope.js'
import type {TeamMatcher} from './teams.js'
import {divideRounded, dollarsInCents} from '../core/exact-money.js'

/**
 * Pure: turns the breakdown groups of the current (and previous) window into the Summary and the full
 * breakdown tables behind the by-<dim>.csv files. Credits stay bigint micro-credits until the very end, so
 * totals, shares and "other" rows add up exactly.
 */
export type GroupsBySet = Partial<Record<GroupingSetName, Group[]>>

/** A breakdown row of the CSV files: a Bucket whose average run time is always computed. */
export interface BreakdownRow extends Bucket {
  avgJobMinutes: number | null
}

export const CSV_DIMENSIONS = ['org', 'project', 'workflow', 'job', 'branch', 'resource-class', 'executor', 'day', 'team'] as const
export type CsvDimension = (typeof CSV_DIMENSIONS)[number]

export interface SummaryInputs {
  generatedAt: Date
  toolVersion: string
  /** Base names of the input files. */
  files: string[]
  inputRows: number
  window: Window
  filters: Summary['filters']
  creditPrice: number | null
  top: number
  current: GroupsBySet
  /** Set when comparing: groups of the previous window (project, day and total sets). */
  previous: {window: Window; groups: GroupsBySet} | null
  teams: TeamMatcher | null
  /**
   * The branch breakdown's candidates for the top and the sums of all its entries (branch-top.ts): the Summary's
   * branch buckets come from these; `current.branch`, when also given, is read for the branch table only.
   */
  branchTop?: BranchTop
}

export interface BuiltSummary {
  summary: Summary
  /** Every row of every breakdown, largest first (the CSV files); the Summary keeps the top N + "other". */
  tables: Record<CsvDimension, BreakdownRow[] | null>
}

import {OTHER_KEY} from './summary.js'

export {OTHER_KEY}
export const NONE_LABEL = '(none)'
export const NO_JOB_LABEL = '(no job)'

interface Accumulator {
  key: string
  dims: Record<string, string | null>
  credits: bigint
  rows: number
  jobs: number
  runMs: number
  runSecondsCount: number
  failedCredits: bigint
  failedJobs: number
  failedRows: number
  failedRunMs: number
  /** Set on the "other" roll-up: how many entries it adds up. */
  members?: number
}

const MICRO = 1_000_000n

// Exact micro-credits from a Summary figure; core owns it (exact-money prices such figures too).
export {numberToCredits} from '../core/exact-money.js'

/** Exact decimal of micro-credits as the nearest double (e.g. 532406000000n -> 532406). */
export function creditsToNumber(micro: bigint): number {
  const negative = micro < 0n
  const magnitude = negative ? -micro : micro
  const fraction = (magnitude % MICRO).toString().padStart(6, '0').replace(/0+$/, '')
  return Number(`${negative ? '-' : ''}${magnitude / MICRO}${fraction ? `.${fraction}` : ''}`)
}

/** part / whole of micro-credits as a 0..1 share (0 when the whole is 0), exact to nine decimals. */
export function ratio(part: bigint, whole: bigint): number {
  if (whole === 0n) return 0
  // Six significant decimals of a share are plenty; keep the division in integers to avoid overflow.
  return Number((part * 1_000_000_000n) / whole) / 1_000_000_000
}

/**
 * ms / count in minutes, rounded half up to two places, the exact quotient taken in integers (run times are whole
 * milliseconds: runMsSql): through floats 4,761 s over 2 runs (39.675 minutes) read 39.67.
 */
export function averageMinutes(ms: number, count: number): number {
  // Past 2^53 ms (a malformed cell such as 1e300) the milliseconds are not exact anyway.
  if (!Number.isSafeInteger(ms)) return round(ms / count / 60_000, 2)
  return Number(divideRounded(BigInt(ms) * 100n, BigInt(count) * 60_000n)) / 100
}

/** Whole milliseconds in minutes, rounded half up to two places as averageMinutes rounds. */
export function minutesOf(ms: number): number {
  return averageMinutes(ms, 1)
}

/** `value` rounded (as Math.round does) to `decimals` places: for display and JSON only, never for sums. */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals
  return Math.round(value * factor) / factor
}

function emptyAccumulator(key: string, dims: Record<string, string | null>): Accumulator {
  return {key, dims, credits: 0n, rows: 0, jobs: 0, runMs: 0, runSecondsCount: 0, failedCredits: 0n, failedJobs: 0, failedRows: 0, failedRunMs: 0}
}

function subtract(target: Accumulator, source: Accumulator): void {
  target.credits -= source.credits
  target.rows -= source.rows
  target.jobs -= source.jobs
  target.runMs -= source.runMs
  target.runSecondsCount -= source.runSecondsCount
  target.failedCredits -= source.failedCredits
  target.failedJobs -= source.failedJobs
  target.failedRows -= source.failedRows
  target.failedRunMs -= source.failedRunMs
}

function add(target: Accumulator, source: Measures | Accumulator): void {
  target.credits += source.credits
  target.rows += source.rows
  target.jobs += source.jobs
  target.runMs += source.runMs
  target.runSecondsCount += source.runSecondsCount
  target.failedCredits += source.failedCredits
  target.failedJobs += source.failedJobs
  target.failedRows += source.failedRows
  target.failedRunMs += source.failedRunMs
}

/** Groups by key (several groups may share one, e.g. projects of one team), largest credits first. */
function accumulate(groups: Group[], keyOf: (group: Group) => string, dimsOf: (group: Group) => Record<string, string | null>): Accumulator[] {
  const byKey = new Map<string, Accumulator>()
  for (const group of groups) {
    const key = keyOf(group)
    let accumulator = byKey.get(key)
    if (!accumulator) {
      accumulator = emptyAccumulator(key, dimsOf(group))
      byKey.set(key, accumulator)
    }
    add(accumulator, group)
  }
  return sortAccumulators([...byKey.values()], (accumulator) => accumulator.credits)
}

/** A part of a joined key: a name from the data, or the label standing for a missing one. */
interface KeyPart {
  text: string
  missing: boolean
}

function keyPart(value: string | null | undefined, fallback = NONE_LABEL): KeyPart {
  return value === null || value === undefined ? {text: fallback, missing: true} : {text: value, missing: false}
}

/**
 * Like accumulate, for breakdowns whose key joins several names ("project / workflow / job"): entries are told
 * apart by their dimensions, not by the joined text, since names can hold the separator (workflow "b" with job
 * "c / d" and workflow "b / c" with job "d" both read "p / b / c / d") or read like a label ("(none)"). Joined
 * alike, the two were one entry: one job's credits under the other's name and the other missing from by-job.csv.
 * Keys stay unique: the entries whose joined text is shared, or that have a name holding a `"`, quote their names
 * ("p" / "b / c" / "d"; a missing name's label stays bare). A plain key then holds no `"` and a quoted one does, and
 * JSON quoting reads back one way only; quoting shared keys alone let `(none) / "b" / "c / d"`, a plain key of
 * quoted names, equal the quoted key of names b and c / d.
 */
function accumulateJoined(
  groups: Group[],
  partsOf: (group: Group) => KeyPart[],
  separator: string,
  dimsOf: (group: Group) => Record<string, string | null>,
  /** How many entries share the plain text of `group`'s, when `groups` are only some of the entries (branch-top.ts). */
  sameTextOf?: (group: Group) => number,
): Accumulator[] {
  const byDims = new Map<string, {parts: KeyPart[]; accumulator: Accumulator; first: Group}>()
  for (const group of groups) {
    const dims = dimsOf(group)
    const identity = JSON.stringify(dims)
    let entry = byDims.get(identity)
    if (!entry) {
      entry = {parts: partsOf(group), accumulator: emptyAccumulator('', dims), first: group}
      byDims.set(identity, entry)
    }
    add(entry.accumulator, group)
  }
  const plain = (parts: KeyPart[]) => parts.map((part) => part.text).join(separator)
  const uses = new Map<string, number>()
  if (!sameTextOf) for (const {parts} of byDims.values()) uses.set(plain(parts), (uses.get(plain(parts)) ?? 0) + 1)
  for (const {parts, accumulator, first} of byDims.values()) {
    const text = plain(parts)
    const sharing = sameTextOf ? sameTextOf(first) : (uses.get(text) ?? 0)
    const quoted = sharing > 1 || parts.some((part) => !part.missing && part.text.includes('"'))
    accumulator.key = quoted ? parts.map((part) => (part.missing ? part.text : JSON.stringify(part.text))).join(separator) : text
  }
  return sortAccumulators([...byDims.values()].map(({accumulator}) => accumulator), (accumulator) => accumulator.credits)
}

function sortAccumulators(list: Accumulator[], measure: (accumulator: Accumulator) => bigint): Accumulator[] {
  return list.sort((a, b) => {
    const difference = measure(b) - measure(a)
    if (difference !== 0n) return difference > 0n ? 1 : -1
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
  })
}

/** The first `top` entries and, when more remain, one "other" entry holding exactly their sum. */
function topWithOther(list: Accumulator[], top: number): Accumulator[] {
  if (list.length <= top) return list
  const other = emptyAccumulator(OTHER_KEY, Object.fromEntries(Object.keys(list[0].dims).map((name) => [name, null])))
  for (const accumulator of list.slice(top)) add(other, accumulator)
  other.members = list.length - top
  return [...list.slice(0, top), other]
}

/**
 * topWithOther of entries known by their candidates for the top (sorted, as accumulate sorts) and the sums of all
 * `count` of them: "other" is the sums of all less those of the first `top`, exact in micro-credits and counts.
 */
function topWithOtherOfAll(candidates: Accumulator[], top: number, all: Measures, count: number): Accumulator[] {
  if (count <= top) return candidates
  const first = candidates.slice(0, top)
  const other = emptyAccumulator(OTHER_KEY, Object.fromEntries(Object.keys(candidates[0].dims).map((name) => [name, null])))
  add(other, all)
  for (const accumulator of first) subtract(other, accumulator)
  other.members = count - top
  return [...first, other]
}

function toRow(accumulator: Accumulator, total: bigint, price: number | null): BreakdownRow {
  const credits = creditsToNumber(accumulator.credits)
  return {
    key: accumulator.key,
    dims: accumulator.dims,
    credits,
    share: ratio(accumulator.credits, total),
    jobs: accumulator.jobs,
    rows: accumulator.rows,
    computeMinutes: minutesOf(accumulator.runMs),
    failedCredits: creditsToNumber(accumulator.failedCredits),
    failedJobs: accumulator.failedJobs,
    dollars: price === null ? null : dollarsInCents(accumulator.credits, price),
    avgJobMinutes: accumulator.runSecondsCount === 0 ? null : averageMinutes(accumulator.runMs, accumulator.runSecondsCount),
    ...(accumulator.members === undefined ? {} : {members: accumulator.members}),
  }
}


function label(value: string | null | undefined, fallback = NONE_LABEL): string {
  return value ?? fallback
}

/**
 * Project keys: the project name, or org/name when two orgs have a project of that name among `projects` (what
 * the caller shows, so that a clash elsewhere does not rename a project here).
 */
export function projectKeys(
  projects: Iterable<{org?: string | null; project?: string | null}>,
): (org: string | null | undefined, project: string | null | undefined) => string {
  const orgsByName = new Map<string, Set<string>>()
  for (const {org, project} of projects) {
    const name = label(project)
    orgsByName.set(name, (orgsByName.get(name) ?? new Set()).add(label(org)))
  }
  return (org, project) => {
    const name = label(project)
    return (orgsByName.get(name)?.size ?? 0) > 1 ? qualifiedProjectKey(org, project) : name
  }
}

/** "org/project": the key of a project whose name another organization has too (budgets may name it so). */
export function qualifiedProjectKey(org: string | null | undefined, project: string | null | undefined): string {
  return `${label(org)}/${label(project)}`
}

/** projectKeys over the project and day-by-project groups of the given windows. */
function projectKeyFunction(groupSets: GroupsBySet[]): ReturnType<typeof projectKeys> {
  return projectKeys(groupSets.flatMap((sets) => [...(sets.project ?? []), ...(sets.dayProject ?? [])].map((group) => group.dims)))
}

const BRANCH_SEPARATOR = ' @ '

/** How buildSummary writes a branch entry's key, for branch-top.ts to find shared keys among all the entries. */
export function branchKeyText(inputs: Pick<SummaryInputs, 'current' | 'previous'>): BranchKeyText {
  return {project: summaryProjectKey(inputs), separator: BRANCH_SEPARATOR, missingBranch: keyPart(null).text}
}

/** The Summary's project keys: a name alone unless two organizations share it (current and previous window). */
function summaryProjectKey(inputs: Pick<SummaryInputs, 'current' | 'previous'>): ReturnType<typeof projectKeys> {
  return projectKeyFunction(inputs.previous ? [inputs.current, inputs.previous.groups] : [inputs.current])
}

function totalOf(groups: Group[] | undefined): Group | undefined {
  return groups?.[0]
}

function sumCreditColumns(group: Group | undefined): CreditTotals {
  const zero: CreditColumnSums = {compute: 0n, dlc: 0n, user: 0n, storage: 0n, network: 0n, lease: 0n, leaseOverage: 0n, ipranges: 0n, other: 0n, total: 0n}
  const sums = group?.creditColumns ?? zero
  return {
    compute: creditsToNumber(sums.compute),
    dlc: creditsToNumber(sums.dlc),
    user: creditsToNumber(sums.user),
    storage: creditsToNumber(sums.storage),
    network: creditsToNumber(sums.network),
    lease: creditsToNumber(sums.lease),
    leaseOverage: creditsToNumber(sums.leaseOverage),
    ipranges: creditsToNumber(sums.ipranges),
    other: creditsToNumber(sums.other),
    total: creditsToNumber(sums.total),
  }
}

function windowDays(window: Window): string[] {
  const days: string[] = []
  const start = window.start.slice(0, 10)
  for (let index = 0; index < window.days; index++) days.push(addDays(start, index))
  return days
}

function dayBuckets(groups: Group[] | undefined, window: Window): DayBucket[] {
  const byDay = new Map<string, {credits: bigint; jobs: number}>()
  for (const group of groups ?? []) {
    if (group.dims.day) byDay.set(group.dims.day, {credits: group.credits, jobs: group.jobs})
  }
  return windowDays(window).map((day) => ({day, credits: creditsToNumber(byDay.get(day)?.credits ?? 0n), jobs: byDay.get(day)?.jobs ?? 0}))
}

/**
 * The day table in date order with every day of the window, a day without rows as zeros (as breakdowns.day has
 * it): a spreadsheet charting by-day.csv would otherwise draw straight over a quiet day. "(none)", the undated
 * rows, sorts first.
 */
function withEmptyDays(list: Accumulator[], window: Window): Accumulator[] {
  const present = new Set(list.map((accumulator) => accumulator.key))
  const empty = windowDays(window)
    .filter((day) => !present.has(day))
    .map((day) => emptyAccumulator(day, {day}))
  return [...list, ...empty].sort((a, b) => (a.key < b.key ? -1 : 1))
}

export function buildSummary(inputs: SummaryInputs): BuiltSummary {
  const {current, creditPrice: price, top, branchTop} = inputs
  const projectKey = summaryProjectKey(inputs)
  const total = totalOf(current.total)
  const totalCredits = total?.credits ?? 0n

  const projectDims = (group: Group) => ({org: group.dims.org ?? null, project: group.dims.project ?? null})
  const projectPart = (group: Group): KeyPart => ({text: projectKey(group.dims.org, group.dims.project), missing: (group.dims.project ?? null) === null})
  const branchList = (groups: Group[], sameTextOf?: (group: Group) => number) =>
    accumulateJoined(groups, (group) => [projectPart(group), keyPart(group.dims.branch)], BRANCH_SEPARATOR, (group) => ({...projectDims(group), branch: group.dims.branch ?? null}), sameTextOf)
  // by-branch.csv reads every entry; the Summary's branch buckets come from branchTop whenever it is given, with or
  // without the table, so that summary.json is one computation whatever --group-by asks for.
  const branchTable = current.branch ? branchList(current.branch) : null
  const lists: Record<Exclude<CsvDimension, 'team'>, Accumulator[]> = {
    org: accumulate(current.org ?? [], (group) => label(group.dims.org), (group) => ({org: group.dims.org ?? null})),
    project: accumulate(current.project ?? [], (group) => projectKey(group.dims.org, group.dims.project), projectDims),
    workflow: accumulateJoined(
      current.workflow ?? [],
      (group) => [projectPart(group), keyPart(group.dims.workflow)],
      ' / ',
      (group) => ({...projectDims(group), workflow: group.dims.workflow ?? null}),
    ),
    job: accumulateJoined(
      current.job ?? [],
      (group) => [projectPart(group), keyPart(group.dims.workflow), keyPart(group.dims.job, NO_JOB_LABEL)],
      ' / ',
      (group) => ({...projectDims(group), workflow: group.dims.workflow ?? null, job: group.dims.job ?? null}),
    ),
    branch: branchTop ? branchList(branchTop.candidates, (group) => branchTop.sameText.get(group) ?? 1) : (branchTable ?? []),
    'resource-class': accumulate(current.resourceClass ?? [], (group) => label(group.dims.resource_class), (group) => ({resourceClass: group.dims.resource_class ?? null})),
    executor: accumulate(current.executor ?? [], (group) => label(group.dims.executor), (group) => ({executor: group.dims.executor ?? null})),
    day: accumulate(current.day ?? [], (group) => label(group.dims.day), (group) => ({day: group.dims.day ?? null})),
  }
  const teamMatcher = inputs.teams
  const teamList = teamMatcher
    ? accumulate(current.project ?? [], (group) => teamMatcher(label(group.dims.project)), (group) => ({team: teamMatcher(label(group.dims.project))}))
    : null

  const rowsOf = (list: Accumulator[]) => list.map((accumulator) => toRow(accumulator, totalCredits, price))
  // The Summary's buckets are the CSV rows (avg_job_minutes included), so `--format csv` and by-<dim>.csv agree.
  const bucketsOf = (list: Accumulator[]) => topWithOther(list, top).map((accumulator) => toRow(accumulator, totalCredits, price))

  const topProjects = new Set(lists.project.slice(0, top).map((accumulator) => accumulator.key))
  const failedProjects = sortAccumulators(
    lists.project.filter((accumulator) => accumulator.failedRows > 0).map((accumulator) => failedOnly(accumulator)),
    (accumulator) => accumulator.credits,
  )
  const failedJobs = sortAccumulators(
    lists.job.filter((accumulator) => accumulator.failedRows > 0).map((accumulator) => failedOnly(accumulator)),
    (accumulator) => accumulator.credits,
  )
  const failedTotal = total?.failedCredits ?? 0n
  const statuses = current.status ?? []
  const canceled = statuses.filter((group) => group.dims.status === 'canceled')
  const projects = lists.project.length

  const summary: Summary = {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    generatedAt: inputs.generatedAt.toISOString(),
    tool: {name: 'cci-usage', version: inputs.toolVersion},
    input: {files: inputs.files, rows: inputs.inputRows},
    window: inputs.window,
    filters: inputs.filters,
    creditPrice: price,
    totals: {
      credits: sumCreditColumns(total),
      dollars: price === null ? null : dollarsInCents(totalCredits, price),
      rows: total?.rows ?? 0,
      jobs: total?.jobs ?? 0,
      joblessRows: (total?.rows ?? 0) - (total?.jobs ?? 0),
      computeMinutes: minutesOf(total?.runMs ?? 0),
      orgs: lists.org.filter((accumulator) => accumulator.dims.org !== null).length,
      projects,
      // From the exact micro-credits, as creditsPerRun: through a double, 1.000001 over 2 projects (0.5000005) read 0.5.
      averagePerProject: projects === 0 ? 0 : creditsToNumber(divideRounded(totalCredits, BigInt(projects))),
    },
    breakdowns: {
      org: bucketsOf(lists.org),
      project: bucketsOf(lists.project),
      workflow: bucketsOf(lists.workflow),
      job: bucketsOf(lists.job),
      branch: branchTop
        ? topWithOtherOfAll(lists.branch, top, branchTop.all, branchTop.count).map((accumulator) => toRow(accumulator, totalCredits, price))
        : bucketsOf(lists.branch),
      resourceClass: bucketsOf(lists['resource-class']),
      executor: bucketsOf(lists.executor),
      day: dayBuckets(current.day, inputs.window),
      team: teamList ? bucketsOf(teamList) : null,
    },
    dayByProject: dayByProject(current.dayProject ?? [], inputs.window, topProjects, projectKey),
    failed: {
      credits: creditsToNumber(failedTotal),
      jobs: total?.failedJobs ?? 0,
      byProject: topWithOther(failedProjects, top).map((accumulator) => toRow(accumulator, failedTotal, price)),
      byJob: topWithOther(failedJobs, top).map((accumulator) => toRow(accumulator, failedTotal, price)),
    },
    canceled: {
      credits: creditsToNumber(canceled.reduce((sum, group) => sum + group.credits, 0n)),
      jobs: canceled.reduce((sum, group) => sum + group.jobs, 0),
    },
    jobStatuses: accumulate(statuses, (group) => label(group.dims.status), () => ({})).map((accumulator) => ({
      status: accumulator.key,
      jobs: accumulator.jobs,
      credits: creditsToNumber(accumulator.credits),
      rows: accumulator.rows,
    })),
    comparison: inputs.previous ? compare(inputs, lists.project, projectKey) : null,
    savings: null,
    artifacts: [],
    sharedPlan: null,
    teams: null,
    trend: null,
    forecast: null,
    budgets: null,
    anomalies: null,
  }
  const tables: BuiltSummary['tables'] = {
    org: rowsOf(lists.org),
    project: rowsOf(lists.project),
    workflow: rowsOf(lists.workflow),
    job: rowsOf(lists.job),
    branch: branchTop ? (branchTable ? rowsOf(branchTable) : null) : rowsOf(lists.branch),
    'resource-class': rowsOf(lists['resource-class']),
    executor: rowsOf(lists.executor),
    day: rowsOf(withEmptyDays(lists.day, inputs.window)),
    team: teamList ? rowsOf(teamList) : null,
  }
  return {summary, tables}
}

/** The failed part of a breakdown entry, as an entry of its own (credits = failed credits). */
function failedOnly(accumulator: Accumulator): Accumulator {
  return {
    ...accumulator,
    credits: accumulator.failedCredits,
    jobs: accumulator.failedJobs,
    rows: accumulator.failedRows,
    runMs: accumulator.failedRunMs,
    // Averages are not shown for failed-only entries.
    runSecondsCount: 0,
  }
}

function dayByProject(groups: Group[], window: Window, topProjects: Set<string>, projectKey: ReturnType<typeof projectKeyFunction>): DayProjectPoint[] {
  const credits = new Map<string, bigint>()
  let hasOther = false
  for (const group of groups) {
    if (!group.dims.day) continue
    let project = projectKey(group.dims.org, group.dims.project)
    if (!topProjects.has(project)) {
      project = OTHER_KEY
      hasOther = true
    }
    const key = `${group.dims.day}\u0000${project}`
    credits.set(key, (credits.get(key) ?? 0n) + group.credits)
  }
  const projects = [...topProjects, ...(hasOther ? [OTHER_KEY] : [])]
  return windowDays(window).flatMap((day) =>
    projects.map((project) => ({day, project, credits: creditsToNumber(credits.get(`${day}\u0000${project}`) ?? 0n)})),
  )
}

/**
 * The change as a percent of the previous figure's size (a previous window that nets negative, a refund larger
 * than the spend, divided by itself turned a rise into a minus: "▲ -150.0% (+150)"), to six decimals, half away
 * from zero, in integers. Not rounded for display: the media print one decimal, and rounding to two here first
 * made 31.7475 read +31.8 % (through 31.75) where it is +31.7 %.
 */
function percentChange(current: bigint, previous: bigint): number | null {
  if (previous === 0n) return null
  // creditsToNumber reads six decimals exactly, whatever they count.
  return creditsToNumber(divideRounded((current - previous) * 100n * MICRO, previous < 0n ? -previous : previous))
}

function compare(inputs: SummaryInputs, currentProjects: Accumulator[], projectKey: ReturnType<typeof projectKeyFunction>): Comparison {
  const previous = inputs.previous as NonNullable<SummaryInputs['previous']>
  const previousTotal = totalOf(previous.groups.total)
  const currentTotal = totalOf(inputs.current.total)
  const previousProjects = accumulate(
    previous.groups.project ?? [],
    (group) => projectKey(group.dims.org, group.dims.project),
    (group) => ({org: group.dims.org ?? null, project: group.dims.project ?? null}),
  )
  const before = new Map(previousProjects.map((accumulator) => [accumulator.key, accumulator.credits]))
  const now = new Map(currentProjects.map((accumulator) => [accumulator.key, accumulator.credits]))
  const keys = [...new Set([...now.keys(), ...before.keys()])]
  const changes = keys
    .map((project) => {
      const currentCredits = now.get(project) ?? 0n
      const previousCredits = before.get(project) ?? 0n
      return {project, currentCredits, previousCredits, difference: currentCredits - previousCredits}
    })
    .sort((a, b) => {
      const magnitude = (value: bigint) => (value < 0n ? -value : value)
      const difference = magnitude(b.difference) - magnitude(a.difference)
      if (difference !== 0n) return difference > 0n ? 1 : -1
      return a.project < b.project ? -1 : 1
    })
  const projects: ProjectChange[] = changes.map((change) => ({
    project: change.project,
    current: creditsToNumber(change.currentCredits),
    previous: creditsToNumber(change.previousCredits),
    change: creditsToNumber(change.difference),
    pct: percentChange(change.currentCredits, change.previousCredits),
  }))
  const currentCredits = currentTotal?.credits ?? 0n
  const previousCredits = previousTotal?.credits ?? 0n
  return {
    previousWindow: previous.window,
    previous: {
      credits: creditsToNumber(previousCredits),
      jobs: previousTotal?.jobs ?? 0,
      failedCredits: creditsToNumber(previousTotal?.failedCredits ?? 0n),
      rows: previousTotal?.rows ?? 0,
    },
    change: {
      credits: creditsToNumber(currentCredits - previousCredits),
      pct: percentChange(currentCredits, previousCredits),
      jobs: (currentTotal?.jobs ?? 0) - (previousTotal?.jobs ?? 0),
      failedCredits: creditsToNumber((currentTotal?.failedCredits ?? 0n) - (previousTotal?.failedCredits ?? 0n)),
    },
    projects,
    appeared: keys.filter((key) => now.has(key) && !before.has(key)).sort(),
    vanished: keys.filter((key) => before.has(key) && !now.has(key)).sort(),
    movers: projects.filter((change) => change.change !== 0).slice(0, 5),
    previousByDay: dayBuckets(previous.groups.day, previous.window),
    previousEmpty: (previousTotal?.rows ?? 0) === 0,
  }
}
