/**
 * Issue 10 item 5: a report into a folder that holds an older report leaves all the new artifacts or all the
 * old ones, never a mix; files in subfolders work; the old set's files that the new set lacks go; files the
 * tool did not write (and the export's) stay.
 */
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {ARTIFACT_LIST, PUBLISH_JOURNAL, recoverArtifacts, STAGING_DIR, stageArtifacts} from '../../src/core/artifact-set.js'
import {generateReport} from '../../src/report/index.js'
import {isBuilt, runCli} from '../helpers/cli.js'
import {distBuilt, distModule, moduleChild} from '../helpers/module-child.js'
import {exportCsv, job} from '../report/fixtures.js'

let out: string
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'cci-artifacts-'))
})
afterEach(async () => rm(out, {recursive: true, force: true}))

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), {recursive: true})
    writeFileSync(join(dir, name), text)
  }
}

/** Every file under `dir` (relative, `/`), hidden ones included, with its content. */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) Object.assign(files, snapshot(join(dir, entry.name), name))
    else files[name] = readFileSync(join(dir, entry.name), 'utf8')
  }
  return files
}

async function publishSet(files: Record<string, string>, options: Parameters<typeof stageArtifacts>[1] = {}): Promise<string[]> {
  const staging = await stageArtifacts(out, {last: 'summary.json', ...options})
  write(staging.dir, files)
  return staging.publish()
}

const OLD = {'summary.json': 'old', 'by-project.csv': 'old', 'by-branch.csv': 'old', 'teams/a.html': 'old', 'teams/b.html': 'old'}
const NEW = {'summary.json': 'new', 'by-project.csv': 'new', 'credits-by-week.svg': 'new', 'teams/a.html': 'new', 'teams/c/x.html': 'new'}
const FOREIGN = {'usage.csv': 'export', 'export-manifest.json': 'export', '.parts/p-1.csv.gz': 'export', 'notes.txt': 'mine'}

describe('publishing a report set', () => {
  it('replaces the old set with the new one: subfolders, removed leftovers, summary.json last, foreign files kept', async () => {
    write(out, FOREIGN)
    await publishSet(OLD)
    const order: string[] = []
    const files = await publishSet(NEW, {afterMove: (file) => order.push(file)})
    expect(files).toEqual(['by-project.csv', 'credits-by-week.svg', 'teams/a.html', 'teams/c/x.html', 'summary.json'])
    expect(order[order.length - 1]).toBe('summary.json')
    const {[ARTIFACT_LIST]: list, ...rest} = snapshot(out)
    expect(rest).toEqual({...FOREIGN, ...NEW})
    expect(JSON.parse(list).files).toEqual(files)
    // teams/b.html went, and so did nothing else of teams/.
    expect(readdirSync(join(out, 'teams')).sort()).toEqual(['a.html', 'c'])
  })

  it('leaves the old set untouched and no staging folder when the new one fails before publishing', async () => {
    write(out, FOREIGN)
    await publishSet(OLD)
    const before = snapshot(out)
    const staging = await stageArtifacts(out, {last: 'summary.json'})
    write(staging.dir, {'by-project.csv': 'half'})
    await staging.discard()
    expect(snapshot(out)).toEqual(before)
    expect(existsSync(join(out, STAGING_DIR))).toBe(false)
  })

  it('an interrupted publish is rolled forward by the next run: all new, never a mix', async () => {
    write(out, FOREIGN)
    await publishSet(OLD)
    let moved = 0
    const crash = () => {
      if (++moved === 2) throw new Error('killed')
    }
    await expect(publishSet(NEW, {afterMove: crash})).rejects.toThrow('killed')
    // Mid-publish the folder holds part of the new set, no summary.json, and the journal says so.
    expect(existsSync(join(out, PUBLISH_JOURNAL))).toBe(true)
    expect(existsSync(join(out, 'summary.json'))).toBe(false)
    expect(await recoverArtifacts(out)).toBe('rolled-forward')
    const {[ARTIFACT_LIST]: _list, ...rest} = snapshot(out)
    expect(rest).toEqual({...FOREIGN, ...NEW})
    expect(await recoverArtifacts(out)).toBeNull()
  })

  // A killed run's folder is what a CI step with `when: always` uploads and `notify` reads: the old summary.json
  // beside new CSVs was a report that never existed.
  it.each([1, 2, 3, 4, 5])('a publish cut short after %i file(s) holds files of one set only, summary.json only when whole', async (cut) => {
    write(out, FOREIGN)
    await publishSet(OLD)
    let moved = 0
    await expect(publishSet(NEW, {afterMove: () => {
      if (++moved === cut) throw new Error('killed')
    }})).rejects.toThrow('killed')
    const {[ARTIFACT_LIST]: _list, [PUBLISH_JOURNAL]: _journal, ...rest} = snapshot(out)
    const report = Object.entries(rest).filter(([name]) => !(name in FOREIGN) && !name.startsWith(`${STAGING_DIR}/`))
    expect(new Set(report.map(([, text]) => text)).size).toBe(1)
    if ('summary.json' in rest) expect(Object.fromEntries(report)).toEqual(NEW)
    await recoverArtifacts(out)
    const {[ARTIFACT_LIST]: _after, ...done} = snapshot(out)
    expect(done).toEqual({...FOREIGN, ...NEW})
  })

  it('finishes an interrupted publish before staging the next one, which then replaces it', async () => {
    await publishSet(OLD)
    await expect(publishSet(NEW, {afterMove: () => {
      throw new Error('killed')
    }})).rejects.toThrow('killed')
    await publishSet({'summary.json': 'third', 'by-project.csv': 'third'})
    const {[ARTIFACT_LIST]: _list, ...rest} = snapshot(out)
    expect(rest).toEqual({'summary.json': 'third', 'by-project.csv': 'third'})
  })

  it('without a list from an older version, replaces only what the previous set names', async () => {
    write(out, {...FOREIGN, 'by-branch.csv': 'old', 'old-chart.svg': 'old', 'summary.json': JSON.stringify({tool: {name: 'cci-usage'}, artifacts: ['old-chart.svg']})})
    await publishSet({'summary.json': 'new'}, {previousFiles: async () => ['summary.json', 'old-chart.svg', 'by-branch.csv']})
    const {[ARTIFACT_LIST]: _list, ...rest} = snapshot(out)
    expect(rest).toEqual({...FOREIGN, 'summary.json': 'new'})
  })

  it('never removes files outside the folder or the export files, even from a tampered list', async () => {
    const outside = join(dirname(out), `${Date.now()}-outside.txt`)
    writeFileSync(outside, 'keep')
    try {
      write(out, FOREIGN)
      writeFileSync(join(out, ARTIFACT_LIST), JSON.stringify({files: [outside, '../x', 'usage.csv', '.parts/p-1.csv.gz', 'notes.txt/../usage.csv']}))
      await publishSet({'summary.json': 'new'})
      expect(readFileSync(outside, 'utf8')).toBe('keep')
      const {[ARTIFACT_LIST]: _list, ...rest} = snapshot(out)
      expect(rest).toEqual({...FOREIGN, 'summary.json': 'new'})
    } finally {
      await rm(outside, {force: true})
    }
  })

  it('generateReport publishes what the visuals hook writes, subfolders included, and drops the old set', async () => {
    const input = join(out, 'usage.csv')
    writeFileSync(input, exportCsv([job({TOTAL_CREDITS: 3})]))
    const clock = () => new Date('2024-11-20T00:00:00Z')
    const visuals = (names: string[]) => async (dir: string) => {
      for (const name of names) write(dir, {[name]: name})
      return names
    }
    await generateReport({inputs: [input], outDir: out, groupBy: ['branch'], visuals: visuals(['teams/a.html', 'old.svg'])}, {clock})
    const {files} = await generateReport({inputs: [input], outDir: out, visuals: visuals(['teams/b.html'])}, {clock})
    expect(files).toEqual(['by-project.csv', 'teams/b.html', 'summary.json'])
    expect(Object.keys(snapshot(out)).sort()).toEqual([ARTIFACT_LIST, 'by-project.csv', 'summary.json', 'teams/b.html', 'usage.csv'])
  })
})

describe('the first report of this version into an older report folder', () => {
  it('replaces what the old summary.json names and the by-*.csv files, nothing else', async () => {
    const old = {tool: {name: 'cci-usage'}, artifacts: ['credits-by-day.svg', 'report.html']}
    write(out, {...FOREIGN, 'summary.json': JSON.stringify(old), 'by-branch.csv': 'old', 'credits-by-day.svg': 'old', 'report.html': 'old', 'mine.svg': 'mine'})
    const input = join(out, 'usage.csv')
    writeFileSync(input, exportCsv([job({TOTAL_CREDITS: 3})]))
    await generateReport({inputs: [input], outDir: out}, {clock: () => new Date('2024-11-20T00:00:00Z')})
    expect(Object.keys(snapshot(out)).sort()).toEqual(
      [ARTIFACT_LIST, '.parts/p-1.csv.gz', 'by-project.csv', 'export-manifest.json', 'mine.svg', 'notes.txt', 'summary.json', 'usage.csv'].sort(),
    )
  })

  it("takes a summary.json that is not JSON for no report's, as one of another tool: it stopped the report (exit 1)", async () => {
    write(out, {...FOREIGN, 'summary.json': 'not json', 'credits-by-day.svg': 'mine'})
    const input = join(out, 'usage.csv')
    writeFileSync(input, exportCsv([job({TOTAL_CREDITS: 3})]))
    await generateReport({inputs: [input], outDir: out}, {clock: () => new Date('2024-11-20T00:00:00Z')})
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).tool.name).toBe('cci-usage')
    expect(readFileSync(join(out, 'credits-by-day.svg'), 'utf8')).toBe('mine')
  })
})

const withDist = distBuilt('core/artifact-set.js', 'the signalled publish test') ? it.each : it.skip.each

describe('a publish signalled while it moves files', () => {
  // The child signals itself as the first new file lands: node runs the handler (exit 143/130) at its next turn
  // of the event loop, which a publish awaiting each rename gave it halfway through the set.
  withDist([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: exit %i with the whole new set in place', async (signal, status) => {
    write(out, FOREIGN)
    await publishSet(OLD)
    const script = `
      import {mkdirSync, writeFileSync} from 'node:fs'
      import {dirname, join} from 'node:path'
      import {stageArtifacts} from ${distModule('core/artifact-set.js')}
      const staging = await stageArtifacts(${JSON.stringify(out)}, {last: 'summary.json', afterMove: () => process.kill(process.pid, ${JSON.stringify(signal)})})
      for (const [name, text] of Object.entries(${JSON.stringify(NEW)})) {
        mkdirSync(dirname(join(staging.dir, name)), {recursive: true})
        writeFileSync(join(staging.dir, name), text)
      }
      await staging.publish()
      await new Promise(() => setInterval(() => undefined, 1000))
    `
    const {exited, ready} = moduleChild(script)
    // The child prints nothing: how it ended is the answer.
    ready.catch(() => undefined)
    expect(await exited).toEqual({code: status, signal: null})
    const {[ARTIFACT_LIST]: list, [PUBLISH_JOURNAL]: _journal, ...rest} = snapshot(out)
    expect(rest).toEqual({...FOREIGN, ...NEW})
    // The list of what was published lands with the files: written after an await, the signal's handler ran first
    // and the list still named the old set (or its half-made temp file stayed beside it).
    expect(JSON.parse(list).files.sort()).toEqual(Object.keys(NEW).sort())
  })
})

const cli = isBuilt('report') ? it : it.skip
describe('report CLI', () => {
  cli('finishes a publish that a killed run left half done before it reports', async () => {
    write(out, {'usage.csv': exportCsv([job({TOTAL_CREDITS: 3})])})
    await publishSet(OLD)
    await expect(publishSet(NEW, {afterMove: () => {
      throw new Error('killed')
    }})).rejects.toThrow('killed')
    const {code, stderr} = await runCli(['report', '--out', out, '--format', 'json'])
    expect(code).toBe(0)
    expect(stderr).toContain(`Finished publishing the report that an interrupted run left half published in ${out}.`)
    // The new report replaced NEW (which had replaced OLD) as a whole.
    const files = JSON.parse(readFileSync(join(out, ARTIFACT_LIST), 'utf8')).files as string[]
    expect(files[files.length - 1]).toBe('summary.json')
    expect(files).not.toContain('teams/a.html')
    expect(existsSync(join(out, 'teams'))).toBe(false)
    expect(existsSync(join(out, 'credits-by-week.svg'))).toBe(false)
    expect(existsSync(join(out, STAGING_DIR))).toBe(false)
  })
})
