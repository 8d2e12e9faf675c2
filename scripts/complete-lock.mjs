#!/usr/bin/env node
// The npm registry mirror on our build machines serves only the linux-x64 builds of packages with per-platform
// binaries (@duckdb/node-bindings-*, @unrs/resolver-binding-*), so `npm install` here leaves the other
// platforms out of package-lock.json, and npm 11's `npm ci` then refuses the lock as incomplete. This adds an
// entry for every missing optional platform package, with its os/cpu/libc so npm skips it on other machines and
// fetches it by version on a machine of that platform. Run it after `npm install` changes the lock.
import {readFileSync, writeFileSync} from 'node:fs'

const path = process.argv[2] ?? 'package-lock.json'
const lock = JSON.parse(readFileSync(path, 'utf8'))
const packages = lock.packages

const OSES = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'sunos', 'netbsd', 'openbsd', 'aix']
const CPUS = ['arm64', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'arm']

function platformOf(name) {
  const base = name.split('/').pop()
  const os = OSES.find((candidate) => base.includes(candidate))
  const cpu = CPUS.find((candidate) => new RegExp(`-${candidate}(-|$)`).test(base))
  if (!os || !cpu) return undefined
  const libc = os === 'linux' ? (base.includes('musl') ? 'musl' : 'glibc') : undefined
  return {os, cpu, libc}
}

let added = 0
for (const [key, meta] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${key ? key + '/' : ''}node_modules/${name}`
    if (packages[nested] || packages[`node_modules/${name}`]) continue
    const platform = platformOf(name)
    if (!platform) continue
    packages[`node_modules/${name}`] = {
      version,
      cpu: [platform.cpu],
      os: [platform.os],
      ...(platform.libc ? {libc: [platform.libc]} : {}),
      optional: true,
    }
    added++
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)))
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
console.log(`complete-lock: added ${added} optional platform entries to ${path}`)
