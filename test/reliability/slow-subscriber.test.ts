import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { connectCabinet } from '../helpers/gateway.ts'
import { rawLogin } from '../helpers/raw-mqtt.ts'
import { type Arena, startArena, subackCode } from './arena.ts'
import { record, render } from './report.ts'

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10

/**
 * A cabinet subscribes to its cmd topic and then stops reading its socket. The gateway floods
 * that topic; the broker must keep serving everyone else (PUBACKs for the good cabinet, commands
 * for another subscriber) and its memory must not follow the flood without bound.
 */
describe('a subscriber that stops reading', () => {
  let arena: Arena

  beforeAll(async () => {
    arena = await startArena('GOOD-SUB-01')
  })
  afterAll(async () => {
    try {
      await arena.verifyStored()
    } finally {
      await arena.stop()
      render()
    }
  })

  it('keeps serving other cabinets while one cabinet’s cmd topic is flooded and it never reads', async () => {
    const gw = arena.gw
    const port = gw.gateway.addresses().mqtt
    const slowSecret = await gw.register('SLOW-0001')
    const fastSecret = await gw.register('FAST-0001')
    const slow = await rawLogin(port, 'SLOW-0001', slowSecret)
    slow.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: cabinetTopic('SLOW-0001', 'cmd'), qos: 1 }],
    })
    await slow.next('suback')
    slow.socket.pause() // from here on it reads nothing: the kernel buffers fill, then TCP pushes back
    const fast = await connectCabinet(gw.mqttUrl, 'FAST-0001', fastSecret)
    expect(await subackCode(fast, cabinetTopic('FAST-0001', 'cmd'))).toBe(1)

    const heapBefore = process.memoryUsage().heapUsed
    // ~2 MB: what socket buffers absorb. A larger flood stalls the broker: see
    // regression-slow-subscriber.test.ts
    const flood = 2000
    const payload = JSON.stringify({ id: 'c', type: 'ping', pad: 'x'.repeat(1000) })
    let settled = 0
    for (let i = 0; i < flood; i++) {
      gw.gateway.broker.publish(cabinetTopic('SLOW-0001', 'cmd'), payload, { qos: 1 }).then(
        () => settled++,
        () => settled++,
      )
      // let the event loop breathe, as commands from an operator would arrive
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r))
    }
    // the broker still serves: the good cabinet's PUBACKs, and commands to a reading cabinet
    for (let i = 0; i < 5; i++) await arena.stillServing()
    const got = new Promise<string>((resolve) => fast.once('message', (_t, p) => resolve(p.toString())))
    await gw.gateway.broker.publish(cabinetTopic('FAST-0001', 'cmd'), '{"id":"f1","type":"ping"}', { qos: 1 })
    expect(JSON.parse(await got)).toMatchObject({ id: 'f1' })
    const heapDuring = process.memoryUsage().heapUsed

    // the stuck cabinet goes away: what was queued for it is released
    slow.destroy()
    await slow.closed
    for (let i = 0; i < 3; i++) await arena.stillServing()
    fast.end(true)
    const heapAfter = process.memoryUsage().heapUsed
    record('faults', 'a subscriber that stops reading', {
      commands_flooded: flood,
      flood_mb: mb(flood * payload.length),
      publishes_settled_while_stuck: settled,
      heap_start_mb: mb(heapBefore),
      heap_end_mb: mb(heapAfter),
      heap_during_mb: mb(heapDuring),
    })
  })
})
