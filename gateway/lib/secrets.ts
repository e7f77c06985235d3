import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
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
   * A key of its own for one purpose (HKDF-SHA-256, RFC 5869, from the server key; the purpose and
   * version are the `info`). What is derived for one purpose (a public id) tells nothing of the key
   * that hashes secrets, and a purpose rotates by taking the next version, leaving the others alone.
   */
  derive(purpose: string, version: number): PurposeKey {
    if (!Number.isInteger(version) || version < 1)
      throw new Error(`key version must be 1 or more, got ${version}`)
    const info = Buffer.from(`aedgw ${purpose} v${version}`, 'utf8')
    return new PurposeKey(
      purpose,
      version,
      Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), info, 32)),
    )
  }

  /** Constant-time check of a presented secret against a stored (salt, hash). */
  verify(secret: string, salt: Buffer, expected: Buffer): boolean {
    const actual = this.hash(secret, salt)
    return actual.length === expected.length && timingSafeEqual(actual, expected)
  }
}

/** A key derived for one purpose and version (`SecretHasher.derive`): HMAC-SHA-256 under it. */
export class PurposeKey {
  readonly purpose: string
  readonly version: number
  private readonly key: Buffer

  constructor(purpose: string, version: number, key: Buffer) {
    this.purpose = purpose
    this.version = version
    this.key = key
  }

  mac(data: string): Buffer {
    return createHmac('sha256', this.key).update(data, 'utf8').digest()
  }
}

/** A new random secret: 24 bytes (192 bits), base64url. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url')
}

export function newSalt(): Buffer {
  return randomBytes(16)
}
