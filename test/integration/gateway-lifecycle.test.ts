import { createHook } from 'node:async_hooks'
import { request } from 'node:http'
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  connectCabinet,
  heartbeat,
  registrationFor,
  startTestGateway,
  type TestGateway,
} from '../helpers/gateway.ts'

/**
 * Handles created from now on and not yet destroyed: timers (unref'd ones too, which
 * process.getActiveResourcesInfo() leaves out), servers, sockets, worker threads.
 */
function trackHandles(): { live(): string[]; disable(): void } {
  const kinds = new Set(['Timeout', 'TCPSERVERWRAP', 'TCPWRAP', 'TLSWRAP', 'WORKER', 'MESSAGEPORT'])
  const live = new Map<number, string>()
  const hook = createHook({
    init(id, type) {
      if (!kinds.has(type)) return
      // the waits of this test are not the gateway's
      if (type === 'Timeout' && new Error().stack?.includes('pauseForHandles')) return
      live.set(id, type)
    },
    destroy(id) {
      live.delete(id)
    },
  }).enable()
  return { live: () => [...live.values()].sort(), disable: () => hook.disable() }
}

/** A request on its own connection (no keep-alive pool left behind holding a socket). */
function call(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => {
          text += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || 'null') }))
      },
    )
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

function pauseForHandles(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.once('error', () => resolve(true))
  })
}

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.stop()
  gw = null
})

describe('gateway start and stop', () => {
  it('leaves no timer, socket or worker behind after stop, and starts again on the same data dir', async () => {
    const handles = trackHandles()
    gw = await startTestGateway()
    const gateway = gw.gateway
    const first = gateway.addresses()
    const reg = await call(first.http, 'POST', '/api/v1/cabinets', registrationFor('CAB-LIFE'))
    expect(reg.status).toBe(201)
    const cabinet = await connectCabinet(`mqtt://127.0.0.1:${first.mqtt}`, 'CAB-LIFE', reg.json.secret)
    await cabinet.publishAsync('aed/v1/CAB-LIFE/heartbeat', heartbeat(1, { door: 'open' }), { qos: 1 })
    await cabinet.endAsync()
    expect(handles.live()).toContain('TCPSERVERWRAP')

    await gateway.stop()
    expect(await refused(first.mqtt)).toBe(true)
    expect(await refused(first.http)).toBe(true)
    // sockets close on their next turn of the event loop
    // sockets close on their next turns of the event loop; InfluxDB's keep-alive ones on their timeout
    for (let i = 0; i < 150 && handles.live().length > 0; i++) await pauseForHandles(100)
    expect(handles.live()).toEqual([])
    handles.disable()

    await gateway.start()
    const second = gateway.addresses()
    // what the first run stored is there: the cabinet, its secret, its live state and alert
    const again = await connectCabinet(`mqtt://127.0.0.1:${second.mqtt}`, 'CAB-LIFE', reg.json.secret)
    await again.endAsync()
    const cab = await call(second.http, 'GET', '/api/v1/cabinets/CAB-LIFE')
    expect(cab.json.live.door).toBe('open')
    const alerts = await call(second.http, 'GET', '/api/v1/alerts?cabinet=CAB-LIFE&state=open')
    expect(alerts.json.items.map((a: { type: string }) => a.type)).toContain('door_open')
  })

  it('refuses to start twice and stops twice without harm', async () => {
    gw = await startTestGateway()
    await expect(gw.gateway.start()).rejects.toThrow(/already started/)
    await gw.gateway.stop()
    await gw.gateway.stop()
    expect(() => gw?.gateway.addresses()).toThrow(/not started/)
  })
})
