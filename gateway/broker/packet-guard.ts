import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import type { GatedReader, InflightGate } from './inflight-gate.ts'

/**
 * A Duplex in front of each socket that reads MQTT fixed headers as bytes arrive and closes the
 * connection as soon as a packet declares more than `maxPacketBytes`, before the parser buffers
 * it. mqtt-packet has no limit of its own for MQTT 3.1.1, so without this a client could declare
 * 256 MB and make the broker hold whatever it sends. Remaining Length is 1-4 bytes of 7-bit
 * groups [MQTT-2.2.3].
 *
 * It is also where the broker's back-pressure acts (inflight-gate.ts): the PUBLISH packets in each
 * chunk are counted as the headers go by, and a chunk the gate does not admit yet is held here,
 * unparsed, with the socket paused, until the gate lets it through.
 */
export class PacketGuard extends Duplex implements GatedReader {
  readonly socket: Socket | TLSSocket
  readonly remoteAddress: string
  private readonly maxPacketBytes: number
  private readonly onOversize: (declared: number) => void
  // parser state: bytes still to skip in the current packet's body, and a partial header
  private bodyLeft = 0
  private header: number[] = []
  private corked = false
  /** PUBLISH packets whose header the last scan completed. */
  private publishes = 0
  private readonly gate: InflightGate | null
  /** Chunks read but not admitted by the gate yet, in order; null when none (the usual case). */
  private held: Buffer[] | null = null
  heldPublishes = 0
  unsettled = 0
  admitted = 0

  /** Bytes the gateway may have queued for a client that does not read; past it, it is cut off. */
  private readonly maxQueuedBytes: number
  private readonly onSlowConsumer: (queued: number) => void

  constructor(
    socket: Socket | TLSSocket,
    maxPacketBytes: number,
    onOversize: (declared: number) => void,
    slow: { maxQueuedBytes: number; onSlowConsumer: (queued: number) => void } = {
      maxQueuedBytes: 1 << 20,
      onSlowConsumer: () => undefined,
    },
    gate: InflightGate | null = null,
  ) {
    super({ allowHalfOpen: false })
    this.socket = socket
    this.remoteAddress = socket.remoteAddress ?? 'unknown'
    this.maxPacketBytes = maxPacketBytes
    this.onOversize = onOversize
    this.maxQueuedBytes = slow.maxQueuedBytes
    this.onSlowConsumer = slow.onSlowConsumer
    this.gate = gate
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('end', () => this.push(null))
    socket.on('error', (err) => this.destroy(err))
    socket.on('close', () => this.destroy())
  }

  private onData(chunk: Buffer): void {
    const declared = this.scan(chunk)
    if (declared !== null) {
      this.onOversize(declared)
      this.socket.destroy()
      this.destroy()
      return
    }
    if (this.held !== null) this.hold(chunk)
    else if (this.gate && !this.gate.admit(this, this.publishes)) {
      this.held = []
      this.hold(chunk)
    } else if (!this.push(chunk)) this.socket.pause()
  }

  /** Keeps a chunk the gate did not admit; nothing more is read until it does. */
  private hold(chunk: Buffer): void {
    ;(this.held as Buffer[]).push(chunk)
    this.heldPublishes += this.publishes
    this.socket.pause()
  }

  /** The gate admitted what this connection holds: passed on in order, then reading resumes. */
  resumeReading(): void {
    const chunks = this.held ?? []
    this.held = null
    this.heldPublishes = 0
    if (this.destroyed) return
    let more = true
    for (const chunk of chunks) more = this.push(chunk)
    // a full parser buffer resumes the socket through _read once it is read
    if (more) this.socket.resume()
  }

  /** Walks packet boundaries in `chunk`; returns the declared size of an oversize packet, else null. */
  private scan(chunk: Buffer): number | null {
    this.publishes = 0
    let i = 0
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, chunk.length - i)
        this.bodyLeft -= skip
        i += skip
        continue
      }
      this.header.push(chunk[i] as number)
      i++
      if (this.header.length === 1) continue
      const byte = this.header[this.header.length - 1] as number
      if ((byte & 0x80) !== 0 && this.header.length < 5) continue
      let remaining = 0
      for (let k = this.header.length - 1; k >= 1; k--)
        remaining = remaining * 128 + ((this.header[k] as number) & 0x7f)
      const total = this.header.length + remaining
      if ((this.header[0] as number) >> 4 === 3) this.publishes++
      this.header = []
      if (total > this.maxPacketBytes || (byte & 0x80) !== 0) return total
      this.bodyLeft = remaining
    }
    return null
  }

  override _read(): void {
    if (this.held === null) this.socket.resume()
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.socket.destroyed) {
      cb()
      return
    }
    // A group commit releases many PUBACKs in one tick: cork the socket until the tick ends so
    // they leave in one writev instead of one syscall each.
    if (!this.corked) {
      this.corked = true
      this.socket.cork()
      process.nextTick(() => {
        this.corked = false
        this.socket.uncork()
      })
    }
    this.socket.write(chunk)
    // Never wait for a client to read: aedes's delivery slots are shared by every client, and one
    // that stops reading would hold them all. Its queue grows instead, up to maxQueuedBytes; past
    // that it is cut off (as Mosquitto drops a slow subscriber), which bounds its memory.
    if (this.socket.writableLength > this.maxQueuedBytes) {
      this.onSlowConsumer(this.socket.writableLength)
      this.socket.destroy()
    }
    cb()
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb)
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.gate?.forget(this)
    this.held = null
    this.socket.destroy()
    cb(err)
  }
}
