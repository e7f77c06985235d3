/**
 * The progress display on stderr: the phase, what it is doing, and the time spent, redrawn once
 * a second on a terminal (one line per change otherwise, so a log stays readable).
 */
export class Progress {
  private phase = ''
  private detail = ''
  private readonly started = performance.now()
  private phaseStarted = performance.now()
  private timer: NodeJS.Timeout | null = null
  private readonly tty = process.stderr.isTTY === true
  private lastPrinted = 0

  constructor(private readonly phases: number) {}

  start(): void {
    if (this.tty) this.timer = setInterval(() => this.draw(), 1000)
  }

  /** A new phase: `index` of the total, and its name. */
  step(index: number, name: string): void {
    this.phase = `[${index}/${this.phases}] ${name}`
    this.detail = ''
    this.phaseStarted = performance.now()
    this.draw(true)
  }

  /** What the phase is doing now; off a terminal, printed at most every 5 s. */
  note(detail: string): void {
    this.detail = detail
    if (this.tty || performance.now() - this.lastPrinted > 5000) this.draw(true)
  }

  stop(): void {
    if (this.timer === null && this.phase === '') return
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.phase = ''
    if (this.tty) process.stderr.write('\n')
  }

  private draw(changed = false): void {
    const s = (t: number) => `${Math.round((performance.now() - t) / 1000)} s`
    const line = `bench ${s(this.started)} ${this.phase} (${s(this.phaseStarted)})${this.detail ? `: ${this.detail}` : ''}`
    if (this.tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}`)
    else if (changed) {
      this.lastPrinted = performance.now()
      process.stderr.write(`${line}\n`)
    }
  }
}
