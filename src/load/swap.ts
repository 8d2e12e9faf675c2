/**
 * Publishing a load's month folders: each prepared folder replaces the live one by two renames (live -> retired,
 * prepared -> live), one month after the other. A failure on any month puts back every month already swapped, so
 * a failed load leaves the lake as it was. The file operations are arguments, so the rollback is tested by
 * making one of them fail.
 */
import {basename, join} from 'node:path'

export interface FolderSwap {
  /** The folder to publish, or null to remove the live one (every row of the month was replaced). */
  prepared: string | null
  live: string
  /** Where the live folder goes meanwhile (inside the load's work folder, deleted afterwards). */
  retired: string
}

export interface FolderOps {
  rename(from: string, to: string): Promise<void>
  exists(path: string): boolean
}

/** Putting a month back failed too: its previous files are only in `retired` folders, which must be kept. */
export class RollbackFailed extends Error {}

interface Done {
  swap: FolderSwap
  hadLive: boolean
  published: boolean
}

async function undo(done: Done, ops: FolderOps): Promise<void> {
  const {swap, hadLive, published} = done
  if (published && swap.prepared !== null) await ops.rename(swap.live, swap.prepared)
  if (hadLive) await ops.rename(swap.retired, swap.live)
}

export async function swapFolders(swaps: readonly FolderSwap[], ops: FolderOps): Promise<void> {
  const done: Done[] = []
  try {
    for (const swap of swaps) {
      const step: Done = {swap, hadLive: ops.exists(swap.live), published: false}
      if (step.hadLive) await ops.rename(swap.live, swap.retired)
      // Recorded before the second rename, so that its failure puts the retired folder back too.
      done.push(step)
      if (swap.prepared !== null) {
        await ops.rename(swap.prepared, swap.live)
        step.published = true
      }
    }
  } catch (error) {
    const stuck: string[] = []
    for (const step of done.reverse()) {
      await undo(step, ops).catch(() => stuck.push(step.swap.live))
    }
    if (stuck.length > 0) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new RollbackFailed(`${reason}; putting back ${stuck.join(', ')} failed too: their previous files are in ${done.filter((step) => stuck.includes(step.swap.live)).map((step) => step.swap.retired).join(', ')}`)
    }
    throw error
  }
}

/** A swap as planned before it began: whether the month had a live folder then tells a new month from an old one. */
export interface PlannedSwap extends FolderSwap {
  hadLive: boolean
}

/**
 * Puts every month of a swap that stopped part-way (the load killed, or its own rollback failed) back as it was
 * before that load, from the state its folders are in: a month whose retired folder is still there had its live
 * one taken out, so a live folder beside it is the dead load's (moved to `discarded`) and the retired one goes
 * back; a month that was new has no retired folder, and its live one is the dead load's when its prepared folder
 * is gone. Every step is a rename of a state that tells what is left to do, so a rollback stopped in its turn is
 * finished by the next one. Returns the live folders it changed. Only for a load known to be dead (the lock).
 */
export async function rollBackInterruptedSwap(swaps: readonly PlannedSwap[], discarded: string, ops: FolderOps): Promise<string[]> {
  const changed: string[] = []
  for (const swap of [...swaps].reverse()) {
    const retiredThere = swap.hadLive && ops.exists(swap.retired)
    const liveIsNew = ops.exists(swap.live) && (swap.hadLive ? retiredThere : swap.prepared !== null && !ops.exists(swap.prepared))
    if (liveIsNew) await ops.rename(swap.live, join(discarded, basename(swap.live)))
    if (retiredThere) await ops.rename(swap.retired, swap.live)
    if (liveIsNew || retiredThere) changed.push(swap.live)
  }
  return changed
}
