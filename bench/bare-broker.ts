import { createServer } from 'node:net'
import { Aedes } from 'aedes'

/** The baseline: a bare aedes broker with its defaults (in-memory, no auth, no storage). */
const port = Number(process.argv[2])
const broker = await Aedes.createBroker()
const server = createServer(broker.handle)
server.listen(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ ready: true })}\n`))
process.on('SIGTERM', () => {
  server.close()
  broker.close(() => process.exit(0))
})
