import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteAlertStore } from '../../../gateway/alerts/sqlite/alert-store.ts'
import { SqliteStateTransaction } from '../../../gateway/alerts/sqlite/state-transaction.ts'
import type { Alert, Transition } from '../../../gateway/alerts/types.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'
import { SqliteLiveStateStore } from '../../../gateway/state/sqlite/live-state-store.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../../gateway/store/database.ts'
import { evReading } from '../../helpers/readings.ts'

const AT = Date.UTC(2026, 10, 26, 4, 0, 0)

function doorAlert(): { alert: Alert; transition: Transition } {
  const alert: Alert = {
    id: 'al_door',
    cabinet_id: 'C-001',
    type: 'door_open',
    severity: 'warning',
    state: 'active',
    team: 'field',
    assignee: null,
    labels: { cabinet: 'C-001', district: '1001', type: 'door_open', severity: 'warning', team: 'field' },
    summary: 'door open',
    facts: {},
    started_ms: AT,
    active_since_ms: AT,
    updated_ms: AT,
    acknowledged_ms: null,
    acknowledged_by: null,
    resolved_ms: null,
    resolved_by: null,
    reopen_count: 0,
    escalation_level: 0,
  }
  const transition: Transition = {
    alert_id: alert.id,
    at_ms: AT,
    kind: 'open',
    from_state: null,
    to_state: 'active',
    severity: 'warning',
    by: 'system',
    comment: null,
  }
  return { alert, transition }
}

describe('the state transaction over a cabinet', () => {
  let dir: string
  let db: Database.Database

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-state-tx-'))
    db = openStateDb(dir, STATE_DB_MIGRATIONS)
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function writeBoth(tx: SqliteStateTransaction, fail: boolean): void {
    const state = new LiveState()
    state.onReading(evReading('C-001', AT, 'door_open'))
    const live = state.get('C-001')
    if (!live) throw new Error('no live state')
    const { alert, transition } = doorAlert()
    tx.withCabinet('C-001', () => {
      new SqliteLiveStateStore(db).saveMany([{ cabinet: 'C-001', live }], AT)
      new SqliteAlertStore(db).record(alert, transition)
      if (fail) throw new Error('crash between the writes')
    })
  }

  it("commits a cabinet's live state together with its alert transition", () => {
    writeBoth(new SqliteStateTransaction(db), false)
    expect(new SqliteLiveStateStore(db).loadAll().map((r) => [r.cabinet, r.live.door])).toEqual([
      ['C-001', 'open'],
    ])
    expect(new SqliteAlertStore(db).transitions('al_door').map((t) => t.kind)).toEqual(['open'])
  })

  it('keeps neither when the unit of work fails part way', () => {
    expect(() => writeBoth(new SqliteStateTransaction(db), true)).toThrow(/crash between the writes/)
    expect(new SqliteLiveStateStore(db).loadAll()).toEqual([])
    expect(new SqliteAlertStore(db).get('al_door')).toBeNull()
    expect(new SqliteAlertStore(db).transitions('al_door')).toEqual([])
  })
})
