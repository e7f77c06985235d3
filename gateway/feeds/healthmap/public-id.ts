import type { PurposeKey } from '../../lib/secrets.ts'

/** The purpose the public-id key is derived for (`SecretHasher.derive`). */
export const PUBLIC_ID_PURPOSE = 'healthmap public id'
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/**
 * A stable, opaque public id: HMAC-SHA-256 of the cabinet id under a key derived for this purpose
 * alone (never the key that hashes secrets and tokens), first 80 bits in base32 (16 characters).
 * Stable across restarts (the server key lives in the data dir) while
 * `feeds.healthmap.public_id_key_version` stays; raising it gives every cabinet a new id that
 * cannot be linked to the old one. Without the key no one can tell which cabinet id it stands for.
 */
export function publicId(key: PurposeKey, cabinetId: string): string {
  const digest = key.mac(cabinetId)
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of digest.subarray(0, 10)) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  return `aed-${out}`
}
