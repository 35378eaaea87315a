import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { Clock } from '../../src/core/clock.js';
import { AuthError } from '../../src/core/errors.js';

/** A clock that only moves when told; timers fire on `advance`. */
export class ManualClock implements Clock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  constructor(start = Date.UTC(2026, 10, 23, 12, 0, 0)) {
    this.#now = start;
  }
  now = () => this.#now;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.#timers.delete(handle as number);
  };
  /** Pending timers, soonest first (for assertions). */
  get pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
      await flush();
    }
    this.#now = target;
    await flush();
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  credentials: RequestCredentials | undefined;
}

type Handler = (call: Call) => Response | Promise<Response>;

/**
 * An injected fetch that answers only the routes it was given and fails the test on anything else.
 * Routes are `METHOD URL` strings.
 */
export function fakeFetch(routes: Record<string, Handler>): typeof fetch & { calls: Call[] } {
  const calls: Call[] = [];
  const impl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    const call: Call = { method, url, headers, body: typeof init.body === 'string' ? init.body : null, credentials: init.credentials };
    calls.push(call);
    init.signal?.throwIfAborted();
    const handler = routes[`${method} ${url}`];
    if (!handler) throw new Error(`unexpected request: ${method} ${url}`);
    const signal = init.signal;
    if (!signal) return handler(call);
    // Like the real fetch: an abort rejects the pending request.
    return Promise.race([
      handler(call),
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason ?? new DOMException('aborted', 'AbortError')), { once: true }),
      ),
    ]);
  };
  return Object.assign(impl as typeof fetch, { calls });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

export interface Issuer {
  jwks: { keys: JWK[] };
  sign(claims: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** An ES256 key pair made with crypto.subtle (through jose) and a signer for test tokens. */
export async function makeIssuer(kid = 'test-key'): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return {
    jwks: { keys: [publicJwk] },
    privateKey,
    publicJwk,
    sign: (claims, header = {}) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header }).sign(privateKey),
  };
}

/** Sign any header (even ones jose refuses to produce, like an unknown `crit`) with an ES256 key. */
export async function signRaw(header: object, payload: object, privateKey: CryptoKey): Promise<string> {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(input));
  return `${input}.${b64u(new Uint8Array(sig))}`;
}

/** Base64url of a string or bytes. */
export function b64u(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** An unsigned token with any header and payload (for negative tests). */
export function rawToken(header: object, payload: object, signature = ''): string {
  return `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}.${signature}`;
}

export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<AuthError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof AuthError)) throw new Error(`expected AuthError ${code}, got ${String(err)}`);
    if (err.code !== code) throw new Error(`expected code ${code}, got ${err.code}: ${err.message}`);
    return err;
  }
  throw new Error(`expected rejection with ${code}, but it resolved`);
}

export const nowSeconds = (clock: Clock) => Math.floor(clock.now() / 1000);
