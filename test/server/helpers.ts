/**
 * Shared helpers for the server tests: a real app on 127.0.0.1:0 with a real SQLite file in a temp
 * directory, an injectable clock, a counting hasher, and raw JWS signing for hostile tokens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { createApp, type App, type AppDeps, type Logger } from '../../server/app.js';
import { makeConfig, type ConfigOverrides, type ServerConfig } from '../../server/config.js';
import { KEY_FILE_NAME, type KeyFile } from '../../server/keys.js';
import { argon2Hasher, type PasswordHasher } from '../../server/passwords.js';
import type { UserRecord } from '../../server/store/types.js';

export const ISSUER = 'http://auth.test';
export const AUDIENCE = 'auth-elements';
export const ALLOWED_ORIGIN = 'https://app.example';
export const COOKIE = '__Host-ae_refresh';

const createdDirs: string[] = [];
process.once('exit', () => {
  for (const dir of createdDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix = 'ae-server-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

export interface Clock {
  ms: number;
  now(): number;
  advance(seconds: number): void;
}

export function makeClock(start = Date.now()): Clock {
  const clock: Clock = {
    ms: start,
    now: () => clock.ms,
    advance: (seconds) => {
      clock.ms += seconds * 1000;
    },
  };
  return clock;
}

export interface CountingHasher extends PasswordHasher {
  verifyCalls: number;
  /** hash() calls (createApp hashes one dummy password at start). */
  hashCalls: number;
}

export function countingHasher(inner: PasswordHasher = argon2Hasher()): CountingHasher {
  const h: CountingHasher = {
    verifyCalls: 0,
    hashCalls: 0,
    hash: (p) => {
      h.hashCalls++;
      return inner.hash(p);
    },
    verify: (encoded, p) => {
      h.verifyCalls++;
      return inner.verify(encoded, p);
    },
  };
  return h;
}

export interface CapturingLogger extends Logger {
  readonly lines: string[];
  readonly errors: string[];
}

export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m, err) => errors.push(`${m} ${err instanceof Error ? err.stack ?? err.message : ''}`),
  };
}

export interface TestServer {
  readonly url: string;
  readonly app: App;
  readonly config: ServerConfig;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly hasher: CountingHasher;
  readonly logger: CapturingLogger;
  close(): Promise<void>;
}

/** Test defaults: fixed issuer, one allowed foreign origin, generous rate limits. */
export function testConfig(dataDir: string, overrides: ConfigOverrides = {}): ServerConfig {
  return makeConfig({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    issuer: ISSUER,
    audience: AUDIENCE,
    corsOrigins: [ALLOWED_ORIGIN],
    staticRoots: [],
    rateLimit: {
      account: { maxFailures: 1000, windowSeconds: 900, baseDelaySeconds: 1, maxDelaySeconds: 900 },
      address: { maxFailures: 1000, windowSeconds: 900, baseDelaySeconds: 1, maxDelaySeconds: 900 },
    },
    registerRateLimit: { max: 1000, windowSeconds: 3600 },
    ...overrides,
  });
}

export async function startServer(
  options: { config?: ConfigOverrides; dataDir?: string; deps?: AppDeps; clock?: Clock } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const config = testConfig(dataDir, options.config);
  const clock = options.clock ?? makeClock();
  const hasher = countingHasher();
  const logger = capturingLogger();
  const app = await createApp(config, { now: clock.now, hasher, logger, ...options.deps });
  const url = await app.listen(0, '127.0.0.1');
  return {
    url,
    app,
    config,
    dataDir,
    clock,
    hasher,
    logger,
    close: () => app.close(),
  };
}

export async function addUser(
  server: TestServer,
  user: { username: string; password: string; name?: string; email?: string; roles?: string[]; disabled?: boolean },
): Promise<UserRecord> {
  const { password, ...rest } = user;
  return server.app.store.createUser({ ...rest, passwordHash: await argon2Hasher().hash(password) }, server.clock.now());
}

export interface JsonResponse {
  readonly res: Response;
  readonly status: number;
  readonly body: any;
}

export async function call(
  server: TestServer,
  method: string,
  urlPath: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = options.body;
  }
  const res = await fetch(server.url + urlPath, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { res, status: res.status, body: parsed };
}

export const post = (server: TestServer, urlPath: string, json?: unknown, headers?: Record<string, string>) =>
  call(server, 'POST', urlPath, { ...(json === undefined ? {} : { json }), ...(headers === undefined ? {} : { headers }) });

export interface LoginResult extends JsonResponse {
  readonly access: string;
  readonly refresh: string;
  readonly setCookie: string | undefined;
}

/** Log in; `refresh` comes from the body (inBody) or the Set-Cookie header. */
export async function login(server: TestServer, username: string, password: string, inBody = false): Promise<LoginResult> {
  const r = await post(server, '/api/auth/login', { username, password, ...(inBody ? { refresh_in_body: true } : {}) });
  // The refresh cookie (__Host-ae_refresh, or ae_refresh when cookieSecure is off), not the device cookie.
  const setCookie = r.res.headers.getSetCookie().find((c) => /^(__Host-)?ae_refresh=/.test(c));
  const refresh = inBody ? (r.body?.refresh ?? '') : (cookieValue(setCookie) ?? '');
  return { ...r, access: r.body?.access ?? '', refresh, setCookie };
}

/** The value of a `name=value; ...` Set-Cookie string. */
export function cookieValue(setCookie: string | undefined): string | null {
  if (setCookie === undefined) return null;
  const first = setCookie.split(';')[0] ?? '';
  const eq = first.indexOf('=');
  return eq === -1 ? null : first.slice(eq + 1);
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Refresh with the cookie (JSON content type as CSRF proof). */
export function refreshWithCookie(server: TestServer, token: string, extraHeaders: Record<string, string> = {}) {
  return call(server, 'POST', '/api/auth/refresh', {
    headers: { cookie: `${COOKIE}=${token}`, 'content-type': 'application/json', ...extraHeaders },
  });
}

export function refreshWithBody(server: TestServer, token: string) {
  return post(server, '/api/auth/refresh', { refresh: token });
}

/** A raw HTTP request (no URL normalization, exact path bytes), for traversal and body tests. */
export function rawRequest(
  server: TestServer,
  options: { method?: string; path: string; headers?: Record<string, string | number>; body?: Buffer | string; chunks?: Buffer[] },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunks !== undefined) {
      for (const c of options.chunks) req.write(c);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

// ---- hostile tokens ----

export function readKeyFile(dataDir: string): KeyFile {
  return JSON.parse(fs.readFileSync(path.join(dataDir, KEY_FILE_NAME), 'utf8')) as KeyFile;
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');
}

/** Sign `header.payload` with ES256 (raw r||s) using a private JWK — whatever the header says. */
export function signEs256(header: Record<string, unknown>, payload: Record<string, unknown>, privateJwk: object): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const key = createPrivateKey({ key: privateJwk as any, format: 'jwk' });
  const sig = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

export function decodeJwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
