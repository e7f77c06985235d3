import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpThread } from '../../../gateway/lib/http-thread.ts'

/** Listening TCP sockets this process holds (its socket descriptors matched in /proc/net/tcp{,6}). */
function listening(): number {
  const inodes = new Set<string>()
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))
      if (m) inodes.add(m[1] as string)
    } catch {
      // closed while listing
    }
  }
  let n = 0
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/)
      // st 0A is LISTEN; the inode is the tenth column
      if (cols[3] === '0A' && inodes.has(cols[9] as string)) n++
    }
  }
  return n
}

describe('HttpThread', () => {
  let thread: HttpThread | null = null
  let server: Server | null = null
  afterEach(async () => {
    await thread?.close()
    server?.close()
    thread = null
    server = null
  })

  it('warms its HTTP client on a loopback port of its own and leaves nothing listening', async () => {
    const before = listening()
    thread = new HttpThread()
    thread.start()
    await thread.ready()
    // the warm-up server is closed by the time the thread reports its exchange done
    await new Promise((r) => setTimeout(r, 50))
    expect(listening()).toBe(before)
  })

  it('sends a request and hands back the status and body', async () => {
    const seen: Array<{ method?: string; body: string; header?: string }> = []
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => {
        body += d.toString()
      })
      req.on('end', () => {
        seen.push({ method: req.method, body, header: req.headers['x-test'] as string | undefined })
        res.statusCode = 202
        res.end('taken')
      })
    })
    const s = server
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
    const port = (s.address() as { port: number }).port
    thread = new HttpThread()
    thread.start()
    const answer = await thread.request({
      url: `http://127.0.0.1:${port}/hook`,
      method: 'POST',
      headers: { 'x-test': 'yes' },
      body: '{"a":1}',
      timeoutMs: 5000,
    })
    expect(answer).toEqual({ status: 202, text: 'taken' })
    expect(seen).toEqual([{ method: 'POST', body: '{"a":1}', header: 'yes' }])
  })
})
