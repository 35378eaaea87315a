/**
 * Server configuration: one plain object. `configFromEnv` maps environment variables onto it
 * (main.ts); tests build it with `makeConfig` and overrides.
 */
import path from 'node:path';

/** How failures for one key (an account or a client address) turn into 429s. */
export interface RateLimitPolicy {
  /** Failures allowed inside the window before attempts are blocked. */
  readonly maxFailures: number;
  /** Counters expire this long after their first failure (seconds). */
  readonly windowSeconds: number;
  /** Block after the `maxFailures`-th failure (seconds); doubles with every further failure. */
  readonly baseDelaySeconds: number;
  /** Upper bound of the block (seconds). */
  readonly maxDelaySeconds: number;
}

export interface StaticRoot {
  /** URL prefix, starting and ending with `/` (e.g. `/dist/`, `/`). */
  readonly urlPrefix: string;
  /** Absolute directory served under the prefix. */
  readonly dir: string;
}

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Directory for the database and the signing keys (created with mode 0700). */
  readonly dataDir: string;
  /** SQLite database file. */
  readonly dbPath: string;
  /** `iss` of the access tokens, compared exactly (no trailing-slash or case folding). */
  readonly issuer: string;
  /** `aud` of the access tokens. */
  readonly audience: string;
  /** Demo mode: creates the demo accounts. Never on unless asked for. */
  readonly demo: boolean;
  /** Origins allowed credentialed CORS and allowed as `Origin` of state-changing requests. */
  readonly corsOrigins: readonly string[];
  /**
   * true (default): refresh cookie `__Host-ae_refresh` with `Secure`.
   * false: `ae_refresh` without `Secure` — only for plain-http development on a host other than
   * localhost (browsers accept `Secure` cookies from http://localhost already).
   */
  readonly cookieSecure: boolean;
  /** Access token lifetime (seconds). */
  readonly accessTtl: number;
  /** A refresh token expires when unused for this long (seconds). */
  readonly refreshIdleTtl: number;
  /** A session (refresh-token family) ends this long after login, whatever happens (seconds). */
  readonly refreshAbsoluteTtl: number;
  readonly staticRoots: readonly StaticRoot[];
  readonly rateLimit: {
    /** Per account (normalized username, known or not). */
    readonly account: RateLimitPolicy;
    /** Per client address (socket address; proxies are not trusted). */
    readonly address: RateLimitPolicy;
  };
  /** Largest request body accepted (bytes). */
  readonly bodyLimit: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const REFRESH_COOKIE_SECURE = '__Host-ae_refresh';
export const REFRESH_COOKIE_INSECURE = 'ae_refresh';

export function refreshCookieName(config: Pick<ServerConfig, 'cookieSecure'>): string {
  return config.cookieSecure ? REFRESH_COOKIE_SECURE : REFRESH_COOKIE_INSECURE;
}

export const DEFAULT_RATE_LIMIT = {
  account: { maxFailures: 5, windowSeconds: 15 * 60, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 },
  address: { maxFailures: 50, windowSeconds: 15 * 60, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 },
} as const satisfies ServerConfig['rateLimit'];

export type ConfigOverrides = Partial<ServerConfig> & { readonly repoRoot?: string };

/** The default origins a server on `port` is reached at. */
export function defaultOrigins(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/** A complete config from defaults plus overrides (tests and embedders use this directly). */
export function makeConfig(overrides: ConfigOverrides = {}): ServerConfig {
  const { repoRoot: root, ...rest } = overrides;
  const repoRoot = root ?? process.cwd();
  const port = rest.port ?? 8787;
  const dataDir = path.resolve(rest.dataDir ?? path.join(repoRoot, '.data'));
  const config: ServerConfig = {
    port,
    host: '127.0.0.1',
    issuer: `http://localhost:${port}`,
    audience: 'auth-elements',
    demo: false,
    corsOrigins: defaultOrigins(port),
    cookieSecure: true,
    accessTtl: 300,
    refreshIdleTtl: 7 * 24 * 3600,
    refreshAbsoluteTtl: 30 * 24 * 3600,
    staticRoots: [
      { urlPrefix: '/dist/', dir: path.join(repoRoot, 'dist') },
      { urlPrefix: '/', dir: path.join(repoRoot, 'demo') },
    ],
    rateLimit: DEFAULT_RATE_LIMIT,
    bodyLimit: 64 * 1024,
    ...rest,
    dataDir,
    dbPath: path.resolve(rest.dbPath ?? path.join(dataDir, 'auth.db')),
  };
  validateConfig(config);
  return config;
}

function validateConfig(c: ServerConfig): void {
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) throw new ConfigError(`port must be 0-65535, got ${c.port}`);
  for (const [name, v] of [['accessTtl', c.accessTtl], ['refreshIdleTtl', c.refreshIdleTtl], ['refreshAbsoluteTtl', c.refreshAbsoluteTtl], ['bodyLimit', c.bodyLimit]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`${name} must be a positive integer, got ${v}`);
  }
  if (c.corsOrigins.includes('*')) throw new ConfigError('corsOrigins must list origins; "*" is refused because CORS here is credentialed');
  for (const o of c.corsOrigins) normalizeOrigin(o);
  for (const r of c.staticRoots) {
    if (!r.urlPrefix.startsWith('/') || !r.urlPrefix.endsWith('/')) throw new ConfigError(`static urlPrefix must start and end with "/": ${r.urlPrefix}`);
  }
  for (const p of [c.rateLimit.account, c.rateLimit.address]) {
    if (!(p.maxFailures >= 1 && p.windowSeconds > 0 && p.baseDelaySeconds > 0 && p.maxDelaySeconds >= p.baseDelaySeconds)) {
      throw new ConfigError('rate-limit policy numbers must be positive (maxDelaySeconds >= baseDelaySeconds)');
    }
  }
}

/** `scheme://host[:port]` exactly, or a ConfigError. */
export function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ConfigError(`not an origin: ${JSON.stringify(origin)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) {
    throw new ConfigError(`not an origin (scheme://host[:port], no path): ${JSON.stringify(origin)}`);
  }
  return url.origin;
}

type Env = Readonly<Record<string, string | undefined>>;

function intEnv(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolEnv(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got ${JSON.stringify(raw)}`);
}

/** Map environment variables (see server/README.md) onto a config. */
export function configFromEnv(env: Env, repoRoot: string): ServerConfig {
  const port = intEnv(env, 'PORT', 0, 65535) ?? 8787;
  const dataDir = path.resolve(repoRoot, env['AUTH_DATA_DIR'] || '.data');
  const overrides: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = { repoRoot, port, dataDir };
  if (env['HOST']) overrides.host = env['HOST'];
  if (env['AUTH_DB']) overrides.dbPath = path.resolve(repoRoot, env['AUTH_DB']);
  if (env['AUTH_ISSUER']) overrides.issuer = env['AUTH_ISSUER'];
  if (env['AUTH_AUDIENCE']) overrides.audience = env['AUTH_AUDIENCE'];
  overrides.demo = boolEnv(env, 'AUTH_DEMO') ?? false;
  const origins = env['AUTH_CORS_ORIGINS'];
  if (origins !== undefined && origins.trim() !== '') {
    // Added to the server's own origins, which stay allowed (same-origin POSTs carry Origin too).
    const extra = origins.split(',').map((o) => o.trim()).filter((o) => o !== '').map(normalizeOrigin);
    overrides.corsOrigins = [...new Set([...defaultOrigins(port), ...extra])];
  }
  const secure = boolEnv(env, 'AUTH_COOKIE_SECURE');
  if (secure !== undefined) overrides.cookieSecure = secure;
  const year = 366 * 24 * 3600;
  const accessTtl = intEnv(env, 'ACCESS_TTL', 1, 24 * 3600);
  if (accessTtl !== undefined) overrides.accessTtl = accessTtl;
  const idle = intEnv(env, 'REFRESH_IDLE_TTL', 1, year);
  if (idle !== undefined) overrides.refreshIdleTtl = idle;
  const absolute = intEnv(env, 'REFRESH_ABSOLUTE_TTL', 1, year);
  if (absolute !== undefined) overrides.refreshAbsoluteTtl = absolute;
  return makeConfig(overrides);
}
