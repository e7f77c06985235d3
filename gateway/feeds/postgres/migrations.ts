import type { Migration } from '../../lib/migrations.ts'

/**
 * The BKKHDC delivery outbox and audit log in PostgreSQL (cluster mode): the state.db schema at its
 * version 2 (audit entries chained by hash). Manifest and files stay TEXT: the exact bytes are
 * what every retry sends. Version 2: what the cluster's scheduled feed jobs share
 * (`bkkhdc_due`: months whose scheduled build fell due, and whether it is done; `feed_pushes`: the
 * last health-map snapshot pushed), so the holder of a job's lease carries on from its
 * predecessor (docs/cluster.md).
 */
export const feedsPgMigrations: Migration[] = [
  {
    module: 'feeds',
    version: 1,
    up: `
      CREATE TABLE bkkhdc_exports (
        dataset_id TEXT PRIMARY KEY,
        month TEXT NOT NULL,
        revision INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        last_error TEXT,
        created_ms BIGINT NOT NULL,
        delivered_ms BIGINT,
        manifest TEXT NOT NULL,
        files TEXT NOT NULL,
        UNIQUE (month, revision)
      );
      CREATE TABLE bkkhdc_audit (
        id BIGINT PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        dataset_id TEXT,
        month TEXT,
        action TEXT NOT NULL,
        detail JSONB NOT NULL,
        prev_hash TEXT,
        hash TEXT
      );
    `,
  },
  {
    module: 'feeds',
    version: 2,
    up: `
      CREATE TABLE bkkhdc_due (
        month TEXT PRIMARY KEY,
        due_ms BIGINT NOT NULL,
        done_ms BIGINT
      );
      CREATE TABLE feed_pushes (
        feed TEXT PRIMARY KEY,
        etag TEXT NOT NULL,
        body TEXT NOT NULL,
        pushed_ms BIGINT NOT NULL
      );
    `,
  },
]
