import { useEffect } from 'preact/hooks'
import { api, subscribe } from '../api.ts'
import { when } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { html } from '../html.ts'
import { currentLang, label, t } from '../i18n.ts'
import { type AlertView, alertTitle, districtName } from '../model.ts'

interface Cabinet {
  id: string
  name: string
  name_th?: string
  address?: string
  district_code: string
  live: {
    connected: boolean
    last_seen: string | null
    last_heartbeat: { ts: string; battery_pct: number; pad_expiry: string; door: string } | null
    readiness: string
    reasons: Array<{ code: string; severity: string; message: string }>
  }
}
interface History {
  battery: Array<{ at: string; pct: number }>
  events: Array<{ at: string; type: string; result: string | null; detail: string | null }>
  events_error: string | null
}

/** One cabinet: live readiness and why, last heartbeat, battery trend, recent events and alerts. */
export function CabinetView({ id }: { id: string }) {
  const path = `/api/v1/cabinets/${encodeURIComponent(id)}`
  const [data, reload] = useLoad(id, async () => {
    const [cabinet, history, alerts] = await Promise.all([
      api<Cabinet>('GET', path),
      api<History>('GET', `${path}/history`),
      api<{ items: AlertView[] }>('GET', `/api/v1/alerts?cabinet=${encodeURIComponent(id)}&limit=10`),
    ])
    return { cabinet, history, alerts: alerts.items }
  })
  // readiness follows the cabinet's alerts: reload when one of them changes
  useEffect(
    () =>
      subscribe(
        '/api/v1/alerts/stream',
        (event, json) => {
          if (event === 'alert' && (JSON.parse(json) as AlertView).cabinet_id === id) reload()
        },
        () => undefined,
      ),
    [id],
  )
  if (data.state === 'loading') return html`<h1>${t('loading')}</h1>`
  if (data.state === 'error') return html`<h1>${id}</h1><p class="error" role="alert">${data.message}</p>`
  const { cabinet: c, history, alerts } = data.data
  const hb = c.live.last_heartbeat
  const name = currentLang() === 'th' && c.name_th ? c.name_th : c.name
  return html`
    <h1>${name} <small>${c.id}</small></h1>
    <p>${districtName(c.district_code)}${c.address ? ` · ${c.address}` : ''}</p>
    <div class=${`card readiness rd-${c.live.readiness}`}>
      <p><strong>${t('readiness')}:</strong> <span class="badge">${label('rd', c.live.readiness)}</span></p>
      ${
        c.live.reasons.length
          ? html`<ul aria-label=${t('reasons')}>${c.live.reasons.map((r) => html`<li>${r.message}</li>`)}</ul>`
          : null
      }
      <dl class="facts">
        <dt>${t('connected')}</dt><dd>${c.live.connected ? t('yes') : t('no')}</dd>
        <dt>${t('last_seen')}</dt><dd>${when(c.live.last_seen)}</dd>
        <dt>${t('last_heartbeat')}</dt><dd>${hb ? when(hb.ts) : t('never')}</dd>
        ${hb ? html`<dt>${t('battery')}</dt><dd>${hb.battery_pct} %</dd><dt>${t('pads')}</dt><dd>${hb.pad_expiry}</dd><dt>${t('door')}</dt><dd>${hb.door}</dd>` : null}
      </dl>
    </div>
    <section aria-labelledby="bt-h">
      <h2 id="bt-h">${t('battery_trend')}</h2>
      ${history.battery.length >= 2 ? html`<${Trend} points=${history.battery} />` : html`<p>${t('no_battery')}</p>`}
    </section>
    <section aria-labelledby="al-h">
      <h2 id="al-h">${t('recent_alerts')}</h2>
      <ul class="plain">
        ${alerts.map(
          (a) =>
            html`<li><a href=${`#/alerts/${a.id}`}>${alertTitle(a.type)}</a> · ${label('st', a.state)} · <time datetime=${a.started_at}>${when(a.started_at)}</time></li>`,
        )}
      </ul>
    </section>
    <section aria-labelledby="ev-h">
      <h2 id="ev-h">${t('recent_events')}</h2>
      ${history.events_error ? html`<p class="error">${t('events_unavailable', { msg: history.events_error })}</p>` : null}
      ${!history.events_error && history.events.length === 0 ? html`<p>${t('no_events')}</p>` : null}
      <ul class="plain">
        ${history.events.map(
          (e) =>
            html`<li><time datetime=${e.at}>${when(e.at)}</time> · ${e.type.replace(/_/g, ' ')}${e.result ? ` (${e.result})` : ''}${e.detail ? ` · ${e.detail}` : ''}</li>`,
        )}
      </ul>
    </section>
  `
}

/** Battery % over time as a small SVG line; the numbers are in its text alternative. */
function Trend({ points }: { points: Array<{ at: string; pct: number }> }) {
  const t0 = Date.parse(points[0]?.at ?? '')
  const t1 = Date.parse(points[points.length - 1]?.at ?? '')
  const span = Math.max(1, t1 - t0)
  const xy = points.map(
    (p) => `${(((Date.parse(p.at) - t0) / span) * 300).toFixed(1)},${(100 - p.pct).toFixed(1)}`,
  )
  const first = points[0]
  const last = points[points.length - 1]
  const summary = `${first?.pct} % (${when(first?.at ?? null)}) → ${last?.pct} % (${when(last?.at ?? null)})`
  return html`
    <figure class="trend">
      <svg viewBox="0 0 300 100" preserveAspectRatio="none" role="img" aria-label=${summary}>
        <polyline points=${xy.join(' ')} fill="none" stroke="currentColor" stroke-width="2" vector-effect="non-scaling-stroke" />
      </svg>
      <figcaption>${summary}</figcaption>
    </figure>
  `
}
