/**
 * A run stopped by a signal (Ctrl-C, a cancelled CI job) while it writes leaves no temp file and no staging
 * folder: the half-written usage.csv of a merge (`.usage.csv.<pid>.<hex>.tmp`), a report set being staged
 * (`.cci-usage-staging`), a part being downloaded (`<part>.csv.gz.partial`) and its plain CSV being scanned
 * (`<part>.csv.partial`) go with the process, and the previous report stays whole. Node runs no `finally` on a
 * signal, so each case is a child process stopped while it writes; it says when it got there on stdout.
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ARTIFACT_LIST, STAGING_DIR, stageArtifacts} from '../../src/core/artifact-set.js'
import {distBuilt, distModule, moduleChild} from '../helpers/module-child.js'

const eachWithDist = distBuilt('core/exit-cleanup.js', 'interrupted-write tests') ? it.each : it.skip.each

let temp: string
let out: string
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'cci-interrupted-writes-'))
  out = join(temp, 'out')
  mkdirSync(out)
})
afterEach(async () => rm(temp, {recursive: true, force: true}))

/**
 * Runs `script` (ESM) in a child holding the output folder's lock, as every run that writes there does (so its
 * signal handlers are installed).
 */
function child(script: string) {
  const locked = `import {acquireFolderLock} from ${distModule('core/folder-lock.js')}\nawait acquireFolderLock(${JSON.stringify(out)}, 'run')\n`
  return moduleChild(locked + script, {TMPDIR: temp})
}

/** Waits (inside the child) until every path exists, then prints `ready`. */
const whenExist = (paths: string) => `
  const wanted = ${paths}
  const timer = setInterval(() => {
    if (wanted.every((path) => existsSync(path))) {
      clearInterval(timer)
      process.stdout.write('ready\\n')
    }
  }, 5)
`

const STATUS = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const

describe('a signal while a file is written', () => {
  eachWithDist(STATUS)('%s as the merged usage.csv is about to replace the old one: no temp file is left, exit %i', async (signal, status) => {
    writeFileSync(join(out, 'usage.csv'), 'the previous export\n')
    const {proc, exited, ready} = child(`
      import {writeFileSync} from 'node:fs'
      import {join} from 'node:path'
      import {assembleParts} from ${distModule('export/merge.js')}
      import {scanPartFile} from ${distModule('export/part-scan.js')}
      const work = ${JSON.stringify(temp)}
      writeFileSync(join(work, 'part.csv'), 'ORGANIZATION_ID,JOB_ID\\norg,1\\n')
      const options = {label: 'part 1 of 1 of job j', boundaryDays: [], collectRepeats: false}
      const plainPath = join(work, 'part.plain.csv')
      const scan = await scanPartFile(join(work, 'part.csv'), plainPath, options)
      // Stops where the merged file is complete and not yet renamed into place.
      await assembleParts([{label: options.label, window: 0, plainPath, scan}], join(${JSON.stringify(out)}, 'usage.csv'), ['ORGANIZATION_ID', 'JOB_ID'], () => {
        process.stdout.write('ready\\n')
        return new Promise(() => setInterval(() => undefined, 1000))
      })
    `)
    await ready
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toHaveLength(1)
    proc.kill(signal)
    expect(await exited).toEqual({code: status, signal: null})
    expect(readdirSync(out)).toEqual(['usage.csv'])
    expect(readFileSync(join(out, 'usage.csv'), 'utf8')).toBe('the previous export\n')
  })

  eachWithDist(STATUS)('%s while a by-*.csv is streamed: no temp file is left, exit %i', async (signal, status) => {
    const {proc, exited, ready} = child(`
      import {existsSync, readdirSync} from 'node:fs'
      import {join} from 'node:path'
      import {createAtomicWriteStream} from ${distModule('core/atomic.js')}
      const atomic = await createAtomicWriteStream(join(${JSON.stringify(out)}, 'by-project.csv'))
      atomic.stream.write('project,credits\\n')
      const timer = setInterval(() => {
        if (readdirSync(${JSON.stringify(out)}).some((name) => name.endsWith('.tmp'))) {
          clearInterval(timer)
          process.stdout.write('ready\\n')
          setInterval(() => undefined, 1000)
        }
      }, 5)
    `)
    await ready
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toHaveLength(1)
    proc.kill(signal)
    expect(await exited).toEqual({code: status, signal: null})
    expect(readdirSync(out)).toEqual([])
  })

  eachWithDist(STATUS)('%s while a report set is staged: the staging folder goes, the previous set stays, exit %i', async (signal, status) => {
    const previous = await stageArtifacts(out, {last: 'summary.json'})
    writeFileSync(join(previous.dir, 'by-project.csv'), 'old\n')
    writeFileSync(join(previous.dir, 'summary.json'), '{"old":true}\n')
    await previous.publish()
    const before = readdirSync(out).sort()

    const {proc, exited, ready} = child(`
      import {writeFileSync} from 'node:fs'
      import {join} from 'node:path'
      import {stageArtifacts} from ${distModule('core/artifact-set.js')}
      const staging = await stageArtifacts(${JSON.stringify(out)}, {last: 'summary.json'})
      writeFileSync(join(staging.dir, 'by-project.csv'), 'new\\n')
      process.stdout.write('ready\\n')
      setInterval(() => undefined, 1000)
    `)
    await ready
    expect(existsSync(join(out, STAGING_DIR, 'by-project.csv'))).toBe(true)
    proc.kill(signal)
    expect(await exited).toEqual({code: status, signal: null})
    expect(readdirSync(out).sort()).toEqual(before)
    expect(before).toEqual([ARTIFACT_LIST, 'by-project.csv', 'summary.json'].sort())
  })

  eachWithDist(STATUS)('%s while a part downloads: neither its .csv.gz.partial nor its .csv.partial is left, exit %i', async (signal, status) => {
    const parts = join(out, '.parts')
    mkdirSync(parts)
    const dest = join(parts, 'job-1.csv.gz')
    const {proc, exited, ready} = child(`
      import {existsSync} from 'node:fs'
      import {createServer} from 'node:http'
      import {gzipSync} from 'node:zlib'
      import {downloadPart, JobLinks} from ${distModule('export/download.js')}
      import {PartScanner} from ${distModule('export/part-scan.js')}
      // A server that sends the first half of a part and then stalls, as a slow download does.
      const body = gzipSync(Buffer.from('ORGANIZATION_ID,JOB_ID\\n' + 'org,job\\n'.repeat(100000)))
      const server = createServer((request, response) => {
        response.writeHead(200, {'content-length': body.length})
        response.write(body.subarray(0, body.length >> 1))
      })
      await new Promise((done) => server.listen(0, '127.0.0.1', done))
      const url = 'http://127.0.0.1:' + server.address().port + '/part-0.csv.gz'
      const dest = ${JSON.stringify(dest)}
      const links = new JobLinks([url], async () => [url])
      const options = {label: 'part 1 of 1 of job job', boundaryDays: [], collectRepeats: false}
      void downloadPart({jobId: 'job', index: 0, total: 1, links, dest}, {clock: () => new Date(), log: () => undefined}, () => new PartScanner(dest.replace(/\\.gz$/, ''), options))
      ${whenExist(`[dest + '.partial', dest.replace(/\\.gz$/, '') + '.partial']`)}
    `)
    await ready
    expect(readdirSync(parts).sort()).toEqual(['job-1.csv.gz.partial', 'job-1.csv.partial'])
    proc.kill(signal)
    expect(await exited).toEqual({code: status, signal: null})
    expect(readdirSync(parts)).toEqual([])
  })
})
