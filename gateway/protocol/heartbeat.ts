import { z } from 'zod'
import { bootSchema, dateSchema, seqSchema, timestampSchema } from './common.ts'

/** Heartbeat payload of the contract (snake_case on the wire). Unknown keys are stripped here. */
export const heartbeatSchema = z.object({
  ts: timestampSchema,
  seq: seqSchema,
  boot: bootSchema.optional(),
  battery_pct: z.number().min(0).max(100),
  battery_expiry: dateSchema.optional(),
  pad_expiry: dateSchema,
  pad_type: z.enum(['adult', 'pediatric', 'universal']).optional(),
  door: z.enum(['open', 'closed']),
  aed_present: z.boolean().optional(),
  temp_c: z.number().min(-40).max(125).optional(),
  self_test: z.enum(['pass', 'fail', 'running', 'unknown']).optional(),
  /** When the last self-test ran (`self_test` is its result): lets a cabinet that reports only
   * heartbeats show it keeps testing itself. An addition to the contract, optional. */
  self_test_at: timestampSchema.optional(),
  power: z.enum(['mains', 'battery', 'backup']).optional(),
  rssi_dbm: z.number().int().min(-150).max(0).optional(),
  fw: z.string().min(1).max(32).optional(),
  interval_s: z.number().int().min(1).max(86400).optional(),
})

/** What a heartbeat is on the wire (before normalisation). */
export type HeartbeatWire = z.input<typeof heartbeatSchema>
/** A validated heartbeat: `ts` in epoch ms, dates as YYYY-MM-DD. */
export type Heartbeat = z.output<typeof heartbeatSchema>
