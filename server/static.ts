/**
 * Static files (demo pages at `/`, the built kit at `/dist/`). Works on the raw request path, not
 * on a normalized URL, and refuses anything that could leave the root: `..` or `.` segments (also
 * percent-encoded), encoded slashes or backslashes, NUL, empty segments, dotfiles, and symlinks
 * resolving outside the root. Source maps (`*.map`) are served in demo mode only.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StaticRoot } from './config.js';
import { HttpError } from './http.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** What a page may reach beyond its own origin (the demo's OIDC page: its OpenID provider). */
export interface PagePolicy {
  /** Origins the page may fetch from and frame (e.g. `http://localhost:8788`). */
  readonly providerOrigins?: readonly string[];
  /** The page may be framed by its own origin (an OIDC callback page loaded in a hidden iframe). */
  readonly framedBySelf?: boolean;
}

/**
 * Same-origin module scripts, Lit's inline styles (adoptedStyleSheets fallback), nothing else; a
 * page with a policy may also fetch from and frame the origins it names, and be framed by its own.
 */
export function htmlCsp(policy: PagePolicy = {}): string {
  const others = (policy.providerOrigins ?? []).map((origin) => ` ${origin}`).join('');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self'${others}`,
    ...(others === '' ? [] : [`frame-src 'self'${others}`]),
    `frame-ancestors ${policy.framedBySelf === true ? "'self'" : "'none'"}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

export const HTML_CSP = htmlCsp();

const notFound = (): HttpError => new HttpError(404, 'not_found', 'No such resource.');
const badPath = (): HttpError => new HttpError(400, 'invalid_path', 'The request path is not acceptable.');

/** The file a raw request path maps to, or throws 400/404. Exported for tests. */
export function resolveStaticPath(rawPath: string, roots: readonly StaticRoot[]): { file: string; root: StaticRoot } {
  if (!rawPath.startsWith('/') || rawPath.includes('\\') || /%(2f|5c|00)/i.test(rawPath)) throw badPath();
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw badPath();
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw badPath();
  const segments = decoded.split('/').slice(1);
  // Empty segments are allowed only as the last one (a directory URL: `/dist/`).
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] ?? '';
    if (s === '.' || s === '..') throw badPath();
    if (s === '' && i !== segments.length - 1) throw notFound();
    if (s.startsWith('.')) throw notFound();
  }
  const root = [...roots]
    .sort((a, b) => b.urlPrefix.length - a.urlPrefix.length)
    .find((r) => decoded.startsWith(r.urlPrefix) || decoded === r.urlPrefix.slice(0, -1));
  if (root === undefined) throw notFound();
  const base = path.resolve(root.dir);
  // `/dist` (the prefix without its slash) names the root directory itself: redirected later.
  if (!decoded.startsWith(root.urlPrefix)) return { file: base, root };
  let rel = decoded.slice(root.urlPrefix.length);
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  const file = path.resolve(base, rel);
  if (!file.startsWith(base + path.sep)) throw badPath();
  return { file, root };
}

export interface StaticOptions {
  /**
   * Serve `*.map` files (the builds' source maps, which show the original sources). Demo mode
   * only; otherwise a source map is a 404 like a missing file, whatever name or symlink leads to it.
   */
  readonly sourceMaps: boolean;
  /** The Content-Security-Policy of an HTML file, by its request path (default HTML_CSP). */
  readonly htmlCsp?: (rawPath: string) => string;
}

const isSourceMap = (file: string): boolean => path.extname(file).toLowerCase() === '.map';

/** Serve GET/HEAD of a static file; throws HttpError (404/400) when there is none. */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  roots: readonly StaticRoot[],
  options: StaticOptions,
): Promise<void> {
  const { file, root } = resolveStaticPath(rawPath, roots);
  if (!options.sourceMaps && isSourceMap(file)) throw notFound();
  let real: string;
  let realBase: string;
  let stat: fs.Stats;
  try {
    real = await fs.promises.realpath(file);
    realBase = await fs.promises.realpath(root.dir);
    stat = await fs.promises.stat(real);
  } catch {
    throw notFound();
  }
  if (real !== realBase && !real.startsWith(realBase + path.sep)) throw notFound();
  if (stat.isDirectory()) {
    // `/dist` -> `/dist/`; the path was validated above, so the Location stays on this server.
    res.setHeader('Location', `${rawPath}/`);
    res.writeHead(308);
    res.end();
    return;
  }
  if (!stat.isFile() || (!options.sourceMaps && isSourceMap(real))) throw notFound();

  const ext = path.extname(real).toLowerCase();
  const type = CONTENT_TYPES[ext] ?? 'application/octet-stream';
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('ETag', etag);
  if (ext === '.html') res.setHeader('Content-Security-Policy', options.htmlCsp?.(rawPath) ?? HTML_CSP);
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.setHeader('Content-Length', stat.size);
  res.writeHead(200);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(real);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}
