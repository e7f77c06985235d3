import { loadConfig } from './config/load.ts'
import { Gateway } from './gateway.ts'
import { AedgwError } from './lib/errors.ts'
import { createLogger } from './lib/logger.ts'
import { WorkerGateway } from './worker-gateway.ts'

// read config → build → start(); SIGTERM/SIGINT → stop(). Exit codes: 0 clean stop,
// 1 failed to start or stop, 2 bad configuration.
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof AedgwError) {
      process.stderr.write(`${err.code}: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  const log = createLogger(config.log_level)
  // embedded (the default): its own MQTT broker and SQLite; worker: one of a cluster's consumers
  const gateway = config.mode === 'worker' ? new WorkerGateway({ config, log }) : new Gateway({ config, log })
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stopping = true
    log.info({ signal }, 'stopping')
    gateway.stop().then(
      () => {
        log.flush()
        process.exit(0)
      },
      (err: unknown) => {
        log.error({ err }, 'stop failed')
        log.flush()
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'))
  try {
    await gateway.start()
  } catch (err) {
    log.fatal({ err }, 'gateway failed to start')
    log.flush()
    process.exit(1)
  }
}

await main()
