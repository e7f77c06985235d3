import type { Logger } from 'pino'

/**
 * What undoes each step a start took, in the order taken. `unwind()` undoes them in reverse, every
 * one even when one fails, logs each failure and rethrows the first once all are undone.
 */
export class UndoStack {
  private readonly steps: Array<{ name: string; run: () => void | Promise<void> }> = []

  push(name: string, run: () => void | Promise<void>): void {
    this.steps.push({ name, run })
  }

  async unwind(log: Logger): Promise<void> {
    let failure: unknown = null
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run()
      } catch (err) {
        log.error({ err, stage: step.name }, 'stop failed')
        failure ??= err
      }
    }
    if (failure) throw failure
  }
}
