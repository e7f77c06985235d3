import type { AlertsConfig } from './config.ts'
import type { CabinetDescription, Notification, NotifiedAlert } from './notifiers/notifier.ts'
import type { Alert } from './types.ts'

export interface Text {
  en: [title: string, action: string]
  th: [title: string, action: string]
}

export const TEXT: Record<string, Text> = {
  aed_in_use: {
    en: [
      'AED in use: probable cardiac arrest',
      'Dispatch EMS (1669) to the cabinet now; check the AED is returned.',
    ],
    th: [
      'มีการนำเครื่อง AED ไปใช้: อาจมีผู้ป่วยหัวใจหยุดเต้น',
      'แจ้งหน่วยแพทย์ฉุกเฉิน 1669 ไปยังตู้ทันที และตรวจสอบการนำเครื่องกลับคืน',
    ],
  },
  door_open: {
    en: [
      'Cabinet door opened',
      'Check the cabinet (camera or nearby staff); an AED removal follows if it is an emergency.',
    ],
    th: ['ประตูตู้ AED ถูกเปิด', 'ตรวจสอบตู้ (กล้องหรือเจ้าหน้าที่ใกล้เคียง) หากเป็นเหตุฉุกเฉินจะมีการนำเครื่องออก'],
  },
  door_left_open: {
    en: ['Cabinet door left open', 'Send someone to close the cabinet and check the AED.'],
    th: ['ประตูตู้ AED เปิดค้างไว้', 'ส่งเจ้าหน้าที่ไปปิดตู้และตรวจสอบเครื่อง AED'],
  },
  aed_missing: {
    en: ['AED missing', 'Find and return the AED, or replace it; the cabinet is empty.'],
    th: ['เครื่อง AED หายไป', 'ติดตามนำเครื่องกลับคืนหรือเปลี่ยนเครื่องใหม่ ขณะนี้ตู้ว่าง'],
  },
  battery_low: {
    en: ['AED battery low', 'Replace or recharge the AED battery.'],
    th: ['แบตเตอรี่เครื่อง AED ต่ำ', 'เปลี่ยนหรือชาร์จแบตเตอรี่เครื่อง AED'],
  },
  battery_expiry: {
    en: ['AED battery expiring', 'Order and fit a new battery before the expiry date.'],
    th: ['แบตเตอรี่เครื่อง AED ใกล้หมดอายุ', 'สั่งและเปลี่ยนแบตเตอรี่ใหม่ก่อนวันหมดอายุ'],
  },
  pad_expiry: {
    en: ['Electrode pads expiring', 'Replace the pads before the expiry date.'],
    th: ['แผ่นอิเล็กโทรดใกล้หมดอายุ', 'เปลี่ยนแผ่นอิเล็กโทรดก่อนวันหมดอายุ'],
  },
  offline: {
    en: ['Cabinet offline', 'Check power and network at the cabinet.'],
    th: ['ตู้ AED ขาดการเชื่อมต่อ', 'ตรวจสอบไฟฟ้าและเครือข่ายที่ตู้'],
  },
  storage_degraded: {
    en: [
      'Gateway storage degraded',
      'InfluxDB is not taking writes or the outbox is full: check InfluxDB and the disk; readings are kept until it recovers.',
    ],
    th: ['ระบบจัดเก็บข้อมูลของเกตเวย์ขัดข้อง', 'ตรวจสอบ InfluxDB และพื้นที่ดิสก์ ข้อมูลถูกเก็บไว้จนกว่าระบบจะกลับมา'],
  },
  bkkhdc_build_late: {
    en: [
      'Monthly BKKHDC dataset late',
      'The scheduled build failed and is retried by itself: check InfluxDB; it resolves once the month is built.',
    ],
    th: ['ชุดข้อมูลรายเดือนสำหรับ BKKHDC ล่าช้า', 'ระบบจะลองสร้างใหม่เอง ตรวจสอบ InfluxDB การแจ้งเตือนจะปิดเมื่อสร้างสำเร็จ'],
  },
  district_outage: {
    en: [
      'District-wide cabinet outage',
      'Check the district power or mobile network; single cabinets are muted.',
    ],
    th: ['ตู้ AED ขาดการเชื่อมต่อทั้งเขต', 'ตรวจสอบไฟฟ้าหรือเครือข่ายมือถือในเขต'],
  },
  temperature: {
    en: [
      'Cabinet temperature out of range',
      'Check cabinet ventilation and shade; heat damages pads and battery.',
    ],
    th: ['อุณหภูมิตู้ AED ผิดปกติ', 'ตรวจสอบการระบายอากาศและร่มเงา ความร้อนทำให้แผ่นและแบตเตอรี่เสื่อม'],
  },
  self_test_failed: {
    en: ['AED self-test failed', 'Take the AED out of service and replace it; contact the vendor.'],
    th: ['เครื่อง AED ทดสอบตัวเองไม่ผ่าน', 'นำเครื่องออกจากการใช้งานและเปลี่ยนเครื่อง ติดต่อผู้จำหน่าย'],
  },
  self_test_overdue: {
    en: ['No AED self-test reported', 'Check the AED and the cabinet link to it.'],
    th: ['ไม่มีรายงานการทดสอบตัวเองของเครื่อง AED', 'ตรวจสอบเครื่อง AED และการเชื่อมต่อกับตู้'],
  },
  backup_power: {
    en: ['Cabinet on backup power', 'Restore mains power to the cabinet.'],
    th: ['ตู้ AED ใช้ไฟสำรอง', 'แก้ไขไฟฟ้าหลักของตู้'],
  },
  tamper: {
    en: ['Cabinet tampering', 'Inspect the cabinet for damage; involve police if needed.'],
    th: ['มีการงัดแงะตู้ AED', 'ตรวจสอบความเสียหายของตู้ แจ้งตำรวจหากจำเป็น'],
  },
  clock_skew: {
    en: ['Cabinet clock wrong', 'Check the cabinet time source (NTP).'],
    th: ['นาฬิกาของตู้ไม่ตรง', 'ตรวจสอบการตั้งเวลาของตู้ (NTP)'],
  },
}

const SEVERITY_TH: Record<string, string> = {
  minor: 'เล็กน้อย',
  warning: 'เตือน',
  major: 'สำคัญ',
  critical: 'วิกฤต',
}

export function mapUrl(template: string, lat: number | null, lon: number | null): string | null {
  if (lat === null || lon === null) return null
  return template.replace('{lat}', String(lat)).replace('{lon}', String(lon))
}

export function consoleUrl(template: string | null | undefined, alertId: string): string | null {
  return template ? template.replace('{alert}', encodeURIComponent(alertId)) : null
}

/** What happened, in a few words: the title before its colon ("AED in use"), no cabinet, no diagnosis. */
function shortTitle(title: string): string {
  return title.split(':')[0] ?? title
}

/** The alert as notifiers see it: what happened, which cabinet, where, a map link, what to do (Thai and English). */
export function notifiedAlert(
  a: Alert,
  status: 'firing' | 'resolved',
  cab: CabinetDescription | null,
  config: Pick<AlertsConfig, 'map_url'> & Partial<Pick<AlertsConfig, 'console_url'>>,
  signedLink: string | null = null,
): NotifiedAlert {
  const text = TEXT[a.type] ?? { en: [a.type, 'Check the cabinet.'], th: [a.type, 'ตรวจสอบตู้'] }
  const url = mapUrl(config.map_url, cab?.lat ?? null, cab?.lon ?? null)
  const resolvedEn = status === 'resolved' ? 'RESOLVED: ' : ''
  const resolvedTh = status === 'resolved' ? 'แก้ไขแล้ว: ' : ''
  const where = (name: string | null, addr: string | null, district: string | null) =>
    [name ?? a.cabinet_id, addr, district].filter(Boolean).join(', ')
  return {
    id: a.id,
    cabinet_id: a.cabinet_id,
    type: a.type,
    severity: a.severity,
    state: a.state,
    status,
    team: a.team,
    assignee: a.assignee,
    labels: { ...a.labels },
    summary: a.summary,
    facts: a.facts,
    started_at: new Date(a.started_ms).toISOString(),
    resolved_at: a.resolved_ms === null ? null : new Date(a.resolved_ms).toISOString(),
    cabinet: {
      name: cab?.name ?? null,
      name_th: cab?.name_th ?? null,
      address: cab?.address ?? null,
      address_th: cab?.address_th ?? null,
      district_code: cab?.district_code ?? a.labels.district ?? null,
      district_name: cab?.district_name ?? null,
      district_name_th: cab?.district_name_th ?? null,
      lat: cab?.lat ?? null,
      lon: cab?.lon ?? null,
      map_url: url,
    },
    // the signed link (acknowledges once, no token) when the console has a public URL, else the
    // configured console address of the alert
    console_url: signedLink ?? consoleUrl(config.console_url, a.id),
    message: {
      en: {
        short: `${resolvedEn}${shortTitle(text.en[0])}`,
        title: `${resolvedEn}[${a.severity.toUpperCase()}] ${text.en[0]} (${a.cabinet_id})`,
        body: `${a.summary}. ${where(cab?.name ?? null, cab?.address ?? null, cab?.district_name ?? null)}${url ? ` ${url}` : ''}`,
        action: text.en[1],
      },
      th: {
        short: `${resolvedTh}${shortTitle(text.th[0])}`,
        title: `${resolvedTh}[${SEVERITY_TH[a.severity] ?? a.severity}] ${text.th[0]} (${a.cabinet_id})`,
        body: `${where(cab?.name_th ?? cab?.name ?? null, cab?.address_th ?? cab?.address ?? null, cab?.district_name_th ?? null)}${url ? ` ${url}` : ''}`,
        action: text.th[1],
      },
    },
  }
}

const SEVERITY_ORDER = ['minor', 'warning', 'major', 'critical']

/**
 * An e-mail subject that tells of no emergency: no cabinet id, place or diagnosis (subjects show on
 * lock screens and in mail logs), only how many alerts and how severe; the body has the rest.
 */
export function shortSubject(n: Notification): string {
  const firing = n.alerts.filter((a) => a.status === 'firing')
  if (firing.length === 0)
    return `AED gateway: ${n.alerts.length === 1 ? 'alert' : `${n.alerts.length} alerts`} resolved`
  const worst = firing
    .map((a) => a.severity)
    .reduce((w, s) => (SEVERITY_ORDER.indexOf(s) > SEVERITY_ORDER.indexOf(w) ? s : w))
  return `AED gateway: ${firing.length === 1 ? `1 ${worst} alert` : `${firing.length} alerts (${worst})`}`
}

/**
 * A minimal text for chat (LINE): what happened, in which district, and the console link behind
 * which the detail is; no cabinet, address, map link or diagnosis.
 */
export function renderMinimal(n: Notification, maxChars = 5000): string {
  const lines = n.alerts.map((a) => {
    const th = `${a.message.th.short} · เขต${a.cabinet.district_name_th ?? a.cabinet.district_code ?? ''}`
    const en = `${a.message.en.short} · ${a.cabinet.district_name ?? a.cabinet.district_code ?? ''}`
    return [th, en, a.console_url].filter(Boolean).join('\n')
  })
  const text = lines.join('\n\n')
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text
}

/** Plain text of a notification (e-mail body): Thai first, then English, per alert. */
export function renderText(n: Notification, maxChars = 5000): { subject: string; text: string } {
  const subject = shortSubject(n)
  const parts = n.alerts.map((a) =>
    [
      ...(a.console_url ? [a.console_url, ''] : []),
      a.message.th.title,
      a.message.th.body,
      `สิ่งที่ต้องทำ: ${a.message.th.action}`,
      '',
      a.message.en.title,
      a.message.en.body,
      `What to do: ${a.message.en.action}`,
      ...(a.console_url ? ['', `เปิดและรับทราบ / Open and acknowledge: ${a.console_url}`] : []),
    ].join('\n'),
  )
  let text = parts.join('\n\n----\n\n')
  if (text.length > maxChars) text = `${text.slice(0, maxChars - 1)}…`
  return { subject, text }
}
