/**
 * Remembers the last `window` message keys per cabinet, to recognise QoS 1 redeliveries
 * ([MQTT-4.3.2]: a sender resends with DUP=1 until it gets the PUBACK, so the same message can
 * arrive twice). The key is (kind, boot, seq, device time): seq restarts at each boot, and the
 * device time tells two boots apart when the cabinet sends no boot id.
 */
export class Dedup {
  private readonly window: number
  private readonly seen = new Map<string, { set: Set<string>; ring: string[]; next: number }>()

  constructor(window: number) {
    this.window = window
  }

  has(cabinet: string, key: string): boolean {
    return this.seen.get(cabinet)?.set.has(key) ?? false
  }

  /** Records a key; false when it was already there. */
  add(cabinet: string, key: string): boolean {
    let c = this.seen.get(cabinet)
    if (!c) {
      c = { set: new Set(), ring: [], next: 0 }
      this.seen.set(cabinet, c)
    }
    if (c.set.has(key)) return false
    if (c.ring.length < this.window) c.ring.push(key)
    else {
      const old = c.ring[c.next] as string
      c.set.delete(old)
      c.ring[c.next] = key
      c.next = (c.next + 1) % this.window
    }
    c.set.add(key)
    return true
  }
}
