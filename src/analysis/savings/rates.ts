import {
  RATE_TABLE_DATE,
  RATE_TABLE_SOURCE,
  RESOURCE_CLASSES,
  type ResourceClassFamily,
  type ResourceClassSpec,
} from './resource-classes.js'

export type {ResourceClassFamily, ResourceClassSpec} from './resource-classes.js'

export interface RateTable {
  source: string
  date: string
  classes: readonly ResourceClassSpec[]
}

export const DEFAULT_RATE_TABLE: RateTable = {
  source: RATE_TABLE_SOURCE,
  date: RATE_TABLE_DATE,
  classes: RESOURCE_CLASSES,
}

/**
 * Which family a run belongs to. The same RESOURCE_CLASS means different hardware under different executors
 * (`medium` is 4 GB on Docker, 7.5 GB on a Linux VM), so the executor is part of the answer. Returns null when the
 * pair cannot be placed (no executor, unknown executor): such groups are never resized.
 */
export function resolveFamily(resourceClass: string, executor: string | null): ResourceClassFamily | null {
  const name = resourceClass.toLowerCase()
  const exec = executor?.toLowerCase() ?? null
  // Self-hosted runner classes are `namespace/name`; their cost is the customer's own machines.
  if (name.includes('/') || exec === 'runner') return 'runner'
  if (name.startsWith('gpu.') || name.startsWith('windows.gpu.')) return 'gpu'
  if (name.startsWith('windows.')) return 'windows'
  if (name.startsWith('macos.m1.')) return 'macos-m1'
  if (name.startsWith('m2pro.')) return 'macos-m2pro'
  if (name.startsWith('m4pro.')) return 'macos-m4pro'
  if (name.startsWith('arm.')) {
    if (exec === 'docker') return 'docker-arm'
    if (exec === 'machine') return 'arm-vm'
    return null
  }
  if (exec === 'docker') return 'docker'
  if (exec === 'machine') return 'linux-vm'
  if (exec === 'remote-docker') return 'remote-docker'
  return null
}

export function findClass(table: RateTable, resourceClass: string, executor: string | null): ResourceClassSpec | null {
  const family = resolveFamily(resourceClass, executor)
  if (family === null) return null
  const name = resourceClass.toLowerCase()
  return table.classes.find((spec) => spec.family === family && spec.name === name) ?? null
}

/**
 * The next smaller whole step of the same family (large -> medium, medium+ -> medium), or null at the bottom.
 * "+" classes are never proposed: one step means one named size, as the issue asks (large -> medium).
 */
export function stepDown(table: RateTable, current: ResourceClassSpec): ResourceClassSpec | null {
  const smaller = table.classes.filter(
    (spec) => spec.family === current.family && Number.isInteger(spec.step) && spec.step < current.step,
  )
  return smaller.reduce<ResourceClassSpec | null>((best, spec) => (best === null || spec.step > best.step ? spec : best), null)
}

/** The next larger whole step of the same family (medium -> large, medium+ -> large), or null at the top. */
export function stepUp(table: RateTable, current: ResourceClassSpec): ResourceClassSpec | null {
  const larger = table.classes.filter(
    (spec) => spec.family === current.family && Number.isInteger(spec.step) && spec.step > current.step,
  )
  return larger.reduce<ResourceClassSpec | null>((best, spec) => (best === null || spec.step < best.step ? spec : best), null)
}
