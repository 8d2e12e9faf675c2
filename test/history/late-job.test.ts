/**
 * A job that starts days after the day it is dated by (a workflow rerun in an old pipeline, an approval held over
 * a weekend): the API selects rows by their start, so the export that made its day final did not hold it. The
 * next weekly run exports the week before its window again (for the comparison) and holds it; the history's day
 * must take that later copy, or its trend reads less than the comparison of the same week, for good.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {forgetSecrets} from '../../src/core/secrets.js'
import {HISTORY_FILE, type HistoryManifest} from '../../src/history/store.js'
import {startSimulator, type Simulator} from '../../src/simulator/index.js'
import {fakeTime} from '../export/helpers.js'
import {exportCsv, job} from '../report/fixtures.js'
import {runWeekBefore} from './weekly-run.js'

const DAY = 86_400_000
const ORG = '11111111-1111-4111-8111-111111111111'
const stamp = (at: Date) => at.toISOString().replace('T', ' ').replace('Z', '')

// One 100-credit job a day, started at noon, 2024-03-18 .. 2024-05-19; and a 7-credit job of a pipeline of
// Friday 2024-05-10 that waited until Tuesday 05-14 to start.
const rows = Array.from({length: 63}, (_, index) => {
  const noon = new Date(Date.parse('2024-03-18T12:00:00Z') + index * DAY)
  const at = stamp(noon)
  return job({ORGANIZATION_ID: ORG, JOB_ID: `job-${index}`, JOB_RUN_DATE: at.slice(0, 10), JOB_RUN_QUEUED_AT: at, JOB_RUN_STARTED_AT: at, JOB_RUN_STOPPED_AT: stamp(new Date(noon.getTime() + 300_000)), COMPUTE_CREDITS: 100, TOTAL_CREDITS: 100})
})
const late = job({ORGANIZATION_ID: ORG, JOB_ID: 'late', JOB_RUN_DATE: '2024-05-10', JOB_RUN_QUEUED_AT: '2024-05-10 23:50:00.000', JOB_RUN_STARTED_AT: '2024-05-14 03:00:00.000', JOB_RUN_STOPPED_AT: '2024-05-14 03:05:00.000', COMPUTE_CREDITS: 7, TOTAL_CREDITS: 7})

let root: string
let sim: Simulator
let time: ReturnType<typeof fakeTime>

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cci-history-late-'))
  const dataset = join(root, 'usage.csv')
  await writeFile(dataset, exportCsv([...rows, late]))
  time = fakeTime('2024-05-13T06:00:00Z')
  sim = await startSimulator({clock: time.clock, pendingPolls: 0, dataset: {file: dataset}})
})

afterAll(async () => {
  await sim?.close()
  await rm(root, {recursive: true, force: true})
  forgetSecrets()
})

async function weeklyRun(name: string) {
  return (await runWeekBefore({sim, time, root}, name)).summary
}

const trendOf = (summary: Awaited<ReturnType<typeof weeklyRun>>) => summary.trend!.weeks.map((week) => [week.start, week.credits])

describe('run --history with a job that started days after its day', () => {
  it('takes the next week\'s copy of a final day, so the trend holds the job the comparison of that week holds', async () => {
    const first = await weeklyRun('week-1')
    // Monday 05-13: the job has not started; Friday 05-10 is final without it.
    expect(trendOf(first)).toEqual([['2024-04-29', 700], ['2024-05-06', 700]])
    const before = JSON.parse(await readFile(join(root, 'history', HISTORY_FILE), 'utf8')) as HistoryManifest
    expect(before.days['2024-05-10'].final).toBe(true)

    await time.sleep(7 * DAY)
    const second = await weeklyRun('week-2')
    expect(second.comparison!.previous.credits).toBe(707)
    expect(trendOf(second)).toEqual([['2024-05-06', 707], ['2024-05-13', 700]])
    // Every older day once: the cold start's part that held 05-06..05-10 was rewritten without them, not kept beside.
    const third = await weeklyRun('week-2-again')
    expect(trendOf(third)).toEqual(trendOf(second))
    const manifest = JSON.parse(await readFile(join(root, 'history', HISTORY_FILE), 'utf8')) as HistoryManifest
    expect(manifest.days['2024-05-10']).toMatchObject({final: true})
    expect(Date.parse(manifest.days['2024-05-10'].fetchedAt)).toBeGreaterThan(Date.parse(before.days['2024-05-10'].fetchedAt))
  })
})
