import { type BackfillResult, backfill } from './backfill.ts'
import { type Clock, DAY, systemClock } from './clock.ts'
import { buildFleet } from './fleet.ts'
import { CabinetLink } from './link.ts'
import { intervalForRate, memoryInUse, sourceAddressFor } from './load.ts'
import { CabinetModel } from './model/cabinet.ts'
import { DEFAULT_PARAMS } from './model/params.ts'
import { derive } from './random.ts'
import { registerFleet, rotateSecret, SecretStore } from './registration.ts'
import { FleetRunner, type SimCabinet } from './runtime.ts'
import { type Scenario, type ScenarioContext, scenarioByName } from './scenarios/index.ts'
import { SimStats } from './stats.ts'

export interface SimulatorOptions {
  cabinets: number
  /** One broker URL, or a cluster's nodes comma-separated (a cabinet moves to the next when one is lost). */
  mqttUrl: string
  apiUrl: string
  adminToken: string
  seed: number
  scenario: string
  /** Heartbeat interval in seconds (default 60); `rate` overrides it. */
  intervalS?: number
  /** Target total messages per second (load mode). */
  rate?: number
  /** Gateway's per-cabinet rate limit (mqtt.rate) the links stay under. */
  cabinetRate?: { perSecond: number; burst: number }
  /** Where secrets are kept between runs (null: rotate known cabinets' secrets). */
  secretsFile?: string | null
  /**
   * The fleet is registered already (cluster mode, where workers serve no admin API): secrets are
   * taken from `secretsFile` under the scope `apiUrl`, and nothing is registered.
   */
  registered?: boolean
  sourceAddresses?: number
  /** Connections opened per second while starting (default 2000). */
  connectRate?: number
  clock?: Clock
  log?: (line: string) => void
}

/**
 * The whole simulator: registers the fleet, connects every cabinet, optionally publishes past
 * days of history, then runs live under a scenario until stopped.
 */
export class Simulator {
  readonly stats = new SimStats()
  readonly cabinets: SimCabinet[] = []
  private readonly opts: SimulatorOptions
  private readonly clock: Clock
  private readonly scenario: Scenario
  private runner: FleetRunner | null = null
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly stopHooks: Array<() => Promise<void> | void> = []
  /** Bytes of memory per connected cabinet, measured around connecting. */
  memoryPerCabinet = 0
  private historyDays = 0
  private backfilled = false
  private connectedAtStop: number | null = null

  constructor(opts: SimulatorOptions) {
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    this.scenario = scenarioByName(opts.scenario)
  }

  private get log(): (line: string) => void {
    return this.opts.log ?? (() => undefined)
  }

  /** Registers and connects the fleet; models start `historyDays` in the past. */
  async setup(
    historyDays = 0,
    onProgress?: (phase: string, done: number, total: number) => void,
  ): Promise<void> {
    const o = this.opts
    const intervalS = o.rate ? intervalForRate(o.cabinets, o.rate) : (o.intervalS ?? 60)
    const specs = buildFleet({
      count: o.cabinets,
      seed: o.seed,
      intervalS: Math.max(10, Math.round(intervalS)),
    })
    for (const s of specs) s.intervalS = intervalS
    const api = { url: o.apiUrl, token: o.adminToken }
    const store = new SecretStore(o.secretsFile ?? null, o.apiUrl)
    const secrets = o.registered
      ? knownSecrets(specs, store)
      : await registerFleet(api, specs, store, (d) => onProgress?.('register', d, specs.length))
    const [first, ...alternates] = brokerList(o.mqttUrl)
    const { host, port } = first as { host: string; port: number }
    this.historyDays = historyDays
    const start = this.clock() - historyDays * DAY
    const rate = o.cabinetRate ?? { perSecond: 20, burst: 2000 }
    const memBefore = memoryInUse()
    for (const [i, spec] of specs.entries()) {
      const params = this.scenario.params(DEFAULT_PARAMS, i, derive(o.seed, spec.registration.id, 'scenario'))
      const model = new CabinetModel(spec, o.seed, start, params)
      const id = spec.registration.id
      let rotated = false
      const localAddress = sourceAddressFor(i, specs.length, host, o.sourceAddresses)
      const link = new CabinetLink({
        id,
        secret: secrets.get(id)!,
        host,
        port,
        ...(alternates.length > 0 ? { alternates } : {}),
        ...(localAddress ? { localAddress } : {}),
        ratePerSecond: rate.perSecond,
        burst: rate.burst,
        window: 64,
        bufferLimit: 5000,
        keepaliveS: Math.min(1200, Math.max(60, Math.round(intervalS * 3))),
        reconnectMs: 1000 + derive(o.seed, id, 'reconnect').int(0, 4000),
        stats: this.stats,
        onCommand: (cmd) => {
          if (cmd.type === 'set_interval' && cmd.interval_s) cabinet.model.setInterval(cmd.interval_s)
          if (cmd.type === 'reboot') link.reboot()
        },
        onRefused: () => {
          // a secret rotated elsewhere: fetch a fresh one once, as an installer would
          if (rotated) return
          rotated = true
          rotateSecret(api, id, store).then(
            (s) => {
              link.setSecret(s)
              store.save()
            },
            () => undefined,
          )
        },
      })
      const cabinet: SimCabinet = { spec, model, link }
      this.cabinets.push(cabinet)
    }
    await this.connectAll(onProgress)
    store.save()
    this.memoryPerCabinet = Math.max(0, (memoryInUse() - memBefore) / Math.max(1, specs.length))
  }

  private async connectAll(onProgress?: (phase: string, done: number, total: number) => void): Promise<void> {
    const perSecond = this.opts.connectRate ?? 2000
    const batch = Math.max(1, Math.round(perSecond / 10))
    for (let i = 0; i < this.cabinets.length; i += batch) {
      for (const c of this.cabinets.slice(i, i + batch)) c.link.start()
      onProgress?.('connect', this.connectedCount(), this.cabinets.length)
      if (i + batch < this.cabinets.length) await new Promise((r) => setTimeout(r, 100))
    }
    const deadline = Date.now() + 60_000
    while (this.connectedCount() < this.cabinets.length && Date.now() < deadline) {
      onProgress?.('connect', this.connectedCount(), this.cabinets.length)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  connectedCount(): number {
    let n = 0
    for (const c of this.cabinets) if (c.link.connected) n++
    return n
  }

  /** Publishes the history from the models' start to now (see backfill.ts). */
  backfill(intervalS: number, onProgress?: (acked: number, total: number) => void): Promise<BackfillResult> {
    this.backfilled = true
    return backfill(this.cabinets, {
      clock: this.clock,
      stats: this.stats,
      intervalS,
      ...(onProgress ? { onProgress } : {}),
    })
  }

  /** Runs live: models follow the clock, the scenario does its part. */
  startLive(durationMs: number | null): void {
    // without a backfill the models begin now: registering and connecting took real time that
    // would otherwise come out as one burst of overdue heartbeats
    if (!this.backfilled || this.historyDays === 0) this.restartModels(this.clock())
    this.runner = new FleetRunner(this.cabinets, this.clock)
    this.runner.start()
    const mqtt = brokerList(this.opts.mqttUrl)[0] as { host: string; port: number }
    const ctx: ScenarioContext = {
      cabinets: this.cabinets,
      rnd: derive(this.opts.seed, 'scenario', this.scenario.name),
      clock: this.clock,
      stats: this.stats,
      mqtt,
      durationMs,
      after: (ms, fn) => {
        const t = setTimeout(() => {
          this.timers.delete(t)
          fn()
        }, ms)
        this.timers.add(t)
      },
      every: (ms, fn) => {
        this.timers.add(setInterval(fn, ms))
      },
      log: this.log,
      onStop: (fn) => {
        this.stopHooks.push(fn)
      },
    }
    this.scenario.start?.(ctx)
  }

  private restartModels(at: number): void {
    for (const [i, cab] of this.cabinets.entries()) {
      const p = this.scenario.params(DEFAULT_PARAMS, i, derive(this.opts.seed, cab.model.id, 'scenario'))
      cab.model = new CabinetModel(cab.spec, this.opts.seed, at, p)
    }
  }

  /** Stops the scenario and the models, waits (up to `drainMs`) for queued messages, closes links. */
  async stop(drainMs = 5_000): Promise<void> {
    this.runner?.stop()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const hook of this.stopHooks.splice(0)) await hook()
    const deadline = Date.now() + drainMs
    while (Date.now() < deadline && this.cabinets.some((c) => c.link.reachable && c.link.backlog > 0))
      await new Promise((r) => setTimeout(r, 50))
    this.connectedAtStop = this.connectedCount()
    await Promise.all(this.cabinets.map((c) => c.link.stop()))
  }

  summary(): Record<string, unknown> {
    const s = this.stats
    return {
      cabinets: this.cabinets.length,
      published: s.published,
      acked: s.acked,
      errors: s.errors,
      connected: this.connectedAtStop ?? this.connectedCount(),
      buffered: s.buffered,
      dropped: s.dropped,
      chaos: s.chaos,
      reconnects: Math.max(0, s.connects - this.cabinets.length),
      latency_ms: s.latencyMs(),
      memory_per_cabinet_kb: Math.round(this.memoryPerCabinet / 102.4) / 10,
      scenario: this.scenario.name,
      seed: this.opts.seed,
      error_kinds: s.errorsByKind(),
    }
  }
}

/** `mqtt://h:p` or `mqtt://h1:p1,mqtt://h2:p2,…` as addresses, in order. */
export function brokerList(urls: string): Array<{ host: string; port: number }> {
  return urls
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((u) => {
      const url = new URL(u)
      return { host: url.hostname, port: Number(url.port || 1883) }
    })
}

function knownSecrets(specs: ReturnType<typeof buildFleet>, store: SecretStore): Map<string, string> {
  const out = new Map<string, string>()
  for (const s of specs) {
    const secret = store.get(s.registration.id)
    if (!secret) throw new Error(`no secret for ${s.registration.id} in the secrets file (--registered)`)
    out.set(s.registration.id, secret)
  }
  return out
}
