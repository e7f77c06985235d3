/**
 * Every error code the gateway uses, in one place, the way fastify keeps its FST_ERR_* in
 * lib/errors.js: the HTTP status a client sees, the default message, and what to do about it.
 * Code anywhere in the gateway throws a code (`new AedgwError('AEDGW_ERR_…', message)`); only
 * api/errors.ts turns a code into a status. docs/errors.md is this table, kept true by a test.
 */
interface ErrorSpec {
  /** The HTTP status when it reaches a client. */
  readonly status: number
  /** What it means; also the message when the thrower gives none. */
  readonly message: string
  /** What the person who sees it can do. */
  readonly action: string
  /** Never shown to a client as itself: it answers 500 AEDGW_ERR_INTERNAL and goes to the log. */
  readonly internal?: true
}

export const ERRORS = {
  AEDGW_ERR_VALIDATION: {
    status: 400,
    message: 'invalid input',
    action: 'fix what the message names; every bad field is listed at once',
  },
  AEDGW_ERR_BAD_REQUEST: {
    status: 400,
    message: 'the request could not be read (fastify’s own 4xx status is kept, e.g. 413, 415)',
    action: 'send well-formed JSON as `application/json`, at most `http.body_limit_bytes` long',
  },
  AEDGW_ERR_UNAUTHENTICATED: {
    status: 401,
    message: 'no valid API token',
    action: 'send `Authorization: Bearer <token>` with a token the gateway knows',
  },
  AEDGW_ERR_FORBIDDEN: {
    status: 403,
    message: 'the token’s role may not do this',
    action: 'use a token with the role the message names (viewer < maintainer < admin)',
  },
  AEDGW_ERR_NOT_FOUND: {
    status: 404,
    message: 'no such route, alert, silence or API token',
    action: 'check the path and the id',
  },
  AEDGW_ERR_CABINET_NOT_FOUND: {
    status: 404,
    message: 'no such cabinet',
    action: 'check the id, or register the cabinet first',
  },
  AEDGW_ERR_CABINET_EXISTS: {
    status: 409,
    message: 'the cabinet id is already registered',
    action: 'keep using its secret, or issue a new one with `POST /api/v1/cabinets/{id}/secret`',
  },
  AEDGW_ERR_ALERT_CONDITION: {
    status: 409,
    message: 'this alert resolves itself when its condition clears',
    action: 'acknowledge it instead, and fix the cabinet',
  },
  AEDGW_ERR_ALERT_RESOLVED: {
    status: 409,
    message: 'the alert is already resolved',
    action: 'nothing to do; a new occurrence opens a new alert',
  },
  AEDGW_ERR_EXPORT_EXISTS: {
    status: 409,
    message: 'the month’s dataset was built already',
    action: 'add `?force=true` to build a new revision',
  },
  AEDGW_ERR_REBUILD_REASON: {
    status: 400,
    message: 'a rebuild of a month needs a recorded reason',
    action: 'send `{"reason": "…"}` (what is corrected and why) with `?force=true`; it goes to the audit log',
  },
  AEDGW_ERR_REBUILD_WITHHELD: {
    status: 409,
    message: 'the month cannot be rebuilt with the first build’s suppression pattern, so it is withheld',
    action:
      'the first build has another schema version; agree a correction with BKKHDC instead of a rebuild that could be differenced against it',
  },
  AEDGW_ERR_PERIOD_NOT_OVER: {
    status: 409,
    message: 'the month has not ended yet (Bangkok time)',
    action: 'build it after the month ends',
  },
  AEDGW_ERR_ACL: {
    status: 403,
    message: 'a cabinet used a topic outside `aed/v1/{its id}/…`',
    action: 'check the cabinet’s id and firmware topics; the broker closes its connection',
  },
  AEDGW_ERR_RATE: {
    status: 429,
    message: 'a cabinet is over its publish rate',
    action: 'slow the cabinet down or raise `mqtt.rate`; it is disconnected without a PUBACK and resends',
  },
  AEDGW_ERR_INFLUX_UNAVAILABLE: {
    status: 503,
    message: 'InfluxDB could not be read',
    action: 'check InfluxDB (`/readyz` shows why) and retry',
  },
  AEDGW_ERR_OUTBOX_FULL: {
    status: 503,
    message: 'the outbox is not accepting: full or failing',
    action: 'check InfluxDB and disk space (`/readyz`, `aedgw_outbox_*` metrics); senders retry',
  },
  AEDGW_ERR_OUTBOX: {
    status: 503,
    message: 'the outbox could not store the message',
    action: 'check the data dir’s disk (space, permissions); senders retry',
  },
  AEDGW_ERR_BROKER: {
    status: 503,
    message: 'the MQTT broker is not running',
    action: 'wait for the gateway to start, or restart it',
  },
  AEDGW_ERR_EMBEDDED_ONLY: {
    status: 501,
    message: 'this route is served only by a gateway in embedded mode, not by a cluster worker',
    action:
      'see docs/cluster.md (worker mode, the API): do it on the cluster’s own tools, or wait for a release that serves it',
  },
  AEDGW_ERR_LINK_MALFORMED: {
    status: 401,
    message: 'this link is not a gateway link',
    action: 'open the link from the notification as it came, or sign in to the console',
  },
  AEDGW_ERR_LINK_BAD_SIGNATURE: {
    status: 401,
    message: 'this link was altered or is not from this gateway',
    action: 'open the link from the notification as it came, or sign in to the console',
  },
  AEDGW_ERR_LINK_EXPIRED: {
    status: 410,
    message: 'this link has expired; sign in to the console instead',
    action: 'sign in to the console with an API token',
  },
  AEDGW_ERR_LINK_USED: {
    status: 410,
    message: 'this link was already used to acknowledge; sign in to the console to do more',
    action: 'sign in to the console with an API token',
  },
  AEDGW_ERR_STARTED: {
    status: 500,
    message: 'the gateway is already started',
    action: 'stop it before starting it again (a bug in the program that embeds the gateway)',
    internal: true,
  },
  AEDGW_ERR_NOT_STARTED: {
    status: 500,
    message: 'the gateway is not started',
    action: 'start it first (a bug in the program that embeds the gateway)',
    internal: true,
  },
  AEDGW_ERR_MIGRATION: {
    status: 500,
    message: 'a database migration failed; nothing of it was applied',
    action:
      'read the migration named in the log, fix the database or restore it from a backup, then start again',
    internal: true,
  },
  AEDGW_ERR_CONFIG: {
    status: 500,
    message: 'invalid configuration',
    action: 'fix every `path: message` printed at start-up; the gateway does not start until then',
    internal: true,
  },
  AEDGW_ERR_INTERNAL: {
    status: 500,
    message: 'internal error; see the gateway log',
    action: 'report it with the gateway log around that time',
    internal: true,
  },
} as const satisfies Record<`AEDGW_ERR_${string}`, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code)
}

/** An error a person can act on, with a stable code from ERRORS. */
export class AedgwError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string = ERRORS[code].message, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'AedgwError'
  }
}
