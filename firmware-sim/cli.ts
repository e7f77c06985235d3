import { parseArgs } from 'node:util'
import { Progress } from './progress.ts'
import { SCENARIOS } from './scenarios/index.ts'
import { Simulator } from './simulator.ts'

const USAGE = `usage: npm run sim -- --cabinets N --mqtt-url URL[,URL...] --api-url URL --admin-token T
         [--duration S] [--seed K] [--scenario NAME] [--rate MSG_PER_S] [--interval S]
         [--backfill-days D] [--backfill-interval S] [--secrets-file PATH]
         [--cabinet-rate N] [--cabinet-burst N] [--source-addresses K]
         [--broker URL,URL,...] [--registered]
--broker: a cluster's MQTT nodes (same as a list in --mqtt-url); a cabinet whose node is lost
  moves to the next. --registered: the fleet is registered already (npm run cluster wrote the
  secrets file under the scope --api-url); nothing is registered through the API.
scenarios: ${SCENARIOS.map((s) => `\n  ${s.name.padEnd(10)} ${s.summary}`).join('')}
The last line of output is a JSON summary.`

function parse() {
  const { values } = parseArgs({
    options: {
      cabinets: { type: 'string', default: '100' },
      'mqtt-url': { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      'api-url': { type: 'string', default: 'http://127.0.0.1:8080' },
      'admin-token': { type: 'string', default: process.env.AEDGW_ADMIN_TOKEN ?? '' },
      duration: { type: 'string', default: '60' },
      seed: { type: 'string', default: '1' },
      scenario: { type: 'string', default: 'default' },
      rate: { type: 'string' },
      interval: { type: 'string', default: '60' },
      'backfill-days': { type: 'string', default: '0' },
      'backfill-interval': { type: 'string', default: '900' },
      'secrets-file': { type: 'string', default: '.data/cabinet-secrets.json' },
      'cabinet-rate': { type: 'string', default: '20' },
      'cabinet-burst': { type: 'string', default: '2000' },
      'source-addresses': { type: 'string' },
      broker: { type: 'string' },
      registered: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  return values
}

function num(name: string, text: string | undefined, min: number): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min} (got ${text})`)
  return n
}

async function main(): Promise<number> {
  let v: ReturnType<typeof parse>
  try {
    v = parse()
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (v.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const progress = new Progress()
  const log = (line: string) => {
    progress.done()
    process.stdout.write(`${line}\n`)
  }
  const durationS = num('duration', v.duration, 0)
  const backfillDays = num('backfill-days', v['backfill-days'], 0)
  const sim = new Simulator({
    cabinets: num('cabinets', v.cabinets, 1),
    mqttUrl: v.broker ?? v['mqtt-url'],
    registered: v.registered,
    apiUrl: v['api-url'],
    adminToken: v['admin-token'],
    seed: num('seed', v.seed, 0),
    scenario: v.scenario,
    intervalS: num('interval', v.interval, 0.05),
    ...(v.rate ? { rate: num('rate', v.rate, 0.001) } : {}),
    cabinetRate: {
      perSecond: num('cabinet-rate', v['cabinet-rate'], 1),
      burst: num('cabinet-burst', v['cabinet-burst'], 1),
    },
    secretsFile: v['secrets-file'] === 'none' ? null : v['secrets-file'],
    ...(v['source-addresses'] ? { sourceAddresses: num('source-addresses', v['source-addresses'], 1) } : {}),
    log,
  })
  let interrupted = false
  let wake: () => void = () => undefined
  process.on('SIGINT', () => {
    interrupted = true
    wake()
  })
  process.on('SIGTERM', () => {
    interrupted = true
    wake()
  })
  const extra: Record<string, unknown> = {}
  try {
    await sim.setup(backfillDays, (phase, d, t) => progress.update(phase, d, t))
    progress.done()
    if (backfillDays > 0 && !interrupted) {
      const r = await sim.backfill(num('backfill-interval', v['backfill-interval'], 1), (a, t) =>
        progress.update('backfill', a, t),
      )
      progress.done()
      extra.backfill = {
        messages: r.messages,
        seconds: Math.round(r.seconds * 10) / 10,
        complete: r.complete,
      }
      log(
        `backfill: ${r.messages} messages in ${r.seconds.toFixed(1)} s (${Math.round(r.messages / r.seconds)}/s)`,
      )
    }
    if (durationS > 0 && !interrupted) {
      sim.startLive(durationS * 1000)
      const started = Date.now()
      await new Promise<void>((resolve) => {
        const bar = setInterval(() => {
          const s = sim.stats
          const elapsed = Math.min(Date.now() - started, durationS * 1000)
          progress.update(
            'live',
            elapsed,
            durationS * 1000,
            `published ${s.published} acked ${s.acked} errors ${s.errors}`,
          )
        }, 250)
        const timer = setTimeout(() => wake(), durationS * 1000)
        wake = () => {
          clearInterval(bar)
          clearTimeout(timer)
          resolve()
        }
      })
      progress.done()
    }
  } catch (err) {
    progress.done()
    process.stderr.write(`simulator: ${(err as Error).message}\n`)
    extra.fatal = (err as Error).message
  }
  await sim.stop()
  const summary = { ...sim.summary(), ...extra }
  const l = summary.latency_ms as { p50: number; p99: number; max: number }
  process.stdout.write(
    `cabinets ${summary.cabinets}, published ${summary.published}, acked ${summary.acked}, errors ${summary.errors}; PUBACK latency p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms; ~${summary.memory_per_cabinet_kb} KB per cabinet\n`,
  )
  process.stdout.write(`${JSON.stringify(summary)}\n`)
  return extra.fatal ? 1 : 0
}

process.exitCode = await main()
process.exit()
