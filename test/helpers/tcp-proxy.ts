import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net'

/**
 * How the proxy treats traffic:
 * - forward: bytes pass at once;
 * - delay: every chunk, each way, is held `delayMs` before it passes (order kept);
 * - stall: connections are accepted and kept open, but nothing passes either way until the mode
 *   changes (then what was held passes): a peer that hangs mid-request;
 * - drop: new connections are closed at once and open ones are cut.
 */
export type ProxyMode =
  | { kind: 'forward' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'stall' }
  | { kind: 'drop' }

interface Direction {
  to: Socket
  queue: Array<{ chunk: Buffer; due: number }>
  timer: NodeJS.Timeout | null
}

export interface TcpProxy {
  url: string
  port: number
  mode(): ProxyMode
  setMode(mode: ProxyMode): void
  /** Connections accepted so far, and chunks held back while stalled. */
  stats(): { connections: number; open: number; held: number }
  close(): Promise<void>
}

/** A TCP proxy on 127.0.0.1 in front of `target`, whose behaviour the test switches at will. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = { kind: 'forward' }
  const directions = new Set<Direction>()
  const sockets = new Set<Socket>()
  let connections = 0

  const pump = (d: Direction) => {
    if (d.timer) {
      clearTimeout(d.timer)
      d.timer = null
    }
    if (mode.kind === 'stall' || mode.kind === 'drop') return
    const now = Date.now()
    while (d.queue.length > 0) {
      const head = d.queue[0] as { chunk: Buffer; due: number }
      if (head.due > now) {
        d.timer = setTimeout(() => pump(d), head.due - now)
        return
      }
      d.queue.shift()
      if (!d.to.destroyed) d.to.write(head.chunk)
    }
  }

  const relay = (from: Socket, to: Socket) => {
    const d: Direction = { to, queue: [], timer: null }
    directions.add(d)
    from.on('data', (chunk: Buffer) => {
      const delay = mode.kind === 'delay' ? mode.delayMs : 0
      d.queue.push({ chunk, due: Date.now() + delay })
      pump(d)
    })
    from.on('close', () => {
      if (d.timer) clearTimeout(d.timer)
      directions.delete(d)
      // let what is already due reach the other side before closing it
      if (d.queue.length === 0 || mode.kind === 'drop') to.destroy()
      else setTimeout(() => to.destroy(), 100).unref()
    })
  }

  const server: Server = createServer((client) => {
    connections++
    if (mode.kind === 'drop') {
      client.destroy()
      return
    }
    const upstream = connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => undefined)
      s.on('close', () => sockets.delete(s))
    }
    relay(client, upstream)
    relay(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    mode: () => mode,
    setMode(next) {
      mode = next
      if (next.kind === 'drop') for (const s of sockets) s.destroy()
      for (const d of directions) pump(d)
    },
    stats: () => ({
      connections,
      open: sockets.size / 2,
      held: [...directions].reduce((n, d) => n + d.queue.length, 0),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
