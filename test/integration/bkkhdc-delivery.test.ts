import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually } from '../helpers/influx.ts'
import { HttpReceiver } from '../helpers/receivers.ts'

const TOKEN = 'bkkhdc-test-token'

describe('BKKHDC delivery', () => {
  const receiver = new HttpReceiver()
  const dataDir = mkdtempSync(join(tmpdir(), 'aedgw-bkkhdc-delivery-'))
  const db = `t_${randomBytes(6).toString('hex')}`
  let attempts = 0
  let url = ''
  let gw: TestGateway | null = null

  afterAll(async () => {
    await gw?.stop()
    await receiver.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const start = async (url: string) =>
    startTestGateway({
      data_dir: dataDir,
      influx: { db },
      feeds: { bkkhdc: { url, token: TOKEN, retry_base_ms: 20, retry_max_ms: 60, tick_ms: 20 } },
    })
  const exportsNow = async () => (await gw!.api('GET', '/api/v1/exports/bkkhdc')).json

  it('survives failures and a restart, then delivers exactly once with matching checksums', async () => {
    receiver.status = 503
    receiver.validate = () => {
      attempts++
      return null
    }
    url = `${await receiver.start()}/datasets`
    gw = await start(url)
    await gw.register('BKK-1047-0001', { district_code: '1047' })

    const built = await gw.api('POST', '/api/v1/exports/bkkhdc/2026-01')
    expect(built.status).toBe(202)
    expect(built.json).toMatchObject({ dataset_id: 'bkkhdc-aed-2026-01', state: 'pending' })
    expect((await gw.api('POST', '/api/v1/exports/bkkhdc/2026-01')).json.error).toBe(
      'AEDGW_ERR_EXPORT_EXISTS',
    )

    await eventually(() => (attempts >= 3 ? true : undefined))
    const during = await exportsNow()
    expect(during.items[0]).toMatchObject({ state: 'pending', last_error: 'HTTP 503' })
    expect(during.items[0].attempts).toBeGreaterThanOrEqual(3)
    await gw.stop()
    gw = null
    const failures = attempts

    receiver.status = 200
    gw = await start(url)
    const [req] = await receiver.received(1)
    const delivered = await eventually(async () => {
      const e = await exportsNow()
      return e.items[0]?.state === 'delivered' ? e : undefined
    })
    // more delivery ticks pass: nothing is sent again
    await new Promise((r) => setTimeout(r, 300))
    expect(receiver.requests).toHaveLength(1)
    expect(attempts).toBe(failures + 1)
    expect(delivered.items[0].attempts).toBe(failures + 1)

    expect(req!.method).toBe('POST')
    expect(req!.path).toBe('/datasets')
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(req!.headers['idempotency-key']).toBe('bkkhdc-aed-2026-01')
    const body = JSON.parse(req!.body) as {
      manifest: { dataset_id: string; files: Array<{ name: string; sha256: string; rows: number }> }
      files: Record<string, string>
    }
    expect(body.manifest.dataset_id).toBe('bkkhdc-aed-2026-01')
    expect(Object.keys(body.files).sort()).toEqual(['alerts.csv', 'daily.csv', 'monthly.csv'])
    for (const f of body.manifest.files) {
      expect(createHash('sha256').update(body.files[f.name]!, 'utf8').digest('hex')).toBe(f.sha256)
      expect(f.rows).toBe(body.files[f.name]!.trim().split('\r\n').length - 1)
    }

    const actions = delivered.audit.map((a: { action: string }) => a.action).reverse()
    expect(actions[0]).toBe('built')
    expect(actions.filter((a: string) => a === 'attempt_failed')).toHaveLength(failures)
    expect(actions.at(-1)).toBe('delivered')

    // who built it, the files' hashes and where they went, in entries chained by hash
    const hashes = Object.fromEntries(body.manifest.files.map((f) => [f.name, f.sha256]))
    const host = new URL(url).host
    const entry = (action: string) => delivered.audit.find((a: { action: string }) => a.action === action)
    expect(entry('built').detail).toMatchObject({
      actor: 'bootstrap-admin',
      trigger: 'api',
      files: hashes,
      destination_host: host,
    })
    expect(entry('delivered').detail).toMatchObject({ files: hashes, destination_host: host })
    const [newest, previous] = delivered.audit
    expect(newest.prev_hash).toBe(previous.hash)
  })

  it('rebuilds a month only for an admin with a recorded reason, reusing the first build’s pattern', async () => {
    const bare = await gw!.api('POST', '/api/v1/exports/bkkhdc/2026-01?force=true')
    expect(bare.status).toBe(400)
    expect(bare.json.error).toBe('AEDGW_ERR_REBUILD_REASON')
    const reason = 'late heartbeats from Bang Na after a network outage'
    expect(
      (await gw!.api('POST', '/api/v1/exports/bkkhdc/2026-01?force=true', { reason }, null)).status,
    ).toBe(401)
    const again = await gw!.api('POST', '/api/v1/exports/bkkhdc/2026-01?force=true', { reason })
    expect(again.status).toBe(202)
    expect(again.json.dataset_id).toBe('bkkhdc-aed-2026-01-r2')
    expect(again.json.manifest.suppression.pattern_of).toBe('bkkhdc-aed-2026-01')
    const rebuilt = (await exportsNow()).audit.find((a: { action: string }) => a.action === 'rebuilt')
    expect(rebuilt.detail).toMatchObject({
      actor: 'bootstrap-admin',
      reason,
      pattern_of: 'bkkhdc-aed-2026-01',
    })
  })

  it('verifies the audit chain, and finds an entry edited afterwards', async () => {
    const verify = () =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'gateway/wiring/bkkhdc-cli.ts', 'verify-audit'],
        {
          env: { PATH: process.env.PATH ?? '', AEDGW_DATA_DIR: dataDir, AEDGW_LOG_LEVEL: 'silent' },
        },
      )
    const ok = await verify()
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, broken: null })
    await gw!.stop()
    gw = null
    const db = new Database(join(dataDir, 'state.db'))
    db.prepare(
      `UPDATE bkkhdc_audit SET detail = json_set(detail, '$.actor', 'someone else') WHERE action = 'built'`,
    ).run()
    db.close()
    const tampered = (await verify().then(
      () => ({ code: 0, stdout: '{}' }),
      (err: { code: number; stdout: string }) => err,
    )) as { code: number; stdout: string }
    expect(tampered.code).toBe(1)
    expect(JSON.parse(tampered.stdout)).toMatchObject({ ok: false, broken: { reason: 'entry changed' } })
  })

  it('is admin only and refuses a month that has not ended', async () => {
    gw ??= await start(url)
    expect((await gw!.api('GET', '/api/v1/exports/bkkhdc', undefined, null)).status).toBe(401)
    const r = await gw!.api('POST', '/api/v1/exports/bkkhdc/2999-01')
    expect(r.status).toBe(409)
    expect(r.json.error).toBe('AEDGW_ERR_PERIOD_NOT_OVER')
    expect((await gw!.api('POST', '/api/v1/exports/bkkhdc/2026-13')).status).toBe(400)
  })
})
