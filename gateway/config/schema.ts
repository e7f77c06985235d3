import { z } from 'zod'
import { alertsConfigSchema } from '../alerts/config.ts'
import { consoleConfigSchema } from '../api/config.ts'
import { coverageConfigSchema } from '../coverage/config.ts'
import { feedsConfigSchema } from '../feeds/config.ts'

const port = z.number().int().min(0).max(65535)
const nullableString = z.string().min(1).nullable()

export const configSchema = z
  .object({
    data_dir: z.string().min(1),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    mqtt: z.strictObject({
      bind: z.string().min(1),
      port,
      tls: z.strictObject({
        port: port.nullable(),
        cert: nullableString,
        key: nullableString,
        ca: nullableString,
      }),
      max_packet_bytes: z.number().int().min(256).max(268435455),
      max_queued_bytes: z.number().int().min(65536),
      max_in_flight: z.number().int().min(1),
      connect_timeout_ms: z.number().int().min(100),
      keepalive_limit_s: z.number().int().min(0).max(65535),
      rate: z.strictObject({ per_second: z.number().positive(), burst: z.number().int().min(1) }),
      login_backoff: z.strictObject({
        max_failures: z.number().int().min(1),
        max_failures_per_address: z.number().int().min(0),
        base_ms: z.number().int().min(0),
        max_ms: z.number().int().min(0),
      }),
      connect_rate: z.strictObject({
        per_minute: z.number().positive(),
        burst: z.number().int().min(1),
        per_address_burst: z.number().int().min(1),
      }),
      max_denied_subscriptions: z.number().int().min(1),
    }),
    http: z.strictObject({
      bind: z.string().min(1),
      port,
      body_limit_bytes: z.number().int().min(1024),
      request_timeout_ms: z.number().int().min(100),
      idle_timeout_ms: z.number().int().min(100),
      max_unauthenticated_connections: z.number().int().min(1),
      ops: z.strictObject({ bind: z.string().min(1), port: port.nullable() }),
    }),
    influx: z.strictObject({
      url: z.url(),
      version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
      db: z.string().min(1),
      org: z.string().min(1),
      token: nullableString,
      user: nullableString,
      password: nullableString,
      create_db: z.boolean(),
      batch_lines: z.number().int().min(1).max(100000),
      concurrency: z.number().int().min(1).max(16),
      flush_interval_ms: z.number().int().min(1),
      timeout_ms: z.number().int().min(100),
      retry_base_ms: z.number().int().min(1),
      retry_max_ms: z.number().int().min(1),
    }),
    store: z.strictObject({
      sync: z.enum(['full', 'normal']),
      max_batch: z.number().int().min(1).max(100000),
      max_outbox_bytes: z.number().int().min(1),
      quarantine_max_entries: z.number().int().min(1),
    }),
    ingest: z.strictObject({
      max_payload_bytes: z.number().int().min(64),
      clock_skew_ms: z.number().int().min(0),
      max_future_ms: z.number().int().min(0),
      keep_extra_fields: z.boolean(),
      dedup_window: z.number().int().min(1).max(65536),
    }),
    retention: z.strictObject({
      manage: z.boolean(),
      raw_days: z.number().int().min(1),
      rollup_days: z.number().int().min(0),
      rollup_lookback_hours: z.number().int().min(1).max(168),
      prune: z.strictObject({
        interval_ms: z.number().int().min(1000),
        resolved_alerts_days: z.number().int().min(0),
        failed_deliveries_days: z.number().int().min(0),
        quarantine_days: z.number().int().min(0),
      }),
    }),
    self_metrics: z.strictObject({ interval_s: z.number().int().min(0) }),
    api: z.strictObject({ admin_token: z.string().min(16, 'must be at least 16 characters').nullable() }),
    alerts: alertsConfigSchema,
    feeds: feedsConfigSchema,
    coverage: coverageConfigSchema,
    console: consoleConfigSchema,
    mode: z.enum(['embedded', 'worker']),
    cluster: z.strictObject({
      amqp_urls: z.array(z.string().regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL')).min(1),
      postgres_url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .nullable(),
      queue: z.string().min(1),
      prefetch: z.number().int().min(1).max(65535),
      batch_max: z.number().int().min(1).max(10000),
      batch_wait_ms: z.number().int().min(0),
      reconnect_ms: z.number().int().min(10),
      registry_refresh_ms: z.number().int().min(100),
      delivery_poll_ms: z.number().int().min(10),
      delivery_claim_ms: z.number().int().min(100),
      auth: z.strictObject({ bind: z.string().min(1), port: port.nullable() }),
      /** The worker's public REST API (docs/cluster.md, "The API in worker mode"); port null: not served. */
      api: z.strictObject({
        bind: z.string().min(1),
        port: port.nullable(),
        token_cache_ms: z.number().int().min(0),
      }),
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const tls = c.mqtt.tls
    if (tls.port !== null && (tls.cert === null || tls.key === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'tls', 'cert'],
        message: 'TLS port set but cert or key missing',
      })
    }
    if (c.influx.version !== 1 && c.influx.token === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['influx', 'token'],
        message: `required for InfluxDB version ${c.influx.version}`,
      })
    }
    if (c.mode === 'worker' && c.cluster.postgres_url === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'postgres_url'],
        message: 'required in worker mode (the state tier)',
      })
    }
    if (c.mqtt.login_backoff.max_ms < c.mqtt.login_backoff.base_ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'login_backoff', 'max_ms'],
        message: 'must be >= base_ms',
      })
    }
  })

export type Config = z.infer<typeof configSchema>
