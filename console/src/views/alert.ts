import { useEffect, useState } from 'preact/hooks'
import { api, canAct, type Session, subscribe } from '../api.ts'
import { errorText, useLoad } from '../hooks.ts'
import { html } from '../html.ts'
import { t } from '../i18n.ts'
import { type AlertView as Alert, loadSettings, type Settings } from '../model.ts'
import { AlertDetails, titleOf } from './parts.ts'

/** One alert: history, and for maintainers acknowledge, assign, resolve (each with a comment) and notes. */
export function AlertView({ id, session }: { id: string; session: Session }) {
  const [alert, reload] = useLoad(id, () => api<Alert>('GET', `/api/v1/alerts/${encodeURIComponent(id)}`))
  const [settings, setSettings] = useState<Settings | null>(null)
  useEffect(() => {
    loadSettings().then(setSettings, () => undefined)
  }, [])
  // someone else acts on it: show it
  useEffect(
    () =>
      subscribe(
        '/api/v1/alerts/stream',
        (event, data) => {
          if (event === 'alert' && (JSON.parse(data) as Alert).id === id) reload()
        },
        () => undefined,
      ),
    [id],
  )
  if (alert.state === 'loading') return html`<h1>${t('loading')}</h1>`
  if (alert.state === 'error')
    return html`<h1>${t('not_found')}</h1><p class="error" role="alert">${alert.message}</p>`
  const a = alert.data
  return html`
    <p><a href="#/alerts">← ${t('back')}</a></p>
    <h1>${titleOf(a)}</h1>
    <${AlertDetails} alert=${a} />
    <p><a href=${`#/cabinets/${encodeURIComponent(a.cabinet_id)}`}>${t('open_cabinet')}</a></p>
    ${
      canAct(session)
        ? html`<${Actions} alert=${a} selfResolving=${settings?.self_resolving.includes(a.type) ?? false} onDone=${reload} />
            <${AddNote} alert=${a} onDone=${reload} />`
        : html`<p class="hint">${t('viewer_only')}</p>`
    }
  `
}

/** A note on the alert's history, open or resolved: the state stays, nobody is notified. */
function AddNote({ alert, onDone }: { alert: Alert; onDone: () => void }) {
  const [note, setNote] = useState('')
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    if (!note.trim()) return
    setBusy(true)
    setMsg(null)
    try {
      await api('POST', `/api/v1/alerts/${encodeURIComponent(alert.id)}/comment`, { comment: note.trim() })
      setNote('')
      setMsg({ ok: true, text: t('done') })
      onDone()
    } catch (err) {
      setMsg({ ok: false, text: t('error', { msg: errorText(err) }) })
    } finally {
      setBusy(false)
    }
  }
  return html`
    <form class="card note" aria-labelledby="note-h" onSubmit=${submit}>
      <h2 id="note-h">${t('add_note')}</h2>
      <label for="note">${t('note')}</label>
      <textarea id="note" rows="2" maxlength="1000" required value=${note} aria-describedby="note-help"
        onInput=${(e: Event) => setNote((e.target as HTMLTextAreaElement).value)}></textarea>
      <p class="hint" id="note-help">${t('note_help')}</p>
      <div class="buttons">
        <button type="submit" disabled=${busy || !note.trim()}>${t('add_note')}</button>
      </div>
      ${msg ? html`<p class=${msg.ok ? 'ok' : 'error'} role=${msg.ok ? 'status' : 'alert'}>${msg.text}</p>` : null}
    </form>
  `
}

function Actions({
  alert,
  selfResolving,
  onDone,
}: {
  alert: Alert
  selfResolving: boolean
  onDone: () => void
}) {
  const [comment, setComment] = useState('')
  const [assignee, setAssignee] = useState(alert.assignee ?? '')
  const [team, setTeam] = useState(alert.team)
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const act = async (path: string, body: Record<string, unknown>) => {
    setBusy(true)
    setMsg(null)
    try {
      await api('POST', `/api/v1/alerts/${encodeURIComponent(alert.id)}/${path}`, {
        ...body,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      })
      setComment('')
      setMsg({ ok: true, text: t('done') })
      onDone()
    } catch (err) {
      setMsg({ ok: false, text: t('error', { msg: errorText(err) }) })
    } finally {
      setBusy(false)
    }
  }
  if (alert.state === 'resolved') return null
  const input = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value)
  return html`
    <section class="card actions" aria-labelledby="actions-h">
      <h2 id="actions-h">${t('actions')}</h2>
      <label for="comment">${t('comment')}</label>
      <textarea id="comment" rows="2" maxlength="1000" value=${comment} onInput=${input(setComment)}></textarea>
      <div class="buttons">
        ${alert.state === 'active' ? html`<button type="button" class="primary" disabled=${busy} onClick=${() => act('ack', {})}>${t('acknowledge')}</button>` : null}
        ${selfResolving ? null : html`<button type="button" disabled=${busy} onClick=${() => act('resolve', {})}>${t('resolve')}</button>`}
      </div>
      ${selfResolving ? html`<p class="hint">${t('self_resolving')}</p>` : null}
      <fieldset>
        <legend>${t('assign')}</legend>
        <label for="assignee">${t('assign_to')}</label>
        <input id="assignee" maxlength="120" value=${assignee} onInput=${input(setAssignee)} />
        <label for="team">${t('team')}</label>
        <input id="team" maxlength="40" value=${team} onInput=${input(setTeam)} />
        <button type="button" disabled=${busy || !assignee.trim()} onClick=${() =>
          act('assign', { assignee: assignee.trim(), ...(team.trim() ? { team: team.trim() } : {}) })}>
          ${t('assign')}
        </button>
      </fieldset>
      ${msg ? html`<p class=${msg.ok ? 'ok' : 'error'} role=${msg.ok ? 'status' : 'alert'}>${msg.text}</p>` : null}
    </section>
  `
}
