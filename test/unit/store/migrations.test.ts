import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteAlertStore } from '../../../gateway/alerts/sqlite/alert-store.ts'
import { SqliteDeliveryStore } from '../../../gateway/alerts/sqlite/delivery-store.ts'
import { SqliteSilenceStore } from '../../../gateway/alerts/sqlite/silence-store.ts'
import { SqliteTokenStore } from '../../../gateway/api/sqlite/token-store.ts'
import { SqliteRetainedStore } from '../../../gateway/broker/sqlite/retained-store.ts'
import { verifyAuditChain } from '../../../gateway/feeds/bkkhdc/audit-chain.ts'
import { SqliteExportStore } from '../../../gateway/feeds/sqlite/export-store.ts'
import { SqliteReadinessHistoryStore } from '../../../gateway/feeds/sqlite/readiness-history-store.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { type Migration, runMigrations } from '../../../gateway/lib/migrations.ts'
import { SqliteRegistryStore } from '../../../gateway/registry/sqlite/registry-store.ts'
import { SqliteLiveStateStore } from '../../../gateway/state/sqlite/live-state-store.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb, stateDbFile } from '../../../gateway/store/database.ts'
import { Outbox } from '../../../gateway/store/outbox.ts'

const BEFORE_MIGRATIONS = readFileSync(
  new URL('../../fixtures/state-db-before-migrations.sql', import.meta.url),
  'utf8',
)

describe('state.db migrations', () => {
  const dirs: string[] = []
  const open: Database.Database[] = []
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'aedgw-migrations-'))
    dirs.push(d)
    return d
  }
  const track = (db: Database.Database) => {
    open.push(db)
    return db
  }

  afterEach(() => {
    for (const db of open.splice(0)) db.close()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('opens a state.db created before migrations and reads every row through the stores', async () => {
    const dir = tempDir()
    const before = new Database(stateDbFile(dir))
    before.exec(BEFORE_MIGRATIONS)
    before.close()

    const db = track(openStateDb(dir, STATE_DB_MIGRATIONS))

    expect(new SqliteRegistryStore(db).all().map((c) => [c.id, JSON.parse(c.registration).name])).toEqual([
      ['C-001', 'Lumphini gate'],
    ])
    expect(new SqliteTokenStore(db).find(Buffer.from('cafe', 'hex'))).toEqual({
      id: 'cafe',
      name: 'ops',
      role: 'maintainer',
      created_at: '2026-01-01T00:00:00.000Z',
      expires_at: null,
      bootstrap: 0,
    })
    expect(new SqliteRetainedStore(db).all()).toEqual([{ cabinet: 'C-001', payload: '{"state":"online"}' }])
    expect(new SqliteLiveStateStore(db).loadAll()).toEqual([
      { cabinet: 'C-001', live: { connected: true, last_seen_ms: 1767225600000, door: 'closed' } },
    ])
    const alerts = new SqliteAlertStore(db)
    expect(alerts.get('al_1')?.type).toBe('door_open')
    expect(alerts.transitions('al_1').map((t) => t.kind)).toEqual(['opened'])
    expect(alerts.getKv('group/1007')).toEqual({ sent: 1 })
    expect(new SqliteDeliveryStore(db).due(1767225600000, 10).map((d) => d.id)).toEqual(['n_1/default/log'])
    expect(new SqliteSilenceStore(db).all().map((s) => s.comment)).toEqual(['works'])
    const exports = new SqliteExportStore(db)
    expect((await exports.forMonth('2025-12')).map((e) => e.dataset_id)).toEqual(['bkkhdc-aed-2025-12-r1'])
    expect(await exports.files('bkkhdc-aed-2025-12-r1')).toEqual({ 'a.csv': 'x' })
    expect((await exports.auditLog()).map((a) => a.action)).toEqual(['built'])
    expect(new SqliteReadinessHistoryStore(db).all()).toEqual([
      { cabinet: 'C-001', readiness: 'ready', reason_codes: '' },
    ])
    const readinessHistory = new SqliteReadinessHistoryStore(db)
    readinessHistory.saveLateMarks([{ cabinet: 'C-001', from_ms: 2000, seen_ms: 5000 }])
    readinessHistory.saveLateMarks([{ cabinet: 'C-001', from_ms: 1000, seen_ms: 4000 }])
    expect(readinessHistory.lateMarks()).toEqual([{ cabinet: 'C-001', from_ms: 1000, seen_ms: 5000 }])
    readinessHistory.clearLateMark('C-001', 4000)
    expect(readinessHistory.lateMarks()).toHaveLength(1)
    readinessHistory.clearLateMark('C-001', 5000)
    expect(readinessHistory.lateMarks()).toEqual([])
    readinessHistory.saveLateMarks([
      { cabinet: 'C-002', from_ms: 10, seen_ms: 20 },
      { cabinet: 'C-003', from_ms: 30, seen_ms: 40 },
    ])
    expect(
      readinessHistory
        .lateMarks()
        .map((m) => m.cabinet)
        .sort(),
    ).toEqual(['C-002', 'C-003'])
    const recorded = db
      .prepare('SELECT module, version FROM schema_migrations ORDER BY module, version')
      .all() as Array<{ module: string; version: number }>
    // version 1 of every module recorded as applied, later versions applied on top
    expect(recorded.filter((r) => r.version === 1).map((r) => r.module)).toEqual([
      'alerts',
      'api',
      'broker',
      'feeds',
      'registry',
      'state',
    ])
    expect(recorded).toEqual(
      STATE_DB_MIGRATIONS.map(({ module, version }) => ({ module, version })).sort(
        (a, b) => a.module.localeCompare(b.module) || a.version - b.version,
      ),
    )
    // the audit entry written before chaining stays, unchained; new entries chain after it
    await exports.audit({ at_ms: 1, dataset_id: null, month: '2025-12', action: 'built', detail: {} })
    expect(verifyAuditChain(await exports.auditChain())).toMatchObject({ ok: true, unchained: 1, checked: 1 })
  })

  it('opens an outbox.db created before migrations with its unwritten lines', async () => {
    const dir = tempDir()
    const before = new Database(join(dir, 'outbox.db'))
    before.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, cabinet TEXT NOT NULL, line TEXT NOT NULL, recv_ms INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT, recv_ms INTEGER NOT NULL, cabinet TEXT NOT NULL,
        topic TEXT NOT NULL, stage TEXT NOT NULL, reason TEXT NOT NULL, raw BLOB NOT NULL
      );
      INSERT INTO outbox (cabinet, line, recv_ms) VALUES ('C-001', 'heartbeat,cabinet=C-001 battery_pct=80i 1', 1);
    `)
    before.close()
    const outbox = new Outbox({
      dataDir: dir,
      sync: 'normal',
      maxBatch: 100,
      maxBytes: 1_000_000,
      quarantineMaxEntries: 100,
      log: createLogger('silent'),
      clock: () => 0,
    })
    await outbox.start()
    try {
      expect((await outbox.read(0, 10)).map((r) => r.line)).toEqual([
        'heartbeat,cabinet=C-001 battery_pct=80i 1',
      ])
    } finally {
      await outbox.stop()
    }
    const after = track(new Database(join(dir, 'outbox.db')))
    expect(after.prepare('SELECT module, version FROM schema_migrations').all()).toEqual([
      { module: 'outbox', version: 1 },
    ])
  })

  it('keeps new writes across a reopen, applying nothing twice', () => {
    const dir = tempDir()
    const first = openStateDb(dir, STATE_DB_MIGRATIONS)
    new SqliteRetainedStore(first).save('C-002', '{"state":"offline"}', 5)
    first.close()
    const db = track(openStateDb(dir, STATE_DB_MIGRATIONS))
    expect(runMigrations(db, STATE_DB_MIGRATIONS)).toEqual([])
    expect(new SqliteRetainedStore(db).all()).toEqual([{ cabinet: 'C-002', payload: '{"state":"offline"}' }])
  })

  it("applies only a module's migrations not yet recorded, in version order", () => {
    const db = track(new Database(':memory:'))
    const v1: Migration = { module: 'm', version: 1, up: 'CREATE TABLE IF NOT EXISTS t (a TEXT)' }
    const v2: Migration = { module: 'm', version: 2, up: 'ALTER TABLE t ADD COLUMN b TEXT' }
    expect(runMigrations(db, [v1])).toEqual([v1])
    expect(runMigrations(db, [v2, v1])).toEqual([v2])
    expect(runMigrations(db, [v1, v2])).toEqual([])
    db.prepare("INSERT INTO t (a, b) VALUES ('x', 'y')").run()
    expect(db.prepare('SELECT a, b FROM t').all()).toEqual([{ a: 'x', b: 'y' }])
  })

  it('rolls back a migration that fails and leaves it unrecorded', () => {
    const db = track(new Database(':memory:'))
    const bad: Migration = {
      module: 'm',
      version: 1,
      up: 'CREATE TABLE half (a TEXT); SELECT * FROM missing',
    }
    expect(() => runMigrations(db, [bad])).toThrow(
      /migration m v1 failed, nothing of it applied: no such table: missing/,
    )
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([])
    expect(db.prepare('SELECT * FROM schema_migrations').all()).toEqual([])
  })

  it('refuses a module whose versions have a gap', () => {
    const db = track(new Database(':memory:'))
    expect(() => runMigrations(db, [{ module: 'm', version: 2, up: 'SELECT 1' }])).toThrow(
      /migrations of m: expected version 1, got 2/,
    )
  })
})
