import type { Migration } from '../../lib/migrations.ts'

/**
 * The alert stages' tables in PostgreSQL (cluster mode): the state.db schema at its version 2, with
 * times as BIGINT and JSON as JSONB. `alert_deliveries.id` is the delivery key (notification id and
 * notifier): unique, so one notification is enqueued once however many workers decide it, and
 * the same key goes to the receiver as `Idempotency-Key`. `claimed_until_ms` is the sender's claim.
 * `alerts_one_open` lets PostgreSQL itself refuse a second open alert of a type for a cabinet.
 */
export const alertsPgMigrations: Migration[] = [
  {
    module: 'alerts',
    version: 1,
    up: `
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        cabinet TEXT NOT NULL,
        type TEXT NOT NULL,
        district TEXT NOT NULL,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        team TEXT NOT NULL,
        assignee TEXT,
        started_ms BIGINT NOT NULL,
        updated_ms BIGINT NOT NULL,
        data JSONB NOT NULL
      );
      CREATE INDEX alerts_state ON alerts (state, updated_ms);
      CREATE INDEX alerts_cabinet ON alerts (cabinet, type, updated_ms);
      CREATE UNIQUE INDEX alerts_one_open ON alerts (cabinet, type) WHERE state <> 'resolved';
      CREATE TABLE alert_transitions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alert_id TEXT NOT NULL REFERENCES alerts (id),
        at_ms BIGINT NOT NULL,
        kind TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        severity TEXT NOT NULL,
        by TEXT NOT NULL,
        comment TEXT
      );
      CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, seq);
      CREATE TABLE alert_kv (
        key TEXT PRIMARY KEY,
        data JSONB NOT NULL
      );
      CREATE TABLE alert_deliveries (
        id TEXT PRIMARY KEY,
        notifier TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_ms BIGINT NOT NULL,
        claimed_until_ms BIGINT,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        last_error TEXT
      );
      CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_ms);
      CREATE TABLE silences (
        id TEXT PRIMARY KEY,
        ends_ms BIGINT NOT NULL,
        data JSONB NOT NULL
      );
      CREATE TABLE signed_link_uses (
        nonce TEXT PRIMARY KEY,
        alert_id TEXT NOT NULL,
        used_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL
      );
    `,
  },
]
