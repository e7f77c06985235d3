import type { Aedes, AedesPublishPacket } from 'aedes'
import { AedgwError } from '../lib/errors.ts'

const PUBLISH_CONCURRENCY = 64

interface QueuedPublish {
  packet: AedesPublishPacket
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * The gateway's own publishes (commands, restored retained statuses). At most
 * PUBLISH_CONCURRENCY are handed to aedes at once, the rest wait here: a burst of thousands
 * handed over together builds a backlog that mqemitter later releases recursively, past the
 * stack's depth.
 */
export class PublishQueue {
  private readonly aedesOf: () => Aedes | null
  private readonly queue: QueuedPublish[] = []
  private publishing = 0

  constructor(aedesOf: () => Aedes | null) {
    this.aedesOf = aedesOf
  }

  publish(packet: AedesPublishPacket): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ packet, resolve, reject })
      this.pump()
    })
  }

  private pump(): void {
    while (this.publishing < PUBLISH_CONCURRENCY && this.queue.length > 0) {
      const next = this.queue.shift() as QueuedPublish
      const aedes = this.aedesOf()
      if (!aedes) {
        next.reject(new AedgwError('AEDGW_ERR_BROKER', 'broker stopped'))
        continue
      }
      this.publishing++
      aedes.publish(next.packet, (err) => {
        this.publishing--
        if (err) next.reject(err)
        else next.resolve()
        // a fresh tick for the next batch keeps the stack flat
        setImmediate(() => this.pump())
      })
    }
  }
}
