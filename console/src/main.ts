import { render } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { currentSession, onSessionChange, signOut } from './api.ts'
import { html } from './html.ts'
import { currentLang, setLang, t } from './i18n.ts'
import { AlertView } from './views/alert.ts'
import { AlertsView } from './views/alerts.ts'
import { CabinetView } from './views/cabinet.ts'
import { LinkView } from './views/link.ts'
import { LoginView } from './views/login.ts'
import { MapView } from './views/map.ts'
import { WorkView } from './views/work.ts'

interface Route {
  name: 'alerts' | 'alert' | 'work' | 'cabinet' | 'map' | 'link' | 'missing'
  arg: string
}

/** Hash routes: the page is one file, and a signed link's token stays in the fragment (never sent). */
function parse(hash: string): Route {
  const [, name = 'alerts', arg = ''] = /^#\/([a-z]+)?\/?(.*)$/.exec(hash) ?? []
  const known: Record<string, Route['name']> = {
    alerts: arg ? 'alert' : 'alerts',
    work: 'work',
    cabinets: 'cabinet',
    map: 'map',
    link: 'link',
  }
  return { name: known[name] ?? 'missing', arg: decodeURIComponent(arg) }
}

function useRoute(): Route {
  const [route, setRoute] = useState(parse(location.hash))
  useEffect(() => {
    const on = () => setRoute(parse(location.hash))
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return route
}

function App() {
  const route = useRoute()
  const [session, setSession] = useState(currentSession())
  const [, setLangTick] = useState(0)
  const main = useRef<HTMLElement>(null)
  const firstRoute = useRef(true)
  useEffect(() => onSessionChange(() => setSession(currentSession())), [])
  useEffect(() => {
    document.documentElement.lang = currentLang()
  }, [])
  // a new view: move focus to it, so screen readers announce it and Tab starts there
  // (not on the first load: Tab must still reach the skip link first)
  useEffect(() => {
    if (firstRoute.current) firstRoute.current = false
    else main.current?.focus({ preventScroll: true })
  }, [route.name, route.arg, session])

  const toggleLang = () => {
    setLang(currentLang() === 'th' ? 'en' : 'th')
    document.title = t('app_title')
    setLangTick((n) => n + 1)
  }
  document.title = t('app_title')
  const linkOnly = route.name === 'link'
  const nav = [
    ['alerts', '#/alerts', t('nav_alerts')],
    ['work', '#/work', t('nav_work')],
    ['map', '#/map', t('nav_map')],
  ] as const
  const current = route.name === 'alert' ? 'alerts' : route.name

  let view: unknown
  if (linkOnly) view = html`<${LinkView} token=${route.arg} />`
  else if (!session) view = html`<${LoginView} />`
  else if (route.name === 'alerts') view = html`<${AlertsView} />`
  else if (route.name === 'alert') view = html`<${AlertView} id=${route.arg} session=${session} />`
  else if (route.name === 'work') view = html`<${WorkView} />`
  else if (route.name === 'cabinet') view = html`<${CabinetView} id=${route.arg} />`
  else if (route.name === 'map') view = html`<${MapView} />`
  else view = html`<p>${t('not_found')}</p>`

  return html`
    <a class="skip" href="#main" onClick=${(e: Event) => {
      e.preventDefault()
      main.current?.focus()
    }}>${t('skip')}</a>
    <header class="top">
      <p class="brand">${t('app_title')}</p>
      ${
        session && !linkOnly
          ? html`<nav aria-label=${t('nav_label')}>
              <ul>
                ${nav.map(
                  ([name, href, text]) =>
                    html`<li><a href=${href} aria-current=${current === name ? 'page' : undefined}>${text}</a></li>`,
                )}
              </ul>
            </nav>`
          : null
      }
      <div class="tools">
        <button type="button" class="lang" lang=${currentLang() === 'th' ? 'en' : 'th'} aria-label=${t('language_label')} onClick=${toggleLang}>
          ${t('language')}
        </button>
        ${
          session && !linkOnly
            ? html`<span class="who">${t('signed_in_as', { name: session.name, role: session.role })}</span>
                <button type="button" onClick=${() => signOut()}>${t('sign_out')}</button>`
            : null
        }
      </div>
    </header>
    <main id="main" tabindex="-1" ref=${main}>${view}</main>
  `
}

const root = document.getElementById('app')
if (root) render(html`<${App} />`, root)
