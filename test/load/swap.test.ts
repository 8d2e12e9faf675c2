/** Publishing month folders (src/load/swap.ts): a failure on any month puts back every month already swapped. */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {rename} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {RollbackFailed, rollBackInterruptedSwap, swapFolders, type FolderOps, type FolderSwap, type PlannedSwap} from '../../src/load/swap.js'

let root: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'cci-usage-swap-'))
  for (const dir of ['lake', 'prepared', 'retired']) mkdirSync(join(root, dir))
})
afterEach(() => rmSync(root, {recursive: true, force: true}))

/** A month folder holding one file whose text says which version it is. */
function month(parent: string, name: string, version: string): void {
  mkdirSync(join(root, parent, name))
  writeFileSync(join(root, parent, name, 'data.parquet'), version)
}

/** Every month of the lake and the version it holds. */
function lake(): Record<string, string> {
  return Object.fromEntries(readdirSync(join(root, 'lake')).sort().map((name) => [name, readFileSync(join(root, 'lake', name, 'data.parquet'), 'utf8')]))
}

function swaps(names: string[], removed: string[] = []): FolderSwap[] {
  return names.map((name) => ({
    prepared: removed.includes(name) ? null : join(root, 'prepared', name),
    live: join(root, 'lake', name),
    retired: join(root, 'retired', name),
  }))
}

/** Real renames, except that the `failAt`-th call (1-based) fails as a full or read-only disk would. */
function failingOps(failAt: number, alsoFail: (call: number) => boolean = () => false): FolderOps {
  let calls = 0
  return {
    exists: existsSync,
    async rename(from, to) {
      calls++
      if (calls === failAt || alsoFail(calls)) throw Object.assign(new Error(`EROFS: read-only file system, rename '${from}'`), {code: 'EROFS'})
      await rename(from, to)
    },
  }
}

describe('swapFolders', () => {
  beforeEach(() => {
    month('lake', 'month=2024-09', 'old-09')
    month('lake', 'month=2024-10', 'old-10')
    month('lake', 'month=2024-11', 'old-11')
    month('prepared', 'month=2024-10', 'new-10')
    month('prepared', 'month=2024-11', 'new-11')
    month('prepared', 'month=2024-12', 'new-12')
  })

  it('publishes every prepared month, removes a month with nothing left, and keeps the others', async () => {
    await swapFolders(swaps(['month=2024-09', 'month=2024-10', 'month=2024-11', 'month=2024-12'], ['month=2024-09']), failingOps(0))
    expect(lake()).toEqual({'month=2024-10': 'new-10', 'month=2024-11': 'new-11', 'month=2024-12': 'new-12'})
  })

  // Renames: 10 live->retired (1), 10 prepared->live (2), 11 live->retired (3), 11 prepared->live (4), 12 prepared->live (5).
  for (const failAt of [1, 2, 3, 4, 5]) {
    it(`a failure at rename ${failAt} of 5 leaves the lake as it was`, async () => {
      const before = lake()
      await expect(swapFolders(swaps(['month=2024-10', 'month=2024-11', 'month=2024-12']), failingOps(failAt))).rejects.toThrow(/EROFS/)
      expect(lake()).toEqual(before)
    })
  }

  describe('a load killed during its swap, put back by the next one (rollBackInterruptedSwap)', () => {
    const names = ['month=2024-09', 'month=2024-10', 'month=2024-11', 'month=2024-12']
    /** The plan a load writes before its first rename: 09 emptied, 10 and 11 replaced, 12 new. */
    const planned = (): PlannedSwap[] => swaps(names, ['month=2024-09']).map((swap) => ({...swap, hadLive: existsSync(swap.live)}))
    const discarded = () => {
      mkdirSync(join(root, 'discarded'), {recursive: true})
      return join(root, 'discarded')
    }

    /** Real renames until the `stopAt`-th call, which never returns: the process as SIGKILL leaves it. */
    function killedAt(stopAt: number): {ops: FolderOps; stopped: Promise<void>} {
      let calls = 0
      let stop: () => void = () => undefined
      const stopped = new Promise<void>((resolve) => (stop = resolve))
      return {
        stopped,
        ops: {
          exists: existsSync,
          async rename(from, to) {
            calls++
            if (calls === stopAt) {
              stop()
              await new Promise(() => undefined)
            }
            await rename(from, to)
          },
        },
      }
    }
    const realOps: FolderOps = {exists: existsSync, rename}

    // Before: no automatic way back; the next load refused until the user moved retired/ months back by hand,
    // and a month new to the lake (12) stayed from the dead load. Renames of the swap: 09 (1), 10 (2, 3), 11 (4, 5),
    // 12 (6); killed at 1, nothing was renamed yet.
    for (const killAt of [2, 3, 4, 5, 6]) {
      it(`killed at rename ${killAt} of 6: the lake is put back as it was before that load`, async () => {
        const before = lake()
        const plan = planned()
        const killed = killedAt(killAt)
        void swapFolders(plan, killed.ops)
        await killed.stopped
        expect(lake()).not.toEqual(before)
        const changed = await rollBackInterruptedSwap(plan, discarded(), realOps)
        expect(lake()).toEqual(before)
        expect(changed.length).toBeGreaterThan(0)
        // Nothing left to do: a second pass changes nothing.
        expect(await rollBackInterruptedSwap(plan, discarded(), realOps)).toEqual([])
        expect(lake()).toEqual(before)
      })
    }

    // After the swap's renames 1-5 (09 retired; 10 and 11 new, their old folders retired), the rollback renames
    // 11 (1, 2), 10 (3, 4) and 09 (5).
    for (const stopAt of [1, 2, 3, 4, 5]) {
      it(`a rollback killed at its rename ${stopAt} of 5 is finished by the next one`, async () => {
        const before = lake()
        const plan = planned()
        const killed = killedAt(6)
        void swapFolders(plan, killed.ops)
        await killed.stopped
        const interrupted = killedAt(stopAt)
        void rollBackInterruptedSwap(plan, discarded(), interrupted.ops)
        await interrupted.stopped
        await rollBackInterruptedSwap(plan, discarded(), realOps)
        expect(lake()).toEqual(before)
      })
    }

    // The last kill point of the swap: every rename done, the marker not yet written (the load reported nothing).
    it('killed after its last rename, before its marker: the whole load is undone', async () => {
      const before = lake()
      const plan = planned()
      await swapFolders(plan, realOps)
      expect(lake()).not.toEqual(before)
      expect(await rollBackInterruptedSwap(plan, discarded(), realOps)).toHaveLength(4)
      expect(lake()).toEqual(before)
    })

    it('after its own rollback failed (RollbackFailed), the next load finishes it', async () => {
      const before = lake()
      const plan = planned()
      await expect(swapFolders(plan, failingOps(5, (call) => call === 6))).rejects.toBeInstanceOf(RollbackFailed)
      expect(lake()).not.toEqual(before)
      await rollBackInterruptedSwap(plan, discarded(), realOps)
      expect(lake()).toEqual(before)
    })
  })

  it('when putting a month back fails too, says where its previous files are (RollbackFailed keeps them)', async () => {
    // The 5th rename fails; undoing then fails on month 2024-11's first undo rename (the 6th call).
    const error = await swapFolders(swaps(['month=2024-10', 'month=2024-11', 'month=2024-12']), failingOps(5, (call) => call === 6)).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RollbackFailed)
    expect(String(error)).toContain(join(root, 'retired', 'month=2024-11'))
    expect(readFileSync(join(root, 'retired', 'month=2024-11', 'data.parquet'), 'utf8')).toBe('old-11')
    expect(lake()['month=2024-10']).toBe('old-10')
  })
})
