/**
 * The branch buckets of a report come from DuckDB's candidates for the top (branch-top.ts) unless by-branch.csv is
 * asked for, when every entry is read as before. Both must give the same Summary, whatever the names: joined keys
 * that read alike (quoted), a missing branch beside one named "(none)", a project two organizations share, quotes,
 * ties at the top's edge between names that sort differently in UTF-16 (JavaScript) and UTF-8 (DuckDB), and
 * zero and negative credits.
 */
import {describe, expect, it} from '@jest/globals'

import {buildReportSummary} from '../../src/analysis/index.js'
import {parseDefaultBranchRules} from '../../src/analysis/health/branches.js'
import {fullReportHooks} from '../../src/report/hooks.js'
import {exportCsv, job, tempDir, writeFixture, type Row} from './fixtures.js'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

const clock = () => new Date('2024-11-20T00:00:00Z')

function entry(org: string, project: string | null, branch: string | null, credits: number, id: number): Row {
  return job({
    ORGANIZATION_NAME: org,
    // undefined is written as the export's null.
    PROJECT_NAME: project ?? undefined,
    VCS_BRANCH: branch ?? undefined,
    JOB_ID: `job-${id}`,
    JOB_BUILD_STATUS: id % 4 === 0 ? 'failed' : 'success',
    JOB_RUN_SECONDS: 60 + (id % 7),
    TOTAL_CREDITS: credits,
    COMPUTE_CREDITS: credits,
  })
}

/** Names chosen to collide once joined, tie at the edge of any --top, and sort unlike in UTF-8. */
function hostileRows(): Row[] {
  const rows: Row[] = []
  let id = 0
  const add = (org: string, project: string | null, branch: string | null, credits: number, times = 1) => {
    for (let index = 0; index < times; index++) rows.push(entry(org, project, branch, credits, ++id))
  }
  add('acme', 'a @ b', 'c', 7)
  add('acme', 'a', 'b @ c', 7)
  add('acme', 'api', null, 7)
  add('acme', 'api', '(none)', 7)
  add('acme', 'api', 'main', 30, 3)
  add('globex', 'api', 'main', 12)
  // say "hi", as the export's CSV quotes it.
  add('globex', 'api', '"say ""hi"""', 7)
  add('acme', null, 'main', 5)
  add('acme', 'web', '\u{1F600}', 7)
  add('acme', 'web', '\uFF5E', 7)
  add('acme', 'web', 'master', 2.5)
  add('acme', 'web', 'feature/zero', 0)
  add('acme', 'web', 'refund', -3)
  for (let index = 0; index < 40; index++) add('acme', `svc-${index % 5}`, `pr/${index}`, (index % 6) + 0.000001 * (index % 3))
  return rows
}

const without = (summary: object) => JSON.parse(JSON.stringify(summary, (key, value) => (key === 'generatedAt' ? undefined : value)))

async function summaries(file: string, top: number, extra: {teamsFile?: string} = {}) {
  const lean = await buildReportSummary({inputs: [file], top, ...extra}, clock)
  const whole = await buildReportSummary({inputs: [file], top, branchTable: true, ...extra}, clock)
  return {lean, whole, leanJson: without(lean.summary), wholeJson: without(whole.summary)}
}

describe('the branch buckets from the top candidates', () => {
  const dir = tempDir()
  const file = writeFixture(dir, 'usage.csv', exportCsv(hostileRows()))

  it.each([1, 2, 3, 4, 5, 7, 9, 12, 30, 100])('equal those from every entry, --top %i', async (top) => {
    const {lean, whole, leanJson, wholeJson} = await summaries(file, top)
    expect(leanJson).toEqual(wholeJson)
    expect(lean.tables.branch).toBeNull()
    expect(whole.tables.branch?.length).toBe(53)
    // Quoted keys, the other roll-up and a tie at the edge really are in play.
    const keys = whole.tables.branch!.map((row) => row.key)
    expect(keys.slice(0, 9)).toEqual([
      'acme/api @ main',
      'globex/api @ main',
      // Seven entries of 7 credits: the edge of --top 3 to 9 cuts through them, ordered by key as JavaScript
      // compares (UTF-16: the emoji's surrogate before U+FF5E, which UTF-8 orders the other way).
      '"a @ b" @ "c"',
      '"a" @ "b @ c"',
      '"acme/api" @ "(none)"',
      '"acme/api" @ (none)',
      '"globex/api" @ "say \\"hi\\""',
      'web @ \u{1F600}',
      'web @ \uFF5E',
    ])
    expect(keys.slice(-2)).toEqual(['web @ feature/zero', 'web @ refund'])
    // Both Summaries take their buckets from the candidates; the table is every entry, keyed over all of them.
    const buckets = leanJson.breakdowns.branch
    const rows = JSON.parse(JSON.stringify(whole.tables.branch))
    expect(buckets.slice(0, top)).toEqual(rows.slice(0, top))
    if (rows.length > top) {
      const rest = rows.slice(top)
      const sum = (pick: (row: {credits: number; jobs: number; rows: number}) => number) => rest.reduce((total: number, row: never) => total + pick(row), 0)
      expect(buckets.at(-1)).toMatchObject({key: '(other)', members: rest.length, jobs: sum((row) => row.jobs), rows: sum((row) => row.rows)})
      expect(Math.round(buckets.at(-1).credits * 1e6)).toBe(sum((row) => Math.round(row.credits * 1e6)))
    } else expect(buckets).toEqual(rows)
  })

  it.each([2, 3, 8])('equal them in each team summary (always from the candidates), --top %i', async (top) => {
    const teams = join(dir, 'teams.yml')
    writeFileSync(teams, 'teams:\n  web:\n    - web\n  rest:\n    - "*"\n')
    const {lean} = await summaries(file, top, {teamsFile: teams})
    const team = (name: string) => without(lean.teams.find((report) => report.team === name)!.summary)
    // A team's rows are those of its projects: the org's report on those projects, every entry read, is the reference.
    const web = await buildReportSummary({inputs: [file], top, branchTable: true, filters: {project: 'web'}}, clock)
    expect(team('web').breakdowns.branch).toEqual(without(web.summary).breakdowns.branch)
    const everyone = join(dir, 'everyone.yml')
    writeFileSync(everyone, 'teams:\n  everyone:\n    - "*"\n')
    const all = await summaries(file, top, {teamsFile: everyone})
    const whole = all.wholeJson.breakdowns.branch
    expect(without(all.lean.teams.find((report) => report.team === 'everyone')!.summary).breakdowns.branch).toEqual(whole)
    // The roll-up's sums are those of all entries less the shown ones, exactly.
    expect(whole.at(-1)).toMatchObject({key: '(other)', members: 53 - top})
    const shown = whole.slice(0, -1).reduce((sum: number, bucket: {credits: number}) => sum + Math.round(bucket.credits * 1e6), 0)
    expect(Math.round(whole.at(-1).credits * 1e6)).toBe(Math.round(all.wholeJson.totals.credits.total * 1e6) - shown)
  })
})

describe("Health's default-branch split from the branch entries", () => {
  const dir = tempDir()
  const rows = hostileRows()
  const file = writeFixture(dir, 'usage.csv', exportCsv(rows))

  /** The split recomputed from the rows themselves: per project (a missing one named "(none)"), its default branch. */
  function expected(rules: {all: string | null; byProject: Record<string, string>}) {
    const micro = (value: unknown) => Math.round(Number(value) * 1e6)
    const projects = new Map<string, {org: string; project: string; branches: Map<string | null, {jobs: number; micro: number}>}>()
    for (const row of rows) {
      const project = (row.PROJECT_NAME as string | undefined) ?? '(none)'
      const id = `${String(row.ORGANIZATION_NAME)}\u0000${project}`
      const entry = projects.get(id) ?? {org: String(row.ORGANIZATION_NAME), project, branches: new Map()}
      const branch = (row.VCS_BRANCH as string | undefined) ?? null
      const spend = entry.branches.get(branch) ?? {jobs: 0, micro: 0}
      spend.jobs += 1
      spend.micro += micro(row.TOTAL_CREDITS)
      entry.branches.set(branch, spend)
      projects.set(id, entry)
    }
    const kinds = {default: {jobs: 0, micro: 0}, other: {jobs: 0, micro: 0}, unknown: {jobs: 0, micro: 0}}
    const perProject = [...projects.values()].map((entry) => {
      const ruled = rules.byProject[entry.project] ?? rules.all
      const seen = ['main', 'master'].find((branch) => entry.branches.has(branch)) ?? null
      const defaultBranch = ruled ?? seen
      let onDefault = 0
      let all = 0
      for (const [branch, spend] of entry.branches) {
        all += spend.micro
        const kind = defaultBranch === null ? kinds.unknown : branch === defaultBranch ? kinds.default : kinds.other
        kind.jobs += spend.jobs
        kind.micro += spend.micro
        if (defaultBranch !== null && branch === defaultBranch) onDefault += spend.micro
      }
      return {
        org: entry.org,
        project: entry.project,
        defaultBranch,
        source: ruled ? 'flag' : seen ? 'data' : null,
        defaultCredits: onDefault / 1e6,
        otherCredits: defaultBranch === null ? 0 : (all - onDefault) / 1e6,
        credits: all / 1e6,
      }
    })
    return {kinds: Object.fromEntries(Object.entries(kinds).map(([key, sum]) => [key, {jobs: sum.jobs, credits: sum.micro / 1e6}])), perProject}
  }

  it.each([
    ['the data', [], {all: null, byProject: {}}],
    ['a rule per project and one for all', ['web=feature/zero', '(none)=main', 'pr/3'], {all: 'pr/3', byProject: {web: 'feature/zero', '(none)': 'main'}}],
  ])('matches the rows recomputed, default from %s', async (_, flags, rules) => {
    const hooks = fullReportHooks(3, {defaultBranches: parseDefaultBranchRules(flags), warn: () => undefined})
    const {summary} = await buildReportSummary({inputs: [file], top: 3, enrich: hooks.enrich, extraRowColumns: hooks.extraRowColumns}, clock)
    const branches = summary.health!.branches
    const want = expected(rules as {all: string | null; byProject: Record<string, string>})
    expect({default: branches.default, other: branches.other, unknown: branches.unknown}).toMatchObject(want.kinds)
    const sorted = [...want.perProject].sort((a, b) => b.credits - a.credits || (a.project < b.project ? -1 : a.project > b.project ? 1 : 0) || (a.org < b.org ? -1 : 1))
    expect(branches.projects).toEqual(sorted)
  })
})

describe("the '(other)' branch bucket's run time", () => {
  // Run seconds are DOUBLE sums: "(other)" summed in one order and "all less the shown" in another rounded to
  // different computeMinutes (0.29 against 0.3 at --top 1 here), so summary.json changed with --group-by branch; and
  // "all", summed in the order of a parallel GROUP BY's output, could change from run to run.
  const dir = tempDir()
  let seed = 7
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648)
  const rows = Array.from({length: 40}, (_, index) => ({...entry('acme', 'p', `b${index}`, 50 - index, index), JOB_RUN_SECONDS: ((next() % 9) + 1) / 10}))
  const file = writeFixture(dir, 'usage.csv', exportCsv(rows))

  it('is the same with and without the branch table, at every --top', async () => {
    for (let top = 1; top < rows.length; top++) {
      const {leanJson, wholeJson} = await summaries(file, top)
      expect({top, other: leanJson.breakdowns.branch.at(-1)}).toEqual({top, other: wholeJson.breakdowns.branch.at(-1)})
    }
  })
})
