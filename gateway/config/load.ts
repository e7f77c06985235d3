import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { AedgwError } from '../lib/errors.ts'
import { type Config, configSchema } from './schema.ts'

/** config/default.yaml of the project: two levels up from the sources, three from dist/. */
function defaultFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    const file = join(dir, 'config', 'default.yaml')
    if (existsSync(file)) return file
    dir = dirname(dir)
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'default.yaml')
}
const DEFAULT_FILE = defaultFile()

type Plain = { [key: string]: unknown }

/** How each AEDGW_* variable maps onto the config tree, and how its text becomes a value. */
const ENV_MAP: ReadonlyArray<[string, string[][], 'string' | 'int' | 'list']> = [
  ['AEDGW_DATA_DIR', [['data_dir']], 'string'],
  ['AEDGW_LOG_LEVEL', [['log_level']], 'string'],
  ['AEDGW_MQTT_PORT', [['mqtt', 'port']], 'int'],
  ['AEDGW_MQTTS_PORT', [['mqtt', 'tls', 'port']], 'int'],
  ['AEDGW_TLS_CERT', [['mqtt', 'tls', 'cert']], 'string'],
  ['AEDGW_TLS_KEY', [['mqtt', 'tls', 'key']], 'string'],
  ['AEDGW_TLS_CA', [['mqtt', 'tls', 'ca']], 'string'],
  ['AEDGW_HTTP_PORT', [['http', 'port']], 'int'],
  [
    'AEDGW_BIND',
    [
      ['mqtt', 'bind'],
      ['http', 'bind'],
    ],
    'string',
  ],
  ['AEDGW_OPS_BIND', [['http', 'ops', 'bind']], 'string'],
  ['AEDGW_OPS_PORT', [['http', 'ops', 'port']], 'int'],
  ['AEDGW_INFLUX_URL', [['influx', 'url']], 'string'],
  ['AEDGW_INFLUX_VERSION', [['influx', 'version']], 'int'],
  ['AEDGW_INFLUX_DB', [['influx', 'db']], 'string'],
  ['AEDGW_INFLUX_TOKEN', [['influx', 'token']], 'string'],
  ['AEDGW_INFLUX_USER', [['influx', 'user']], 'string'],
  ['AEDGW_INFLUX_PASSWORD', [['influx', 'password']], 'string'],
  ['AEDGW_ADMIN_TOKEN', [['api', 'admin_token']], 'string'],
  ['AEDGW_WEBHOOK_URL', [['alerts', 'webhook', 'url']], 'string'],
  ['AEDGW_WEBHOOK_SECRET', [['alerts', 'webhook', 'secret']], 'string'],
  ['AEDGW_BKKHDC_URL', [['feeds', 'bkkhdc', 'url']], 'string'],
  ['AEDGW_BKKHDC_TOKEN', [['feeds', 'bkkhdc', 'token']], 'string'],
  ['AEDGW_MODE', [['mode']], 'string'],
  ['AEDGW_AMQP_URLS', [['cluster', 'amqp_urls']], 'list'],
  ['AEDGW_POSTGRES_URL', [['cluster', 'postgres_url']], 'string'],
  ['AEDGW_BROKER_AUTH_PORT', [['cluster', 'auth', 'port']], 'int'],
  ['AEDGW_WORKER_API_BIND', [['cluster', 'api', 'bind']], 'string'],
  ['AEDGW_WORKER_API_PORT', [['cluster', 'api', 'port']], 'int'],
]

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Deep merge: objects merge key by key, anything else in `over` replaces `base`. */
export function merge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over
  const out: Plain = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v)
  return out
}

function setPath(tree: Plain, path: string[], value: unknown): void {
  let node = tree
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (!isPlain(next)) node[key] = {}
    node = node[key] as Plain
  }
  node[path[path.length - 1] as string] = value
}

function readYaml(file: string, problems: string[]): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8')) ?? {}
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message.split('\n')[0]}`)
    return {}
  }
}

function envOverrides(env: NodeJS.ProcessEnv, problems: string[]): Plain {
  const tree: Plain = {}
  for (const [name, paths, kind] of ENV_MAP) {
    const text = env[name]
    if (text === undefined || text === '') continue
    let value: unknown = text
    // a comma-separated list (the broker nodes of a cluster)
    if (kind === 'list')
      value = text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '')
    if (kind === 'int') {
      value = /^\d+$/.test(text) ? Number(text) : Number.NaN
      if (Number.isNaN(value)) {
        problems.push(`${name}: expected a whole number, got "${text}"`)
        continue
      }
    }
    for (const path of paths) setPath(tree, path, value)
  }
  return tree
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/**
 * default.yaml, then the file named by AEDGW_CONFIG, then AEDGW_* variables; validated by one
 * schema. Every problem is reported at once as "path: message" in a single AEDGW_ERR_CONFIG.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: unknown = {}): Readonly<Config> {
  const problems: string[] = []
  let tree = readYaml(DEFAULT_FILE, problems)
  if (env.AEDGW_CONFIG) tree = merge(tree, readYaml(resolve(env.AEDGW_CONFIG), problems))
  tree = merge(tree, envOverrides(env, problems))
  tree = merge(tree, overrides)
  const parsed = configSchema.safeParse(tree)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.') || '(root)'
      const keys = 'keys' in issue && Array.isArray(issue.keys) ? `: ${issue.keys.join(', ')}` : ''
      problems.push(`${path}: ${issue.message}${keys}`)
    }
  }
  if (problems.length > 0)
    throw new AedgwError('AEDGW_ERR_CONFIG', `invalid configuration:\n  ${problems.join('\n  ')}`)
  return deepFreeze(parsed.data as Config)
}
