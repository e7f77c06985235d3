import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { PacketGuard } from '../../../gateway/broker/packet-guard.ts'

let server: Server | null = null
afterEach(() => {
  server?.close()
  server = null
})

/** Sends chunks through a real socket into a PacketGuard; resolves with what passed and any oversize verdict. */
function through(chunks: Buffer[], max: number): Promise<{ passed: Buffer; oversize: number | null }> {
  return new Promise((resolve) => {
    let oversize: number | null = null
    const got: Buffer[] = []
    const srv = createServer((sock: Socket) => {
      const guard = new PacketGuard(sock, max, (n) => {
        oversize = n
      })
      guard.on('data', (d: Buffer) => got.push(d))
      guard.on('close', () => resolve({ passed: Buffer.concat(got), oversize }))
      guard.on('error', () => undefined)
    })
    server = srv
    srv.listen(0, '127.0.0.1', async () => {
      const port = (srv.address() as { port: number }).port
      const c = createConnection(port, '127.0.0.1')
      c.on('error', () => undefined)
      for (const chunk of chunks) {
        c.write(chunk)
        await new Promise((r) => setTimeout(r, 5))
      }
      c.end()
    })
  })
}

describe('the packet guard', () => {
  it('passes packets within the limit untouched, even split at awkward places', async () => {
    const publish = Buffer.concat([Buffer.from([0x30, 0x85, 0x01]), Buffer.alloc(133, 0x41)]) // remaining length 133
    const ping = Buffer.from([0xc0, 0x00])
    const stream = Buffer.concat([ping, publish, ping])
    const chunks = [stream.subarray(0, 3), stream.subarray(3, 4), stream.subarray(4, 90), stream.subarray(90)]
    const r = await through(chunks, 1024)
    expect(r.oversize).toBeNull()
    expect(r.passed.equals(stream)).toBe(true)
  })

  it('closes the connection on a packet that declares more than the limit, before its body arrives', async () => {
    // remaining length 268435455 (0xff 0xff 0xff 0x7f): the 256 MB maximum of MQTT 3.1.1
    const r = await through([Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])], 8192)
    expect(r.oversize).toBe(268435455 + 5)
    expect(r.passed.length).toBe(0)
  })

  it('closes the connection on a remaining length longer than four bytes', async () => {
    const r = await through([Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])], 8192)
    expect(r.oversize).not.toBeNull()
  })
})
