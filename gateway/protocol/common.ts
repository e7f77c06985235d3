import { z } from 'zod'

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

/** A device timestamp: RFC 3339 text or epoch milliseconds; normalised to epoch ms. */
export const timestampSchema = z
  .union([z.string().max(40).regex(RFC3339, 'not an RFC 3339 timestamp'), z.number().int().min(0)])
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : Date.parse(v)
    // 2000-01-01 .. 2100-01-01: anything else is a clock that was never set or a unit error (s vs ms)
    if (!Number.isFinite(ms) || ms < 946684800000 || ms > 4102444800000) {
      ctx.addIssue({ code: 'custom', message: 'timestamp out of range (years 2000-2100, epoch in ms)' })
      return z.NEVER
    }
    return ms
  })

/** A calendar date (YYYY-MM-DD) or a full timestamp, normalised to YYYY-MM-DD. */
export const dateSchema = z
  .string()
  .max(40)
  .refine((v) => DATE.test(v) || RFC3339.test(v), 'not a date (YYYY-MM-DD)')
  .transform((v, ctx) => {
    const day = v.slice(0, 10)
    if (Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      ctx.addIssue({ code: 'custom', message: 'not a calendar date' })
      return z.NEVER
    }
    return day
  })

export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
/** Optional boot identifier: lets the gateway tell a reboot (seq restarts) from a redelivery. */
export const bootSchema = z.union([z.string().min(1).max(64), z.number().int().min(0)]).transform(String)
