import type { RulesConfig, RulesSettings } from './config.ts'

/** Rule thresholds for one cabinet: config defaults with that cabinet's overrides merged in. */
export class Thresholds {
  private readonly config: RulesSettings
  private readonly cache = new Map<string, RulesConfig>()

  constructor(config: RulesSettings) {
    this.config = config
  }

  for(cabinet: string): RulesConfig {
    const over = this.config.overrides[cabinet]
    if (!over) return this.config.rules
    let merged = this.cache.get(cabinet)
    if (!merged) {
      const out: Record<string, unknown> = { ...this.config.rules }
      for (const [rule, values] of Object.entries(over)) {
        out[rule] = { ...(out[rule] as object), ...(values as object) }
      }
      merged = out as RulesConfig
      this.cache.set(cabinet, merged)
    }
    return merged
  }
}
