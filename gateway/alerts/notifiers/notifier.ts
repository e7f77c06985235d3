/** Where the cabinet of an alert is, as the notifications describe it. */
export interface CabinetDescription {
  name: string | null
  name_th: string | null
  address: string | null
  address_th: string | null
  district_code: string | null
  district_name: string | null
  district_name_th: string | null
  lat: number | null
  lon: number | null
}

/** One alert as notifiers receive it: the API view plus where the cabinet is and what to say. */
export interface NotifiedAlert {
  id: string
  cabinet_id: string
  type: string
  severity: string
  state: string
  /** firing or resolved, from the point of view of this notification. */
  status: 'firing' | 'resolved'
  team: string
  assignee: string | null
  labels: Record<string, string>
  summary: string
  facts: Record<string, string | number | boolean | null>
  started_at: string
  resolved_at: string | null
  cabinet: CabinetDescription & { map_url: string | null }
  /**
   * The alert in the maintenance console: a signed, expiring link that acknowledges it once
   * (console.public_url), else `alerts.console_url`; null when neither is configured.
   */
  console_url: string | null
  message: {
    en: { short: string; title: string; body: string; action: string }
    th: { short: string; title: string; body: string; action: string }
  }
}

/** What every notifier is handed; `id` is stable across retries (the idempotency key). */
export interface Notification {
  version: '1'
  id: string
  receiver: string
  /** firing when any alert fires; escalated for an escalation step. */
  status: 'firing' | 'resolved' | 'escalated'
  group_key: string
  group_labels: Record<string, string>
  created_at: string
  alerts: NotifiedAlert[]
}

/** A notifier says whether a failure is worth retrying; only the retry stage decides to retry. */
export type SendResult = { ok: true } | { ok: false; retryable: boolean; error: string }

export interface Notifier {
  /** receiver/kind, e.g. "default/webhook": one delivery row per notifier. */
  readonly name: string
  send(n: Notification): Promise<SendResult>
  /** Prepares what sending needs (a thread), when delivery starts. */
  start?(): void
  /** Releases what sending holds (a thread), when delivery stops. */
  close?(): void | Promise<void>
}
