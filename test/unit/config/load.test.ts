import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, merge } from '../../../gateway/config/load.ts'

describe('configuration', () => {
  it('reads the documented defaults', () => {
    const c = loadConfig({})
    expect(c.mqtt.port).toBe(1883)
    expect(c.http.port).toBe(8080)
    expect(c.influx).toMatchObject({ url: 'http://127.0.0.1:8086', version: 1, db: 'aed' })
    expect(c.data_dir).toBe('./.data')
    expect(c.api.admin_token).toBeNull()
  })

  it('lets the AEDGW_CONFIG file override defaults and environment variables override both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aedgw-cfg-'))
    const file = join(dir, 'site.yaml')
    writeFileSync(file, 'mqtt:\n  port: 2883\n  max_packet_bytes: 4096\ninflux:\n  db: city\n')
    const c = loadConfig({
      AEDGW_CONFIG: file,
      AEDGW_MQTT_PORT: '3883',
      AEDGW_BIND: '127.0.0.1',
      AEDGW_INFLUX_VERSION: '2',
      AEDGW_INFLUX_TOKEN: 't',
    })
    expect(c.mqtt.port).toBe(3883)
    expect(c.mqtt.max_packet_bytes).toBe(4096)
    expect(c.influx.db).toBe('city')
    expect(c.influx.version).toBe(2)
    expect(c.mqtt.bind).toBe('127.0.0.1')
    expect(c.http.bind).toBe('127.0.0.1')
  })

  it('reports every problem at once as "path: message"', () => {
    let message = ''
    try {
      loadConfig({
        AEDGW_INFLUX_VERSION: '2',
        AEDGW_MQTTS_PORT: '8883',
        AEDGW_HTTP_PORT: '-1',
        AEDGW_INFLUX_URL: 'not a url',
      })
    } catch (err) {
      expect((err as { code: string }).code).toBe('AEDGW_ERR_CONFIG')
      message = (err as Error).message
    }
    expect(message).toMatch(/influx\.token: required for InfluxDB version 2/)
    expect(message).toMatch(/mqtt\.tls\.cert: TLS port set but cert or key missing/)
    expect(message).toMatch(/AEDGW_HTTP_PORT: expected a whole number/)
    expect(message).toMatch(/influx\.url: /)
  })

  it('is frozen once loaded', () => {
    const c = loadConfig({})
    expect(Object.isFrozen(c.mqtt.rate)).toBe(true)
    expect(() => {
      ;(c.mqtt as { port: number }).port = 1
    }).toThrow()
  })

  it('merges objects key by key and replaces everything else', () => {
    expect(merge({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3 }, d: [2] })).toEqual({
      a: { b: 1, c: 3 },
      d: [2],
    })
  })
})
