import { useEffect, useRef, useState } from 'preact/hooks'
import { api, subscribe } from '../api.ts'
import { errorText } from '../hooks.ts'
import { html } from '../html.ts'
import { currentLang, type Key, label, t } from '../i18n.ts'
import { COVERAGE_BANDS, type Coverage, coverageBand, districtName, loadSettings, percent } from '../model.ts'
import type { MapCabinet, MountedMap } from './map-leaflet.ts'

const READINESS = ['ready', 'degraded', 'not_ready', 'in_use', 'offline', 'unknown'] as const

/**
 * Cabinets coloured by readiness; Leaflet is loaded only when this view opens. The coverage
 * layer (off until toggled) shades each district's name by its share and writes the share.
 */
export function MapView() {
  const el = useRef<HTMLDivElement>(null)
  const map = useRef<MountedMap | null>(null)
  const showCoverage = useRef(false)
  const [error, setError] = useState<string | null>(null)
  const [count, setCount] = useState<number | null>(null)
  const [coverageOn, setCoverageOn] = useState(false)
  const [coverage, setCoverage] = useState<Coverage | null>(null)

  const latest = useRef<Coverage | null>(null)
  // what the map shows follows the toggle and the last answer, whichever arrives last
  const paint = (c: Coverage | null) =>
    map.current?.setCoverage(showCoverage.current ? (c?.districts ?? null) : null, percent)
  const loadCoverage = () => {
    api<Coverage>('GET', '/api/v1/coverage').then(
      (c) => {
        latest.current = c
        setCoverage(c)
        paint(c)
      },
      (err: unknown) => setError(errorText(err)),
    )
  }

  useEffect(() => {
    let live = true
    let coverageTimer: ReturnType<typeof setTimeout> | undefined
    // live: a cabinet whose alert changed is fetched again and recoloured; coverage may have moved too
    const stop = subscribe(
      '/api/v1/alerts/stream',
      (event, data) => {
        if (event !== 'alert' || !map.current) return
        const id = (JSON.parse(data) as { cabinet_id: string }).cabinet_id
        api<MapCabinet>('GET', `/api/v1/cabinets/${encodeURIComponent(id)}`).then(
          (c) => map.current?.update(c),
          () => undefined,
        )
        // the gateway re-checks touched cabinets' coverage every second (coverage.refresh_ms):
        // ask a little after that, once for a burst of alerts
        if (showCoverage.current) {
          clearTimeout(coverageTimer)
          coverageTimer = setTimeout(loadCoverage, 1500)
        }
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
        map.current = leaflet.mountMap(el.current, cabinets.items, settings, currentLang(), (r) =>
          label('rd', r),
        )
        paint(latest.current)
      },
      (err: unknown) => setError(errorText(err)),
    )
    return () => {
      live = false
      clearTimeout(coverageTimer)
      stop()
      map.current?.dispose()
      map.current = null
    }
  }, [])

  // opening hours change coverage without any alert: refresh while the layer is on
  useEffect(() => {
    if (!coverageOn) return
    const id = setInterval(loadCoverage, 60_000)
    return () => clearInterval(id)
  }, [coverageOn])

  const toggle = (e: Event) => {
    const on = (e.target as HTMLInputElement).checked
    showCoverage.current = on
    setCoverageOn(on)
    paint(latest.current)
    if (on) loadCoverage()
  }

  return html`
    <h1>${t('map_title')}</h1>
    ${error ? html`<p class="error" role="alert">${t('error', { msg: error })}</p>` : null}
    <p class="toggle">
      <input type="checkbox" id="coverage-toggle" checked=${coverageOn} onChange=${toggle} />
      <label for="coverage-toggle">${t('coverage')}</label>
    </p>
    <div class="map" ref=${el} role="region" aria-label=${t('map_title')}></div>
    ${count !== null ? html`<p class="hint">${count} ${t('cabinet')}</p>` : null}
    <section aria-labelledby="legend-h">
      <h2 id="legend-h" class="small">${t('legend')}</h2>
      <ul class="legend">
        ${READINESS.map((r) => html`<li><span class=${`dot rd-${r}`} aria-hidden="true"></span>${label('rd', r)}</li>`)}
      </ul>
      ${coverageOn ? html`<${CoverageLegend} coverage=${coverage} />` : null}
    </section>
  `
}

/** The coverage layer's key, the city's share as a sentence, and every district's share as a table. */
function CoverageLegend({ coverage }: { coverage: Coverage | null }) {
  const districts = [...(coverage?.districts ?? [])].sort(
    (a, b) => a.share - b.share || a.district_code.localeCompare(b.district_code),
  )
  return html`
    <div class="coverage-legend">
      <h3 class="small">${t('coverage')}</h3>
      <ul class="legend">
        ${COVERAGE_BANDS.map(
          (b) =>
            html`<li><span class=${`swatch cov-${b}`} aria-hidden="true"></span>${t(`cov_${b}` as Key)}</li>`,
        )}
      </ul>
      <p class="hint">${t('coverage_help')}</p>
      <p class="coverage-city" aria-live="polite">
        ${coverage ? t('coverage_city', { share: percent(coverage.city.share), n: coverage.usable_aeds }) : t('loading')}
      </p>
      ${
        coverage
          ? html`<details>
              <summary>${t('coverage_by_district')}</summary>
              <div class="table-wrap">
                <table class="coverage-table">
                  <thead><tr><th scope="col">${t('district')}</th><th scope="col">${t('coverage')}</th><th scope="col">${t('coverage_within')}</th></tr></thead>
                  <tbody>
                    ${districts.map(
                      (d) => html`<tr data-district=${d.district_code}>
                        <th scope="row">${districtName(d.district_code)}</th>
                        <td><span class=${`swatch cov-${coverageBand(d.share)}`} aria-hidden="true"></span>${percent(d.share)}</td>
                        <td>${d.covered} / ${d.points}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
            </details>`
          : null
      }
    </div>
  `
}
