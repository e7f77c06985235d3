import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

export interface Influxd {
  url: string
  port: number
  process: ChildProcess
  stop(): Promise<void>
}

export function influxdAvailable(): boolean {
  return spawnSync('influxd', ['version'], { stdio: 'ignore' }).status === 0
}

/**
 * Starts Debian's InfluxDB 1.x on 127.0.0.1 with its data under `dir`: a local, throwaway
 * instance for the demo and the tests (no reporting, HTTP on loopback only).
 */
export async function startInfluxd(dir: string, port?: number): Promise<Influxd> {
  mkdirSync(dir, { recursive: true })
  const httpPort = port ?? (await freePort())
  const rpcPort = await freePort()
  const conf = join(dir, 'influxdb.conf')
  writeFileSync(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  index-version = "tsi1"
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  max-body-size = 0
[continuous_queries]
  enabled = true
  log-enabled = false
`,
  )
  const child = spawn('influxd', ['-config', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  const url = `http://127.0.0.1:${httpPort}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`influxd exited (${child.exitCode}): ${stderr}`)
    try {
      const res = await fetch(`${url}/ping`)
      if (res.status === 204) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`influxd did not answer /ping within 30 s: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
    })
  return { url, port: httpPort, process: child, stop }
}
