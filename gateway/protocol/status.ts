/** Retained `status` payloads; `offline` is also every cabinet's last will. */
export const STATUS_VALUES = ['online', 'offline'] as const
export type CabinetStatus = (typeof STATUS_VALUES)[number]

export function parseStatus(payload: Buffer): CabinetStatus | null {
  const text = payload.toString('utf8').trim()
  return text === 'online' || text === 'offline' ? text : null
}
