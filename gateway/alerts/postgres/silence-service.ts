import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { AedgwError } from '../../lib/errors.ts'
import type { AlertsConfig } from '../config.ts'
import type { Silence } from '../ports.ts'
import { Silences } from '../silences.ts'
import { PgSilenceStore } from './silence-store.ts'

/**
 * Silences made through the API of any worker, kept in PostgreSQL (`silences`): the rows the
 * mute stage (PgNotices) reads fresh at each decision, so a silence made on one worker mutes the
 * notification another worker decides a moment later. The same rules and answers as the embedded
 * `Silences` (ends after it starts, expired rather than deleted, `activeAt` for recurring ones).
 */
export class PgSilences {
  private readonly store: PgSilenceStore
  private readonly clock: () => number
  /** The embedded code, for `activeAt` only (recurrence slots in Bangkok time). */
  private readonly rules: Silences

  constructor(deps: {
    pool: pg.Pool
    config: Pick<AlertsConfig, 'maintenance_windows'>
    clock: () => number
  }) {
    this.store = new PgSilenceStore(deps.pool)
    this.clock = deps.clock
    this.rules = new Silences({ all: () => [], insert: noWrite, update: noWrite }, deps.config, deps.clock)
  }

  list(): Promise<Silence[]> {
    return this.store.all()
  }

  async create(input: Omit<Silence, 'id' | 'created_ms'>): Promise<Silence> {
    if (input.ends_ms <= input.starts_ms)
      throw new AedgwError('AEDGW_ERR_VALIDATION', 'ends_at must be after starts_at')
    const s: Silence = { ...input, id: `si_${randomBytes(6).toString('hex')}`, created_ms: this.clock() }
    await this.store.insert(s)
    return s
  }

  /** Ends a silence now; kept for the record. */
  async expire(id: string): Promise<Silence> {
    const s = await this.store.get(id)
    if (!s) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no silence ${id}`)
    const now = this.clock()
    const ends = Math.min(s.ends_ms, now)
    const ended: Silence = { ...s, ends_ms: ends, starts_ms: Math.min(s.starts_ms, ends) }
    await this.store.update(ended)
    return ended
  }

  activeAt(s: Silence, now: number): boolean {
    return this.rules.activeAt(s, now)
  }
}

function noWrite(): never {
  throw new Error('PgSilences writes through its PostgreSQL store')
}
