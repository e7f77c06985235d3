import { z } from 'zod'
import { bootSchema, seqSchema, timestampSchema } from './common.ts'

export const EVENT_TYPES = [
  'door_open',
  'door_closed',
  'aed_removed',
  'aed_returned',
  'self_test',
  'tamper',
  'power_lost',
  'power_restored',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

export const eventSchema = z.object({
  ts: timestampSchema,
  seq: seqSchema,
  boot: bootSchema.optional(),
  type: z.enum(EVENT_TYPES),
  /** self_test events: the outcome. */
  result: z.enum(['pass', 'fail']).optional(),
  detail: z.string().max(256).optional(),
})

export type EventWire = z.input<typeof eventSchema>
export type CabinetEvent = z.output<typeof eventSchema>
