import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './processes.ts'

/** Debian's PostgreSQL 15 binaries (package `postgresql`, scripts/ensure-deps.sh). */
export const PG_BIN = '/usr/lib/postgresql/15/bin'

export interface Postgres {
  /** The server's own database, as its superuser `postgres` (trust on loopback). */
  url: string
  port: number
  dir: string
  /** A fresh database on this server; its URL. */
  createDatabase(name: string): Promise<string>
  /**
   * Restarts the server on the same port and data (`immediate`: without a checkpoint, as after a
   * crash; the server recovers from its WAL). Connections open at the time are cut. With
   * `downMs`, the server stays stopped that long before it starts again.
   */
  restart(mode?: 'fast' | 'immediate', downMs?: number): Promise<void>
  /** Stops the server (fast shutdown) and removes its directory. */
  stop(): Promise<void>
}

export function postgresAvailable(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'))
}

/**
 * A throwaway PostgreSQL 15 for the tests and the cluster demo: initdb in a fresh temporary
 * directory, the server on a free loopback port with its socket in that directory, trust
 * authentication (loopback only). initdb and pg_ctl refuse to run as root, so as root they run as
 * user `postgres`, which then owns the directory. fsync is off: the tests check transactions and
 * locks, not the disk, and a server killed here is never restarted on the same files.
 */
export async function startTempPostgres(prefix = 'aedgw-pg-'): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const data = join(dir, 'data')
  let port = await freePort()
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
    chownSync(dir, Number(pw.stdout.trim()), Number(gid.stdout.trim()))
  }
  /** The server's options (port, socket folder, settings), for a start after a stop. */
  let opts = ''
  const run = (bin: string, args: string[]) => {
    const cmd = asRoot ? 'runuser' : join(PG_BIN, bin)
    const argv = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, bin), ...args] : args
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: dir })
    if (r.status !== 0)
      throw new Error(`${bin} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}${logTail(dir)}`)
  }
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'])
    // a free port can be taken by another process before the server binds it: try a few
    for (let attempt = 1; ; attempt++) {
      opts = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c full_page_writes=off',
        '-c max_connections=50',
      ].join(' ')
      try {
        run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start'])
        break
      } catch (err) {
        if (attempt >= 5 || !String(err).includes('Address already in use')) throw err
        port = await freePort()
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  let stopped = false
  return {
    url,
    port,
    dir,
    async createDatabase(name) {
      const pg = (await import('pg')).default
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`)
      } finally {
        await client.end()
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`
    },
    async restart(mode = 'immediate', downMs = 0) {
      if (downMs === 0) {
        run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-m', mode, '-w', '-t', '60', 'restart'])
        return
      }
      run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])
      await new Promise((r) => setTimeout(r, downMs))
      run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start'])
    },
    async stop() {
      if (stopped) return
      stopped = true
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

function logTail(dir: string): string {
  const log = join(dir, 'log')
  return existsSync(log) ? `\n${readFileSync(log, 'utf8').slice(-2000)}` : ''
}
