import { HOUR, MINUTE } from '../clock.ts'
import type { Random } from '../random.ts'

/** What can happen at a cabinet's door. */
export type EpisodeKind = 'rescue' | 'inspection' | 'theft' | 'tamper'

export type DoorEventType = 'door_open' | 'door_closed' | 'aed_removed' | 'aed_returned' | 'tamper'

export interface DoorStep {
  at: number
  type: DoorEventType
  detail?: string
}

/**
 * An episode as the cabinet's sensors see it, step by step:
 * - rescue: door opens, AED taken, door closes; hours later the AED comes back (door opens, AED
 *   returned, door closes);
 * - inspection: door opens for a few minutes, the AED stays;
 * - theft: door opens, AED taken, door closes; it never comes back;
 * - tamper: the door switch or lock is forced; sometimes the door is pried open for a moment.
 */
export function episodeSteps(kind: EpisodeKind, at: number, rnd: Random): DoorStep[] {
  const s = (offsetMs: number, type: DoorEventType, detail?: string): DoorStep =>
    detail ? { at: at + offsetMs, type, detail } : { at: at + offsetMs, type }
  switch (kind) {
    case 'rescue': {
      const taken = rnd.range(5_000, 30_000)
      const back = rnd.range(1.5, 8) * HOUR
      return [
        s(0, 'door_open'),
        s(taken, 'aed_removed'),
        s(taken + rnd.range(10_000, 90_000), 'door_closed'),
        s(back, 'door_open'),
        s(back + rnd.range(10_000, 60_000), 'aed_returned'),
        s(back + rnd.range(70_000, 180_000), 'door_closed'),
      ]
    }
    case 'inspection':
      return [s(0, 'door_open'), s(rnd.range(2, 6) * MINUTE, 'door_closed')]
    case 'theft': {
      const taken = rnd.range(3_000, 15_000)
      return [s(0, 'door_open'), s(taken, 'aed_removed'), s(taken + rnd.range(5_000, 40_000), 'door_closed')]
    }
    case 'tamper':
      return rnd.chance(0.5)
        ? [s(0, 'tamper', 'lock forced'), s(1_000, 'door_open'), s(rnd.range(5_000, 20_000), 'door_closed')]
        : [s(0, 'tamper', 'enclosure vibration')]
  }
}

/** Door switch and AED presence sensor, with the steps still to come. */
export class DoorState {
  door: 'open' | 'closed' = 'closed'
  aedPresent = true
  /** Set after a theft: nothing else happens to an empty cabinet until someone restocks it. */
  stolen = false
  private pending: DoorStep[] = []

  schedule(steps: DoorStep[]): void {
    this.pending.push(...steps)
    this.pending.sort((a, b) => a.at - b.at)
  }

  /** True while an episode is still unfolding (a new one waits for it to end). */
  busy(): boolean {
    return this.pending.length > 0 || this.door === 'open'
  }

  nextAt(): number {
    return this.pending[0]?.at ?? Number.POSITIVE_INFINITY
  }

  /** Applies the next step and returns it. */
  take(): DoorStep | undefined {
    const step = this.pending.shift()
    if (!step) return undefined
    if (step.type === 'door_open') this.door = 'open'
    else if (step.type === 'door_closed') this.door = 'closed'
    else if (step.type === 'aed_removed') this.aedPresent = false
    else if (step.type === 'aed_returned') this.aedPresent = true
    return step
  }
}
