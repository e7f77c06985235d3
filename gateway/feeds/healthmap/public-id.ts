import type { SecretHasher } from '../../lib/secrets.ts'

// Domain separation: the same server key also hashes secrets and tokens.
const CONTEXT = Buffer.from('aedgw healthmap public id v1', 'utf8')
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/**
 * A stable, opaque public id: HMAC-SHA-256 of the cabinet id under the server key, first 80 bits
 * in base32 (16 characters). Stable across restarts (the key lives in the data dir), and without
 * the key no one can tell which cabinet id it stands for.
 */
export function publicId(hasher: SecretHasher, cabinetId: string): string {
  const digest = hasher.hash(cabinetId, CONTEXT)
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
