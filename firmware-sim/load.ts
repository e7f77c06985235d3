/**
 * Load-mode helpers. A TCP connection is identified by (source address, source port, target):
 * one source address has ~28k ephemeral ports (Linux default 32768-60999), so past that the
 * fleet spreads over 127.0.0.x source addresses, which all reach a loopback broker.
 */
export const CONNECTIONS_PER_ADDRESS = 20_000

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1'
}

/** Source address of the i-th connection, or undefined when one address is enough. */
export function sourceAddressFor(
  index: number,
  total: number,
  host: string,
  addresses?: number,
): string | undefined {
  const n = addresses ?? Math.ceil(total / CONNECTIONS_PER_ADDRESS)
  if (n <= 1 || !isLoopback(host)) return undefined
  return `127.0.0.${(index % n) + 1}`
}

/** Heartbeat interval (seconds) that gives a fleet the target total message rate. */
export function intervalForRate(cabinets: number, ratePerSecond: number): number {
  return cabinets / ratePerSecond
}

/** Heap + off-heap bytes in use now (after a GC when node runs with --expose-gc). */
export function memoryInUse(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}
