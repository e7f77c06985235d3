import { useState } from 'preact/hooks'
import { signIn } from '../api.ts'
import { errorText } from '../hooks.ts'
import { html } from '../html.ts'
import { t } from '../i18n.ts'

export function LoginView() {
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await signIn(token.trim())
    } catch (err) {
      setError(`${t('bad_token')} ${errorText(err)}`)
    } finally {
      setBusy(false)
    }
  }
  return html`
    <h1>${t('sign_in')}</h1>
    <form class="card login" onSubmit=${submit}>
      <label for="token">${t('token_label')}</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required
        aria-describedby="token-help" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
      <p id="token-help" class="hint">${t('token_help')}</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <button type="submit" class="primary" disabled=${busy}>${t('sign_in')}</button>
    </form>
  `
}
