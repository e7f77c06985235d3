import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type GatedReader, InflightGate } from '../../../gateway/broker/inflight-gate.ts'
import { PacketGuard } from '../../../gateway/broker/packet-guard.ts'

const servers: Server[] = []
const sockets: Socket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) s.close()
})

function reader(heldPublishes = 0): GatedReader & { resumed: number } {
  return {
    unsettled: 0,
    admitted: 0,
    heldPublishes,
    resumed: 0,
    resumeReading() {
      this.resumed++
      this.heldPublishes = 0
    },
  }
}

const ping = Buffer.from([0xc0, 0x00])
const publish = Buffer.concat([Buffer.from([0x30, 0x05, 0x00, 0x01, 0x61]), Buffer.from('hi')])
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A real connection into a PacketGuard behind `gate`; `got` collects what the guard passed on. */
async function guarded(gate: InflightGate): Promise<{ guard: PacketGuard; client: Socket; got: Buffer[] }> {
  return new Promise((resolve) => {
    const got: Buffer[] = []
    let client: Socket | null = null
    const srv = createServer((sock) => {
      sockets.push(sock)
      const guard = new PacketGuard(sock, 1024, () => undefined, undefined, gate)
      guard.on('data', (d: Buffer) => got.push(d))
      guard.on('error', () => undefined)
      resolve({ guard, client: client as Socket, got })
    })
    servers.push(srv)
    srv.listen(0, '127.0.0.1', () => {
      client = createConnection((srv.address() as { port: number }).port, '127.0.0.1')
      client.on('error', () => undefined)
      sockets.push(client)
    })
  })
}

describe('the in-flight gate', () => {
  it('holds busy connections past the high mark and lets them in again, oldest first, from the low mark', () => {
    const gate = new InflightGate(4, 2)
    const a = reader(2)
    const b = reader(2)
    const c = reader()
    expect(gate.admit(a, 3)).toBe(true)
    for (let i = 0; i < 3; i++) gate.take(a)
    expect(gate.admit(b, 1)).toBe(true)
    gate.take(b)
    expect(gate.snapshot()).toMatchObject({ unsettled: 4, admitted: 0 })
    expect(gate.admit(a, 1)).toBe(false)
    expect(gate.admit(b, 2)).toBe(false)
    expect(gate.admit(c, 2)).toBe(true) // nothing of its own in flight: passes
    expect(gate.snapshot()).toMatchObject({ held_connections: 2, closings: 1 })
    gate.take(c)
    gate.take(c)
    gate.settle(a) // 6 in flight, then 5
    gate.settle(a)
    gate.settle(c) // 3: not yet down to the low mark
    expect(a.resumed + b.resumed).toBe(0)
    gate.settle(c) // 2: a (held first) is let in with its 2 packets, so b waits
    expect([a.resumed, b.resumed]).toEqual([1, 0])
    expect(gate.snapshot()).toMatchObject({ unsettled: 2, admitted: 2, held_connections: 1 })
    gate.settle(a) // 1 + 2 let in: room for b
    expect(b.resumed).toBe(1)
    expect(gate.snapshot()).toMatchObject({ held_connections: 0, admitted: 4 })
  })

  it('stops counting what a closed connection was let in with', () => {
    const gate = new InflightGate(2, 1)
    const gone = reader()
    const busy = reader(1)
    gate.admit(gone, 2)
    gate.take(busy)
    expect(gate.admit(busy, 1)).toBe(false)
    gate.forget(gone)
    expect(gate.snapshot()).toMatchObject({ admitted: 0 })
    gate.settle(busy)
    expect(busy.resumed).toBe(1)
  })

  it('does not resume a connection it was told is gone', () => {
    const gate = new InflightGate(1, 0)
    const r = reader()
    gate.take(r)
    expect(gate.admit(r, 1)).toBe(false)
    gate.forget(r)
    gate.settle(r)
    expect(r.resumed).toBe(0)
  })

  it('keeps a busy connection’s bytes unparsed and its socket unread, and passes them on in order', async () => {
    const gate = new InflightGate(1, 0)
    const { guard, client, got } = await guarded(gate)
    gate.take(guard) // two messages of this connection are in flight: over the gate's limit
    gate.take(guard)
    client.write(ping)
    await tick(200)
    expect(got.length).toBe(0) // read, but held back from the parser
    expect(guard.heldPublishes).toBe(0)
    client.write(publish)
    await tick(200)
    expect(got.length).toBe(0)
    gate.settle(guard)
    expect(got.length).toBe(0)
    gate.settle(guard)
    for (let i = 0; i < 50 && Buffer.concat(got).length < ping.length + publish.length; i++) await tick(20)
    expect(Buffer.concat(got).equals(Buffer.concat([ping, publish]))).toBe(true)
  })
})
