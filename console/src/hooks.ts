import { useEffect, useState } from 'preact/hooks'
import { ApiError } from './api.ts'

/** The current time, refreshed every `everyMs`: "time since" labels tick without reloading. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs)
    return () => clearInterval(id)
  }, [everyMs])
  return now
}

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; data: T }

/**
 * Loads once per `key`; `reload()` loads again (after an action, on a live event). A reload keeps
 * showing what was loaded until the new answer comes; another key never shows the previous one's.
 */
export function useLoad<T>(key: string, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [value, setValue] = useState<{ key: string; loaded: Loaded<T> }>({
    key,
    loaded: { state: 'loading' },
  })
  const [round, setRound] = useState(0)
  useEffect(() => {
    let live = true
    load().then(
      (data) => live && setValue({ key, loaded: { state: 'ok', data } }),
      (err: unknown) => live && setValue({ key, loaded: { state: 'error', message: errorText(err) } }),
    )
    return () => {
      live = false
    }
  }, [key, round])
  return [value.key === key ? value.loaded : { state: 'loading' }, () => setRound((r) => r + 1)]
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message
  return err instanceof Error ? err.message : String(err)
}
