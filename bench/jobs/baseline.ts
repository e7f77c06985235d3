import { freePort, spawnTs, stdoutLines, stopChild } from '../../scripts/lib/processes.ts'
import { benchId, CABINETS } from '../settings.ts'
import { type LoadResult, runLoad } from './load.ts'

/** The baseline: the same load against a bare aedes broker (bench/bare-broker.ts) in its own process. */
export async function baseline(dir: string): Promise<LoadResult> {
  const port = await freePort()
  const broker = spawnTs('bench/bare-broker.ts', [String(port)], { stdio: ['ignore', 'pipe', 'inherit'] })
  await stdoutLines(broker).next()
  const creds = Array.from({ length: CABINETS }, (_, i) => ({ id: benchId(i), secret: 'x' }))
  try {
    return await runLoad(`mqtt://127.0.0.1:${port}`, creds, dir)
  } finally {
    await stopChild(broker)
  }
}
