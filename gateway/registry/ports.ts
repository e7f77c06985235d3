/** A registered cabinet as stored: the registration as JSON, the secret only as salt and hash. */
export interface CabinetRecord {
  id: string
  registration: string
  secret_salt: Buffer
  secret_hash: Buffer
  created_at: string
  updated_at: string
  retired: number
}

/**
 * Where the registry keeps cabinets (SQLite today: sqlite/registry-store.ts). The registry mirrors
 * every cabinet in memory at start, so CONNECT and messages never reach this store.
 */
export interface RegistryStore {
  all(): CabinetRecord[]
  insert(r: CabinetRecord): void
  /** New registration details; a retired cabinet stays retired. */
  updateRegistration(id: string, registration: string, updatedAt: string): void
  updateSecret(id: string, salt: Buffer, hash: Buffer, updatedAt: string): void
  retire(id: string, updatedAt: string): void
  reinstate(id: string, updatedAt: string): void
}
