import { CLEAR, daysLeft, fire, type Verdict } from './types.ts'

/** Shared by the pad and battery expiry rules: warning within 30 days, major within 7, critical past. */
export function expiryVerdict(
  what: string,
  date: string | undefined,
  now: number,
  th: { warning_days: number; major_days: number },
): Verdict {
  if (!date) return CLEAR
  const days = daysLeft(date, now)
  const facts = { expiry: date, days_left: days }
  if (days < 0) return fire('critical', `${what} expired on ${date}`, now, facts)
  if (days <= th.major_days) return fire('major', `${what} expire in ${days} days (${date})`, now, facts)
  if (days <= th.warning_days) return fire('warning', `${what} expire in ${days} days (${date})`, now, facts)
  return CLEAR
}
