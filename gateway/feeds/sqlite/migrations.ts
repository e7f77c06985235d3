import type { Migration } from '../../lib/migrations.ts'

/** The feeds' tables in state.db: the BKKHDC delivery outbox and audit, the last readiness written. */
export const feedsMigrations: Migration[] = [
  {
    module: 'feeds',
    version: 1,
    up: `
      CREATE TABLE IF NOT EXISTS bkkhdc_exports (
        dataset_id TEXT PRIMARY KEY,
        month TEXT NOT NULL,
        revision INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        delivered_ms INTEGER,
        manifest TEXT NOT NULL,
        files TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS bkkhdc_exports_month ON bkkhdc_exports (month);
      CREATE TABLE IF NOT EXISTS bkkhdc_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        dataset_id TEXT,
        month TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS feeds_readiness_last (
        cabinet TEXT PRIMARY KEY,
        readiness TEXT NOT NULL,
        reason_codes TEXT NOT NULL,
        written_ms INTEGER NOT NULL
      );
    `,
  },
  {
    // audit entries chained by hash (feeds/bkkhdc/audit-chain.ts); older entries stay unchained
    module: 'feeds',
    version: 2,
    up: `
      ALTER TABLE bkkhdc_audit ADD COLUMN prev_hash TEXT;
      ALTER TABLE bkkhdc_audit ADD COLUMN hash TEXT;
    `,
  },
  {
    // late readings awaiting a readiness recompute (feeds/late-history.ts)
    module: 'feeds',
    version: 3,
    up: `
      CREATE TABLE feeds_readiness_late (
        cabinet TEXT PRIMARY KEY,
        from_ms INTEGER NOT NULL,
        seen_ms INTEGER NOT NULL
      );
    `,
  },
]
