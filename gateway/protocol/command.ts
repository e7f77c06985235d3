import { z } from 'zod'

/** Commands the gateway sends on aed/v1/{id}/cmd. */
export const commandSchema = z.object({
  id: z.string().min(1).max(64),
  type: z.enum(['ping', 'self_test', 'set_interval', 'reboot']),
  interval_s: z.number().int().min(10).max(86400).optional(),
  issued_at: z.string(),
})
export type Command = z.infer<typeof commandSchema>
