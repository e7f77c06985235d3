import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { spawnGateway } from '../helpers/child-gateway.ts'

describe('the gateway with bad configuration', () => {
  it('exits with code 2 and names each bad key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aedgw-cfg-'))
    const file = join(dir, 'bad.yaml')
    writeFileSync(
      file,
      'mqtt:\n  max_packet_bytes: 12\n  colour: blue\ninflux:\n  version: 7\nstore:\n  sync: sometimes\n',
    )
    const gw = await spawnGateway({ AEDGW_CONFIG: file, AEDGW_DATA_DIR: dir, AEDGW_HTTP_PORT: 'eighty' })
    const code = await gw.exited
    expect(code).toBe(2)
    const out = gw.output()
    expect(out).toContain('AEDGW_ERR_CONFIG')
    expect(out).toMatch(/mqtt\.max_packet_bytes: /)
    expect(out).toMatch(/mqtt: Unrecognized key.*colour/)
    expect(out).toMatch(/influx\.version: /)
    expect(out).toMatch(/store\.sync: /)
    expect(out).toMatch(/AEDGW_HTTP_PORT: expected a whole number/)
  })

  it('exits with code 2 when the file named by AEDGW_CONFIG is not YAML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aedgw-cfg-'))
    const file = join(dir, 'broken.yaml')
    writeFileSync(file, 'mqtt: [unclosed\n')
    const gw = await spawnGateway({ AEDGW_CONFIG: file, AEDGW_DATA_DIR: dir })
    expect(await gw.exited).toBe(2)
    expect(gw.output()).toContain('broken.yaml')
  })
})
