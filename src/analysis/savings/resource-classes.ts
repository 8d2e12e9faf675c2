/**
 * CircleCI resource classes: size, family and credit rate (credits per minute). THE one data file for rates.
 *
 * SOURCE and DATE (compiled 2026-11-22; export rates are as billed in 2024-11; CircleCI changes prices, re-check before relying on it):
 * - Sizes (vCPU, RAM): CircleCI configuration reference, resource_class tables for Docker, Linux VM, Arm VM,
 *   Windows and macOS (https://circleci.com/docs/configuration-reference/#resourceclass).
 * - Rates published by CircleCI: Docker small 5, large 20 (https://circleci.com/docs/credits/), Docker medium 10
 *   (https://support.circleci.com/hc/en-us/articles/360060624931), Linux VM medium 10 and Windows medium 40
 *   (https://circleci.com/pricing/ FAQ "What do I get with 2,500 free credits / week?"), Docker medium+ 15
 *   (CircleCI's own rightsizing pull requests quote "medium+ costs 15 credits/min; large costs 20").
 * - Rates observed in a real Usage API export (usage-export 2024-11-10..2024-11-18, CircleCI-Public/multi_org_usage_report):
 *   the most frequent COMPUTE_CREDITS / (JOB_RUN_SECONDS x PARALLELISM / 60) per (EXECUTOR, RESOURCE_CLASS) over
 *   runs longer than a minute. It confirms every rate above that the export covers and adds: Docker xlarge 40;
 *   Linux VM large 20, xlarge 100, 2xlarge 200; Arm VM arm.large 20, arm.xlarge 100; remote Docker large 20,
 *   xlarge 100. (GPU classes showed 160 and 240 but are never resized, so they are not listed.)
 * - Docker 2xlarge 80: not in the export and not found on a CircleCI page here; kept because Docker costs exactly
 *   5 credits per vCPU-minute on every size verified above (1, 2, 3, 4, 8 vCPU) and 80 is the figure the
 *   project's issue quotes for the 16-vCPU class. Weakest entry of the table.
 * Every other class (Arm Docker, larger Windows, macOS, Linux VM 2xlarge+, ...) is listed for its size and family so
 * rightsizing can still name the next class, but its rate is null: an estimate is only made between two known rates,
 * never from a guess.
 */

export const RATE_TABLE_SOURCE =
  'CircleCI docs (configuration reference, credits, pricing FAQ) + rates observed in a real Usage API export (2024-11)'
export const RATE_TABLE_DATE = '2026-11-22'

/**
 * A family is the set of classes a job can move between by changing only `resource_class`: same executor and
 * architecture. GPU and self-hosted runner classes are families of their own that are never resized.
 */
export type ResourceClassFamily =
  | 'docker'
  | 'docker-arm'
  | 'linux-vm'
  | 'arm-vm'
  | 'remote-docker'
  | 'windows'
  | 'macos-m1'
  | 'macos-m2pro'
  | 'macos-m4pro'
  | 'gpu'
  | 'runner'

export interface ResourceClassSpec {
  family: ResourceClassFamily
  /** The `resource_class` value as written in config and exported in RESOURCE_CLASS. */
  name: string
  vcpus: number
  ramGb: number
  /** Position on the family's size ladder. "+" classes sit between two whole steps and are never a target. */
  step: number
  creditsPerMinute: number | null
}

type Row = [name: string, vcpus: number, ramGb: number, step: number, creditsPerMinute: number | null]

function family(name: ResourceClassFamily, rows: Row[]): ResourceClassSpec[] {
  return rows.map(([className, vcpus, ramGb, step, creditsPerMinute]) => ({
    family: name,
    name: className,
    vcpus,
    ramGb,
    step,
    creditsPerMinute,
  }))
}

export const RESOURCE_CLASSES: readonly ResourceClassSpec[] = [
  ...family('docker', [
    ['small', 1, 2, 1, 5],
    ['medium', 2, 4, 2, 10],
    ['medium+', 3, 6, 2.5, 15],
    ['large', 4, 8, 3, 20],
    ['xlarge', 8, 16, 4, 40],
    ['2xlarge', 16, 32, 5, 80],
    ['2xlarge+', 20, 40, 5.5, null],
  ]),
  ...family('docker-arm', [
    ['arm.medium', 2, 8, 2, null],
    ['arm.large', 4, 16, 3, null],
    ['arm.xlarge', 8, 32, 4, null],
    ['arm.2xlarge', 16, 64, 5, null],
  ]),
  ...family('linux-vm', [
    ['medium', 2, 7.5, 2, 10],
    ['large', 4, 15, 3, 20],
    ['xlarge', 8, 32, 4, 100],
    ['2xlarge', 16, 64, 5, 200],
    ['2xlarge+', 32, 64, 5.5, null],
  ]),
  ...family('arm-vm', [
    ['arm.medium', 2, 8, 2, null],
    ['arm.large', 4, 16, 3, 20],
    ['arm.xlarge', 8, 32, 4, 100],
    ['arm.2xlarge', 16, 64, 5, null],
  ]),
  // The remote Docker engine of `setup_remote_docker` runs on Linux VM sizes and is billed at Linux VM rates.
  ...family('remote-docker', [
    ['medium', 2, 7.5, 2, null],
    ['large', 4, 15, 3, 20],
    ['xlarge', 8, 32, 4, 100],
    ['2xlarge', 16, 64, 5, null],
  ]),
  ...family('windows', [
    ['windows.medium', 4, 15, 2, 40],
    ['windows.large', 8, 30, 3, null],
    ['windows.xlarge', 16, 60, 4, null],
    ['windows.2xlarge', 32, 128, 5, null],
  ]),
  ...family('macos-m1', [
    ['macos.m1.medium.gen1', 4, 6, 2, null],
    ['macos.m1.large.gen1', 8, 12, 3, null],
  ]),
  ...family('macos-m2pro', [
    ['m2pro.medium', 4, 8, 2, null],
    ['m2pro.large', 8, 16, 3, null],
  ]),
  ...family('macos-m4pro', [
    ['m4pro.medium', 6, 28, 2, null],
    ['m4pro.large', 12, 56, 3, null],
  ]),
]
