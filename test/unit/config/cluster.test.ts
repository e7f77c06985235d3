import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../gateway/config/load.ts'

describe('cluster configuration', () => {
  it('runs embedded by default', () => {
    const c = loadConfig({})
    expect(c.mode).toBe('embedded')
    expect(c.cluster.postgres_url).toBeNull()
    expect(c.cluster.auth).toEqual({ bind: '127.0.0.1', port: 9465 })
    expect(c.cluster.api).toEqual({ bind: '0.0.0.0', port: 8080, token_cache_ms: 5000 })
  })

  it('takes worker mode, the broker nodes as a comma list and the state tier from the environment', () => {
    const c = loadConfig({
      AEDGW_MODE: 'worker',
      AEDGW_AMQP_URLS: 'amqp://gw:pw@10.0.0.1:5672, amqp://gw:pw@10.0.0.2:5672,amqp://gw:pw@10.0.0.3:5672',
      AEDGW_POSTGRES_URL: 'postgres://aedgw@db1,db2/aedgw?target_session_attrs=read-write',
      AEDGW_BROKER_AUTH_PORT: '9500',
      AEDGW_WORKER_API_BIND: '10.0.0.9',
      AEDGW_WORKER_API_PORT: '8090',
    })
    expect(c.mode).toBe('worker')
    expect(c.cluster.amqp_urls).toEqual([
      'amqp://gw:pw@10.0.0.1:5672',
      'amqp://gw:pw@10.0.0.2:5672',
      'amqp://gw:pw@10.0.0.3:5672',
    ])
    expect(c.cluster.postgres_url).toBe('postgres://aedgw@db1,db2/aedgw?target_session_attrs=read-write')
    expect(c.cluster.auth.port).toBe(9500)
    expect(c.cluster.api).toMatchObject({ bind: '10.0.0.9', port: 8090 })
  })

  it('refuses worker mode without a PostgreSQL URL, and a broker URL that is not AMQP', () => {
    let message = ''
    try {
      loadConfig({ AEDGW_MODE: 'worker', AEDGW_AMQP_URLS: 'mqtt://10.0.0.1:1883' })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toContain('cluster.postgres_url: required in worker mode')
    expect(message).toContain('cluster.amqp_urls.0: must be an amqp:// or amqps:// URL')
  })
})
