import type { Migration } from '../../lib/migrations.ts'

/** The alert stages' tables in state.db: alerts and transitions, stage values, deliveries, silences. */
export const alertsMigrations: Migration[] = [
  {
    module: 'alerts',
    version: 1,
    up: `
      CREATE TABLE IF NOT EXISTS alerts (
        id TEXT PRIMARY KEY,
        cabinet TEXT NOT NULL,
        type TEXT NOT NULL,
        district TEXT NOT NULL,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        team TEXT NOT NULL,
        assignee TEXT,
        started_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alerts_state ON alerts (state, updated_ms);
      CREATE INDEX IF NOT EXISTS alerts_cabinet ON alerts (cabinet, type, updated_ms);
      CREATE TABLE IF NOT EXISTS alert_transitions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        severity TEXT NOT NULL,
        by TEXT NOT NULL,
        comment TEXT
      );
      CREATE INDEX IF NOT EXISTS alert_transitions_alert ON alert_transitions (alert_id, seq);
      CREATE TABLE IF NOT EXISTS alert_kv (
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS alert_deliveries (
        id TEXT PRIMARY KEY,
        notifier TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_ms INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        last_error TEXT
      );
      CREATE INDEX IF NOT EXISTS alert_deliveries_due ON alert_deliveries (state, next_ms);
      CREATE TABLE IF NOT EXISTS silences (
        id TEXT PRIMARY KEY,
        ends_ms INTEGER NOT NULL,
        data TEXT NOT NULL
      );
    `,
  },
  {
    module: 'alerts',
    version: 2,
    // signed alert links (signed-links.ts): a used link's nonce, kept until the link expires
    up: `CREATE TABLE IF NOT EXISTS signed_link_uses (
      nonce TEXT PRIMARY KEY,
      alert_id TEXT NOT NULL,
      used_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    )`,
  },
]
