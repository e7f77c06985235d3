import { z } from 'zod'

/** Loopback hosts: a plain-HTTP URL to them never leaves the machine (tests, the demo). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/** Whether a URL is https, or http to a loopback address. */
export function secureOrLoopback(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))
  } catch {
    return false
  }
}

/**
 * A URL that data about cabinets is sent to (webhooks, the health-map push, BKKHDC): https, so
 * alerts and datasets are not readable or changeable on the way; plain http only to loopback.
 */
export const secureUrl = z
  .url()
  .refine(secureOrLoopback, 'must be https (http only to localhost or 127.0.0.1, e.g. in tests)')
