import { useEffect, useRef, useState } from 'preact/hooks'
import { api, subscribe } from '../api.ts'
import { errorText } from '../hooks.ts'
import { html } from '../html.ts'
import { currentLang, label, t } from '../i18n.ts'
import { loadSettings } from '../model.ts'
import type { MapCabinet } from './map-leaflet.ts'

const READINESS = ['ready', 'degraded', 'not_ready', 'in_use', 'offline', 'unknown'] as const

/** Cabinets coloured by readiness; Leaflet is loaded only when this view opens. */
export function MapView() {
  const el = useRef<HTMLDivElement>(null)
  const [error, setError] = useState<string | null>(null)
  const [count, setCount] = useState<number | null>(null)
  useEffect(() => {
    let map: { dispose(): void; update(c: MapCabinet): void } | null = null
    let live = true
    // live: a cabinet whose alert changed is fetched again and recoloured
    const stop = subscribe(
      '/api/v1/alerts/stream',
      (event, data) => {
        if (event !== 'alert' || !map) return
        const id = (JSON.parse(data) as { cabinet_id: string }).cabinet_id
        api<MapCabinet>('GET', `/api/v1/cabinets/${encodeURIComponent(id)}`).then(
          (c) => map?.update(c),
          () => undefined,
        )
      },
      () => undefined,
    )
    Promise.all([
      api<{ items: Array<MapCabinet & { live: { readiness: string } }> }>('GET', '/api/v1/cabinets'),
      loadSettings(),
      import('./map-leaflet.ts'),
    ]).then(
      ([cabinets, settings, leaflet]) => {
        if (!live || !el.current) return
        setCount(cabinets.items.length)
        map = leaflet.mountMap(el.current, cabinets.items, settings, currentLang(), (r) => label('rd', r))
      },
      (err: unknown) => setError(errorText(err)),
    )
    return () => {
      live = false
      stop()
      map?.dispose()
    }
  }, [])
  return html`
    <h1>${t('map_title')}</h1>
    ${error ? html`<p class="error" role="alert">${t('error', { msg: error })}</p>` : null}
    <div class="map" ref=${el} role="region" aria-label=${t('map_title')}></div>
    ${count !== null ? html`<p class="hint">${count} ${t('cabinet')}</p>` : null}
    <section aria-labelledby="legend-h">
      <h2 id="legend-h" class="small">${t('legend')}</h2>
      <ul class="legend">
        ${READINESS.map((r) => html`<li><span class=${`dot rd-${r}`} aria-hidden="true"></span>${label('rd', r)}</li>`)}
      </ul>
    </section>
  `
}
