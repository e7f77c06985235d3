import L from 'leaflet'
import { type CoverageDistrict, coverageBand, DISTRICTS, type Settings } from '../model.ts'

export interface MountedMap {
  dispose(): void
  update(c: MapCabinet): void
  /** Shades each district's name by its coverage share and writes the share beside it; null: names only. */
  setCoverage(districts: CoverageDistrict[] | null, percent: (share: number) => string): void
}

export interface MapCabinet {
  id: string
  name: string
  name_th?: string
  lat: number
  lon: number
  live: { readiness: string }
}

/** CSS custom properties cannot reach SVG attributes set by Leaflet: the palette is here too (WCAG AA on white). */
const COLOUR: Record<string, string> = {
  ready: '#1b7f3b',
  degraded: '#b35900',
  not_ready: '#c0182b',
  in_use: '#6a1b9a',
  offline: '#555555',
  unknown: '#8a8a8a',
}

/**
 * A Leaflet map of the cabinets. Tiles come from the configured URL; when there is none or
 * none loads, the points and district names still show on the plain background (they are
 * vectors and labels, not tiles).
 */
export function mountMap(
  el: HTMLElement,
  cabinets: MapCabinet[],
  settings: Settings,
  lang: 'en' | 'th',
  readinessLabel: (r: string) => string,
): MountedMap {
  const map = L.map(el, { preferCanvas: false, attributionControl: true }).setView([13.75, 100.55], 11)
  if (settings.tile_url) {
    L.tileLayer(settings.tile_url, {
      attribution: settings.tile_attribution,
      maxZoom: 19,
      // a failed tile shows nothing rather than a broken image
      errorTileUrl: 'data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==',
    }).addTo(map)
  }
  // each district name is a label (a permanent tooltip) whose share and shading the coverage layer sets
  const districtLabels = new Map<string, { box: HTMLElement; share: HTMLElement }>()
  for (const d of DISTRICTS) {
    const box = document.createElement('span')
    box.className = 'district-box'
    box.dataset.district = d.code
    const name = document.createElement('span')
    name.textContent = lang === 'th' ? d.name_th : d.name_en
    const share = document.createElement('span')
    share.className = 'district-share'
    box.append(name, share)
    districtLabels.set(d.code, { box, share })
    L.marker([d.lat, d.lon], {
      icon: L.divIcon({ className: 'district-label', html: '', iconSize: [0, 0] }),
      interactive: false,
      keyboard: false,
    })
      .bindTooltip(box, { permanent: true, direction: 'center', className: 'district-name' })
      .addTo(map)
  }
  const markers = new Map<string, { marker: L.CircleMarker; link: HTMLAnchorElement }>()
  const describe = (c: MapCabinet, link: HTMLAnchorElement) => {
    link.textContent = `${lang === 'th' && c.name_th ? c.name_th : c.name} (${c.id}): ${readinessLabel(c.live.readiness)}`
  }
  const points: L.LatLngExpression[] = []
  for (const c of cabinets) {
    const link = document.createElement('a')
    link.href = `#/cabinets/${encodeURIComponent(c.id)}`
    describe(c, link)
    const marker = L.circleMarker([c.lat, c.lon], {
      radius: 8,
      color: '#ffffff',
      weight: 2,
      fillColor: COLOUR[c.live.readiness] ?? COLOUR.unknown,
      fillOpacity: 1,
      className: `cabinet rd-${c.live.readiness}`,
    })
      .bindPopup(link)
      .addTo(map)
    markers.set(c.id, { marker, link })
    points.push([c.lat, c.lon])
  }
  if (points.length) map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 15 })
  return {
    dispose: () => map.remove(),
    // readiness changed (an alert moved): recolour the point
    update(c) {
      const m = markers.get(c.id)
      if (!m) return
      m.marker.setStyle({ fillColor: COLOUR[c.live.readiness] ?? COLOUR.unknown })
      const el = m.marker.getElement()
      if (el) el.setAttribute('class', `leaflet-interactive cabinet rd-${c.live.readiness}`)
      describe(c, m.link)
    },
    setCoverage(districts, percent) {
      const byCode = new Map((districts ?? []).map((d) => [d.district_code, d]))
      for (const [code, label] of districtLabels) {
        const d = byCode.get(code)
        label.box.className = d ? `district-box cov cov-${coverageBand(d.share)}` : 'district-box'
        label.share.textContent = d ? ` ${percent(d.share)}` : ''
      }
    },
  }
}
