import {describe, expect, test} from '@jest/globals'

import {DEFAULT_RATE_TABLE, findClass, resolveFamily, stepDown, stepUp} from '../../src/analysis/savings/rates.js'
import {DEFAULT_THRESHOLDS, classifyGroup, perWeek, type GroupStats} from '../../src/analysis/savings/rules.js'

/** A group that downsizes under the defaults: docker large, quiet, no spikes, 900 compute credits in 9 days. */
function group(overrides: Partial<GroupStats> = {}): GroupStats {
  return {
    org: 'acme',
    project: 'api',
    workflow: 'build-test',
    job: 'build',
    resourceClass: 'large',
    executor: 'docker',
    runs: 10,
    runsWithUtilisation: 10,
    medianCpuPct: 20,
    medianRamPct: 20,
    p95MaxCpuPct: 30,
    p95MaxRamPct: 30,
    spikeShare: 0,
    credits: 900,
    windowDays: 9,
    ...overrides,
  }
}

const classify = (overrides: Partial<GroupStats>) => classifyGroup(group(overrides), DEFAULT_THRESHOLDS, DEFAULT_RATE_TABLE)

describe('classifyGroup thresholds', () => {
  test.each([
    ['median CPU exactly 40 %', {medianCpuPct: 40}, 'down'],
    ['median CPU 40.01 %', {medianCpuPct: 40.01}, null],
    ['median RAM exactly 40 %', {medianRamPct: 40}, 'down'],
    ['median RAM 40.01 %', {medianRamPct: 40.01}, null],
    ['5 runs with utilisation', {runsWithUtilisation: 5}, 'down'],
    ['4 runs with utilisation (even with 10 runs)', {runsWithUtilisation: 4}, null],
    ['spike share 19 %', {spikeShare: 0.19}, 'down'],
    ['spike share 20 %', {spikeShare: 0.2}, null],
    // docker large 4 vCPU / 8 GB -> medium 2 vCPU / 4 GB: the p95 doubles on the smaller class.
    ['p95 max CPU 34.99 % (69.98 % of a medium)', {p95MaxCpuPct: 34.99}, 'down'],
    ['p95 max CPU 35 % (70 % of a medium)', {p95MaxCpuPct: 35}, null],
    ['p95 max CPU 45 % (90 % of a medium)', {p95MaxCpuPct: 45}, null],
    ['p95 max RAM 34.99 % (69.98 % of a medium)', {p95MaxRamPct: 34.99}, 'down'],
    ['p95 max RAM 35 % (70 % of a medium)', {p95MaxRamPct: 35}, null],
    ['median CPU 79.99 % is neither low nor high', {medianCpuPct: 79.99}, null],
    ['median CPU exactly 80 %', {medianCpuPct: 80}, 'up'],
    ['median RAM exactly 80 % (CPU low)', {medianRamPct: 80}, 'up'],
    ['no utilisation at all', {runsWithUtilisation: 0, medianCpuPct: null, medianRamPct: null, p95MaxCpuPct: null, p95MaxRamPct: null}, null],
  ] as const)('%s', (_name, overrides, expected) => {
    expect(classify(overrides)?.direction ?? null).toBe(expected)
  })

  test('thresholds are parameters, not constants', () => {
    const stats = group({p95MaxCpuPct: 38.2})
    expect(classifyGroup(stats, DEFAULT_THRESHOLDS, DEFAULT_RATE_TABLE)).toBeNull()
    expect(classifyGroup(stats, {...DEFAULT_THRESHOLDS, spikePct: 80}, DEFAULT_RATE_TABLE)?.suggestedClass).toBe('medium')
  })
})

describe('classifyGroup suggestion and estimate', () => {
  test('docker large -> medium saves half the compute credits, normalised to a week', () => {
    const candidate = classify({})
    expect(candidate).toMatchObject({
      direction: 'down',
      suggestedClass: 'medium',
      currentRate: 20,
      suggestedRate: 10,
      change: 'resource_class: medium in job build of project api',
    })
    // 900 credits in 9 days = 700 per week; at 10/20 of the rate half of it is saved.
    expect(candidate?.creditsPerWeek).toBe(700)
    expect(candidate?.estimatedSavingsPerWeek).toBe(350)
  })

  test('an upsize reports its extra cost as negative savings', () => {
    const candidate = classify({resourceClass: 'medium', medianCpuPct: 95})
    expect(candidate).toMatchObject({direction: 'up', suggestedClass: 'large', currentRate: 10, suggestedRate: 20})
    // 700 credits per week at twice the rate: 700 more per week.
    expect(candidate?.estimatedSavingsPerWeek).toBe(-700)
  })

  test('medium+ steps down to medium and up to large (no step to or from a "+" class)', () => {
    expect(classify({resourceClass: 'medium+'})?.suggestedClass).toBe('medium')
    expect(classify({resourceClass: 'xlarge', p95MaxCpuPct: 30})?.suggestedClass).toBe('large')
    expect(classify({resourceClass: 'medium+', medianCpuPct: 90})?.suggestedClass).toBe('large')
  })

  test('the smallest class is never downsized and the largest never upsized', () => {
    expect(classify({resourceClass: 'small'})).toBeNull()
    expect(classify({resourceClass: 'medium', executor: 'machine'})).toBeNull()
    expect(classify({resourceClass: 'windows.medium', executor: 'machine'})).toBeNull()
    expect(classify({resourceClass: '2xlarge', medianCpuPct: 99})).toBeNull()
  })

  test('executor decides the family: medium on machine is a Linux VM, large on machine steps to a VM medium', () => {
    const vm = classify({resourceClass: 'large', executor: 'machine'})
    expect(vm).toMatchObject({suggestedClass: 'medium', currentRate: 20, suggestedRate: 10})
    // The VM medium has 7.5 GB against the large's 15 GB: RAM doubles too, like Docker.
    expect(classify({resourceClass: 'large', executor: 'machine', p95MaxRamPct: 35})).toBeNull()
    const vmUp = classify({resourceClass: 'xlarge', executor: 'machine', medianCpuPct: 85})
    expect(vmUp).toMatchObject({suggestedClass: '2xlarge', currentRate: 100, suggestedRate: 200})
  })

  test('Linux VM xlarge -> large scales by 8/4 vCPU and 32/15 GB', () => {
    expect(classify({resourceClass: 'xlarge', executor: 'machine', p95MaxRamPct: 32.8})?.suggestedClass).toBe('large')
    // 32.9 % of 32 GB is 10.5 GB = 70.2 % of 15 GB.
    expect(classify({resourceClass: 'xlarge', executor: 'machine', p95MaxRamPct: 32.9})).toBeNull()
    const candidate = classify({resourceClass: 'xlarge', executor: 'machine'})
    // 700 credits a week x (1 - 20 / 100), exactly.
    expect(candidate?.estimatedSavingsPerWeek).toBe(560)
  })

  test('arm stays arm: arm.xlarge -> arm.large on a VM, with rates', () => {
    const candidate = classify({resourceClass: 'arm.xlarge', executor: 'machine'})
    expect(candidate).toMatchObject({suggestedClass: 'arm.large', currentRate: 100, suggestedRate: 20})
    expect(candidate?.estimatedSavingsPerWeek).toBe(560)
  })

  test('a class whose rate is not in the table gets a suggestion but no estimate', () => {
    // arm.large -> arm.medium: arm.medium's rate is unverified, so no number is made up.
    const arm = classify({resourceClass: 'arm.large', executor: 'machine'})
    expect(arm).toMatchObject({suggestedClass: 'arm.medium', currentRate: 20, suggestedRate: null, estimatedSavingsPerWeek: null})
    const dockerArm = classify({resourceClass: 'arm.large', executor: 'docker'})
    expect(dockerArm).toMatchObject({suggestedClass: 'arm.medium', currentRate: null, estimatedSavingsPerWeek: null})
    const windows = classify({resourceClass: 'windows.large', executor: 'machine'})
    expect(windows).toMatchObject({suggestedClass: 'windows.medium', currentRate: null, suggestedRate: 40, estimatedSavingsPerWeek: null})
  })

  test('macOS stays within its generation', () => {
    expect(classify({resourceClass: 'm2pro.large', executor: 'macos'})?.suggestedClass).toBe('m2pro.medium')
    expect(classify({resourceClass: 'macos.m1.large.gen1', executor: 'macos'})?.suggestedClass).toBe('macos.m1.medium.gen1')
    expect(classify({resourceClass: 'm4pro.medium', executor: 'macos', medianRamPct: 90})?.suggestedClass).toBe('m4pro.large')
    expect(classify({resourceClass: 'm2pro.medium', executor: 'macos'})).toBeNull()
  })

  test.each([
    ['GPU class', 'gpu.nvidia.medium.multi', 'machine'],
    ['Windows GPU class', 'windows.gpu.nvidia.medium', 'machine'],
    ['self-hosted runner class', 'determined.ai/container.runner.gpu', 'runner'],
    ['runner class even if the executor is missing', 'acme/big-box', null],
    ['unknown class name', 'huge', 'docker'],
    ['class without an executor', 'large', null],
    ['unknown executor', 'large', 'kubernetes'],
  ] as const)('%s is never resized', (_name, resourceClass, executor) => {
    expect(classify({resourceClass, executor})).toBeNull()
    expect(classify({resourceClass, executor, medianCpuPct: 99})).toBeNull()
  })
})

describe('rate table', () => {
  test.each([
    ['medium', 'docker', 'docker'],
    ['medium', 'machine', 'linux-vm'],
    ['large', 'remote-docker', 'remote-docker'],
    ['arm.large', 'machine', 'arm-vm'],
    ['arm.large', 'docker', 'docker-arm'],
    ['windows.medium', 'machine', 'windows'],
    ['m4pro.medium', 'macos', 'macos-m4pro'],
    ['gpu.nvidia.small.multi', 'machine', 'gpu'],
    ['determined.ai/znode.cluster', 'runner', 'runner'],
    ['LARGE', 'DOCKER', 'docker'],
    ['large', null, null],
  ] as const)('%s on %s is family %s', (resourceClass, executor, family) => {
    expect(resolveFamily(resourceClass, executor)).toBe(family)
  })

  test('every class is unique within its family and every whole-step ladder is strictly growing', () => {
    const seen = new Set<string>()
    for (const spec of DEFAULT_RATE_TABLE.classes) {
      const key = `${spec.family}/${spec.name}`
      expect(seen.has(key)).toBe(false)
      seen.add(key)
      const down = stepDown(DEFAULT_RATE_TABLE, spec)
      if (down !== null) {
        expect(down.family).toBe(spec.family)
        expect(down.vcpus).toBeLessThan(spec.vcpus)
        if (down.creditsPerMinute !== null && spec.creditsPerMinute !== null) {
          expect(down.creditsPerMinute).toBeLessThan(spec.creditsPerMinute)
        }
      }
      const up = stepUp(DEFAULT_RATE_TABLE, spec)
      if (up !== null) expect(up.vcpus).toBeGreaterThan(spec.vcpus)
    }
  })

  test('the table carries its source and date', () => {
    expect(DEFAULT_RATE_TABLE.source).toMatch(/CircleCI/)
    expect(DEFAULT_RATE_TABLE.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })

  test('findClass needs the executor to tell Docker medium from VM medium', () => {
    expect(findClass(DEFAULT_RATE_TABLE, 'medium', 'docker')?.ramGb).toBe(4)
    expect(findClass(DEFAULT_RATE_TABLE, 'medium', 'machine')?.ramGb).toBe(7.5)
  })

  test('perWeek normalises any window to 7 days', () => {
    expect(perWeek(90, 9)).toBe(70)
    expect(perWeek(100, 7)).toBe(100)
    expect(perWeek(100, 0)).toBe(0)
  })
})
