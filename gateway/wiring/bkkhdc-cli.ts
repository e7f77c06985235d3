import { userInfo } from 'node:os'
import { resolve } from 'node:path'
import { loadConfig } from '../config/load.ts'
import { verifyAuditChain } from '../feeds/bkkhdc/audit-chain.ts'
import { buildMonth } from '../feeds/bkkhdc/builder.ts'
import { SCHEMA_VERSION, writeDataset } from '../feeds/bkkhdc/dataset.ts'
import { fileHashes } from '../feeds/bkkhdc/exports.ts'
import { patternOf } from '../feeds/bkkhdc/pattern.ts'
import { periodOf } from '../feeds/bkkhdc/period.ts'
import { SqliteExportStore } from '../feeds/sqlite/export-store.ts'
import { AedgwError } from '../lib/errors.ts'
import { createLogger } from '../lib/logger.ts'
import { SecretHasher } from '../lib/secrets.ts'
import { Registry } from '../registry/registry.ts'
import { SqliteRegistryStore } from '../registry/sqlite/registry-store.ts'
import { STATE_DB_MIGRATIONS } from '../state-db-migrations.ts'
import { openStateDb } from '../store/database.ts'
import { InfluxApi } from '../store/influx.ts'

const USAGE = `usage: npm run bkkhdc -- build YYYY-MM --out DIR   (writes the files; sends nothing)
       npm run bkkhdc -- verify-audit                (checks the audit log's hash chain)`

/**
 * Writes one month's BKKHDC files (CSV + manifest.json) to a folder without delivering them, or
 * checks the audit log's hash chain, from the same config and data dir as the gateway (safe while
 * it runs: state.db is in WAL mode).
 */
async function main(argv: string[]): Promise<number> {
  const [cmd, month] = argv
  if (cmd === 'verify-audit') return verifyAudit()
  const outAt = argv.indexOf('--out')
  const out = outAt >= 0 ? argv[outAt + 1] : undefined
  if (cmd !== 'build' || !month || !out) {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  periodOf(month)
  const config = loadConfig(process.env)
  const log = createLogger(config.log_level).child({ module: 'bkkhdc-cli' })
  const db = openStateDb(config.data_dir, STATE_DB_MIGRATIONS)
  try {
    const registry = new Registry({
      store: new SqliteRegistryStore(db),
      hasher: SecretHasher.fromDataDir(config.data_dir),
      log,
      clock: Date.now,
    })
    registry.start()
    const store = new SqliteExportStore(db)
    const id = `bkkhdc-aed-${month}-local`
    // a month built before is cut and suppressed as its latest build was, like a rebuild
    const latest = (await store.forMonth(month))[0]
    const pattern =
      latest && latest.manifest.schema_version === SCHEMA_VERSION
        ? patternOf(
            latest.dataset_id,
            latest.manifest.suppression.grouped_districts ?? [],
            await store.files(latest.dataset_id),
          )
        : null
    if (latest && !pattern)
      throw new AedgwError(
        'AEDGW_ERR_REBUILD_WITHHELD',
        `${latest.dataset_id} has schema ${latest.manifest.schema_version}; its suppression pattern does not fit schema ${SCHEMA_VERSION}`,
      )
    const ds = await buildMonth(
      { influx: new InfluxApi(config.influx), registry, clock: Date.now },
      month,
      id,
      pattern,
    )
    const files = writeDataset(resolve(out), ds)
    const rows = Object.fromEntries(ds.manifest.files.map((f) => [f.name, f.rows]))
    await store.audit({
      at_ms: Date.now(),
      dataset_id: id,
      month,
      action: 'built_to_folder',
      detail: {
        trigger: 'cli',
        actor: `cli:${userInfo().username}`,
        out: resolve(out),
        destination_host: null,
        rows,
        files: fileHashes(ds.manifest),
      },
    })
    for (const f of files) process.stdout.write(`${f}\n`)
    return 0
  } finally {
    db.close()
  }
}

/** Exit 0 when the chain holds, 1 at the first entry that breaks it. */
async function verifyAudit(): Promise<number> {
  const config = loadConfig(process.env)
  const db = openStateDb(config.data_dir, STATE_DB_MIGRATIONS)
  try {
    const report = verifyAuditChain(await new SqliteExportStore(db).auditChain())
    process.stdout.write(`${JSON.stringify(report)}\n`)
    if (!report.ok)
      process.stderr.write(
        `AEDGW audit chain broken at entry ${report.broken?.id}: ${report.broken?.reason}\n`,
      )
    return report.ok ? 0 : 1
  } finally {
    db.close()
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = (err as { code?: string }).code
    process.stderr.write(
      `${code?.startsWith('AEDGW_ERR_') ? `${code}: ` : ''}${(err as Error).message ?? String(err)}\n`,
    )
    process.exit(1)
  },
)
