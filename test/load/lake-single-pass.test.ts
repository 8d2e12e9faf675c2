/**
 * The lake's single pass (src/load/stage.ts + lake.ts): the CSV is staged once as Parquet and planned from
 * there. These cases exercise what the plan decides from the staged files (repeated JOB_IDs across inputs,
 * partial days, rows without a JOB_ID), how months are rebuilt (old files kept, linked or rewritten), that a
 * failed or killed load leaves the lake as it was, and that credits stay exact to the millionth.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {PUBLISHED_MARKER} from '../../src/load/lake.js'
import {BIN, runCli} from '../helpers/cli.js'
import {GOLDEN_EXPORT, REPO_ROOT} from '../helpers/repo.js'
import {daysBetween, field, goldenLines, microCredits, NULL_CELL, plusMicro, midDayExport, sumMicroCredits, withFields, writeCsv, writeExportFolder, type Lines, twoMonths} from './fixtures.js'
import {lakeContent, lakeGlob, lakeTestFolder, lakeTotals, query} from './lake-read.js'

const {maybe, fresh, inWork} = lakeTestFolder('the single-pass lake tests', 'cci-usage-lake1-')
/** The golden export's window: 2024-11-10 through 2024-11-18, whole days. */
const GOLDEN_RANGE = {start: '2024-11-10T00:00:00.000Z', end: '2024-11-19T00:00:00.000Z'}

/** Work folders and locks a load leaves beside or in the lake (none after a finished load). */
function leftovers(dir: string): string[] {
  const beside = readdirSync(dirname(dir)).filter((name) => name.startsWith(`.${dir.split('/').pop()}.cci-usage-`))
  return [...beside, ...(existsSync(join(dir, '.cci-usage-load.lock')) ? ['lock'] : [])]
}

/**
 * A lake of the golden export, its content, and the path of a work folder beside it as a load names one
 * (`<pid>-<8 hex>`): the tests then leave in it what a dead load leaves.
 */
async function goldenLakeWithDeadWork(fresh: (name: string) => string, load: string): Promise<{dir: string; before: string; work: string}> {
  const dir = fresh('lake')
  expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
  return {dir, before: await lakeContent(dir), work: join(dirname(dir), `.${dir.split('/').pop()}.cci-usage-${load}`)}
}

async function lakeRow(dir: string, job: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await query(`SELECT CAST(total_credits AS VARCHAR) AS total, CAST(compute_credits AS VARCHAR) AS compute FROM ${lakeGlob(dir)} WHERE job_id = '${job}'`)
  return row
}

describe('load --to parquet:DIR, one pass over the CSV', () => {
  maybe('two inputs sharing JOB_IDs: each row once, from the later input, credits exact (the staged rows rewritten without the repeats)', async () => {
    const golden = goldenLines()
    const early = daysBetween(golden, '2024-11-10', '2024-11-14')
    const late = daysBetween(golden, '2024-11-12', '2024-11-18')
    // The later export tells a different (newer) story about one job of the overlap.
    const changedIndex = late.rows.findIndex((row) => field(row, 'JOB_RUN_DATE') === '2024-11-13' && field(row, 'TOTAL_CREDITS') === field(row, 'COMPUTE_CREDITS'))
    const changedJob = field(late.rows[changedIndex], 'JOB_ID')
    const total = plusMicro(field(late.rows[changedIndex], 'TOTAL_CREDITS'), 250_001)
    late.rows[changedIndex] = withFields(late.rows[changedIndex], {TOTAL_CREDITS: total, COMPUTE_CREDITS: total})
    const earlyCsv = writeCsv(inWork('sp-early.csv'), early)
    const lateCsv = writeCsv(inWork('sp-late.csv'), late)
    const overlap = early.rows.filter((row) => field(row, 'JOB_RUN_DATE') >= '2024-11-12').length

    const dir = fresh('lake')
    const result = await runCli(['load', '--input', earlyCsv, '--input', lateCsv, '--to', `parquet:${dir}`, '--json'])
    expect(result.code).toBe(0)
    const parsed = JSON.parse(result.stdout) as {rows: number; credits: string; duplicatesDropped: number}
    expect(parsed.duplicatesDropped).toBe(overlap)
    const expected: Lines = {header: golden.header, rows: [...early.rows.filter((row) => field(row, 'JOB_RUN_DATE') < '2024-11-12'), ...late.rows]}
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(expected), jobs: 1260})
    expect(microCredits(parsed.credits)).toBe(sumMicroCredits(expected))
    expect(await lakeRow(dir, changedJob)).toEqual({total: total, compute: total})
    expect(leftovers(dir)).toEqual([])
  })

  maybe('a day one input holds whole is not whole for another input that holds it in part (another organization)', async () => {
    const golden = goldenLines()
    const dir = fresh('lake')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    const ofOrg = (lines: Lines, org: string): Lines => ({header: lines.header, rows: lines.rows.filter((row) => field(row, 'ORGANIZATION_ID') === org)})
    // The first organization's whole window, then the second one's rows of the 14th 10:00 to the 16th 10:00.
    const whole = writeExportFolder(fresh('export'), ofOrg(golden, '8d05d166-e199-43b1-b588-415eadafacc1'), GOLDEN_RANGE)
    const partial = writeCsv(inWork('sp-org-partial.csv'), ofOrg(midDayExport(golden), 'a5fbb85e-6c64-4f9d-b89d-d69189af16bc'))
    expect((await runCli(['load', '--input', whole, '--input', partial, '--to', `parquet:${dir}`])).code).toBe(0)
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(golden), jobs: 1260})
  })

  maybe('days the input covers in part replace rows by JOB_ID; the rest of those days, and old rows without a JOB_ID, stay', async () => {
    const golden = goldenLines()
    // 30 rows of 2024-11-12 lose their job (storage or network credits are billed so): a whole day of a first
    // load with the window known, which a later load of other days must leave alone.
    let jobless = 0
    const rows = golden.rows.map((row) => {
      if (field(row, 'JOB_RUN_DATE') !== '2024-11-12' || jobless >= 30) return row
      jobless++
      return withFields(row, {JOB_ID: NULL_CELL, JOB_NAME: NULL_CELL})
    })
    const withJobless = {header: golden.header, rows}
    const dir = fresh('lake')
    const first = await runCli(['load', '--input', writeExportFolder(fresh('export'), withJobless, GOLDEN_RANGE), '--to', `parquet:${dir}`])
    expect(first.code).toBe(0)
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(withJobless), jobs: 1260 - 30})
    const before = await lakeContent(dir)

    // An export of 2024-11-14 10:00 to 2024-11-16 10:00 without its manifest: every day is partial (the 15th's
    // rows can come with the 16th after 10:00).
    const partial = midDayExport(golden)
    expect(partial.rows.length).toBeGreaterThan(10)
    const second = await runCli(['load', '--input', writeCsv(inWork('sp-partial.csv'), partial), '--to', `parquet:${dir}`, '--json'])
    expect(second.code).toBe(0)
    const parsed = JSON.parse(second.stdout) as {partialDays: string[]; wholeDays: string[]}
    expect(parsed.partialDays).toEqual(['2024-11-14', '2024-11-15', '2024-11-16'])
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(withJobless), jobs: 1260 - 30})
    expect(await lakeContent(dir)).toBe(before)
  })

  maybe('rows without a JOB_ID on a day covered in part are not loaded, and the load says how many and how many credits', async () => {
    const golden = goldenLines()
    const day14 = golden.rows.filter((row) => field(row, 'JOB_RUN_DATE') === '2024-11-14')
    const rows = golden.rows.map((row) => (row === day14[0] ? withFields(row, {JOB_ID: NULL_CELL, TOTAL_CREDITS: '7.5', COMPUTE_CREDITS: '7.5'}) : row))
    const input = daysBetween({header: golden.header, rows}, '2024-11-14', '2024-11-16')
    const dir = fresh('lake')
    const result = await runCli(['load', '--input', writeCsv(inWork('sp-jobless.csv'), input), '--to', `parquet:${dir}`, '--json'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/1 row\(s\) \(7\.5 credits\) lie on days the input covers only in part and have no JOB_ID/)
    const parsed = JSON.parse(result.stdout) as {rows: number; skipped: {rows: number; credits: string}}
    expect(parsed.skipped.rows).toBe(1)
    expect(microCredits(parsed.skipped.credits)).toBe(7_500_000n)
    expect(parsed.rows).toBe(input.rows.length - 1)
    const kept = {header: golden.header, rows: input.rows.filter((row) => field(row, 'JOB_ID') !== NULL_CELL)}
    expect(await lakeTotals(dir)).toEqual({rows: input.rows.length - 1, credits: sumMicroCredits(kept), jobs: input.rows.length - 1})
  })

  maybe('an input holding a JOB_ID twice is refused (exit 2, naming the file), alone or beside another input; the lake is untouched', async () => {
    const golden = goldenLines()
    const dir = fresh('lake')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    const before = await lakeContent(dir)
    const doubled = writeCsv(inWork('sp-doubled.csv'), {header: golden.header, rows: [...golden.rows.slice(0, 20), golden.rows[7]]})
    // Beside it, an input repeating (legitimately) some of its JOB_IDs once.
    const other = writeCsv(inWork('sp-other.csv'), {header: golden.header, rows: golden.rows.slice(10, 40)})
    for (const inputs of [[doubled], [other, doubled], [doubled, other]]) {
      const result = await runCli(['load', ...inputs.flatMap((input) => ['--input', input]), '--to', `parquet:${dir}`])
      expect(result.code).toBe(2)
      expect(result.stderr.trim()).toBe(`Error: Input file ${doubled} holds JOB_ID ${field(golden.rows[7], 'JOB_ID')} more than once, which a usage export never does: re-export it.`)
    }
    expect(await lakeContent(dir)).toBe(before)
    expect(leftovers(dir)).toEqual([])
  })

  maybe('a gzip input cut short is refused (exit 2) and the lake is untouched', async () => {
    const dir = fresh('lake')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    const before = await lakeContent(dir)
    const whole = readFileSync(GOLDEN_EXPORT)
    const cut = inWork('sp-cut.csv.gz')
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)))
    const result = await runCli(['load', '--input', cut, '--to', `parquet:${dir}`])
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe(`Error: Input file ${cut} is not a complete gzip file: download the export again.`)
    expect(await lakeContent(dir)).toBe(before)
    expect(leftovers(dir)).toEqual([])
  })

  maybe('reloading a month replaces its rows, keeps the files it replaces nothing of (same inode), and leaves other months alone', async () => {
    const golden = goldenLines()
    const shifted = twoMonths(golden)
    const dir = fresh('lake')
    const range = (start: string, end: string) => ({start: `${start}T00:00:00.000Z`, end: `${end}T00:00:00.000Z`})
    const load = async (lines: Lines, from: string, to: string) => {
      const csv = writeExportFolder(fresh('export'), lines, range(from, to))
      const result = await runCli(['load', '--input', csv, '--to', `parquet:${dir}`, '--json'])
      expect(result.code).toBe(0)
      return JSON.parse(result.stdout) as {months: string[]; wholeDays: string[]}
    }
    // October, and November's first week; then November's second week: a new file beside the first one.
    await load(daysBetween(shifted, '2024-10-01', '2024-11-14'), '2024-10-10', '2024-11-15')
    const novemberFiles = () => readdirSync(join(dir, 'month=2024-11')).sort()
    const [firstNovember] = novemberFiles()
    const inode = statSync(join(dir, 'month=2024-11', firstNovember)).ino
    const october = join(dir, 'month=2024-10', readdirSync(join(dir, 'month=2024-10'))[0])
    const octoberInode = statSync(october).ino
    expect((await load(daysBetween(shifted, '2024-11-15', '2024-11-18'), '2024-11-15', '2024-11-19')).months).toEqual(['2024-11'])
    expect(novemberFiles()).toHaveLength(2)
    expect(statSync(join(dir, 'month=2024-11', firstNovember)).ino).toBe(inode)
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(golden), jobs: 1260})

    // November again, with one day's credits changed: the month holds the new rows only, October is untouched.
    const changed = {
      header: golden.header,
      rows: daysBetween(shifted, '2024-11-12', '2024-11-18').rows.map((row) =>
        field(row, 'JOB_RUN_DATE') === '2024-11-15' ? withFields(row, {TOTAL_CREDITS: plusMicro(field(row, 'TOTAL_CREDITS'), 1)}) : row,
      ),
    }
    const reloaded = await load(changed, '2024-11-12', '2024-11-19')
    expect(reloaded.months).toEqual(['2024-11'])
    // The window's last day (the 18th) is not whole: rows dated it can come with the export of the 19th.
    expect(reloaded.wholeDays).toEqual(['2024-11-12', '2024-11-13', '2024-11-14', '2024-11-15', '2024-11-16', '2024-11-17'])
    expect(statSync(october).ino).toBe(octoberInode)
    const [november] = await query(`SELECT count(*) AS n, CAST(sum(total_credits) AS VARCHAR) AS c FROM ${lakeGlob(dir)} WHERE month = '2024-11'`)
    expect({rows: Number(november.n), credits: microCredits(String(november.c))}).toEqual({rows: changed.rows.length, credits: sumMicroCredits(changed)})
    const octoberRows = daysBetween(shifted, '2024-10-01', '2024-10-31')
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(octoberRows) + sumMicroCredits(changed), jobs: 1260})
    expect(leftovers(dir)).toEqual([])
  })

  maybe('an export whose window lies in one month still files rows of other months (long pipelines, no day) under their own month', async () => {
    const golden = goldenLines()
    const rows = golden.rows.map((row, index) => {
      // Jobs of a pipeline started days before the window (JOB_RUN_DATE is the pipeline's day), and rows without a day.
      if (index % 50 === 0) return withFields(row, {JOB_RUN_DATE: '2024-10-31'})
      if (index % 97 === 0) return withFields(row, {JOB_RUN_DATE: NULL_CELL})
      return row
    })
    const lines = {header: golden.header, rows}
    const dir = fresh('lake')
    // The window 2024-11-10 to 2024-11-19 lies in November: the rows are staged as one November file first.
    const result = await runCli(['load', '--input', writeExportFolder(fresh('export'), lines, GOLDEN_RANGE), '--to', `parquet:${dir}`, '--json'])
    expect(result.code).toBe(0)
    expect(readdirSync(dir).filter((name) => !name.startsWith('.')).sort()).toEqual(['month=2024-10', 'month=2024-11', 'month=unknown'])
    const perMonth = await query(`SELECT month, count(*) AS n, count(*) FILTER (WHERE strftime(job_run_date, '%Y-%m') IS DISTINCT FROM (CASE WHEN month = 'unknown' THEN NULL ELSE month END)) AS misfiled FROM ${lakeGlob(dir)} GROUP BY month ORDER BY month`)
    const october = rows.filter((row) => field(row, 'JOB_RUN_DATE') === '2024-10-31').length
    const unknown = rows.filter((row) => field(row, 'JOB_RUN_DATE') === NULL_CELL).length
    expect(perMonth.map((row) => [row.month, Number(row.n), Number(row.misfiled)])).toEqual([
      ['2024-10', october, 0],
      ['2024-11', 1260 - october - unknown, 0],
      ['unknown', unknown, 0],
    ])
    expect(await lakeTotals(dir)).toEqual({rows: 1260, credits: sumMicroCredits(lines), jobs: 1260})
  })

  maybe('a load killed while it writes leaves the lake as it was; the next load clears what it left and succeeds', async () => {
    const dir = fresh('lake')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    const before = await lakeContent(dir)
    const big = inWork('sp-big.csv')
    await new Promise<void>((resolve, reject) => {
      const generator = spawn(process.execPath, [join(REPO_ROOT, 'bench/generate.js'), '--mb', '40', '--out', big, '--end', '2024-11-18'], {stdio: 'ignore'})
      generator.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`generate exited ${code}`))))
    })
    const child = spawn(process.execPath, [BIN, 'load', '--input', big, '--to', `parquet:${dir}`], {
      cwd: REPO_ROOT,
      env: {PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production'},
      stdio: 'ignore',
    })
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
    // Killed once the staged Parquet is being written, before anything is published.
    const staging = () => leftovers(dir).filter((name) => name !== 'lock').some((name) => existsSync(join(dirname(dir), name, 'stage', 'load_input=0')))
    for (let i = 0; i < 3000 && !staging(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
    expect(staging()).toBe(true)
    child.kill('SIGKILL')
    await exited
    expect(await lakeContent(dir)).toBe(before)
    expect(leftovers(dir).length).toBeGreaterThan(1)

    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    expect(await lakeContent(dir)).toBe(before)
    expect(leftovers(dir)).toEqual([])
    rmSync(big, {force: true})
  }, 120_000)

  // Before: the next load refused (exit 2) until the user moved retired/ months back by hand; a load killed
  // between the two renames of a swap (the month absent from the lake) needed that too.
  maybe('a load killed between the renames of its swap is put back by the next load, which then runs: nothing lost', async () => {
    const golden = goldenLines()
    const partial = writeCsv(inWork('sp-killed-partial.csv'), daysBetween(golden, '2024-11-12', '2024-11-13'))
    const reference = fresh('lake')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${reference}`])).code).toBe(0)
    expect((await runCli(['load', '--input', partial, '--to', `parquet:${reference}`])).code).toBe(0)

    const dir = fresh('lake')
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    // What a load SIGKILLed after its first rename leaves: its plan, the month's only copy in retired/, its
    // prepared month not yet moved in, and no month=2024-11 in the lake.
    const work = join(dirname(dir), `.${dir.split('/').pop()}.cci-usage-4244-0badf00f`)
    mkdirSync(join(work, 'retired'), {recursive: true})
    mkdirSync(join(work, 'months', 'month=2024-11'), {recursive: true})
    writeFileSync(join(work, 'months', 'month=2024-11', 'new.parquet'), 'the dead load\'s')
    writeFileSync(join(work, 'swap-plan.json'), JSON.stringify({swaps: [{month: 'month=2024-11', prepared: true, hadLive: true}]}))
    renameSync(join(dir, 'month=2024-11'), join(work, 'retired', 'month=2024-11'))

    const result = await runCli(['load', '--input', partial, '--to', `parquet:${dir}`])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`A load of ${dir} stopped during its swap`)
    expect(result.stderr).toContain('month=2024-11')
    expect(await lakeContent(dir)).toBe(await lakeContent(reference))
    expect(leftovers(dir)).toEqual([])
  })

  // Before: the refusal listed retired/ as it was before putting back began, so a month the dead load added (with
  // nothing in retired/) read "holds  in retired/ ... move each of them back", naming nothing to move.
  maybe('when putting back fails, the refusal names the folder as it is then and says the next load tries again', async () => {
    const {dir, before, work} = await goldenLakeWithDeadWork(fresh, '4246-0badf011')
    // A first load of month=2024-11 killed after moving it in; `discarded` a file, so putting back fails.
    mkdirSync(join(work, 'retired'), {recursive: true})
    writeFileSync(join(work, 'discarded'), 'in the way')
    writeFileSync(join(work, 'swap-plan.json'), JSON.stringify({swaps: [{month: 'month=2024-11', prepared: true, hadLive: false}]}))

    const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])
    expect(result.code).toBe(2)
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`A load of ${dir} stopped during its swap, and putting its months back failed (EEXIST`)
    expect(lines[0]).toContain(`fix that and load again (the next load puts them back); ${work} is kept until then.`)
    expect(await lakeContent(dir)).toBe(before)

    rmSync(join(work, 'discarded'))
    const again = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])
    expect(again.code).toBe(0)
    expect(again.stderr).toContain('month=2024-11')
    expect(await lakeContent(dir)).toBe(before)
    expect(leftovers(dir)).toEqual([])
  })

  maybe('a work folder holding retired/ without a swap plan (an earlier version\'s) is never deleted: the load refuses (exit 2) until the user puts the months back', async () => {
    const {dir, before, work} = await goldenLakeWithDeadWork(fresh, '4242-0badf00d')
    // What a RollbackFailed leaves: the only copy of a month's previous files, in the dead load's work folder.
    const retired = join(work, 'retired', 'month=2024-10')
    mkdirSync(retired, {recursive: true})
    writeFileSync(join(retired, 'old.parquet'), 'the only copy')
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])
      expect(result.code).toBe(2)
      const lines = result.stderr.split('\n').filter((line) => line.trim() !== '')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(work)
      expect(lines[0]).toMatch(/month=2024-10 in retired\/.*move each of them back into/)
      expect(readFileSync(join(retired, 'old.parquet'), 'utf8')).toBe('the only copy')
      expect(await lakeContent(dir)).toBe(before)
      expect(existsSync(join(dir, '.cci-usage-load.lock'))).toBe(false)
    }
    // Resolved by hand: the next load runs and clears nothing else.
    rmSync(work, {recursive: true, force: true})
    expect((await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])).code).toBe(0)
    expect(leftovers(dir)).toEqual([])
  })

  maybe('a load killed after it swapped every month in (while cleaning up) is finished by the next load, not taken for a failed rollback', async () => {
    const {dir, before, work} = await goldenLakeWithDeadWork(fresh, '4243-0badf00e')
    // What a load SIGKILLed between its last swap and the removal of its work folder leaves: the lake whole and
    // new, and retired/ still holding the month folders the swap replaced.
    const retired = join(work, 'retired', 'month=2024-11')
    mkdirSync(retired, {recursive: true})
    writeFileSync(join(retired, 'old.parquet'), 'superseded')
    writeFileSync(join(work, PUBLISHED_MARKER), '')

    const result = await runCli(['load', '--input', GOLDEN_EXPORT, '--to', `parquet:${dir}`])
    expect(result.stderr).not.toMatch(/retired/)
    expect(result.code).toBe(0)
    expect(await lakeContent(dir)).toBe(before)
    expect(leftovers(dir)).toEqual([])
  })

  maybe('credits stay exact to the millionth across inputs, in the lake and in FOCUS rows (a future credit column included)', async () => {
    const golden = goldenLines()
    // Every row gets its own fraction of a credit, and a credit column the warehouse does not know.
    const header = `${golden.header},FUTURE_CREDITS`
    const rows = golden.rows.map((row, index) => {
      const micro = (index * 7919) % 1_000_000
      const future = index % 3 === 0 ? '0.333333' : '0'
      const total = plusMicro(plusMicro(field(row, 'TOTAL_CREDITS'), micro), Number(microCredits(future)))
      return `${withFields(row, {COMPUTE_CREDITS: plusMicro(field(row, 'COMPUTE_CREDITS'), micro), TOTAL_CREDITS: total})},${future}`
    })
    const lines = {header, rows}
    const first = writeCsv(inWork('sp-exact-1.csv'), daysBetween(lines, '2024-11-10', '2024-11-13'))
    const second = writeCsv(inWork('sp-exact-2.csv'), daysBetween(lines, '2024-11-14', '2024-11-18'))
    const expected = sumMicroCredits(lines)
    expect(expected % 1_000_000n).not.toBe(0n)

    const lake = fresh('lake')
    const loaded = await runCli(['load', '--input', first, '--input', second, '--to', `parquet:${lake}`, '--json'])
    expect(loaded.code).toBe(0)
    expect(microCredits((JSON.parse(loaded.stdout) as {credits: string}).credits)).toBe(expected)
    expect(await lakeTotals(lake)).toEqual({rows: 1260, credits: expected, jobs: 1260})

    const focus = fresh('focus')
    expect((await runCli(['load', '--input', first, '--input', second, '--to', `focus:${focus}`])).code).toBe(0)
    const [sums] = await query(
      `SELECT CAST(sum(PricingQuantity) AS VARCHAR) AS q, CAST(sum(PricingQuantity) FILTER (WHERE x_CreditKind = 'other') AS VARCHAR) AS other,
         count(*) FILTER (WHERE x_CreditKind = 'unattributed') AS unattributed FROM ${lakeGlob(focus)}`,
    )
    expect(microCredits(String(sums.q))).toBe(expected)
    expect(microCredits(String(sums.other))).toBe(333_333n * BigInt(Math.ceil(1260 / 3)))
    expect(Number(sums.unattributed)).toBe(0)
  })

  maybe('FOCUS refuses (exit 2) a charge without an organization or any date, and accepts such a row when it has no credits', async () => {
    const golden = goldenLines()
    const noDates = {JOB_RUN_DATE: NULL_CELL, JOB_RUN_STARTED_AT: NULL_CELL, JOB_RUN_QUEUED_AT: NULL_CELL, JOB_RUN_STOPPED_AT: NULL_CELL}
    const zero = Object.fromEntries(['COMPUTE', 'DLC', 'USER', 'STORAGE', 'NETWORK', 'LEASE', 'LEASE_OVERAGE', 'IPRANGES', 'TOTAL'].map((kind) => [`${kind}_CREDITS`, '0']))
    const charged = golden.rows.filter((row) => field(row, 'TOTAL_CREDITS') !== '0')
    for (const [name, change, code] of [
      ['no-org', {ORGANIZATION_ID: NULL_CELL}, 2],
      ['no-dates', noDates, 2],
      ['no-dates-no-credits', {...noDates, ...zero}, 0],
    ] as Array<[string, Record<string, string>, number]>) {
      const rows = golden.rows.map((row) => (row === charged[3] ? withFields(row, change) : row))
      const dir = fresh('focus')
      const result = await runCli(['load', '--input', writeCsv(inWork(`sp-focus-${name}.csv`), {header: golden.header, rows}), '--to', `focus:${dir}`])
      expect([name, result.code]).toEqual([name, code])
      if (code === 2) {
        expect(result.stderr).toMatch(/^Error: \d+ charge\(s\) have credits but no organization or no date/m)
        expect(existsSync(dir) ? readdirSync(dir).filter((entry) => !entry.startsWith('.')) : []).toEqual([])
      }
    }
  })
})
