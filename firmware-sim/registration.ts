import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { CabinetSpec } from './fleet.ts'

export interface AdminApi {
  url: string
  token: string
}

/**
 * Secrets the simulator was given, by gateway (API URL) and cabinet id: kept so a second run need
 * not rotate them, shared by the demo and `npm run sim` so neither leaves the other's stale.
 */
export class SecretStore {
  private readonly file: string | null
  private readonly scope: string
  private readonly all: Record<string, Record<string, string>>

  constructor(file: string | null, scope = 'default') {
    this.file = file
    this.scope = scope
    this.all = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as typeof this.all) : {}
  }

  private get secrets(): Record<string, string> {
    this.all[this.scope] ??= {}
    return this.all[this.scope]!
  }

  get(id: string): string | undefined {
    return this.secrets[id]
  }

  set(id: string, secret: string): void {
    this.secrets[id] = secret
  }

  save(): void {
    if (!this.file) return
    mkdirSync(dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp`
    writeFileSync(tmp, JSON.stringify(this.all), { mode: 0o600 })
    renameSync(tmp, this.file)
  }
}

async function call(api: AdminApi, method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const json = (await res.json().catch(() => ({}))) as { secret?: string; error?: string; message?: string }
  return { status: res.status, json }
}

/**
 * Registers one cabinet, idempotently: a new id answers 201 with its secret; a known one answers
 * 409 AEDGW_ERR_CABINET_EXISTS, and then the stored secret is used, or a fresh one is issued.
 */
export async function ensureRegistered(
  api: AdminApi,
  spec: CabinetSpec,
  store: SecretStore,
): Promise<string> {
  const id = spec.registration.id
  const created = await call(api, 'POST', '/api/v1/cabinets', spec.registration)
  if (created.status === 201 && created.json.secret) {
    store.set(id, created.json.secret)
    return created.json.secret
  }
  if (created.status !== 409) {
    throw new Error(
      `registering ${id}: HTTP ${created.status} ${created.json.error ?? ''} ${created.json.message ?? ''}`,
    )
  }
  const known = store.get(id)
  if (known) return known
  return rotateSecret(api, id, store)
}

export async function rotateSecret(api: AdminApi, id: string, store: SecretStore): Promise<string> {
  const rotated = await call(api, 'POST', `/api/v1/cabinets/${encodeURIComponent(id)}/secret`)
  if (rotated.status !== 200 || !rotated.json.secret)
    throw new Error(`new secret for ${id}: HTTP ${rotated.status} ${rotated.json.message ?? ''}`)
  store.set(id, rotated.json.secret)
  return rotated.json.secret
}

/** Registers a fleet with a few requests in flight at once; returns secrets by id. */
export async function registerFleet(
  api: AdminApi,
  specs: readonly CabinetSpec[],
  store: SecretStore,
  onProgress?: (done: number) => void,
  concurrency = 16,
): Promise<Map<string, string>> {
  const secrets = new Map<string, string>()
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!
      secrets.set(spec.registration.id, await ensureRegistered(api, spec, store))
      onProgress?.(++done)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker))
  store.save()
  return secrets
}
