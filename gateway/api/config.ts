import { z } from 'zod'

/** The maintenance console (`/console`) and the signed links notifications carry. */
export const consoleConfigSchema = z.strictObject({
  enabled: z.boolean(),
  /** Where people reach the gateway (https://aed.example.org); links in notifications start with it. */
  public_url: z.url().nullable(),
  /** How long a signed link in a notification stays valid. */
  link_ttl_s: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400),
  /** Map tiles, Leaflet-style `{z}/{x}/{y}` (and optional `{s}`); null: points on a plain background. */
  tile_url: z.string().includes('{z}').nullable(),
  tile_attribution: z.string(),
  /** The built console (npm run build); null: dist/console in the project. */
  dir: z.string().min(1).nullable(),
})

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>
