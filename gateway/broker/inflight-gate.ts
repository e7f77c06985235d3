/** A connection as the gate sees it (the PacketGuard in front of its socket). */
export interface GatedReader {
  /** Its messages handed to `accept` whose promise has not settled yet. */
  unsettled: number
  /** Its PUBLISH packets passed to the parser and not handed to `accept` yet. */
  admitted: number
  /** PUBLISH packets in the bytes it read and holds back, waiting for the gate. */
  heldPublishes: number
  /** Passes on the bytes it holds back and reads from its socket again. */
  resumeReading(): void
}

/**
 * Back-pressure on the whole broker. Each message handed to `accept` holds an aedes packet, its
 * payload, promises and closures until its group commit lands; with thousands in flight they
 * outlive two scavenges and V8 promotes them, which grew old space to 530 MB during a 14-day
 * backfill (docs/performance.md). The gate counts unsettled messages plus the PUBLISH packets
 * already let into the parser, and past `high` a connection that has messages of its own in flight
 * keeps the bytes it read (a few hundred bytes a message instead of a few KiB of objects) and stops
 * reading its socket: further PUBLISHes wait in the kernel's buffers and then in the cabinet (TCP
 * flow control). Once the count falls to `low`, held connections are let in again, oldest first,
 * until it reaches `high`.
 *
 * Nothing is dropped or refused: every byte read is parsed in order, a PUBACK still follows only a
 * commit; under overload cabinets see slower acknowledgements, which MQTT allows. A connection with
 * nothing in flight always passes, so an idle cabinet's event (a door opened) is not held behind
 * another cabinet's backlog.
 */
export class InflightGate {
  private readonly high: number
  private readonly low: number
  private unsettled = 0
  private admitted = 0
  private closings = 0
  /** Held connections in the order they were held (a Set keeps insertion order). */
  private readonly waiting = new Set<GatedReader>()

  constructor(high: number, low: number) {
    this.high = high
    this.low = Math.min(low, high)
  }

  /**
   * `reader` read bytes holding `publishes` PUBLISH packets: true if it may pass them to the
   * parser now; false if it must hold them and pause its socket (it is resumed later).
   */
  admit(reader: GatedReader, publishes: number): boolean {
    const idle = reader.unsettled === 0 && reader.admitted === 0
    if (!idle && (this.waiting.size > 0 || this.unsettled + this.admitted + publishes > this.high)) {
      if (this.waiting.size === 0) this.closings++
      this.waiting.add(reader)
      return false
    }
    this.admitted += publishes
    reader.admitted += publishes
    return true
  }

  /** A message of `reader` was handed to accept. */
  take(reader: GatedReader): void {
    this.unsettled++
    reader.unsettled++
    if (reader.admitted > 0) {
      reader.admitted--
      this.admitted = Math.max(0, this.admitted - 1)
    }
  }

  /** That message's promise settled (either way). */
  settle(reader: GatedReader): void {
    this.unsettled--
    reader.unsettled--
    if (this.waiting.size > 0 && this.unsettled <= this.low) this.pump()
  }

  /** A closed connection: not resumed, and what it was let in with no longer counts. */
  forget(reader: GatedReader): void {
    this.waiting.delete(reader)
    this.admitted = Math.max(0, this.admitted - reader.admitted)
    reader.admitted = 0
  }

  /**
   * A safety valve, run by the broker's periodic sweep: with nothing unsettled, packets counted as
   * let in that never reached `accept` (refused before it) cannot hold everyone back.
   */
  sweep(): void {
    if (this.waiting.size > 0 && this.unsettled === 0) {
      this.admitted = 0
      this.pump()
    }
  }

  snapshot(): { unsettled: number; admitted: number; held_connections: number; closings: number } {
    return {
      unsettled: this.unsettled,
      admitted: this.admitted,
      held_connections: this.waiting.size,
      closings: this.closings,
    }
  }

  private pump(): void {
    for (const reader of this.waiting) {
      if (this.unsettled + this.admitted >= this.high) return
      this.waiting.delete(reader)
      this.admitted += reader.heldPublishes
      reader.admitted += reader.heldPublishes
      reader.resumeReading()
    }
  }
}
