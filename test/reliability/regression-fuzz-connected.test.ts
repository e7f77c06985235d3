import { afterAll, describe, expect, it } from 'vitest'
import { metric, startArena } from './arena.ts'
import { FUZZ_CABINETS, fuzzBroker } from './mqtt-fuzzer.ts'
import { record, render } from './report.ts'
import { SEED } from './scale.ts'

/**
 * REGRESSION (found by this suite, fixed since) (intermittent, about one fuzz run in two here): after the MQTT fuzz, with every fuzz
 * socket closed on the client side, the broker still counts one fuzz cabinet as connected 30 s
 * later (aedes connectedClients and aedgw_connected_cabinets agree). The fuzz runs 16 sessions
 * at once over 4 cabinet ids, so CONNECTs of one id race each other (session takeover) while
 * mutated packets close connections mid-handshake; a client whose socket is gone but which is
 * never 'clientDisconnect'ed keeps the gauge high and holds its session. Reproduce:
 * `npx vitest run test/reliability/regression-fuzz-connected.test.ts` (a few runs).
 */
describe('regression: a client still counted as connected after its socket is gone', () => {
  afterAll(() => {
    render()
  })

  it('forgets every fuzz connection once its socket is closed', async () => {
    const arena = await startArena('GOOD-ZOMB-01', {
      mqtt: {
        connect_timeout_ms: 500,
        login_backoff: { max_failures: 1_000_000, max_failures_per_address: 0 },
        connect_rate: { per_minute: 6_000_000, burst: 1_000_000, per_address_burst: 1_000_000 },
      },
      store: { sync: 'normal' },
    })
    try {
      const secrets = new Map<string, string>()
      for (const id of FUZZ_CABINETS) secrets.set(id, await arena.gw.register(id))
      const rounds: number[] = []
      // a few rounds with different seeds: the race does not show every time
      for (let round = 0; round < 3; round++) {
        const r = await fuzzBroker(arena, secrets, 50_000, SEED + 100 + round)
        rounds.push(r.connected)
        if (r.connected !== 1) break
      }
      const gauge = await metric(arena.gw, 'aedgw_connected_cabinets')
      record('bugs found', 'client counted as connected after the fuzz closed its socket', {
        connected_after_rounds: rounds.join(' '),
        connected_gauge: gauge,
      })
      expect(rounds.every((n) => n === 1)).toBe(true)
    } finally {
      await arena.stop()
    }
  }, 240_000)
})
