/**
 * Server configuration: one plain object. `configFromEnv` maps environment variables onto it
 * (main.ts); tests build it with `makeConfig` and overrides.
 */
import net from 'node:net';
import path from 'node:path';
import { DEFAULT_ORG_ROLES, defaultOrgPermissions, orgPermissionsProblem, orgRolesProblem } from './orgs.js';

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
  /**
   * PostgreSQL connection URL (`postgres://user@host:port/db`, env AUTH_DATABASE_URL). When set, the
   * server keeps everything in PostgreSQL instead of the SQLite file, so several server processes
   * can share one database (server/store/open.ts).
   */
  readonly databaseUrl?: string;
  /** `iss` of the access tokens, compared exactly (no trailing-slash or case folding). */
  readonly issuer: string;
  /** `aud` of the access tokens. */
  readonly audience: string;
  /** Demo mode: creates the demo accounts. Never on unless asked for. */
  readonly demo: boolean;
  /** Origins allowed credentialed CORS and allowed as `Origin` of state-changing requests. */
  readonly corsOrigins: readonly string[];
  /**
   * true (default): refresh cookie `__Host-ae_refresh` (and device cookie `__Host-ae_device`) with `Secure`.
   * false: `ae_refresh` (`ae_device`) without `Secure` — only for plain-http development on a host other than
   * localhost (browsers accept `Secure` cookies from http://localhost already).
   */
  readonly cookieSecure: boolean;
  /** Access token lifetime (seconds). */
  readonly accessTtl: number;
  /** A refresh token expires when unused for this long (seconds). */
  readonly refreshIdleTtl: number;
  /** A session (refresh-token family) ends this long after login, whatever happens (seconds). */
  readonly refreshAbsoluteTtl: number;
  /**
   * Seconds after its rotation during which a refresh token presented again gets the SAME successor
   * (a retried or duplicated request does not end the session); later, its reuse revokes the
   * family. 0 turns the grace off. Default 10; at most 60.
   */
  readonly refreshReuseGrace: number;
  readonly staticRoots: readonly StaticRoot[];
  readonly rateLimit: {
    /**
     * Per account (normalized username, known or not) for clients without a device cookie of the
     * account; per device cookie (`device:<nonce>`) for those with one.
     */
    readonly account: RateLimitPolicy;
    /** Per client address (see `trustProxy`; IPv6 grouped by /64). */
    readonly address: RateLimitPolicy;
  };
  /**
   * Reverse proxies whose X-Forwarded-For is believed (env AUTH_TRUST_PROXY): IPv4/IPv6 addresses
   * and CIDRs. Empty (default): the client address is the socket's, X-Forwarded-For is ignored.
   * When the socket peer is in the list, the client address is the right-most X-Forwarded-For
   * entry that is not itself in the list.
   */
  readonly trustProxy: readonly string[];
  /** Largest request body accepted (bytes). */
  readonly bodyLimit: number;

  // ---- accounts (register, reset, mail) ----
  /** Shortest password accepted (code points after NFC). Default 15; never below 8. */
  readonly passwordMinLength: number;
  /**
   * Who may register: `open` (anyone), `preauthorized` (default: only emails on the pre-authorized
   * list, each removed once it registers), `closed` (nobody; accounts come from the admin CLI).
   * Demo mode defaults to `open` so a visitor can try the register flow.
   */
  readonly registration: RegistrationMode;
  /** When non-empty, registration (and email changes) need an email in one of these domains (lower case, exact). */
  readonly allowedEmailDomains: readonly string[];
  /**
   * Registration attempts per client address (env AUTH_RATE_REGISTER_MAX, per hour): every
   * request that passes the input checks counts, accepted or refused, and is counted in the store
   * before any password is hashed; over `max` within `windowSeconds` -> 429 with Retry-After.
   */
  readonly registerRateLimit: RegisterRateLimit;
  /** Lifetime of a registration link (seconds, env AUTH_REGISTER_TTL). Default 1800 (30 minutes). */
  readonly registerTokenTtl: number;
  /**
   * The page of the application that handles `?reset_token=`; reset mails link to
   * `<appUrl>?reset_token=<token>`. Default: the issuer's origin + `/`. Never taken from the Host header.
   */
  readonly appUrl: string;
  /** Lifetime of a password reset token (seconds). Default 1800 (30 minutes). */
  readonly resetTokenTtl: number;
  /** `smtp://user:pass@host:587` or `smtps://...`; null: demo mode uses the outbox, otherwise no mail is sent. */
  readonly smtpUrl: string | null;
  /** From header of the mails. */
  readonly mailFrom: string;
  /**
   * Throttling of forgot-password / forgot-username requests: every request counts (not only
   * failures). Per address -> 429; per account (login or email asked about) -> silently no mail.
   */
  readonly forgotRateLimit: {
    readonly account: RateLimitPolicy;
    readonly address: RateLimitPolicy;
  };

  // ---- organizations ----
  /**
   * Organization roles, highest first (env AUTH_ORG_ROLES, comma list; default owner,admin,member).
   * A higher role includes the lower ones; the highest is the one an organization must keep;
   * managing members needs `admin` or higher (the highest role when there is no `admin`).
   */
  readonly orgRoles: readonly string[];
  /**
   * Each role's own permission strings (env AUTH_ORG_PERMISSIONS, a JSON object role -> array);
   * a member's effective permissions add every lower role's. Default: member reports:read; admin
   * members:write, reports:write; owner billing:write (only the default roles present in orgRoles).
   */
  readonly orgPermissions: Readonly<Record<string, readonly string[]>>;
}

export type RegistrationMode = 'open' | 'preauthorized' | 'closed';

/** At most `max` registration attempts per client address in a window of `windowSeconds`. */
export interface RegisterRateLimit {
  readonly max: number;
  readonly windowSeconds: number;
}
export const DEFAULT_REGISTER_RATE_LIMIT: RegisterRateLimit = { max: 10, windowSeconds: 3600 };
export const REGISTRATION_MODES: readonly RegistrationMode[] = ['open', 'preauthorized', 'closed'];
export const DEFAULT_PASSWORD_MIN = 15;
/** AUTH_PASSWORD_MIN may not go below this (NIST SP 800-63-4). */
export const LOWEST_PASSWORD_MIN = 8;

export const DEFAULT_FORGOT_RATE_LIMIT = {
  account: { maxFailures: 5, windowSeconds: 60 * 60, baseDelaySeconds: 60, maxDelaySeconds: 60 * 60 },
  address: { maxFailures: 30, windowSeconds: 15 * 60, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 },
} as const satisfies ServerConfig['forgotRateLimit'];

/** The issuer's origin + `/`, the default application URL of reset links. */
export function defaultAppUrl(issuer: string, port: number): string {
  try {
    return `${new URL(issuer).origin}/`;
  } catch {
    return `http://localhost:${port}/`;
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const REFRESH_COOKIE_SECURE = '__Host-ae_refresh';
export const REFRESH_COOKIE_INSECURE = 'ae_refresh';

export function refreshCookieName(config: Pick<ServerConfig, 'cookieSecure'>): string {
  return config.cookieSecure ? REFRESH_COOKIE_SECURE : REFRESH_COOKIE_INSECURE;
}

/** The device cookie (set at every successful login; exempts that browser from the account lockout). */
export const DEVICE_COOKIE_SECURE = '__Host-ae_device';
export const DEVICE_COOKIE_INSECURE = 'ae_device';
/** Its Max-Age: one year. */
export const DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600;

export function deviceCookieName(config: Pick<ServerConfig, 'cookieSecure'>): string {
  return config.cookieSecure ? DEVICE_COOKIE_SECURE : DEVICE_COOKIE_INSECURE;
}

/** One AUTH_TRUST_PROXY entry (`10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`) as a subnet, or a ConfigError. */
export function parseTrustedProxy(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const what = `trusted proxy (AUTH_TRUST_PROXY) ${JSON.stringify(entry)}`;
  if (entry === '*') {
    throw new ConfigError(`${what} is refused: list the proxies (addresses or CIDRs); trusting every peer would let any client choose the address it is limited by`);
  }
  const m = /^([0-9A-Fa-f:.]+)(?:\/(\d{1,3}))?$/.exec(entry);
  const version = m === null ? 0 : net.isIP(m[1]!);
  if (m === null || version === 0) {
    throw new ConfigError(`${what} is not an IP address or CIDR (examples: 127.0.0.1, 10.0.0.0/8, ::1, fd00::/8)`);
  }
  const bits = version === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix === 0) {
    throw new ConfigError(`${what} would trust every address, so any client could choose the address it is limited by; list the proxies`);
  }
  if (prefix > bits) throw new ConfigError(`${what} has a prefix length outside 1-${bits}`);
  return { address: m[1]!, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export const DEFAULT_RATE_LIMIT = {
  account: { maxFailures: 5, windowSeconds: 15 * 60, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 },
  address: { maxFailures: 50, windowSeconds: 15 * 60, baseDelaySeconds: 1, maxDelaySeconds: 15 * 60 },
} as const satisfies ServerConfig['rateLimit'];

export const DEFAULT_REFRESH_REUSE_GRACE = 10;
export const MAX_REFRESH_REUSE_GRACE = 60;

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
    refreshReuseGrace: DEFAULT_REFRESH_REUSE_GRACE,
    staticRoots: [
      { urlPrefix: '/dist/', dir: path.join(repoRoot, 'dist') },
      { urlPrefix: '/', dir: path.join(repoRoot, 'demo') },
    ],
    rateLimit: DEFAULT_RATE_LIMIT,
    trustProxy: [],
    bodyLimit: 64 * 1024,
    passwordMinLength: DEFAULT_PASSWORD_MIN,
    allowedEmailDomains: [],
    registerRateLimit: DEFAULT_REGISTER_RATE_LIMIT,
    registerTokenTtl: 30 * 60,
    resetTokenTtl: 30 * 60,
    smtpUrl: null,
    mailFrom: 'auth-elements <no-reply@localhost>',
    forgotRateLimit: DEFAULT_FORGOT_RATE_LIMIT,
    orgRoles: DEFAULT_ORG_ROLES,
    ...rest,
    orgPermissions: rest.orgPermissions ?? defaultOrgPermissions(rest.orgRoles ?? DEFAULT_ORG_ROLES),
    // Demo mode lets a visitor try registration; everywhere else only pre-authorized emails may.
    registration: rest.registration ?? (rest.demo === true ? 'open' : 'preauthorized'),
    // The demo's reset form lives on its account page.
    appUrl: rest.appUrl ?? defaultAppUrl(rest.issuer ?? `http://localhost:${port}`, port) + (rest.demo === true ? 'account.html' : ''),
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
  if (!Number.isInteger(c.refreshReuseGrace) || c.refreshReuseGrace < 0 || c.refreshReuseGrace > MAX_REFRESH_REUSE_GRACE) {
    throw new ConfigError(`refreshReuseGrace (REFRESH_REUSE_GRACE) must be 0-${MAX_REFRESH_REUSE_GRACE} seconds, got ${c.refreshReuseGrace}`);
  }
  if (c.corsOrigins.includes('*')) throw new ConfigError('corsOrigins must list origins; "*" is refused because CORS here is credentialed');
  for (const o of c.corsOrigins) normalizeOrigin(o);
  for (const r of c.staticRoots) {
    if (!r.urlPrefix.startsWith('/') || !r.urlPrefix.endsWith('/')) throw new ConfigError(`static urlPrefix must start and end with "/": ${r.urlPrefix}`);
  }
  if (c.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(c.databaseUrl)) {
    throw new ConfigError('databaseUrl must be a postgres:// or postgresql:// URL');
  }
  if (!Number.isInteger(c.passwordMinLength) || c.passwordMinLength < LOWEST_PASSWORD_MIN || c.passwordMinLength > 256) {
    throw new ConfigError(`the minimum password length (AUTH_PASSWORD_MIN) must be an integer from ${LOWEST_PASSWORD_MIN} to 256, got ${c.passwordMinLength}`);
  }
  if (!REGISTRATION_MODES.includes(c.registration)) {
    throw new ConfigError(`registration (AUTH_REGISTRATION) must be one of ${REGISTRATION_MODES.join(', ')}, got ${JSON.stringify(c.registration)}`);
  }
  for (const d of c.allowedEmailDomains) {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(d)) {
      throw new ConfigError(`allowed email domains (AUTH_ALLOWED_DOMAINS) must be lower-case domain names like example.com, got ${JSON.stringify(d)}`);
    }
  }
  let appUrl: URL | null = null;
  try {
    appUrl = new URL(c.appUrl);
  } catch {
    // handled below
  }
  if (appUrl === null || (appUrl.protocol !== 'http:' && appUrl.protocol !== 'https:') || appUrl.hash !== '') {
    throw new ConfigError(`the application URL (AUTH_APP_URL) must be an http(s) URL without #fragment, got ${JSON.stringify(c.appUrl)}`);
  }
  if (!Number.isInteger(c.resetTokenTtl) || c.resetTokenTtl < 60 || c.resetTokenTtl > 24 * 3600) {
    throw new ConfigError(`resetTokenTtl (AUTH_RESET_TTL) must be 60-86400 seconds, got ${c.resetTokenTtl}`);
  }
  const reg = c.registerRateLimit;
  if (!Number.isInteger(reg.max) || reg.max < 1 || !Number.isInteger(reg.windowSeconds) || reg.windowSeconds < 1) {
    throw new ConfigError(`registerRateLimit (AUTH_RATE_REGISTER_MAX) needs a positive integer max and windowSeconds, got ${JSON.stringify(reg)}`);
  }
  if (!Number.isInteger(c.registerTokenTtl) || c.registerTokenTtl < 60 || c.registerTokenTtl > 24 * 3600) {
    throw new ConfigError(`registerTokenTtl (AUTH_REGISTER_TTL) must be 60-86400 seconds, got ${c.registerTokenTtl}`);
  }
  if (c.smtpUrl !== null && !/^smtps?:\/\/[^/]/.test(c.smtpUrl)) {
    throw new ConfigError('the SMTP URL (AUTH_SMTP_URL) must look like smtp://user:pass@host:587 or smtps://user:pass@host:465');
  }
  for (const entry of c.trustProxy) parseTrustedProxy(entry);
  const orgProblem = orgRolesProblem(c.orgRoles) ?? orgPermissionsProblem(c.orgRoles, c.orgPermissions);
  if (orgProblem !== null) throw new ConfigError(orgProblem);
  for (const p of [c.rateLimit.account, c.rateLimit.address, c.forgotRateLimit.account, c.forgotRateLimit.address]) {
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

/** AUTH_ORG_PERMISSIONS: a JSON object (checked further by validateConfig), or a ConfigError. */
function parsePermissionsEnv(raw: string): Record<string, readonly string[]> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('AUTH_ORG_PERMISSIONS must be a JSON object: role -> array of permission strings, e.g. {"admin":["members:write"]}');
  }
  return value as Record<string, readonly string[]>;
}

/** Map environment variables (see server/README.md) onto a config. */
export function configFromEnv(env: Env, repoRoot: string): ServerConfig {
  const port = intEnv(env, 'PORT', 0, 65535) ?? 8787;
  const dataDir = path.resolve(repoRoot, env['AUTH_DATA_DIR'] || '.data');
  const overrides: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = { repoRoot, port, dataDir };
  if (env['HOST']) overrides.host = env['HOST'];
  if (env['AUTH_DB']) overrides.dbPath = path.resolve(repoRoot, env['AUTH_DB']);
  if (env['AUTH_DATABASE_URL']) overrides.databaseUrl = env['AUTH_DATABASE_URL'];
  const accountMax = intEnv(env, 'AUTH_RATE_ACCOUNT_MAX', 1, 1_000_000);
  if (accountMax !== undefined) {
    overrides.rateLimit = { ...DEFAULT_RATE_LIMIT, account: { ...DEFAULT_RATE_LIMIT.account, maxFailures: accountMax } };
  }
  const trustProxy = env['AUTH_TRUST_PROXY'];
  if (trustProxy !== undefined && trustProxy.trim() !== '') {
    overrides.trustProxy = trustProxy.split(',').map((p) => p.trim()).filter((p) => p !== '');
  }
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
  const grace = intEnv(env, 'REFRESH_REUSE_GRACE', 0, MAX_REFRESH_REUSE_GRACE);
  if (grace !== undefined) overrides.refreshReuseGrace = grace;
  const passwordMin = env['AUTH_PASSWORD_MIN'];
  if (passwordMin !== undefined && passwordMin !== '') {
    if (!/^\d+$/.test(passwordMin)) throw new ConfigError(`AUTH_PASSWORD_MIN must be an integer, got ${JSON.stringify(passwordMin)}`);
    const n = Number(passwordMin);
    if (n < LOWEST_PASSWORD_MIN) {
      throw new ConfigError(`AUTH_PASSWORD_MIN=${n} is refused: passwords shorter than ${LOWEST_PASSWORD_MIN} characters are never allowed (default ${DEFAULT_PASSWORD_MIN})`);
    }
    overrides.passwordMinLength = n;
  }
  const registration = env['AUTH_REGISTRATION'];
  if (registration !== undefined && registration.trim() !== '') {
    const mode = registration.trim().toLowerCase();
    if (!(REGISTRATION_MODES as readonly string[]).includes(mode)) {
      throw new ConfigError(`AUTH_REGISTRATION must be one of ${REGISTRATION_MODES.join(', ')}, got ${JSON.stringify(registration)}`);
    }
    overrides.registration = mode as RegistrationMode;
  }
  const domains = env['AUTH_ALLOWED_DOMAINS'];
  if (domains !== undefined && domains.trim() !== '') {
    overrides.allowedEmailDomains = domains.split(',').map((d) => d.trim().replace(/^@/, '').normalize('NFKC').toLowerCase()).filter((d) => d !== '');
  }
  const registerMax = intEnv(env, 'AUTH_RATE_REGISTER_MAX', 1, 1_000_000);
  if (registerMax !== undefined) overrides.registerRateLimit = { ...DEFAULT_REGISTER_RATE_LIMIT, max: registerMax };
  const registerTtl = intEnv(env, 'AUTH_REGISTER_TTL', 60, 24 * 3600);
  if (registerTtl !== undefined) overrides.registerTokenTtl = registerTtl;
  if (env['AUTH_APP_URL']) overrides.appUrl = env['AUTH_APP_URL'];
  const resetTtl = intEnv(env, 'AUTH_RESET_TTL', 60, 24 * 3600);
  if (resetTtl !== undefined) overrides.resetTokenTtl = resetTtl;
  if (env['AUTH_SMTP_URL']) overrides.smtpUrl = env['AUTH_SMTP_URL'];
  if (env['AUTH_MAIL_FROM']) overrides.mailFrom = env['AUTH_MAIL_FROM'];
  const orgRoles = env['AUTH_ORG_ROLES'];
  if (orgRoles !== undefined && orgRoles !== '') overrides.orgRoles = orgRoles.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const orgPermissions = env['AUTH_ORG_PERMISSIONS'];
  if (orgPermissions !== undefined && orgPermissions.trim() !== '') overrides.orgPermissions = parsePermissionsEnv(orgPermissions);
  return makeConfig(overrides);
}
