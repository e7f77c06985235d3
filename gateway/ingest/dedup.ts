/** A message's identity for redelivery detection: (kind, boot, seq, device time). */
export interface DedupKey {
  kind: 'heartbeat' | 'event'
  boot: string | null
  seq: number
  ts: number
}

/** One cabinet's last `window` keys, in a ring of numbers: no string or object per key. */
interface Ring {
  seq: Float64Array
  ts: Float64Array
  /** 1 heartbeat, 2 event; 0 an empty slot. */
  kind: Uint8Array
  /** The boot id of each slot: one shared string per boot, not one per message. */
  boot: Array<string | null>
  /** Slots in use; once it is the window, `next` is the oldest, overwritten next. */
  size: number
  next: number
  /** At least the highest seq in the ring (worked out again each time the ring comes round). */
  maxSeq: number
}

const KIND = { heartbeat: 1, event: 2 } as const

/**
 * Remembers the last `window` message keys per cabinet, to recognise QoS 1 redeliveries
 * ([MQTT-4.3.2]: a sender resends with DUP=1 until it gets the PUBACK, so the same message can
 * arrive twice). The key is (kind, boot, seq, device time): seq restarts at each boot, and the
 * device time tells two boots apart when the cabinet sends no boot id.
 *
 * Kept as numbers in typed arrays. A key whose seq is above every seq in the ring (the usual
 * case: seq grows by one a message) is new without a look; any other is found by a scan of the
 * ring (up to `window` comparisons of numbers). About 7 KB per cabinet with its window full, 4 KB of it
 * the typed arrays, against about 34 KB for the same keys as strings in a Set (3,000 cabinets ×
 * 256 keys, measured alone). As strings they were 15 MB of a 300-cabinet gateway's 82 MB live
 * heap after a 14-day backfill: close to 650 MB for a fleet of 19,000 (docs/performance.md).
 */
export class Dedup {
  private readonly window: number
  private readonly seen = new Map<string, Ring>()

  constructor(window: number) {
    this.window = window
  }

  has(cabinet: string, key: DedupKey): boolean {
    const r = this.seen.get(cabinet)
    return r !== undefined && find(r, key) >= 0
  }

  /** Records a key; false when it was already there. */
  add(cabinet: string, key: DedupKey): boolean {
    let r = this.seen.get(cabinet)
    if (!r) {
      r = ring(Math.min(FIRST_CAPACITY, this.window))
      this.seen.set(cabinet, r)
    } else if (find(r, key) >= 0) return false
    let i: number
    if (r.size < this.window) {
      // growing: appended at the end, the arrays doubled when full, up to the window
      if (r.size === r.seq.length) r = this.grow(cabinet, r)
      i = r.size++
    } else {
      // full: the oldest slot is overwritten
      i = r.next
      r.next = (i + 1) % this.window
      // once per turn of the ring, the bound comes down to what the ring holds (after a reboot
      // seq starts again from 0, and scans would otherwise never be skipped again)
      if (r.next === 0) r.maxSeq = Math.max(key.seq, ringMax(r))
    }
    if (key.seq > r.maxSeq) r.maxSeq = key.seq
    r.seq[i] = key.seq
    r.ts[i] = key.ts
    r.kind[i] = KIND[key.kind]
    // the previous slot's string when it is the same boot, so a boot id is held once
    const prev = r.boot[i === 0 ? r.size - 1 : i - 1] ?? null
    r.boot[i] = key.boot !== null && key.boot === prev ? prev : key.boot
    return true
  }

  private grow(cabinet: string, r: Ring): Ring {
    const bigger = ring(Math.min(this.window, r.seq.length * 2))
    bigger.seq.set(r.seq)
    bigger.ts.set(r.ts)
    bigger.kind.set(r.kind)
    for (let k = 0; k < r.size; k++) bigger.boot[k] = r.boot[k] ?? null
    bigger.size = r.size
    bigger.maxSeq = r.maxSeq
    this.seen.set(cabinet, bigger)
    return bigger
  }
}

/** A ring starts this small and doubles: a cabinet that sent a few messages holds a few slots. */
const FIRST_CAPACITY = 8

function ring(capacity: number): Ring {
  return {
    seq: new Float64Array(capacity),
    ts: new Float64Array(capacity),
    kind: new Uint8Array(capacity),
    boot: new Array<string | null>(capacity).fill(null),
    size: 0,
    next: 0,
    maxSeq: -1,
  }
}

function ringMax(r: Ring): number {
  let max = -1
  for (let k = 0; k < r.size; k++) if ((r.seq[k] as number) > max) max = r.seq[k] as number
  return max
}

function find(r: Ring, key: DedupKey): number {
  // seq grows message by message: a key above every seq in the ring is new, without a scan
  if (key.seq > r.maxSeq) return -1
  const kind = KIND[key.kind]
  for (let i = 0; i < r.size; i++) {
    if (r.seq[i] === key.seq && r.ts[i] === key.ts && r.kind[i] === kind && r.boot[i] === key.boot) return i
  }
  return -1
}
