import { z } from 'zod'
import { districtByCode } from './districts.ts'
import { CABINET_ID_RE } from './topics.ts'

const text = (max: number) => z.string().trim().min(1).max(max)

/** Body of POST /api/v1/cabinets. Unknown keys are refused (400), as the contract says. */
export const registrationSchema = z.strictObject({
  id: z.string().regex(CABINET_ID_RE, 'must match ^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$'),
  name: text(200),
  name_th: text(200).optional(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  district_code: z
    .string()
    .refine((c) => districtByCode(c) !== undefined, 'not a Bangkok district code (1001-1050)'),
  address: text(500).optional(),
  address_th: text(500).optional(),
  // OpenStreetMap access=* values used for defibrillators
  access: z.enum(['yes', 'public', 'customers', 'permissive', 'private', 'no']).optional(),
  indoor: z.boolean().optional(),
  // OpenStreetMap opening_hours syntax, e.g. "24/7" or "Mo-Fr 08:00-17:00"
  opening_hours: text(255).optional(),
  location_note: text(500).optional(),
  /** Expected heartbeat interval; three missed intervals mark the cabinet offline. */
  heartbeat_interval_s: z.number().int().min(10).max(86400).optional(),
})

export type Registration = z.infer<typeof registrationSchema>
