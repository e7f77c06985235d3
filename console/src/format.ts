import { currentLang, t } from './i18n.ts'

/** Every date the console shows is Bangkok time, whatever the device's zone. */
export function when(iso: string | null): string {
  if (!iso) return t('never')
  return new Intl.DateTimeFormat(currentLang() === 'th' ? 'th-TH' : 'en-GB', {
    timeZone: 'Asia/Bangkok',
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso))
}

export function day(isoDate: string): string {
  return new Intl.DateTimeFormat(currentLang() === 'th' ? 'th-TH' : 'en-GB', {
    timeZone: 'Asia/Bangkok',
    dateStyle: 'medium',
  }).format(new Date(`${isoDate}T00:00:00+07:00`))
}

/** "5 min", "3 h 10 min", "2 d 4 h" (Thai: นาที, ชม., วัน). */
export function duration(ms: number): string {
  const th = currentLang() === 'th'
  const u = th ? { d: ' วัน', h: ' ชม.', m: ' นาที' } : { d: ' d', h: ' h', m: ' min' }
  const min = Math.max(0, Math.floor(ms / 60_000))
  const d = Math.floor(min / 1440)
  const h = Math.floor((min % 1440) / 60)
  const m = min % 60
  if (d > 0) return `${d}${u.d} ${h}${u.h}`
  if (h > 0) return `${h}${u.h} ${m}${u.m}`
  return `${m}${u.m}`
}

export function since(iso: string, now: number): string {
  return t('since', { d: duration(now - Date.parse(iso)) })
}
