import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join } from 'node:path'

/**
 * Preloaded into the gateway by `npm run bench -- --only door` with BENCH_PROFILE=DIR: a V8 CPU
 * profile of the whole run, written to DIR/gateway-{pid}.cpuprofile when the process exits (open
 * it in Chrome DevTools or speedscope). Node refuses `--cpu-prof` in NODE_OPTIONS, hence an
 * `--import`; plain JavaScript, since it loads before tsx.
 */
const dir = process.env.BENCH_PROFILE_OUT
if (dir) {
  const session = new Session()
  session.connect()
  session.post('Profiler.enable')
  // 1 ms sampling: fine enough for the handful of milliseconds a door event may wait
  session.post('Profiler.setSamplingInterval', { interval: 1000 })
  session.post('Profiler.start')
  process.on('exit', () => {
    // on the main thread the session answers synchronously, so this runs inside 'exit'
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `gateway-${process.pid}.cpuprofile`), JSON.stringify(res.profile))
    })
  })
}
