/**
 * The gateway's API as the console uses it. The token lives in sessionStorage (this tab only)
 * and travels in the Authorization header: never in a URL, never in a cookie, so no other site
 * can make the browser act with it (no CSRF).
 */
export type Role = 'viewer' | 'maintainer' | 'admin'
export interface Session {
  token: string
  name: string
  role: Role
}

const KEY = 'aedgw.session'
let session: Session | null = (() => {
  try {
    const s = sessionStorage.getItem(KEY)
    return s ? (JSON.parse(s) as Session) : null
  } catch {
    return null
  }
})()
const listeners = new Set<() => void>()

export function currentSession(): Session | null {
  return session
}

export function onSessionChange(fn: () => void): () => void {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

function setSession(next: Session | null): void {
  session = next
  try {
    if (next) sessionStorage.setItem(KEY, JSON.stringify(next))
    else sessionStorage.removeItem(KEY)
  } catch {
    // storage blocked: the session lasts until reload
  }
  for (const fn of listeners) fn()
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

async function request<T>(method: string, path: string, auth: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (auth) headers.authorization = auth
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'omit',
    // answers depend on the Authorization header, which the HTTP cache does not key on
    cache: 'no-store',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const json = (await res.json().catch(() => ({}))) as { error?: string; message?: string }
  if (!res.ok) {
    if (res.status === 401 && auth?.startsWith('Bearer ')) setSession(null)
    throw new ApiError(res.status, json.error ?? `HTTP ${res.status}`, json.message ?? res.statusText)
  }
  return json as T
}

export function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, session ? `Bearer ${session.token}` : null, body)
}

/** Requests made with a signed link instead of a token. */
export function linkApi<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, `Link ${token}`, body)
}

export async function signIn(token: string): Promise<Session> {
  const who = await request<{ name: string; role: Role }>('GET', '/api/v1/whoami', `Bearer ${token}`)
  const s = { token, name: who.name, role: who.role }
  setSession(s)
  return s
}

export function signOut(): void {
  setSession(null)
}

export function canAct(s: Session | null): boolean {
  return s?.role === 'maintainer' || s?.role === 'admin'
}

/**
 * Server-sent events read with fetch, so the token rides in a header (EventSource cannot send
 * one). Reconnects after a drop; `onOpen` runs on every (re)connect so the caller reloads what
 * it may have missed.
 */
export function subscribe(
  path: string,
  onEvent: (event: string, data: string) => void,
  onStatus: (live: boolean) => void,
): () => void {
  const abort = new AbortController()
  let stopped = false
  const run = async (): Promise<void> => {
    let delay = 1000
    while (!stopped) {
      try {
        const res = await fetch(path, {
          headers: { accept: 'text/event-stream', authorization: `Bearer ${session?.token ?? ''}` },
          credentials: 'omit',
          signal: abort.signal,
        })
        if (res.status === 401) {
          setSession(null)
          return
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`)
        onStatus(true)
        delay = 1000
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buf = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buf += value
          let cut = buf.indexOf('\n\n')
          while (cut >= 0) {
            const frame = buf.slice(0, cut)
            buf = buf.slice(cut + 2)
            let event = 'message'
            const data: string[] = []
            for (const line of frame.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim()
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
            }
            if (data.length) onEvent(event, data.join('\n'))
            cut = buf.indexOf('\n\n')
          }
        }
      } catch {
        if (stopped) return
      }
      onStatus(false)
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, 30_000)
    }
  }
  void run()
  return () => {
    stopped = true
    abort.abort()
  }
}
