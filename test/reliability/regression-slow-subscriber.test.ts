import { afterAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { connectCabinet, heartbeat, startTestGateway } from '../helpers/gateway.ts'
import { rawLogin } from '../helpers/raw-mqtt.ts'
import { subackCode } from './arena.ts'
import { record, render } from './report.ts'

/** Resolves with the value, or with `fallback` when `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())])
}

/**
 * REGRESSION (found by this suite, fixed since): a cabinet that subscribes to its cmd topic and stops reading freezes command delivery
 * for every other cabinet once ~20 MB of commands are queued for it, and when its socket finally
 * closes the broker overflows the stack draining its backlog (an uncaught RangeError: the
 * gateway process dies). Cause: aedes delivers through mqemitter with a fixed concurrency (100);
 * once the stuck client's socket buffer is full, each delivery to it waits for 'drain'
 * (PacketGuard._write, so a slow reader pushes back), so 100 stuck deliveries block every later
 * publish; when the socket closes, mqemitter releases its queue recursively.
 */
describe('regression: a subscriber that stops reading, under a large command flood', () => {
  const uncaught: Error[] = []
  const onUncaught = (err: Error) => uncaught.push(err)

  afterAll(() => {
    render()
  })

  it('keeps delivering commands to other cabinets, and survives the stuck cabinet leaving', async () => {
    const gw = await startTestGateway()
    process.on('uncaughtException', onUncaught)
    let delivered = false
    try {
      const port = gw.gateway.addresses().mqtt
      const goodSecret = await gw.register('GOOD-FND-01')
      const good = await gw.connect('GOOD-FND-01', goodSecret)
      const slow = await rawLogin(port, 'SLOW-FND-01', await gw.register('SLOW-FND-01'))
      slow.send({
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [{ topic: cabinetTopic('SLOW-FND-01', 'cmd'), qos: 1 }],
      })
      await slow.next('suback')
      slow.socket.pause()
      const fast = await connectCabinet(gw.mqttUrl, 'FAST-FND-01', await gw.register('FAST-FND-01'))
      expect(await subackCode(fast, cabinetTopic('FAST-FND-01', 'cmd'))).toBe(1)

      const payload = JSON.stringify({ id: 'c', type: 'ping', pad: 'x'.repeat(1000) })
      for (let i = 0; i < 20_000; i++) {
        gw.gateway.broker
          .publish(cabinetTopic('SLOW-FND-01', 'cmd'), payload, { qos: 1 })
          .catch(() => undefined)
        if (i % 1000 === 999) await new Promise((r) => setImmediate(r))
      }
      const acked = await within(
        good
          .publishAsync(cabinetTopic('GOOD-FND-01', 'heartbeat'), heartbeat(1), { qos: 1 })
          .then(() => true),
        15_000,
        false,
      )
      const got = new Promise<boolean>((resolve) => fast.once('message', () => resolve(true)))
      gw.gateway.broker
        .publish(cabinetTopic('FAST-FND-01', 'cmd'), '{"id":"f1","type":"ping"}')
        .catch(() => undefined)
      // a liveness bound, not a timing: on an idle broker this takes milliseconds
      delivered = await within(got, 15_000, false)

      slow.destroy()
      await slow.closed
      await new Promise((r) => setTimeout(r, 3000))
      record('bugs found', 'subscriber that stops reading, 20 MB of commands', {
        good_cabinet_acked: acked,
        command_delivered_to_other_cabinet: delivered,
        uncaught_exceptions_after_stuck_cabinet_left: uncaught.length,
      })
      expect.soft(acked, 'the good cabinet gets its PUBACK').toBe(true)
      expect.soft(delivered, 'a command reaches a cabinet that reads').toBe(true)
      expect
        .soft(
          uncaught.map((e) => e.message),
          'no uncaught exception after the stuck cabinet leaves',
        )
        .toEqual([])
      fast.end(true)
    } finally {
      process.off('uncaughtException', onUncaught)
      // stop() hangs while mqemitter's queue is stuck: bound it so the run goes on
      await within(gw.stop(), 10_000, undefined)
    }
  }, 90_000)
})
