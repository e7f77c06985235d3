import type { FastifyInstance, HTTPMethods } from 'fastify'
import { AedgwError } from '../../lib/errors.ts'

/**
 * Routes of the embedded API that a worker does not serve yet, each with why (docs/cluster.md,
 * "The API in worker mode"). They answer 501 AEDGW_ERR_EMBEDDED_ONLY rather than 404, so a client
 * or an operator knows the route exists and where it is served.
 */
export const EMBEDDED_ONLY: ReadonlyArray<{ method: HTTPMethods; url: string; why: string }> = [
  { method: 'PUT', url: '/api/v1/cabinets/:id', why: 'the registry is written only in embedded mode' },
  { method: 'DELETE', url: '/api/v1/cabinets/:id', why: 'the registry is written only in embedded mode' },
  {
    method: 'POST',
    url: '/api/v1/cabinets/:id/secret',
    why: 'the registry is written only in embedded mode',
  },
  {
    method: 'POST',
    url: '/api/v1/cabinets/:id/reinstate',
    why: 'the registry is written only in embedded mode',
  },
  { method: 'GET', url: '/api/v1/cabinets/:id/history', why: 'the console history is embedded-only' },
  { method: 'GET', url: '/api/v1/quarantine', why: "a worker's quarantine is its own data dir's" },
  { method: 'GET', url: '/api/v1/alerts/stream', why: 'the live stream follows one process’s alerts' },
  { method: 'POST', url: '/api/v1/alerts/:id/link', why: 'signed links are embedded-only' },
  { method: 'GET', url: '/api/v1/link', why: 'signed links are embedded-only' },
  { method: 'POST', url: '/api/v1/link/ack', why: 'signed links are embedded-only' },
  { method: 'GET', url: '/api/v1/whoami', why: 'the console is embedded-only' },
  { method: 'GET', url: '/api/v1/aeds/nearest', why: 'the coverage stage runs only in embedded mode' },
  { method: 'GET', url: '/api/v1/coverage', why: 'the coverage stage runs only in embedded mode' },
  { method: 'GET', url: '/feeds/nearest', why: 'the coverage stage runs only in embedded mode' },
  { method: 'GET', url: '/feeds/healthmap.geojson', why: 'the feeds are served only in embedded mode' },
  {
    method: 'GET',
    url: '/api/v1/exports/bkkhdc',
    why: 'the dataset history is served only in embedded mode',
  },
  {
    method: 'POST',
    url: '/api/v1/exports/bkkhdc/:month',
    why: 'the dataset is built on demand only in embedded mode',
  },
  { method: 'GET', url: '/console', why: 'the console is embedded-only' },
  { method: 'GET', url: '/console/*', why: 'the console is embedded-only' },
]

/** Answers every route of EMBEDDED_ONLY with 501 AEDGW_ERR_EMBEDDED_ONLY and why. */
export function embeddedOnlyRoutes(app: FastifyInstance): void {
  for (const r of EMBEDDED_ONLY) {
    app.route({
      method: r.method,
      url: r.url,
      schema: { hide: true },
      handler: async () => {
        throw new AedgwError(
          'AEDGW_ERR_EMBEDDED_ONLY',
          `${r.method} ${r.url} is not served in worker mode: ${r.why}`,
        )
      },
    })
  }
}
