import type { SendResult } from './notifier.ts'

/** 2xx delivered; 408, 429 and 5xx worth retrying; any other 4xx will fail the same way again. */
export function resultOfStatus(status: number, body: string): SendResult {
  if (status >= 200 && status < 300) return { ok: true }
  const retryable = status >= 500 || status === 408 || status === 429
  return { ok: false, retryable, error: `HTTP ${status}: ${body.slice(0, 200)}` }
}

/** Network errors and timeouts are transient. */
export function resultOfError(err: unknown): SendResult {
  const e = err as Error & { cause?: { code?: string } }
  const detail = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.message)
  return { ok: false, retryable: true, error: detail }
}
