import { useEffect, useRef, useState } from 'preact/hooks'
import { api, subscribe } from '../api.ts'
import { since, when } from '../format.ts'
import { errorText, useNow } from '../hooks.ts'
import { html } from '../html.ts'
import { label, t } from '../i18n.ts'
import { type AlertView, alertTitle, byUrgency, districtName, SEVERITIES } from '../model.ts'

interface Filters {
  district: string
  team: string
  severity: string
}

const FILTER_KEY = 'aedgw.filters'
function savedFilters(): Filters {
  try {
    return { district: '', team: '', severity: '', ...JSON.parse(sessionStorage.getItem(FILTER_KEY) ?? '{}') }
  } catch {
    return { district: '', team: '', severity: '' }
  }
}

/** Open alerts, updated live from the server-sent event stream; the list reloads on every (re)connect. */
export function AlertsView() {
  const [alerts, setAlerts] = useState<Map<string, AlertView>>(new Map())
  const [live, setLive] = useState(false)
  const [loaded, setLoaded] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [filters, setFilters] = useState<Filters>(savedFilters)
  const now = useNow()
  const pending = useRef<AlertView[] | null>(null)

  useEffect(() => {
    const apply = (m: Map<string, AlertView>, a: AlertView) => {
      const old = m.get(a.id)
      if (old && old.updated_at > a.updated_at) return
      if (a.state === 'resolved') m.delete(a.id)
      else m.set(a.id, a)
    }
    const load = () => {
      // events that arrive while the list loads are replayed over it: none is lost
      pending.current = []
      api<{ items: AlertView[] }>('GET', '/api/v1/alerts?state=open&limit=1000').then(
        (r) => {
          const m = new Map<string, AlertView>()
          for (const a of r.items) apply(m, a)
          for (const a of pending.current ?? []) apply(m, a)
          pending.current = null
          setAlerts(m)
          setLoaded(true)
          setError(null)
        },
        (err: unknown) => setError(errorText(err)),
      )
    }
    return subscribe(
      '/api/v1/alerts/stream',
      (event, data) => {
        if (event !== 'alert') return
        const a = JSON.parse(data) as AlertView
        if (pending.current) pending.current.push(a)
        else
          setAlerts((prev) => {
            const m = new Map(prev)
            apply(m, a)
            return m
          })
      },
      (up) => {
        setLive(up)
        if (up) load()
      },
    )
  }, [])

  const set = (k: keyof Filters) => (e: Event) => {
    const next = { ...filters, [k]: (e.target as HTMLSelectElement).value }
    setFilters(next)
    try {
      sessionStorage.setItem(FILTER_KEY, JSON.stringify(next))
    } catch {
      // not remembered
    }
  }
  const all = [...alerts.values()]
  const districts = [...new Set(all.map((a) => a.labels.district ?? ''))].filter(Boolean).sort()
  const teams = [...new Set(all.map((a) => a.team))].sort()
  const shown = all
    .filter((a) => !filters.district || a.labels.district === filters.district)
    .filter((a) => !filters.team || a.team === filters.team)
    .filter((a) => !filters.severity || a.severity === filters.severity)
    .sort(byUrgency)

  return html`
    <div class="title-row">
      <h1>${t('nav_alerts')}</h1>
      <span class=${`live ${live ? 'on' : 'off'}`} role="status">${live ? t('live') : t('reconnecting')}</span>
    </div>
    <form class="filters" aria-label=${t('filters')} onSubmit=${(e: Event) => e.preventDefault()}>
      <label>${t('district')}
        <select name="district" value=${filters.district} onChange=${set('district')}>
          <option value="">${t('any')}</option>
          ${districts.map((d) => html`<option value=${d}>${districtName(d)} (${d})</option>`)}
        </select>
      </label>
      <label>${t('team')}
        <select name="team" value=${filters.team} onChange=${set('team')}>
          <option value="">${t('any')}</option>
          ${teams.map((x) => html`<option value=${x}>${x}</option>`)}
        </select>
      </label>
      <label>${t('severity')}
        <select name="severity" value=${filters.severity} onChange=${set('severity')}>
          <option value="">${t('any')}</option>
          ${SEVERITIES.map((s) => html`<option value=${s}>${label('sev', s)}</option>`)}
        </select>
      </label>
    </form>
    ${error ? html`<p class="error" role="alert">${t('error', { msg: error })}</p>` : null}
    ${!loaded && !error ? html`<p>${t('loading')}</p>` : null}
    ${loaded ? html`<p class="count" aria-live="polite">${t('count_alerts', { n: shown.length })}</p>` : null}
    ${loaded && shown.length === 0 ? html`<p>${t('no_alerts')}</p>` : null}
    <ul class="alerts">
      ${shown.map(
        (a) => html`
        <li class=${`alert sev-${a.severity} st-${a.state}`} data-alert-id=${a.id}>
          <a href=${`#/alerts/${a.id}`}>
            <span class="badge">${label('sev', a.severity)}</span>
            <strong class="what">${alertTitle(a.type)}</strong>
            <span class="where">${a.cabinet_id} · ${districtName(a.labels.district)}</span>
            <span class="meta">
              <time datetime=${a.started_at} title=${when(a.started_at)}>${since(a.started_at, now)}</time>
              ${` · ${label('st', a.state)}${a.assignee ? ` · ${a.assignee}` : ''} · ${a.team}`}
            </span>
          </a>
        </li>`,
      )}
    </ul>
  `
}
