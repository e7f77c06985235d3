import { z } from 'zod'

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
export type RecurrenceWeekday = (typeof WEEKDAYS)[number]
const WEEK_MIN = 7 * 1440

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/**
 * A weekly slot, e.g. the inspection round: `{weekdays: ["tue"], start: "09:00",
 * duration_minutes: 180, tz: "Asia/Bangkok"}` is Tuesdays 09:00–12:00 Bangkok time. A slot may
 * run past midnight (into the next day) and last up to a week.
 */
export const recurrenceSchema = z.strictObject({
  weekdays: z
    .array(z.enum(WEEKDAYS))
    .min(1)
    .transform((ds) => [...new Set(ds)]),
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour'),
  duration_minutes: z.number().int().min(1).max(WEEK_MIN),
  tz: z.string().min(1).max(64).refine(validZone, 'not an IANA time zone').default('Asia/Bangkok'),
})

export type Recurrence = z.output<typeof recurrenceSchema>

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Weekday (0 Sunday) and minute of the day of an instant, in a time zone. */
function local(ms: number, tz: string): { day: number; minute: number } {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(tz, f)
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]))
  const day = WEEKDAYS.indexOf(String(parts.weekday).toLowerCase().slice(0, 3) as RecurrenceWeekday)
  return { day, minute: Number(parts.hour) * 60 + Number(parts.minute) }
}

function startMinute(r: Recurrence): number {
  const [h, m] = r.start.split(':').map(Number)
  return (h as number) * 60 + (m as number)
}

/** Minutes into the week (Sunday 00:00 = 0) at which each slot starts, in local wall time. */
function slotStarts(r: Recurrence): number[] {
  return r.weekdays.map((d) => WEEKDAYS.indexOf(d) * 1440 + startMinute(r))
}

/** Whether `ms` falls in one of the recurrence's slots (wall time in its zone). */
export function inRecurrence(r: Recurrence, ms: number): boolean {
  const { day, minute } = local(ms, r.tz)
  const now = day * 1440 + minute
  return slotStarts(r).some((s) => (now - s + WEEK_MIN) % WEEK_MIN < r.duration_minutes)
}

/** The start of the next slot after `ms`, to the minute (null past `untilMs`). */
export function nextOccurrence(r: Recurrence, ms: number, untilMs: number): number | null {
  const { day, minute } = local(ms, r.tz)
  const now = day * 1440 + minute
  // minutes until each slot's next start, strictly after this minute (1 … a week)
  const wait = Math.min(...slotStarts(r).map((s) => 1 + ((s - now + WEEK_MIN - 1) % WEEK_MIN)))
  const at = Math.floor(ms / 60_000) * 60_000 + wait * 60_000
  return at < untilMs ? at : null
}
