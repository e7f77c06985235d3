import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, stopChild, waitHttp } from './processes.ts'

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
  try {
    await waitHttp(`${url}/ping`, { status: 204, child, detail: () => `: ${stderr}` })
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return { url, port: httpPort, process: child, stop: () => stopChild(child) }
}

/** An influxd in a fresh temporary directory, removed again by its stop(). */
export async function startTempInfluxd(prefix = 'aedgw-influxd-'): Promise<Influxd> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    const influxd = await startInfluxd(dir)
    return {
      ...influxd,
      async stop() {
        await influxd.stop()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
