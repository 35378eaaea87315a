/**
 * The reference auth server as a plain `node:http` server.
 *
 * Why node:http and no framework: there are a handful of endpoints, and what matters here is exact
 * control of body limits (stop reading at 64 KiB), cookie attributes, CORS and the JSON error
 * bodies — things a framework hides behind defaults we would have to audit and override anyway.
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { normalizeOrigin, type ServerConfig } from './config.js';
import { ensureDemoAccounts, ensureDemoOrgs } from './demo.js';
import { DEMO_OIDC_PAGE, type DemoOidc } from './demo-oidc.js';
import { ClientGoneError, HttpError, sendEmpty, sendError, sendJson } from './http.js';
import { ensureDataDir, loadOrCreateKeys, type KeyRing } from './keys.js';
import { argon2Hasher, makeDummyHash, type PasswordHasher } from './passwords.js';
import { addressGroup, clientAddressResolver, loginThrottle } from './rate-limit.js';
import { loadOrCreateSecret, type ServerSecret } from './secret.js';
import { mailerFromConfig } from './mail/index.js';
import type { MailMessage, Mailer } from './mail/types.js';
import { accountRoutes } from './routes/account.js';
import { authRoutes, type AuthContext, type Handler, type HttpMethod, type Logger, type MailQueue, type RouteTable } from './routes/auth.js';
import { orgRoutes } from './routes/orgs.js';
import { compileRoutes } from './router.js';
import { HTML_CSP, htmlCsp, serveStatic } from './static.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';

export type { Logger } from './routes/auth.js';

export interface AppDeps {
  /** Clock in milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  /** Password hasher (default argon2id). */
  readonly hasher?: PasswordHasher;
  /**
   * Store (default: openStore(config) — PostgreSQL when config.databaseUrl is set, else SQLite at
   * config.dbPath — closed by close()). An injected store is not closed.
   */
  readonly store?: Store;
  readonly logger?: Logger;
  /** Mailer (default: SMTP when config.smtpUrl, else the outbox in demo mode, else none). */
  readonly mailer?: Mailer;
  /**
   * Demo mode: the OpenID provider started next to the server (server/demo-oidc.ts), null until it
   * is up or when there is none. Read on every request: the provider starts after the server.
   */
  readonly demoOidc?: () => DemoOidc | null;
}

export interface App {
  readonly server: http.Server;
  readonly config: ServerConfig;
  readonly store: Store;
  readonly keys: KeyRing;
  /** Listen (default: config.port / config.host); resolves the base URL, e.g. http://127.0.0.1:8787 */
  listen(port?: number, host?: string): Promise<string>;
  /** Stop listening, drop open connections, close the store if the app opened it. */
  close(): Promise<void>;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(`warning: ${m}`),
  error: (m, err) => console.error(`error: ${m}`, err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : ''),
};

const PRUNE_INTERVAL_MS = 10 * 60 * 1000;
const MAIL_DRAIN_MS = 5000;
const OUTBOX_LIMIT = 50;

/**
 * Background mail: the HTTP answer of forgot endpoints neither waits for SMTP (its timing would
 * tell which accounts exist) nor changes when sending fails. Failures are logged with a label and
 * the error's code and message only — never the message body, which holds reset tokens.
 */
function mailQueue(mailer: Mailer, logger: Logger): MailQueue {
  const pending = new Set<Promise<void>>();
  return {
    send(message: MailMessage, label: string) {
      const p: Promise<void> = mailer
        .send(message)
        .catch((err: unknown) => {
          const e = err as { code?: unknown; message?: unknown };
          const summary = `${typeof e.code === 'string' ? `${e.code}: ` : ''}${typeof e.message === 'string' ? e.message.slice(0, 300) : 'unknown error'}`;
          logger.error(`sending the ${label} mail failed (${summary})`);
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

export const DEV_OUTBOX_PATH = '/api/dev/outbox';
/** GET (demo mode, local requests): where the demo's OIDC page finds its provider and demo user. */
export const DEV_OIDC_PATH = '/api/dev/oidc';
/** The local-only development routes. */
const DEV_PATHS: readonly string[] = [DEV_OUTBOX_PATH, DEV_OIDC_PATH];

/** Host header values that name this machine whatever DNS says (any port): no rebinding through them. */
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;

/** A socket address on the loopback interface: 127.0.0.0/8 (also IPv4-mapped) or ::1. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (net.isIPv4(v4)) return v4.startsWith('127.');
  return net.isIPv6(address) && /^[0:]*:0*1$/.test(address); // ::1 in any spelling
}

/**
 * Whether the development outbox may answer this request: the TCP peer is loopback, the client
 * address the server settled on (`clientAddress`, which believes a trusted proxy's
 * X-Forwarded-For) is loopback too — so a remote client behind a local reverse proxy does not
 * count — and the Host header is a loopback name (a page on evil.example whose DNS points at
 * 127.0.0.1 sends Host evil.example: DNS rebinding gets nothing).
 */
export function isLocalDevRequest(req: IncomingMessage, clientAddress: string): boolean {
  const host = req.headers.host;
  const clientIsLoopback = isLoopbackAddress(clientAddress) || clientAddress === addressGroup('::1');
  return isLoopbackAddress(req.socket.remoteAddress) && clientIsLoopback && host !== undefined && LOOPBACK_HOST.test(host);
}

/** GET /api/dev/outbox (demo mode only, local requests only): the latest 50 messages, newest first. */
function devOutbox(store: Store): Handler {
  return async (_req, res) => {
    const messages = await store.listOutbox(OUTBOX_LIMIT);
    sendJson(res, 200, {
      messages: messages.map((m) => ({ id: m.id, to: m.to, subject: m.subject, text: m.text, html: m.html, created_at: m.createdAt })),
    });
  };
}
/**
 * GET /api/dev/oidc (demo mode only, local requests only): the demo provider's issuer and client id
 * for /oidc.html, and its demo user as the console prints it. 404 when no provider runs.
 */
function devOidc(demoOidc: () => DemoOidc | null): Handler {
  return async (_req, res) => {
    const oidc = demoOidc();
    if (oidc === null) throw new HttpError(404, 'not_found', 'No OpenID provider runs with this demo.');
    sendJson(res, 200, { issuer: oidc.issuer, clientId: oidc.clientId, username: oidc.username, password: oidc.password });
  };
}

/**
 * The Content-Security-Policy of a demo page: /oidc.html may also reach the demo's OpenID provider
 * (discovery, token and UserInfo requests; its silent re-authorization iframe) and be framed by its own
 * origin (it is its own callback page, also inside that iframe). Every other page: HTML_CSP.
 */
function demoPageCsp(demoOidc: () => DemoOidc | null): (rawPath: string) => string {
  return (rawPath) => {
    const oidc = rawPath === DEMO_OIDC_PAGE ? demoOidc() : null;
    return oidc === null ? HTML_CSP : htmlCsp({ providerOrigins: [new URL(oidc.issuer).origin], framedBySelf: true });
  };
}

const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, X-Auth-CSRF, X-Requested-With';
const CORS_EXPOSE_HEADERS = 'Retry-After, WWW-Authenticate';

/** Rate-limit key of an address (moved to rate-limit.ts, next to the trusted-proxy resolution). */
export { addressGroup } from './rate-limit.js';

/** The request target as a URL (for the query string only; routing uses the raw path). */
function parseRequestUrl(rawUrl: string): URL {
  try {
    return new URL(`http://server/${rawUrl.replace(/^\/+/, '')}`);
  } catch {
    throw new HttpError(400, 'invalid_request', 'The request target is not a valid URL path.');
  }
}

export async function createApp(config: ServerConfig, deps: AppDeps = {}): Promise<App> {
  const logger = deps.logger ?? consoleLogger;
  const now = deps.now ?? Date.now;
  ensureDataDir(config.dataDir);
  const keys = await loadOrCreateKeys(config.dataDir, (m) => logger.warn(m));
  const secret = loadOrCreateSecret(config.dataDir, (m) => logger.warn(m));
  const store =
    deps.store ??
    (await openStore(config, { onIdleError: (err) => logger.warn(`database connection: ${err.message}`), warn: (m) => logger.warn(m) }));
  const ownsStore = deps.store === undefined;
  try {
    const hasher = deps.hasher ?? argon2Hasher();
    const dummyHash = await makeDummyHash(hasher);
    if (config.demo) {
      await ensureDemoAccounts(config, store, hasher, now());
      await ensureDemoOrgs(config, store, now());
    }
    const mailer = deps.mailer ?? mailerFromConfig(config, store, now, (m) => logger.warn(m));
    const demoOidc = config.demo ? (deps.demoOidc ?? null) : null;
    return buildApp(config, { store, ownsStore, keys, secret, hasher, dummyHash, now, logger, mailer, demoOidc });
  } catch (err) {
    if (ownsStore) await store.close();
    throw err;
  }
}

function buildApp(
  config: ServerConfig,
  parts: {
    store: Store;
    ownsStore: boolean;
    keys: KeyRing;
    secret: ServerSecret;
    hasher: PasswordHasher;
    dummyHash: string;
    now: () => number;
    logger: Logger;
    mailer: Mailer;
    demoOidc: (() => DemoOidc | null) | null;
  },
): App {
  const { store, keys, logger, now, mailer } = parts;
  const allowedOrigins = new Set(config.corsOrigins.map(normalizeOrigin));
  try {
    allowedOrigins.add(new URL(config.issuer).origin); // the server's own origin
  } catch {
    // an issuer that is not a URL names no origin
  }
  const isAllowedOrigin = (origin: string): boolean => allowedOrigins.has(origin);

  const mail = mailQueue(mailer, logger);
  const ctx: AuthContext = {
    config,
    store,
    keys,
    secret: parts.secret,
    hasher: parts.hasher,
    dummyHash: parts.dummyHash,
    throttle: loginThrottle(store, config.rateLimit, parts.secret),
    logger,
    mail,
    now,
    clientAddress: clientAddressResolver(config.trustProxy),
  };
  const routes: RouteTable = {
    ...authRoutes(ctx),
    ...accountRoutes(ctx),
    ...orgRoutes(ctx),
    // The development outbox exists only in demo mode: elsewhere the path is unknown (404). Even
    // then only for local requests (isLocalDevRequest, checked in handleApi).
    ...(config.demo ? { [DEV_OUTBOX_PATH]: { GET: devOutbox(store) } } : {}),
    ...(parts.demoOidc ? { [DEV_OIDC_PATH]: { GET: devOidc(parts.demoOidc) } } : {}),
  };
  const findRoute = compileRoutes(routes);
  const pageCsp = parts.demoOidc ? demoPageCsp(parts.demoOidc) : undefined;
  const jwksBody = { keys: keys.jwks.keys };

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string, rawPath: string, url: URL): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && isAllowedOrigin(origin);
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
    }
    if (method === 'OPTIONS') {
      if (!allowed) throw new HttpError(403, 'forbidden_origin', 'This origin may not call the API.');
      sendEmpty(res, 204, {
        'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS,
        'Access-Control-Max-Age': '600',
      });
      return;
    }
    const match = findRoute(rawPath);
    // To anyone but a local client the development routes are unknown, whatever the method.
    const hidden = DEV_PATHS.includes(rawPath) && !isLocalDevRequest(req, ctx.clientAddress(req));
    if (match === null || hidden) throw new HttpError(404, 'not_found', 'No such endpoint.');
    const route = match.route;
    const handler = method === 'HEAD' ? undefined : route[method as HttpMethod];
    if (handler === undefined) {
      throw new HttpError(405, 'method_not_allowed', `Use ${Object.keys(route).join(' or ')} for this endpoint.`, {
        headers: { Allow: Object.keys(route).join(', ') },
      });
    }
    // State-changing calls from a browser must come from our origin or the allowlist (CSRF).
    if (method !== 'GET' && origin !== undefined && !allowed) {
      throw new HttpError(403, 'forbidden_origin', 'Requests from this origin are not allowed.');
    }
    await handler(req, res, url, match.params);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    try {
      if (!rawPath.startsWith('/')) throw new HttpError(400, 'invalid_request', 'The request target must be a path.');
      const url = parseRequestUrl(rawUrl);
      if (rawPath.startsWith('/api/')) {
        await handleApi(req, res, method, rawPath, url);
        return;
      }
      const readOnly = method === 'GET' || method === 'HEAD';
      if (rawPath === '/.well-known/jwks.json' || rawPath === '/healthz') {
        if (!readOnly) throw new HttpError(405, 'method_not_allowed', 'Use GET for this resource.', { headers: { Allow: 'GET, HEAD' } });
        if (rawPath === '/healthz') sendJson(res, 200, { ok: true }, { 'Cache-Control': 'no-store' });
        // Public keys: readable from any origin, never with credentials.
        else sendJson(res, 200, jwksBody, { 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' });
        return;
      }
      if (!readOnly) throw new HttpError(405, 'method_not_allowed', 'Static files are read-only.', { headers: { Allow: 'GET, HEAD' } });
      await serveStatic(req, res, rawPath, config.staticRoots, { sourceMaps: config.demo, ...(pageCsp ? { htmlCsp: pageCsp } : {}) });
    } catch (err) {
      if (err instanceof ClientGoneError || res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        sendError(res, err);
        return;
      }
      logger.error(`unexpected error on ${method} ${rawPath.slice(0, 200)}`, err);
      sendError(res, new HttpError(500, 'server_error', 'The server could not process the request.'));
    }
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;

  const maxWindowMs =
    Math.max(
      config.rateLimit.account.windowSeconds,
      config.rateLimit.address.windowSeconds,
      config.forgotRateLimit.account.windowSeconds,
      config.forgotRateLimit.address.windowSeconds,
      config.registerRateLimit.windowSeconds,
    ) * 1000;
  const pruneTimer = setInterval(() => {
    store.prune(now(), maxWindowMs).catch((err: unknown) => logger.error('pruning the store failed', err));
  }, PRUNE_INTERVAL_MS);
  pruneTimer.unref();

  let closing: Promise<void> | null = null;
  return {
    server,
    config,
    store,
    keys,
    listen(port = config.port, host = config.host) {
      return new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve(`http://${h}:${addr.port}`);
        });
      });
    },
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        // Let mails already accepted go out (bounded), then release the transport.
        await Promise.race([mail.idle(), new Promise((resolve) => setTimeout(resolve, MAIL_DRAIN_MS).unref())]);
        await mailer.close?.().catch(() => undefined);
        if (parts.ownsStore) await store.close();
      })();
      return closing;
    },
  };
}
