import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { GATEWAY_NODE_FLAGS } from '../../scripts/gateway-flags.ts'
import { freePort } from '../../scripts/influxd.ts'
import { ADMIN_TOKEN, registrationFor } from './gateway.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ChildGateway {
  process: ChildProcess
  httpUrl: string
  mqttUrl: string
  output(): string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/** Runs `gateway/main.ts` as its own process, as `npm start` would, with the given AEDGW_* env. */
export async function spawnGateway(
  env: Record<string, string>,
  ports?: { mqtt: number; http: number },
): Promise<ChildGateway> {
  const mqtt = ports?.mqtt ?? (await freePort())
  const http = ports?.http ?? (await freePort())
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', 'tsx', 'gateway/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AEDGW_BIND: '127.0.0.1',
      AEDGW_MQTT_PORT: String(mqtt),
      AEDGW_HTTP_PORT: String(http),
      AEDGW_OPS_PORT: '0',
      AEDGW_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000)
  })
  child.stderr?.on('data', (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000)
  })
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  )
  return {
    process: child,
    httpUrl: `http://127.0.0.1:${http}`,
    mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
    output: () => out,
    exited,
  }
}

/** Waits until /readyz answers 200 (or the process dies). */
export async function waitReady(gw: ChildGateway, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (gw.process.exitCode !== null) throw new Error(`gateway exited: ${gw.output()}`)
    try {
      const res = await fetch(`${gw.httpUrl}/readyz`)
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`gateway not ready within ${timeoutMs} ms: ${gw.output().slice(-2000)}`)
}

/** Registers a cabinet through a child gateway's admin API (ADMIN_TOKEN); returns its secret. */
export async function registerOn(gw: ChildGateway, id: string): Promise<string> {
  const res = await fetch(`${gw.httpUrl}/api/v1/cabinets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(registrationFor(id)),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { secret: string }).secret
}
