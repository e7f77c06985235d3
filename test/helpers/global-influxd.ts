import type { TestProject } from 'vitest/node'
import { startTempInfluxd } from '../../scripts/lib/influxd.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string
  }
}

/** One throwaway influxd for the run (temp data dir, free port on 127.0.0.1); tests use their own databases. */
export default async function setup(project: TestProject) {
  const influxd = await startTempInfluxd()
  project.provide('influxUrl', influxd.url)
  return () => influxd.stop()
}
