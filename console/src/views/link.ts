import { useState } from 'preact/hooks'
import { linkApi } from '../api.ts'
import { when } from '../format.ts'
import { errorText, useLoad } from '../hooks.ts'
import { html } from '../html.ts'
import { t } from '../i18n.ts'
import type { AlertView } from '../model.ts'
import { AlertDetails, titleOf } from './parts.ts'

interface LinkAnswer {
  link: { role: 'viewer' | 'maintainer'; expires_at: string }
  alert: AlertView
}

/** An alert opened from a notification's signed link: no sign-in; acknowledges once. */
export function LinkView({ token }: { token: string }) {
  const [answer, reload] = useLoad(token, () => linkApi<LinkAnswer>(token, 'GET', '/api/v1/link'))
  const [name, setName] = useState('')
  const [comment, setComment] = useState('')
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  if (answer.state === 'loading') return html`<h1>${t('loading')}</h1>`
  if (msg?.ok) return html`<h1>${t('link_title')}</h1><p class="ok" role="status">${msg.text}</p>`
  if (answer.state === 'error')
    return html`<h1>${t('link_title')}</h1><p class="error" role="alert">${t('link_failed', { msg: answer.message })}</p>`
  const { link, alert } = answer.data
  const ack = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    try {
      await linkApi(token, 'POST', '/api/v1/link/ack', {
        ...(name.trim() ? { by: name.trim() } : {}),
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      })
      setMsg({ ok: true, text: t('ack_done') })
    } catch (err) {
      setMsg({ ok: false, text: t('link_failed', { msg: errorText(err) }) })
      reload()
    } finally {
      setBusy(false)
    }
  }
  const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value)
  return html`
    <h1>${titleOf(alert)}</h1>
    <p class="hint">${link.role === 'maintainer' ? t('link_expires', { t: when(link.expires_at) }) : t('link_view_only')}</p>
    <${AlertDetails} alert=${alert} />
    ${
      link.role === 'maintainer' && alert.state === 'active'
        ? html`<form class="card actions" onSubmit=${ack} aria-labelledby="ack-h">
            <h2 id="ack-h">${t('acknowledge')}</h2>
            <label for="by">${t('your_name')}</label>
            <input id="by" maxlength="120" autocomplete="name" value=${name} onInput=${input(setName)} />
            <label for="comment">${t('comment')}</label>
            <textarea id="comment" rows="2" maxlength="1000" value=${comment} onInput=${input(setComment)}></textarea>
            <button type="submit" class="primary" disabled=${busy}>${t('acknowledge')}</button>
          </form>`
        : null
    }
    ${msg && !msg.ok ? html`<p class="error" role="alert">${msg.text}</p>` : null}
  `
}
