import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { buildConsole, DEFAULT_OUT } from '../console/build.ts'
import { buildGateway, GATEWAY_BUILD } from './lib/processes.ts'

/**
 * `npm run build`: the gateway compiled into dist/ and the maintenance console into dist/console.
 * `npm start` runs it with --console-if-missing: the gateway is compiled every time (about a
 * second), the console only when there is no build of it yet.
 */
const consoleIfMissing = process.argv.includes('--console-if-missing')
try {
  await buildGateway()
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
}
process.stdout.write(`gateway compiled: ${GATEWAY_BUILD}\n`)
if (!(consoleIfMissing && existsSync(join(DEFAULT_OUT, 'index.html')))) {
  const b = await buildConsole()
  process.stdout.write(
    `console built in ${relative(process.cwd(), b.dir) || '.'}: ${b.files.length} files, first load ${(b.firstLoadGzipBytes / 1024).toFixed(1)} KiB gzip\n`,
  )
}
