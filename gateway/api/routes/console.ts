import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import helmet from '@fastify/helmet'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RULES } from '../../rules/index.ts'
import type { ConsoleConfig } from '../config.ts'
import type { ApiContext } from '../context.ts'

interface Asset {
  type: string
  raw: Buffer
  gzip: Buffer
  br: Buffer
  etag: string
  /** Fingerprinted names never change content: cached for a year. */
  immutable: boolean
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}
/** esbuild's `[name]-[hash]`: eight base32 characters before the extension. */
const FINGERPRINT = /-[A-Z0-9]{8}\.[a-z0-9]+$/

/** The project's root (where package.json is), from gateway/… or dist/gateway/… alike. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

export function consoleDir(config: ConsoleConfig): string {
  return config.dir ?? join(projectRoot(), 'dist', 'console')
}

/** Reads the whole build into memory once, compressed both ways: it is small, and every phone loads it. */
export function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>()
  if (!existsSync(join(dir, 'index.html'))) return out
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const file = join(d, name)
      if (statSync(file).isDirectory()) walk(file)
      else {
        const raw = readFileSync(file)
        const path = relative(dir, file).split(sep).join('/')
        out.set(path, {
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          raw,
          gzip: gzipSync(raw, { level: 9 }),
          br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
          etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
          immutable: FINGERPRINT.test(name),
        })
      }
    }
  }
  walk(dir)
  return out
}

/** The origin a tile template loads from, for the CSP (`{s}` subdomains become a wildcard). */
export function tileOrigin(template: string | null): string | null {
  if (!template) return null
  try {
    const u = new URL(template.replace(/\{s\}/g, 'tilesub').replace(/\{[a-z]+\}/g, '0'))
    return `${u.protocol}//${u.host.replace('tilesub', '*')}`
  } catch {
    return null
  }
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset): FastifyReply {
  reply
    .header('content-type', a.type)
    .header('etag', a.etag)
    .header('vary', 'accept-encoding')
    .header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
  if (req.headers['if-none-match'] === a.etag) return reply.status(304).send()
  const accept = String(req.headers['accept-encoding'] ?? '')
  if (/\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(a.br)
  if (/\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(a.gzip)
  return reply.send(a.raw)
}

/**
 * The maintenance console under /console: the static build (fingerprinted assets cached for a
 * year, index.html revalidated), its runtime settings, and helmet's headers with a strict CSP:
 * scripts and styles only from this origin, no inline code, no framing, API calls only here.
 */
export async function consoleRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const cfg = ctx.config.console
  const dir = consoleDir(cfg)
  const assets = loadAssets(dir)
  if (assets.size === 0) ctx.log.warn({ dir }, 'console not built (npm run build): /console answers 503')
  const tiles = tileOrigin(cfg.tile_url)
  const settings = JSON.stringify({
    tile_url: tiles ? cfg.tile_url : null,
    tile_attribution: cfg.tile_attribution,
    link_ttl_s: cfg.link_ttl_s,
    // conditions that clear by themselves: the console offers no resolve button for them
    self_resolving: RULES.filter((r) => !r.manualResolve).map((r) => r.type),
  })

  await app.register(async (scope) => {
    await scope.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', ...(tiles ? [tiles] : [])],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          manifestSrc: ["'self'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
      // tiles come from another origin without CORP headers
      crossOriginEmbedderPolicy: false,
      // tile servers ask for a referrer (OSM's usage policy); never more than the origin
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    })
    const index = (req: FastifyRequest, reply: FastifyReply) => {
      const a = assets.get('index.html')
      if (!a)
        return reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .send('The console is not built: run `npm run build`.')
      return send(req, reply, a)
    }
    const opts = { schema: { hide: true } }
    scope.get('/console', opts, (_req, reply) => reply.redirect('/console/', 308))
    scope.get('/console/', opts, index)
    scope.get('/console/config.json', opts, (_req, reply) =>
      reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(settings),
    )
    scope.get('/console/*', opts, (req, reply) => {
      const path = (req.params as { '*': string })['*']
      const a = assets.get(path)
      if (!a || path === 'index.html')
        return reply.status(404).send({ error: 'AEDGW_ERR_NOT_FOUND', message: `no console file ${path}` })
      return send(req, reply, a)
    })
  })
}
