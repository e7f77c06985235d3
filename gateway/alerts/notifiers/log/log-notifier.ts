import type { Logger } from 'pino'
import type { Notification, Notifier, SendResult } from '../notifier.ts'

/** Writes the notification to the gateway log: the receiver of last resort, and handy in a demo. */
export class LogNotifier implements Notifier {
  readonly name: string
  private readonly log: Logger

  constructor(name: string, log: Logger) {
    this.name = name
    this.log = log
  }

  async send(n: Notification): Promise<SendResult> {
    for (const a of n.alerts) {
      this.log.info(
        {
          notification: n.id,
          receiver: n.receiver,
          status: a.status,
          alert: a.id,
          cabinet: a.cabinet_id,
          type: a.type,
          severity: a.severity,
        },
        a.message.en.title,
      )
    }
    return { ok: true }
  }
}
