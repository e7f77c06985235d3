import { createHash } from 'node:crypto'
import type { AuditEntry } from './export-store.ts'

/** What an audit entry's hash covers: everything it says, and the previous entry's hash. */
export type ChainedFields = Omit<AuditEntry, 'hash'>

/**
 * SHA-256 over the previous entry's hash and this entry's fields, in a fixed order. Each entry
 * carries the previous one's hash, so an entry edited, removed or inserted afterwards breaks the
 * chain at that point (`verifyAuditChain`).
 */
export function auditHash(e: ChainedFields): string {
  const canonical = JSON.stringify([
    e.prev_hash,
    e.id,
    e.at_ms,
    e.dataset_id,
    e.month,
    e.action,
    canonicalJson(e.detail),
  ])
  return createHash('sha256').update(canonical, 'utf8').digest('hex')
}

/** JSON with object keys sorted at every depth: the same detail always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

export interface ChainReport {
  ok: boolean
  /** Entries checked (those written before chaining are counted as `unchained`). */
  checked: number
  unchained: number
  /** The first entry where the chain breaks, and why. */
  broken: { id: number; reason: string } | null
  /** Hash of the last entry: keep it elsewhere to notice entries removed from the end. */
  head: string | null
}

/** Checks the chain over every entry, oldest first. */
export function verifyAuditChain(entries: readonly AuditEntry[]): ChainReport {
  let prev: string | null = null
  let checked = 0
  let unchained = 0
  for (const e of entries) {
    if (e.hash === null && prev === null) {
      unchained++
      continue
    }
    checked++
    if (e.prev_hash !== prev)
      return {
        ok: false,
        checked,
        unchained,
        broken: { id: e.id, reason: 'previous hash differs' },
        head: prev,
      }
    if (e.hash !== auditHash(e))
      return { ok: false, checked, unchained, broken: { id: e.id, reason: 'entry changed' }, head: prev }
    prev = e.hash
  }
  return { ok: true, checked, unchained, broken: null, head: prev }
}
