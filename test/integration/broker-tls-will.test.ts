import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { makeCerts } from '../helpers/certs.ts'
import { connectCabinet, heartbeat, startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

describe('MQTT over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-tls-'))
  const certs = makeCerts(dir, ['TLS-0001', 'NOT-REGISTERED'])

  it('accepts a cabinet by its secret over TLS when no CA is configured', async () => {
    const gw = await startTestGateway({ mqtt: { tls: { port: 0, cert: certs.cert, key: certs.key } } })
    try {
      const secret = await gw.register('TLS-0001')
      const port = gw.gateway.addresses().mqtts
      const c = await connectCabinet(`mqtts://127.0.0.1:${port}`, 'TLS-0001', secret, {
        ca: readFileSync(certs.ca),
      })
      await c.publishAsync(cabinetTopic('TLS-0001', 'heartbeat'), heartbeat(1), { qos: 1 })
      c.end(true)
      await eventually(async () =>
        (await influxRows(gw.db, 'SELECT seq FROM heartbeat')).length === 1 ? true : undefined,
      )
    } finally {
      await gw.stop()
    }
  })

  it('with a CA, admits a client certificate whose CN is the cabinet id without a password, and refuses a CN that is not', async () => {
    const gw = await startTestGateway({
      mqtt: { tls: { port: 0, cert: certs.cert, key: certs.key, ca: certs.ca } },
    })
    try {
      await gw.register('TLS-0001')
      await gw.register('TLS-0002')
      const url = `mqtts://127.0.0.1:${gw.gateway.addresses().mqtts}`
      const own = certs.client('TLS-0001')
      const tls = { ca: readFileSync(certs.ca), cert: readFileSync(own.cert), key: readFileSync(own.key) }
      const c = await connectCabinet(url, 'TLS-0001', '', { ...tls, password: undefined })
      expect(c.connected).toBe(true)
      c.end(true)
      // the same certificate may not log in as another cabinet
      await expect(
        connectCabinet(url, 'TLS-0002', '', { ...tls, password: undefined }),
      ).rejects.toMatchObject({ code: 5 })
      const stranger = certs.client('NOT-REGISTERED')
      await expect(
        connectCabinet(url, 'NOT-REGISTERED', '', {
          ca: readFileSync(certs.ca),
          cert: readFileSync(stranger.cert),
          key: readFileSync(stranger.key),
        }),
      ).rejects.toMatchObject({ code: 4 })
    } finally {
      await gw.stop()
    }
  })
})

describe('status, last will and limits', () => {
  it('publishes the last will when a cabinet vanishes and keeps the retained status across a restart', async () => {
    const gw = await startTestGateway()
    const dataDir = gw.dataDir
    const secret = await gw.register('WILL-0001')
    const will = {
      topic: cabinetTopic('WILL-0001', 'status'),
      payload: Buffer.from('offline'),
      qos: 1 as const,
      retain: true,
    }
    const c = await connectCabinet(gw.mqttUrl, 'WILL-0001', secret, { will })
    await c.publishAsync(cabinetTopic('WILL-0001', 'status'), 'online', { qos: 1, retain: true })
    // vanish without DISCONNECT: the broker must fire the will
    ;(c as unknown as { stream: { destroy(): void } }).stream.destroy()
    const rows = await eventually(async () => {
      const r = await influxRows(gw.db, `SELECT online FROM status WHERE cabinet = 'WILL-0001'`)
      return r.length === 2 ? r : undefined
    })
    expect(rows.map((r) => r.online)).toEqual([true, false])
    const live = await gw.api('GET', '/api/v1/cabinets/WILL-0001')
    expect(live.json.live).toMatchObject({ connected: false, status: 'offline' })
    await gw.gateway.stop()

    // a new gateway on the same data dir serves the retained "offline" to a subscriber
    const gw2 = await startTestGateway({ data_dir: dataDir })
    try {
      // a cabinet may not subscribe to its status; read the broker's retained store instead
      const retained = await new Promise<string>((resolve, reject) => {
        const aedes = (
          gw2.gateway.broker as unknown as {
            aedes: { persistence: { createRetainedStream(p: string): NodeJS.ReadableStream } }
          }
        ).aedes
        const s = aedes.persistence.createRetainedStream(cabinetTopic('WILL-0001', 'status'))
        s.once('data', (p: { payload: Buffer }) => resolve(p.payload.toString()))
        s.once('error', reject)
      })
      expect(retained).toBe('offline')
    } finally {
      await gw2.stop()
    }
  })

  it('disconnects a cabinet over its publish rate without acknowledging, and keeps serving others', async () => {
    const gw = await startTestGateway({ mqtt: { rate: { per_second: 1, burst: 5 } } })
    try {
      const noisy = await gw.connect('RATE-0001', await gw.register('RATE-0001'))
      const calm = await gw.connect('RATE-0002', await gw.register('RATE-0002'))
      const outcomes: boolean[] = []
      const closed = new Promise<void>((resolve) => noisy.once('close', () => resolve()))
      for (let seq = 0; seq < 20; seq++) {
        noisy.publish(cabinetTopic('RATE-0001', 'heartbeat'), heartbeat(seq), { qos: 1 }, (err) =>
          outcomes.push(!err),
        )
      }
      await closed
      await calm.publishAsync(cabinetTopic('RATE-0002', 'heartbeat'), heartbeat(1), { qos: 1 })
      const metrics = (await gw.api('GET', '/metrics')).json as string
      expect(metrics).toMatch(/aedgw_messages_rejected_total\{reason="rate_limited"\} [1-9]/)
      const stored = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE cabinet = 'RATE-0001'`)
      expect(stored.length).toBeLessThanOrEqual(5)
    } finally {
      await gw.stop()
    }
  })

  it('refuses a second CONNECT on the same connection and a first packet that is not CONNECT', async () => {
    const gw = await startTestGateway()
    try {
      const { createConnection } = await import('node:net')
      const port = gw.gateway.addresses().mqtt
      const closedAfter = (bytes: Buffer) =>
        new Promise<void>((resolve) => {
          const s = createConnection(port, '127.0.0.1', () => s.write(bytes))
          s.on('data', () => undefined)
          s.once('close', () => resolve())
        })
      // PINGREQ as the first packet
      await closedAfter(Buffer.from([0xc0, 0x00]))
      const secret = await gw.register('TWO-0001')
      const c = await connectCabinet(gw.mqttUrl, 'TWO-0001', secret)
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()))
      // a raw second CONNECT on the live stream
      const connect = Buffer.from('101000044d5154540402003c0004414243440000', 'hex')
      ;(c as unknown as { stream: { write(b: Buffer): void } }).stream.write(connect)
      await closed
    } finally {
      await gw.stop()
    }
  })
})
