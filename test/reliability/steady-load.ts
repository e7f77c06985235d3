import type { MqttClient } from 'mqtt'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat } from '../helpers/gateway.ts'
import { storedSeqs } from '../helpers/load.ts'

/**
 * Steady QoS 1 load: every cabinet publishes one heartbeat each `everyMs`, seqs counting up, and
 * records which got their PUBACK. Unlike a burst it keeps going through a fault, the way a fleet
 * does.
 */
export class SteadyLoad {
  readonly acked = new Map<string, Set<number>>()
  private timer: NodeJS.Timeout | null = null
  private seq = 0
  private inflight = 0
  sent = 0

  constructor(
    private readonly clients: Map<string, MqttClient>,
    private readonly everyMs: number,
  ) {
    for (const id of clients.keys()) this.acked.set(id, new Set())
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.everyMs)
  }

  private tick(): void {
    const seq = this.seq++
    for (const [id, c] of this.clients) {
      if (!c.connected) continue
      this.sent++
      this.inflight++
      c.publish(cabinetTopic(id, 'heartbeat'), heartbeat(seq), { qos: 1 }, (err) => {
        this.inflight--
        if (!err) this.acked.get(id)?.add(seq)
      })
    }
  }

  /** Stops publishing and waits (bounded) for the PUBACKs still outstanding. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    const deadline = Date.now() + 30_000
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  }

  totalAcked(): number {
    return [...this.acked.values()].reduce((n, s) => n + s.size, 0)
  }

  /** Compares what was acknowledged with what InfluxDB holds, by cabinet and seq. */
  async verify(
    query: (q: string) => Promise<Array<Record<string, unknown>>>,
  ): Promise<{ acked: number; stored: number; lost: number; duplicates: number }> {
    let stored = 0
    let lost = 0
    let duplicates = 0
    for (const [id, want] of this.acked) {
      const got = await storedSeqs(query, id)
      for (const seq of want) {
        const n = got.get(seq) ?? 0
        if (n === 0) lost++
        else stored++
        if (n > 1) duplicates++
      }
    }
    return { acked: this.totalAcked(), stored, lost, duplicates }
  }
}
