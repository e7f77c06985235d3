import type { Worker } from 'node:worker_threads'
import { AedgwError } from '../lib/errors.ts'
import { spawnModuleWorker } from '../lib/worker.ts'
import type { DrainReport, WorkerInit, WorkerReply, WorkerRequest } from './outbox-protocol.ts'

/**
 * One SQLite file of the outbox on its own worker thread (outbox-worker.ts): requests go out as
 * messages and come back as promises. `onFailure` hears of a thread that failed or exited.
 */
export class OutboxThread {
  private readonly init: WorkerInit
  private readonly onFailure: (err: Error) => void
  private worker: Worker | null = null
  private nextId = 1
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  /** Hears the reports of the writer running on this thread (drain.ts). */
  onReport: ((report: DrainReport) => void) | null = null

  constructor(init: WorkerInit, onFailure: (err: Error) => void) {
    this.init = init
    this.onFailure = onFailure
  }

  get open(): boolean {
    return this.worker !== null
  }

  start(): void {
    const worker = spawnModuleWorker(new URL('./outbox-worker.ts', import.meta.url), this.init)
    worker.on('message', (reply: WorkerReply) => this.onReply(reply))
    worker.on('error', (err) => this.failAll(err))
    worker.on('exit', (code) => this.failAll(new Error(`outbox worker exited with code ${code}`)))
    this.worker = worker
  }

  async stop(): Promise<void> {
    if (!this.worker) return
    await this.call({ op: 'close' })
    await this.worker.terminate()
    this.worker = null
  }

  call(req: WorkerRequest): Promise<unknown> {
    const worker = this.worker
    if (!worker) return Promise.reject(new AedgwError('AEDGW_ERR_OUTBOX', 'outbox is not open'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject })
      worker.postMessage({ id, req })
    })
  }

  private onReply(reply: WorkerReply): void {
    if (reply.id === null) {
      this.onReport?.(reply.report)
      return
    }
    const call = this.calls.get(reply.id)
    if (!call) return
    this.calls.delete(reply.id)
    if (reply.ok) call.resolve(reply.result)
    else call.reject(new AedgwError('AEDGW_ERR_OUTBOX', `${reply.code}: ${reply.message}`))
  }

  private failAll(err: Error): void {
    this.onFailure(err)
    for (const c of this.calls.values()) c.reject(err)
    this.calls.clear()
  }
}
