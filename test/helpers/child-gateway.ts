import type { ChildProcess } from 'node:child_process'
import { expect } from 'vitest'
import {
  captureOutput,
  exitOf,
  freePort,
  GATEWAY_ENTRY,
  spawnGateway as spawnCompiled,
  spawnTs,
  waitHttp,
} from '../../scripts/lib/processes.ts'
import { ADMIN_TOKEN, registrationFor } from './gateway.ts'

export interface ChildGateway {
  process: ChildProcess
  httpUrl: string
  mqttUrl: string
  output(): string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/**
 * Runs `gateway/main.ts` as its own process with the given AEDGW_* env, from its sources (tsx),
 * or with `compiled`, as `npm start` does: compiled into dist/ first.
 */
export async function spawnGateway(
  env: Record<string, string>,
  ports?: { mqtt: number; http: number },
  opts: { compiled?: boolean } = {},
): Promise<ChildGateway> {
  const mqtt = ports?.mqtt ?? (await freePort())
  const http = ports?.http ?? (await freePort())
  const start = opts.compiled
    ? spawnCompiled
    : (o: Parameters<typeof spawnTs>[2]) => spawnTs(GATEWAY_ENTRY, [], o)
  const child = await start({
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
  })
  return {
    process: child,
    httpUrl: `http://127.0.0.1:${http}`,
    mqttUrl: `mqtt://127.0.0.1:${mqtt}`,
    output: captureOutput(child),
    exited: exitOf(child),
  }
}

/** Waits until /readyz answers 200 (or the process dies). */
export function waitReady(gw: ChildGateway, timeoutMs = 60_000): Promise<void> {
  return waitHttp(`${gw.httpUrl}/readyz`, {
    timeoutMs,
    status: 200,
    child: gw.process,
    detail: () => `: ${gw.output().slice(-2000)}`,
  })
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
