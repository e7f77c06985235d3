import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startInfluxd } from '../../scripts/influxd.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string
  }
}

/** One throwaway influxd for the run (temp data dir, free port on 127.0.0.1); tests use their own databases. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-influxd-'))
  const influxd = await startInfluxd(dir)
  project.provide('influxUrl', influxd.url)
  return async () => {
    await influxd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
