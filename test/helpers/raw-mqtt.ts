import { connect, type Socket } from 'node:net'
import { generate, type Packet, parser } from 'mqtt-packet'

/**
 * A bare TCP socket speaking MQTT bytes we craft ourselves (mqtt-packet, or hand-made buffers),
 * for the cases a well-behaved client library refuses to send: NUL or invalid UTF-8 in topics,
 * a first packet that is not CONNECT, a second CONNECT, a declared 256 MB body.
 */
export interface RawSession {
  socket: Socket
  /** Packets parsed from what the broker sent. */
  received: Packet[]
  /** Resolves when the broker (or anything) closes the socket. */
  closed: Promise<void>
  isClosed(): boolean
  send(bytes: Buffer | Packet): void
  /** Waits for the first received packet of this kind; rejects when the socket closes first. */
  next(cmd: Packet['cmd'], timeoutMs?: number): Promise<Packet>
  destroy(): void
}

export function openRaw(port: number, opts: { localAddress?: string } = {}): Promise<RawSession> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...opts })
    const received: Packet[] = []
    const waiters = new Set<() => void>()
    const p = parser({ protocolVersion: 4 })
    p.on('packet', (packet: Packet) => {
      received.push(packet)
      for (const w of waiters) w()
    })
    // a broker answering with bytes we cannot parse is itself a failure worth seeing, not a crash
    p.on('error', () => socket.destroy())
    socket.on('data', (d) => p.parse(d))
    let isClosed = false
    const closed = new Promise<void>((r) =>
      socket.once('close', () => {
        isClosed = true
        for (const w of waiters) w()
        r()
      }),
    )
    socket.on('error', () => undefined)
    socket.once('connect', () =>
      resolve({
        socket,
        received,
        closed,
        isClosed: () => isClosed,
        send(bytes) {
          if (!socket.destroyed) socket.write(Buffer.isBuffer(bytes) ? bytes : generate(bytes))
        },
        next(cmd, timeoutMs = 10_000) {
          return new Promise((res, rej) => {
            const check = () => {
              const found = received.find((x) => x.cmd === cmd)
              if (found) return done(() => res(found))
              if (isClosed) return done(() => rej(new Error(`socket closed before ${cmd}`)))
            }
            const timer = setTimeout(
              () => done(() => rej(new Error(`no ${cmd} within ${timeoutMs} ms`))),
              timeoutMs,
            )
            const done = (f: () => void) => {
              clearTimeout(timer)
              waiters.delete(check)
              f()
            }
            waiters.add(check)
            check()
          })
        },
        destroy: () => socket.destroy(),
      }),
    )
    socket.once('error', reject)
  })
}

export function connectPacket(
  clientId: string,
  username?: string,
  password?: string,
  extra: Partial<Extract<Packet, { cmd: 'connect' }>> = {},
): Packet {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password: Buffer.from(password) } : {}),
    ...extra,
  } as Packet
}

/**
 * A PUBLISH built by hand, so the topic can hold any bytes (mqtt-packet would encode a JS string
 * as valid UTF-8). Fixed header 0x30 | qos << 1, Remaining Length, topic length + bytes,
 * message id (QoS > 0), payload [MQTT-3.3].
 */
export function rawPublish(topic: Buffer, payload: Buffer, qos: 0 | 1 = 1, messageId = 1): Buffer {
  const idBytes = qos > 0 ? Buffer.from([messageId >> 8, messageId & 0xff]) : Buffer.alloc(0)
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, idBytes, payload])
  return Buffer.concat([Buffer.from([0x30 | (qos << 1)]), remainingLength(body.length), body])
}

/** A SUBSCRIBE built by hand for a filter of any bytes, asking QoS 1 [MQTT-3.8]. */
export function rawSubscribe(filter: Buffer, messageId = 1): Buffer {
  const body = Buffer.concat([
    Buffer.from([messageId >> 8, messageId & 0xff, filter.length >> 8, filter.length & 0xff]),
    filter,
    Buffer.from([1]),
  ])
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body])
}

/** Remaining Length: 7 bits a byte, least significant group first, high bit = more [MQTT-2.2.3]. */
export function remainingLength(n: number): Buffer {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return Buffer.from(out)
}

/** Opens a raw session and logs in; resolves once the CONNACK says 0 (accepted). */
export async function rawLogin(port: number, id: string, secret: string): Promise<RawSession> {
  const s = await openRaw(port)
  s.send(connectPacket(id, id, secret))
  const ack = (await s.next('connack')) as Extract<Packet, { cmd: 'connack' }>
  if (ack.returnCode !== 0) {
    s.destroy()
    throw new Error(`CONNACK ${ack.returnCode}`)
  }
  return s
}
