import { z } from 'zod'
import { secureUrl } from '../config/urls.ts'
import { matcherTextProblem } from '../lib/matcher-syntax.ts'
import { rulesConfigSchema, rulesOverrideSchema } from '../rules/config.ts'

const ms = z.number().int().min(0)
const nullableString = z.string().min(1).nullable()

/** Alertmanager-style matcher text: `label=value`, `label!=value`, `label=~regex`, `label!~regex`. */
const matcherText = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*(=~|!~|!=|=).*$/, 'not a matcher (label=value, !=, =~, !~)')
  .superRefine((text, ctx) => {
    const problem = matcherTextProblem(text)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

const timing = {
  group_by: z.array(z.string().min(1)).optional(),
  group_wait_ms: ms.optional(),
  group_interval_ms: ms.optional(),
  repeat_interval_ms: ms.optional(),
}

export interface RouteConfig {
  receiver?: string | undefined
  matchers?: string[] | undefined
  continue?: boolean | undefined
  group_by?: string[] | undefined
  group_wait_ms?: number | undefined
  group_interval_ms?: number | undefined
  repeat_interval_ms?: number | undefined
  send_resolved?: boolean | undefined
  escalations?: Array<{ after_ms: number; receiver: string }> | undefined
  routes?: RouteConfig[] | undefined
}

export const routeSchema: z.ZodType<RouteConfig> = z.lazy(() =>
  z.strictObject({
    receiver: z.string().min(1).optional(),
    matchers: z.array(matcherText).optional(),
    continue: z.boolean().optional(),
    ...timing,
    send_resolved: z.boolean().optional(),
    escalations: z.array(z.strictObject({ after_ms: ms, receiver: z.string().min(1) })).optional(),
    routes: z.array(routeSchema).optional(),
  }),
)

const receiverSchema = z.strictObject({
  name: z.string().min(1),
  webhook: z
    .strictObject({
      url: secureUrl,
      secret: nullableString.default(null),
      // signing is on unless turned off here, for a receiver that cannot check signatures
      unsigned: z.boolean().default(false),
      timeout_ms: ms.default(5000),
    })
    .optional(),
  email: z.strictObject({ to: z.array(z.string().min(3)).min(1) }).optional(),
  line: z.strictObject({ to: z.string().min(1) }).optional(),
  log: z.boolean().optional(),
})
export type ReceiverConfig = z.infer<typeof receiverSchema>

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')

export const alertsConfigSchema = z
  .strictObject({
    webhook: z.strictObject({ url: secureUrl.nullable(), secret: nullableString, unsigned: z.boolean() }),
    tick_ms: z.number().int().min(10),
    sweep_interval_ms: z.number().int().min(10),
    state_persist_interval_ms: z.number().int().min(10),
    reopen_window_ms: ms,
    rules: rulesConfigSchema,
    overrides: z.record(z.string(), rulesOverrideSchema),
    district_outage: z.strictObject({
      min_cabinets: z.number().int().min(1),
      offline_fraction: z.number().gt(0).max(1),
    }),
    storage: z.strictObject({ grace_ms: ms }),
    forecast: z.strictObject({
      sample_interval_ms: ms,
      window_ms: ms,
      min_samples: z.number().int().min(2),
    }),
    receivers: z.array(receiverSchema),
    route: routeSchema,
    inhibit_rules: z.array(
      z.strictObject({
        source_matchers: z.array(matcherText).min(1),
        target_matchers: z.array(matcherText).min(1),
        equal: z.array(z.string().min(1)),
      }),
    ),
    maintenance_windows: z.array(
      z.strictObject({
        name: z.string().min(1),
        matchers: z.array(matcherText).min(1),
        days: z.array(z.enum(DAYS)).min(1),
        start: hhmm,
        end: hhmm,
      }),
    ),
    smtp: z.strictObject({
      host: nullableString,
      port: z.number().int().min(1).max(65535),
      secure: z.boolean(),
      require_tls: z.boolean(),
      reject_unauthorized: z.boolean(),
      ca: nullableString,
      user: nullableString,
      password: nullableString,
      from: z.string().min(3),
    }),
    line: z.strictObject({ base_url: secureUrl, channel_access_token: nullableString }),
    delivery: z.strictObject({
      retry_base_ms: z.number().int().min(1),
      retry_max_ms: z.number().int().min(1),
      give_up_after_ms: ms,
    }),
    map_url: z.string().includes('{lat}'),
    console_url: z.string().includes('{alert}').nullable(),
  })
  .superRefine((a, ctx) => {
    const names = new Set(['default', 'log', ...a.receivers.map((r) => r.name)])
    const check = (r: RouteConfig, path: (string | number)[]) => {
      if (r.receiver && !names.has(r.receiver))
        ctx.addIssue({ code: 'custom', path: [...path, 'receiver'], message: `no receiver ${r.receiver}` })
      r.escalations?.forEach((e, i) => {
        if (!names.has(e.receiver))
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'escalations', i, 'receiver'],
            message: `no receiver ${e.receiver}`,
          })
      })
      for (const [i, c] of (r.routes ?? []).entries()) check(c, [...path, 'routes', i])
    }
    check(a.route, ['route'])
    if (!a.route.receiver) ctx.addIssue({ code: 'custom', path: ['route', 'receiver'], message: 'required' })
    if (a.webhook.url && !a.webhook.secret && !a.webhook.unsigned)
      ctx.addIssue({
        code: 'custom',
        path: ['webhook', 'secret'],
        message: 'required to sign the webhook (AEDGW_WEBHOOK_SECRET); or set unsigned: true',
      })
    a.receivers.forEach((r, i) => {
      if (r.webhook && !r.webhook.secret && !r.webhook.unsigned)
        ctx.addIssue({
          code: 'custom',
          path: ['receivers', i, 'webhook', 'secret'],
          message: 'required to sign the webhook; or set unsigned: true',
        })
      if (r.email && !a.smtp.host)
        ctx.addIssue({ code: 'custom', path: ['receivers', i, 'email'], message: 'needs alerts.smtp.host' })
      if (r.line && !a.line.channel_access_token)
        ctx.addIssue({
          code: 'custom',
          path: ['receivers', i, 'line'],
          message: 'needs alerts.line.channel_access_token',
        })
    })
  })

export type AlertsConfig = z.infer<typeof alertsConfigSchema>
export type Weekday = (typeof DAYS)[number]
