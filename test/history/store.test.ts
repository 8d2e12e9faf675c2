import {existsSync} from 'node:fs'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DuckDBInstance, type DuckDBConnection} from '@duckdb/node-api'

import {sqlString} from '../../src/analysis/columns.js'
import {dayFromNumber, dayNumber} from '../../src/history/days.js'
import type {ExportedDay} from '../../src/history/plan.js'
import {rollupOfDays} from '../../src/history/queries.js'
import {ROLLUP_COLUMNS} from '../../src/history/rollup.js'
import {HISTORY_FILE, KEEP_DAYS, readHistory, writeHistory, type HistoryManifest} from '../../src/history/store.js'

let instance: DuckDBInstance
let connection: DuckDBConnection
let dir: string

/** A rollup table with one row per day and project, credits = `credits(day)`. */
async function rollupTable(name: string, days: string[], credits: (day: string) => number): Promise<string> {
  const values = days.flatMap((day) =>
    ['api', 'web'].map((project) => `(DATE '${day}', 'org-1', 'acme', '${project}', 'ci', 'build', 'main', 'medium', 'docker', 'success', 2, 2, 120.0, 2, ${credits(day)}, 0, 0, 0, 0, 0, 0, 0, 0, ${credits(day)}, 0, 0)`),
  )
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${name} (${ROLLUP_COLUMNS.map((column, index) => `${column} ${index === 0 ? 'DATE' : index < 10 ? 'VARCHAR' : index < 12 || index === 13 ? 'BIGINT' : index === 12 ? 'DOUBLE' : 'DECIMAL(18,6)'}`).join(', ')})`)
  await connection.run(`INSERT INTO ${name} VALUES ${values.join(', ')}`)
  return name
}

function days(first: string, count: number): string[] {
  return Array.from({length: count}, (_, index) => dayFromNumber(dayNumber(first) + index))
}

function exported(list: string[], finalBefore: string): ExportedDay[] {
  return list.map((day) => ({day, final: day < finalBefore, fetchedAt: '2024-11-18T06:00:00.000Z', coveredUntil: '2024-11-18T00:00:00.000Z', exportEnd: '2024-11-18T00:00:00.000Z'}))
}

async function stored(manifest: HistoryManifest): Promise<Record<string, number>> {
  const files = manifest.parts.map((part) => sqlString(join(dir, part.rollup.file)))
  const rows = (await connection.runAndReadAll(`SELECT CAST(JOB_RUN_DATE AS VARCHAR) AS day, CAST(SUM(TOTAL_CREDITS) AS DOUBLE) AS credits FROM read_parquet([${files.join(', ')}]) GROUP BY 1 ORDER BY 1`)).getRowObjects()
  return Object.fromEntries(rows.map((row) => [String(row.day), Number(row.credits)]))
}

const update = (table: string, list: ExportedDay[]) => ({organizations: ['org-1'], days: list, rollupOf: (chosen: readonly string[]) => rollupOfDays(table, chosen), undatedRows: 0, undatedCredits: 0, now: new Date('2024-11-18T06:00:00Z')})

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:')
  connection = await instance.connect()
  dir = await mkdtemp(join(tmpdir(), 'cci-history-store-'))
})

afterEach(async () => {
  connection.closeSync()
  instance.closeSync()
  await rm(dir, {recursive: true, force: true})
})

describe('writeHistory', () => {
  it('writes final days once and rewrites only the provisional part; a day stored again replaces its rows', async () => {
    const week = days('2024-11-11', 7)
    await rollupTable('first', week, () => 10)
    const one = await writeHistory(connection, dir, null, update('first', exported(week, '2024-11-16')))
    expect(one.parts.map((part) => [part.month, part.final])).toEqual([['2024-11', true], ['2024-11', false]])
    expect(await stored(one)).toEqual(Object.fromEntries(week.map((day) => [day, 20])))

    // The same week again, later data for the weekend: the final part is kept as it was, the weekend replaced.
    await rollupTable('again', week, (day) => (day >= '2024-11-16' ? 15 : 999))
    const two = await writeHistory(connection, dir, one, update('again', exported(['2024-11-16', '2024-11-17'], '2024-11-16')))
    expect(two.parts.find((part) => part.final)).toEqual(one.parts.find((part) => part.final))
    expect(await stored(two)).toEqual({...Object.fromEntries(week.map((day) => [day, 20])), '2024-11-16': 30, '2024-11-17': 30})

    // A week later the weekend becomes final, next to new days: nothing counted twice, no provisional day left.
    const next = days('2024-11-16', 9)
    await rollupTable('later', next, () => 5)
    const three = await writeHistory(connection, dir, two, update('later', exported(next, '2024-11-23')))
    const credits = await stored(three)
    expect(credits['2024-11-15']).toBe(20)
    expect(credits['2024-11-16']).toBe(10)
    expect(credits['2024-11-24']).toBe(10)
    expect(Object.keys(credits)).toHaveLength(14)
    expect(three.days['2024-11-16'].final).toBe(true)
    expect(three.parts.filter((part) => !part.final)).toHaveLength(1)
    // Only the files history.json names are left.
    const named = new Set(three.parts.flatMap((part) => [part.rollup.file, part.daily.file]))
    expect(new Set((await readdir(dir)).filter((name) => name.endsWith('.parquet')))).toEqual(named)
  })

  it('never counts a day twice when history.json lost track of it (a day changed to another date)', async () => {
    const week = days('2024-11-11', 7)
    await rollupTable('first', week, () => 10)
    await writeHistory(connection, dir, null, update('first', exported(week, '2024-11-18')))
    // Valid JSON of the same size: 2024-11-13 now reads 2023-11-13, so the history seems to lack 2024-11-13.
    const text = (await readFile(join(dir, HISTORY_FILE), 'utf8')).replace('"2024-11-13"', '"2023-11-13"')
    await writeFile(join(dir, HISTORY_FILE), text)
    const damaged = (await readHistory(dir))!
    expect(damaged.days['2024-11-13']).toBeUndefined()

    await rollupTable('again', ['2024-11-13'], () => 7)
    const two = await writeHistory(connection, dir, damaged, update('again', exported(['2024-11-13'], '2024-11-18')))
    expect(await stored(two)).toEqual({...Object.fromEntries(week.map((day) => [day, 20])), '2024-11-13': 14})
  })

  it('refuses a history.json whose day is not a date, or not stored as one, naming it and how to rebuild', async () => {
    const week = days('2024-11-11', 7)
    await rollupTable('first', week, () => 10)
    await writeHistory(connection, dir, null, update('first', exported(week, '2024-11-18')))
    const text = await readFile(join(dir, HISTORY_FILE), 'utf8')
    for (const [damaged, day] of [
      [text.replace('"2024-11-13"', '"2024-11-1x"'), '2024-11-1x'],
      [text.replace('"2024-11-13"', '"2024-11-31"'), '2024-11-31'],
      [text.replace(/("2024-11-14": \{\s*"final": )true/, '$1"yes"'), '2024-11-14'],
    ]) {
      expect(damaged).not.toBe(text)
      await writeFile(join(dir, HISTORY_FILE), damaged)
      await expect(readHistory(dir)).rejects.toThrow(new RegExp(`history\\.json is not a cci-usage history \\(bad day entry "${day}"\\); delete the folder`))
    }
  })

  it('splits days across months into parts of their month', async () => {
    const list = days('2024-10-28', 7)
    await rollupTable('across', list, () => 1)
    const manifest = await writeHistory(connection, dir, null, update('across', exported(list, '2024-12-01')))
    expect(manifest.parts.map((part) => part.month)).toEqual(['2024-10', '2024-11'])
    const daily = (await connection.runAndReadAll(`SELECT COUNT(*) AS n, CAST(SUM(TOTAL_CREDITS) AS DOUBLE) AS c FROM read_parquet(${sqlString(join(dir, manifest.parts[0].daily.file))})`)).getRowObjects()[0]
    expect(Number(daily.n)).toBe(8)
    expect(Number(daily.c)).toBe(8)
  })

  it('leaves the history as it was when an update fails, and deletes its leftovers next time', async () => {
    const week = days('2024-11-11', 7)
    await rollupTable('good', week, () => 10)
    const before = await writeHistory(connection, dir, null, update('good', exported(week, '2024-11-16')))
    const text = await readFile(join(dir, HISTORY_FILE), 'utf8')
    await writeFile(join(dir, 'rollup-2024-11-deadbeef.parquet'), 'leftover of an interrupted update')
    const broken = {...update('good', exported(['2024-11-16'], '2024-11-10')), rollupOf: () => 'SELECT * FROM no_such_table'}
    await expect(writeHistory(connection, dir, before, broken)).rejects.toThrow()
    expect(await readFile(join(dir, HISTORY_FILE), 'utf8')).toBe(text)
    expect(await readHistory(dir)).toEqual(before)
    await writeHistory(connection, dir, before, update('good', exported(['2024-11-17'], '2024-11-10')))
    expect(existsSync(join(dir, 'rollup-2024-11-deadbeef.parquet'))).toBe(false)
  })

  it(`forgets months that ended more than ${KEEP_DAYS} days before the newest day`, async () => {
    const old = days('2023-08-01', 3)
    await rollupTable('old', old, () => 1)
    const first = await writeHistory(connection, dir, null, update('old', exported(old, '2024-01-01')))
    const recent = days('2024-11-11', 2)
    await rollupTable('recent', recent, () => 1)
    const pruned = await writeHistory(connection, dir, first, update('recent', exported(recent, '2024-12-01')))
    expect(Object.keys(pruned.days)).toEqual(recent)
    expect(pruned.parts.map((part) => part.month)).toEqual(['2024-11'])
  })
})
