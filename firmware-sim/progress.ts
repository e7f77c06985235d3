/** A one-line progress bar on stderr when it is a terminal; silent otherwise (CI, pipes, tests). */
export class Progress {
  private readonly enabled: boolean
  private last = 0
  private shown = false

  constructor(enabled = process.stderr.isTTY === true) {
    this.enabled = enabled
  }

  update(label: string, done: number, total: number, extra = ''): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.last < 100 && done < total) return
    this.last = now
    const width = 30
    const share = total > 0 ? Math.min(1, done / total) : 0
    const filled = Math.round(share * width)
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`
    process.stderr.write(
      `\r\x1b[2K${label.padEnd(9)} [${bar}] ${Math.round(share * 100)}% ${done}/${total} ${extra}`,
    )
    this.shown = true
  }

  /** Ends the bar's line so normal output starts on a fresh one. */
  done(): void {
    if (this.enabled && this.shown) process.stderr.write('\n')
    this.shown = false
  }
}
