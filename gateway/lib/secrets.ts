import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Cabinet secrets and API tokens are machine-generated with 128+ bits of entropy, so a keyed
 * fast hash (HMAC-SHA-256 under a server key, with a per-secret salt) stores them as safely as
 * scrypt would: nothing is left to brute-force. It keeps a reconnect storm of thousands of
 * cabinets cheap (~2 us per CONNECT instead of ~35 ms of scrypt CPU). Slow hashes are for
 * passwords people choose. The key lives in the data dir (mode 0600); a stolen database without
 * it is useless.
 */
export class SecretHasher {
  private readonly key: Buffer

  constructor(key: Buffer) {
    this.key = key
  }

  static fromDataDir(dataDir: string): SecretHasher {
    mkdirSync(dataDir, { recursive: true })
    const file = join(dataDir, 'hash.key')
    if (!existsSync(file)) {
      writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' })
    }
    chmodSync(file, 0o600)
    return new SecretHasher(readFileSync(file))
  }

  hash(secret: string, salt: Buffer): Buffer {
    return createHmac('sha256', this.key).update(salt).update(secret, 'utf8').digest()
  }

  /**
   * A key for one purpose (signed console links, …), derived from the server key so that a MAC
   * made for one purpose can never pass as another's, and the server key itself never leaves here.
   */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.key).update(`aedgw-derived-key:${purpose}`, 'utf8').digest()
  }

  /** Constant-time check of a presented secret against a stored (salt, hash). */
  verify(secret: string, salt: Buffer, expected: Buffer): boolean {
    const actual = this.hash(secret, salt)
    return actual.length === expected.length && timingSafeEqual(actual, expected)
  }
}

/** A new random secret: 24 bytes (192 bits), base64url. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url')
}

export function newSalt(): Buffer {
  return randomBytes(16)
}
