import { rssBytes } from '../../scripts/cluster/common.ts'
import type { Progress } from '../progress.ts'
import { type Cred, IDLE } from '../settings.ts'
import { holdIdle, type IdleConnections } from './load.ts'

export interface MemoryPoint {
  connections: number
  rss_mib: number
  /** (RSS now − RSS before the first connection) / connections. */
  kib_per_connection: number
  /** The same after a full collection before each reading (the gateway only; see `collected`). */
  rss_gc_mib?: number
  kib_per_connection_gc?: number
}

export interface IdleMemory {
  rss_before_mib: number
  rss_before_gc_mib?: number
  /** The process's limit on open files (each connection holds one). */
  open_files_limit: number | null
  points: MemoryPoint[]
}

/** The soft limit on open files of process `pid`, from /proc. */
async function openFilesLimit(pid: number): Promise<number | null> {
  const { readFile } = await import('node:fs/promises')
  try {
    const m = /Max open files\s+(\d+)/.exec(await readFile(`/proc/${pid}/limits`, 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

const SETTLE_MS = 3000
const mib = (b: number) => Number((b / 2 ** 20).toFixed(1))

/**
 * Memory per idle connection of process `pid` (a broker at `url`): connections are added up to
 * each count in IDLE in turn and held, publishing nothing; RSS is read once they have settled.
 * Each group comes from its own load processes and source addresses (see holdIdle).
 */
export async function idleMemory(
  name: string,
  pid: number,
  url: string,
  creds: Cred[],
  dir: string,
  progress: Progress,
  /** RSS once the process collected its garbage (a gateway the bench started): also read. */
  collected?: () => Promise<number>,
): Promise<IdleMemory> {
  const rss = async () => (await rssBytes(pid)) ?? Number.NaN
  await new Promise((r) => setTimeout(r, SETTLE_MS))
  const before = await rss()
  const beforeGc = collected ? await collected() : Number.NaN
  const limit = await openFilesLimit(pid)
  // the counts need that many descriptors: a lower limit would measure refused connections
  if (limit !== null && limit < Math.max(...IDLE) + 100)
    progress.note(`${name}: open files limited to ${limit} (ulimit -n): fewer connections will be held`)
  const held: IdleConnections[] = []
  const points: MemoryPoint[] = []
  let open = 0
  try {
    for (const n of IDLE) {
      progress.note(`${name}: ${n} idle connections`)
      const group = await holdIdle(url, creds.slice(open, n), dir, held.length)
      held.push(group)
      open += group.connected
      await new Promise((r) => setTimeout(r, SETTLE_MS))
      const now = await rss()
      const perConnection = (b: number, a: number) => Number(((a - b) / 1024 / Math.max(1, open)).toFixed(1))
      const point: MemoryPoint = {
        connections: open,
        rss_mib: mib(now),
        kib_per_connection: perConnection(before, now),
      }
      if (collected) {
        const nowGc = await collected()
        point.rss_gc_mib = mib(nowGc)
        point.kib_per_connection_gc = perConnection(beforeGc, nowGc)
      }
      points.push(point)
    }
  } finally {
    for (const h of held) await h.release()
  }
  return {
    rss_before_mib: mib(before),
    ...(collected ? { rss_before_gc_mib: mib(beforeGc) } : {}),
    open_files_limit: limit,
    points,
  }
}
