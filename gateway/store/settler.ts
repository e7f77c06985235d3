import { Fifo } from '../lib/fifo.ts'

/**
 * Settling an outbox commit runs each reading's rules and sends its PUBACK, so a group of 1,000
 * settled at once would hold the event loop for tens of milliseconds. A Settler resolves them in
 * order, CHUNK at a time, for up to BUDGET_MS of a turn of the loop, then lets the loop have its
 * turn (sockets, a priority lane commit's answer). A fixed count per turn instead capped the
 * rate: 32 per turn of about 3 ms is about 10,000 PUBACKs a second.
 */
const CHUNK = 32
const BUDGET_MS = 4

export class Settler {
  private readonly queue = new Fifo<() => void>()
  private running = false

  /** Resolutions not yet settled. */
  waiting(): number {
    return this.queue.length
  }

  add(resolves: Array<() => void>): void {
    for (const r of resolves) this.queue.push(r)
    if (this.running) return
    this.running = true
    void this.run()
  }

  private async run(): Promise<void> {
    let turn = performance.now()
    while (this.queue.length > 0) {
      for (let i = 0; i < CHUNK; i++) this.queue.shift()?.()
      // the chunk's continuations (PUBACKs, rules) run as microtasks before this one resumes
      await new Promise<void>((r) => queueMicrotask(r))
      if (performance.now() - turn >= BUDGET_MS) {
        await new Promise<void>((r) => setImmediate(r))
        turn = performance.now()
      }
    }
    this.running = false
  }
}
