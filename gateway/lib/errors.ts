/** An error a person can act on, with a stable code (the way fastify uses FST_ERR_*). */
export class AedgwError extends Error {
  readonly code: string
  constructor(code: `AEDGW_ERR_${string}`, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'AedgwError'
  }
}
