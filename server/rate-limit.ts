/**
 * Login throttling (SECURITY 19). Failures are counted in the store (so several server processes
 * share them). Below `maxFailures` nothing happens; from the `maxFailures`-th failure on, the key is
 * blocked for base * 2^(extra failures), capped — then the next attempt is allowed again. Counters
 * expire with their window: no permanent lockout.
 *
 * Every password check (login, and the current-password check of the account routes) first
 * RESERVES its attempt: the store counts it as a failure on every key, atomically, before the
 * password is verified — or refuses (429) when a key is blocked. So a burst of concurrent guesses
 * gets at most `maxFailures` verifications, not one per request. A right password then gives the
 * reservation back (see `LoginThrottle.reserve`).
 *
 * Keys: every attempt counts on its client address (`address:`). It also counts on the account
 * (`account:<normalized username>`) — unless the request carries a valid device cookie for that
 * account: then on that device (`device:<nonce>`) instead, with the same policy (OWASP "Slow Down
 * Online Guessing Attacks with Device Cookies"). A browser that has logged in before thus gets
 * through while strangers keep the account locked, and guesses made with one stolen device cookie
 * lock out only that cookie.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { parseTrustedProxy, type RateLimitPolicy } from './config.js';
import type { ServerSecret } from './secret.js';
import type { AttemptKey, FailureRecord, Store } from './store/types.js';

/** Block length (ms) after the failure that brought the count to `count`, or 0. */
export function blockDurationMs(count: number, policy: RateLimitPolicy): number {
  if (count < policy.maxFailures) return 0;
  const extra = Math.min(count - policy.maxFailures, 40);
  return Math.min(policy.baseDelaySeconds * 2 ** extra, policy.maxDelaySeconds) * 1000;
}

/** The failure counter after one more failure at `now` (pure; stores use it). */
export function nextFailure(prev: FailureRecord | null, key: string, now: number, policy: RateLimitPolicy): FailureRecord {
  const fresh = prev === null || now >= prev.windowStart + policy.windowSeconds * 1000;
  const count = fresh ? 1 : prev.count + 1;
  const windowStart = fresh ? now : prev.windowStart;
  const block = blockDurationMs(count, policy);
  return { key, count, windowStart, blockedUntil: block > 0 ? now + block : null };
}

/** The latest of the blocks still running at `now`, or null (stores use it). */
export function latestBlock(blockedUntil: readonly (number | null)[], now: number): number | null {
  let latest: number | null = null;
  for (const until of blockedUntil) if (until !== null && until > now && (latest === null || until > latest)) latest = until;
  return latest;
}

/** Stores refuse a reservation naming one key twice (it would be counted once). */
export function assertDistinctKeys(keys: readonly AttemptKey[]): void {
  if (new Set(keys.map((k) => k.key)).size !== keys.length) throw new Error('reserveAttempt: a key is named more than once');
}

export const accountKey = (normalizedUsername: string): string => `account:${normalizedUsername}`;
export const addressKey = (address: string): string => `address:${address}`;
export const deviceKey = (nonce: string): string => `device:${nonce}`;

// ---------------------------------------------------------------------------------------------
// Client address

/** Rate-limit key of an address: IPv4 as is, IPv4-mapped IPv6 unwrapped, IPv6 grouped by /64. */
export function addressGroup(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!net.isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const full = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${full.slice(0, 4).map((x) => x.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * `ctx.clientAddress` for a list of trusted proxies (config `trustProxy`, env AUTH_TRUST_PROXY).
 * Empty list: the socket address, X-Forwarded-For ignored. Otherwise, when the socket peer is a
 * trusted proxy, the right-most X-Forwarded-For entry that is not itself a trusted proxy (what
 * the client wrote is further left, and never believed); when every entry is a trusted proxy, the
 * left-most. A missing or malformed header (an entry that is not a bare IP address) counts against
 * the peer. The result is grouped as `addressGroup` does.
 */
export function clientAddressResolver(trustProxy: readonly string[]): (req: IncomingMessage) => string {
  if (trustProxy.length === 0) return (req) => addressGroup(req.socket.remoteAddress);
  const proxies = new net.BlockList();
  for (const entry of trustProxy) {
    const { address, prefix, family } = parseTrustedProxy(entry);
    proxies.addSubnet(address, prefix, family);
  }
  const isProxy = (ip: string): boolean => {
    const plain = ip.split('%')[0]!;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain)?.[1];
    return v4 !== undefined ? proxies.check(v4, 'ipv4') : proxies.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
  return (req) => {
    const peer = req.socket.remoteAddress;
    if (peer === undefined || !isProxy(peer)) return addressGroup(peer);
    const header = req.headers['x-forwarded-for'];
    if (header === undefined) return addressGroup(peer);
    const hops = (Array.isArray(header) ? header.join(',') : header).split(',').map((h) => h.trim());
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (net.isIP(hop) === 0) return addressGroup(peer);
      client = hop;
      if (!isProxy(hop)) break;
    }
    return addressGroup(client);
  };
}

// ---------------------------------------------------------------------------------------------
// Device cookies: `<nonce>.<mac>`, mac = HMAC(server secret, "device", `<user id>.<nonce>`)

const DEVICE_COOKIE_FORMAT = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const DEVICE_MAC_LABEL = 'device';

/** A new device cookie value for `userId`: a fresh random nonce bound to the user by the server's MAC. */
export function newDeviceCookie(secret: ServerSecret, userId: string): string {
  const nonce = randomBytes(16).toString('base64url');
  return `${nonce}.${secret.mac(DEVICE_MAC_LABEL, `${userId}.${nonce}`)}`;
}

/** The nonce of `cookie` when it is a valid device cookie of `userId`; else (absent, malformed, forged, another user's) null. */
export function deviceNonce(secret: ServerSecret, userId: string, cookie: string | undefined): string | null {
  const m = cookie === undefined ? null : DEVICE_COOKIE_FORMAT.exec(cookie);
  if (m === null) return null;
  const [, nonce = '', mac = ''] = m;
  return secret.check(DEVICE_MAC_LABEL, `${userId}.${nonce}`, mac) ? nonce : null;
}

// ---------------------------------------------------------------------------------------------
// The throttle

/** One password check to reserve. */
export interface AttemptSubject {
  /** The username as typed, normalized (known or not). */
  readonly username: string;
  /** The user it names, or null: a device cookie is only ever valid for an existing user. */
  readonly userId: string | null;
  /** The client's rate-limit address (ctx.clientAddress). */
  readonly address: string;
  /** The device cookie the request carries, if any; an invalid one is ignored. */
  readonly deviceCookie: string | undefined;
}

export type AttemptReservation =
  | {
      readonly ok: true;
      /**
       * The password was right: clear the account's (or the device's) failures, and give the
       * address its reservation back — a success never counts as a failure. A wrong password needs
       * no call: the failure is counted already.
       */
      succeeded(): Promise<void>;
    }
  | { readonly ok: false; /** Seconds (>= 1) until the block that refused it ends. */ readonly retryAfter: number };

export interface LoginThrottle {
  /** Reserve one attempt before verifying a password; refused (no verification!) while blocked. */
  reserve(subject: AttemptSubject, now: number): Promise<AttemptReservation>;
  /** A new device cookie value for `userId` (set after every successful login). */
  newDeviceCookie(userId: string): string;
  /** Forget the failures counted on `key` (a password reset proves the owner of the account). */
  succeed(key: string): Promise<void>;
}

export function loginThrottle(
  store: Store,
  policies: { account: RateLimitPolicy; address: RateLimitPolicy },
  secret: ServerSecret,
): LoginThrottle {
  return {
    async reserve(subject, now) {
      const nonce = subject.userId === null ? null : deviceNonce(secret, subject.userId, subject.deviceCookie);
      // A known device is locked out on its own; everyone else shares the account's lockout.
      const lockout = nonce === null ? accountKey(subject.username) : deviceKey(nonce);
      const address = addressKey(subject.address);
      const result = await store.reserveAttempt([{ key: lockout, policy: policies.account }, { key: address, policy: policies.address }], now);
      if (!result.ok) return { ok: false, retryAfter: Math.max(1, Math.ceil((result.blockedUntil - now) / 1000)) };
      const addressReservation = result.reservations[1]!;
      return {
        ok: true,
        async succeeded() {
          await store.clearFailures(lockout);
          await store.releaseAttempt(addressReservation);
        },
      };
    },
    newDeviceCookie: (userId) => newDeviceCookie(secret, userId),
    async succeed(key) {
      await store.clearFailures(key);
    },
  };
}
