/**
 * Runs a child process and measures it: wall seconds, peak RSS (the kernel's VmHWM, so sampling only has to
 * catch the process before it exits) and CPU seconds (user + system, steadier than wall time on a shared
 * machine; the last sample, up to 50 ms short). Linux /proc only.
 */
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'

export function peakRss(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** User + system CPU seconds of the process so far (all threads). */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
}

/** Runs `node args...`; resolves with {code, seconds, peakBytes, cpuSeconds, stdout, stderr}. */
export async function measureNode(args, options = {}) {
  const started = performance.now()
  const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe'], ...options})
  let peak = 0
  let cpu = 0
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRss(child.pid))
    cpu = Math.max(cpu, cpuSeconds(child.pid))
  }, 50)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode)))
  clearInterval(timer)
  return {code, seconds: (performance.now() - started) / 1000, peakBytes: peak, cpuSeconds: cpu, stdout, stderr}
}
