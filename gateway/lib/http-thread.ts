import { Worker } from 'node:worker_threads'
import { WORKER_LIMITS } from './worker.ts'

export interface HttpRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
}

export type HttpReply =
  | { id: number; ok: true; status: number; text: string }
  | { id: number; ok: false; name: string; message: string; code?: string }

/**
 * The thread's code, plain JavaScript run with `eval`: a thread started from a TypeScript module
 * under tsx loads tsx's loader too (its own hooks thread), about 24 MB more resident for twenty
 * lines. The requests go out from here, so a busy event loop on the main thread (a heartbeat
 * backlog being validated and committed) does not delay an alert's webhook. fetch loads its
 * HTTP client (undici, its parser compiled from WebAssembly) on the first HTTP exchange, 20 to
 * 60 ms: done at once, against a server of the thread's own on a loopback port that it closes
 * after, rather than on the first alert, then reports it done (reply id 0). Replies are HttpReply.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads')
const warm = require('node:http').createServer((q, r) => r.end())
warm.listen(0, '127.0.0.1', () => {
  fetch('http://127.0.0.1:' + warm.address().port + '/')
    .then((r) => r.arrayBuffer(), () => undefined)
    .finally(() => {
      warm.close()
      warm.closeAllConnections()
      parentPort.postMessage({ id: 0, ok: true, status: 0, text: '' })
    })
})
warm.on('error', () => parentPort.postMessage({ id: 0, ok: true, status: 0, text: '' }))
warm.unref()
parentPort.on('message', ({ id, req }) => {
  fetch(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    signal: AbortSignal.timeout(req.timeoutMs),
  }).then(
    async (res) => parentPort.postMessage({ id, ok: true, status: res.status, text: await res.text() }),
    (err) => parentPort.postMessage({ id, ok: false, name: err.name, message: err.message, code: err.cause?.code }),
  )
})
`

/** The answer to a request: its status and body. */
export type HttpAnswer = { status: number; text: string }

/** An error `fetch` would have thrown, rebuilt: `name` (TimeoutError) and `cause.code` kept. */
export class HttpThreadError extends Error {
  override readonly cause: { code?: string }
  constructor(name: string, message: string, code: string | undefined) {
    super(message)
    this.name = name
    this.cause = code === undefined ? {} : { code }
  }
}

/**
 * `fetch` on a worker thread of its own (THREAD_SOURCE), for the notifiers: an alert's
 * HTTP request goes out even while the main thread is busy with a heartbeat backlog. `start()`
 * starts the thread (a request before it starts it too), which keeps the process alive only
 * while a request is out; `close()` ends it.
 */
export class HttpThread {
  private worker: Worker | null = null
  private nextId = 1
  private warmed: { done: Promise<void>; resolve: () => void } | null = null
  private readonly calls = new Map<number, { resolve: (a: HttpAnswer) => void; reject: (e: Error) => void }>()

  /** Started ahead of the first alert: a thread takes a while to start and to load fetch. */
  start(): void {
    this.thread()
  }

  /** Resolves once the thread has run its warm-up exchange (starting the thread if need be). */
  ready(): Promise<void> {
    this.thread()
    return (this.warmed as { done: Promise<void> }).done
  }

  request(req: HttpRequest): Promise<HttpAnswer> {
    const worker = this.thread()
    const id = this.nextId++
    // kept alive while a request is out, and only then
    if (this.calls.size === 0) worker.ref()
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject })
      worker.postMessage({ id, req })
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = null
    if (worker) await worker.terminate()
  }

  private thread(): Worker {
    if (this.worker) return this.worker
    // execArgv: [] so that the gateway's own `--import tsx` is not run again in this thread
    const worker = new Worker(THREAD_SOURCE, { eval: true, execArgv: [], resourceLimits: WORKER_LIMITS })
    worker.unref()
    let resolve: () => void = () => undefined
    const done = new Promise<void>((r) => {
      resolve = r
    })
    this.warmed = { done, resolve }
    worker.on('message', (reply: HttpReply) => this.onReply(reply))
    const failAll = (err: Error) => {
      // a thread that ended before its warm-up holds ready() no longer
      resolve()
      if (this.worker === worker) this.worker = null
      for (const c of this.calls.values()) c.reject(err)
      this.calls.clear()
    }
    worker.on('error', failAll)
    worker.on('exit', (code) =>
      failAll(new HttpThreadError('Error', `http thread exited (${code})`, undefined)),
    )
    this.worker = worker
    return worker
  }

  private onReply(reply: HttpReply): void {
    if (reply.id === 0) {
      this.warmed?.resolve()
      return
    }
    const call = this.calls.get(reply.id)
    if (!call) return
    this.calls.delete(reply.id)
    if (this.calls.size === 0) this.worker?.unref()
    if (reply.ok) call.resolve({ status: reply.status, text: reply.text })
    else call.reject(new HttpThreadError(reply.name, reply.message, reply.code))
  }
}
