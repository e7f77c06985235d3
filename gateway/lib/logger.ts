import pino, { type Logger } from 'pino'

/** Paths never written to a log: secrets, passwords, tokens, wherever they appear. */
export const REDACT = [
  'secret',
  'password',
  'token',
  'admin_token',
  '*.secret',
  '*.password',
  '*.token',
  '*.admin_token',
  'req.headers.authorization',
  'headers.authorization',
  'config.influx.password',
  'config.influx.token',
  'config.api.admin_token',
  'config.alerts.webhook.secret',
  'config.feeds.bkkhdc.token',
  'config.alerts.smtp.password',
  'config.alerts.line.channel_access_token',
  'config.alerts.receivers.*.webhook.secret',
  '*.channel_access_token',
  '*.*.password',
  '*.*.secret',
  '*.*.token',
]

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'aed-gateway' }, redact: { paths: REDACT, censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 1, sync: false }),
  )
}
