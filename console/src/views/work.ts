import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { day, when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { html } from '../html.ts'
import { t } from '../i18n.ts'
import { districtName } from '../model.ts'

interface WorkItem {
  cabinet_id: string
  cabinet_name: string
  district_code: string
  task: string
  due_date: string
  days_left: number
  detail: string
}
interface WorkList {
  within_days: number
  generated_at: string
  districts: Array<{ district_code: string; items: WorkItem[] }>
  count: number
}

const TASKS: Record<string, [en: string, th: string]> = {
  replace_pads: ['Replace pads', 'เปลี่ยนแผ่นอิเล็กโทรด'],
  replace_battery: ['Replace battery', 'เปลี่ยนแบตเตอรี่'],
  battery_forecast_low: ['Battery running down', 'แบตเตอรี่ใกล้หมด'],
  self_test_failed: ['Self-test failed', 'ทดสอบตัวเองไม่ผ่าน'],
  aed_missing: ['AED missing', 'เครื่อง AED หายไป'],
  offline: ['Cabinet offline', 'ตู้ขาดการเชื่อมต่อ'],
}

/** The work list by district and due date (pads, batteries, self-tests, missing AEDs), printable. */
export function WorkView() {
  const [days, setDays] = useState(30)
  const [list] = useLoad(String(days), () => api<WorkList>('GET', `/api/v1/maintenance?within_days=${days}`))
  const th = document.documentElement.lang === 'th'
  return html`
    <div class="title-row">
      <h1>${t('work_title')}</h1>
      <button type="button" class="no-print" onClick=${() => print()}>${t('print')}</button>
    </div>
    <form class="filters no-print" onSubmit=${(e: Event) => e.preventDefault()}>
      <label>${t('within_days')}
        <select value=${String(days)} onChange=${(e: Event) => setDays(Number((e.target as HTMLSelectElement).value))}>
          ${[7, 30, 90, 365].map((d) => html`<option value=${String(d)}>${d}</option>`)}
        </select>
      </label>
    </form>
    ${list.state === 'loading' ? html`<p>${t('loading')}</p>` : null}
    ${list.state === 'error' ? html`<p class="error" role="alert">${t('error', { msg: list.message })}</p>` : null}
    ${
      list.state === 'ok'
        ? html`
          <p class="hint">${when(list.data.generated_at)}</p>
          ${list.data.count === 0 ? html`<p>${t('nothing_due')}</p>` : null}
          ${list.data.districts.map(
            (d) => html`
            <section class="district" aria-labelledby=${`d-${d.district_code}`}>
              <h2 id=${`d-${d.district_code}`}>${districtName(d.district_code)} (${d.district_code})</h2>
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">${t('due')}</th><th scope="col">${t('cabinet')}</th><th scope="col">${t('task')}</th><th scope="col">${t('detail')}</th></tr></thead>
                  <tbody>
                    ${d.items.map(
                      (i) => html`<tr class=${i.days_left < 0 ? 'overdue' : ''}>
                        <td>${day(i.due_date)} <span class="days">(${i.days_left})</span></td>
                        <td><a href=${`#/cabinets/${encodeURIComponent(i.cabinet_id)}`}>${i.cabinet_id}</a><br /><small>${i.cabinet_name}</small></td>
                        <td>${TASKS[i.task]?.[th ? 1 : 0] ?? i.task}</td>
                        <td>${i.detail}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            </section>`,
          )}`
        : null
    }
  `
}
