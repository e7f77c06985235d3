import { parentPort } from 'node:worker_threads'
import type { HttpReply, HttpRequest } from './http-thread.ts'

// The HTTP requests of notifiers, sent from this thread: a busy event loop on the main thread
// (a heartbeat backlog being validated and committed) does not delay an alert's webhook.
// fetch loads its machinery (undici) on first use, which takes tens of milliseconds: done now,
// with a data: URL that needs no network, rather than on the first alert
fetch('data:,').then(
  (r) => r.arrayBuffer(),
  () => undefined,
)

parentPort?.on('message', (msg: { id: number; req: HttpRequest }) => {
  const { url, method, headers, body, timeoutMs } = msg.req
  fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) }).then(
    async (res) => {
      const text = await res.text()
      parentPort?.postMessage({ id: msg.id, ok: true, status: res.status, text } satisfies HttpReply)
    },
    (err: Error & { cause?: { code?: string } }) => {
      const reply: HttpReply = { id: msg.id, ok: false, name: err.name, message: err.message }
      if (err.cause?.code) reply.code = err.cause.code
      parentPort?.postMessage(reply)
    },
  )
})
