/**
 * Login throttling under attack (issue 6, items 10-12), against a real server on a real SQLite file:
 * - 10: an attempt is reserved (counted) in the store BEFORE the password is verified, so a burst of
 *   concurrent wrong passwords gets at most maxFailures verifications — at login and at the
 *   current-password check of /api/auth/password and /api/auth/details.
 * - 11: X-Forwarded-For is believed only from configured proxies (AUTH_TRUST_PROXY).
 * - 12: a device cookie from an earlier successful login exempts that browser from the account
 *   lockout (OWASP "Slow Down Online Guessing Attacks with Device Cookies").
 *
 * The server clock is fixed (injected): blocks never run out during a burst, so the numbers are exact.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import {
  ConfigError,
  DEFAULT_RATE_LIMIT,
  configFromEnv,
  makeConfig,
  type ConfigOverrides,
  type RateLimitPolicy,
  type ServerConfig,
} from '../../server/config.js';
import { clientAddressResolver } from '../../server/rate-limit.js';
import { COOKIE, addUser, bearer, call, login, post, startServer, tempDir, type JsonResponse, type TestServer } from './helpers.js';

const DEVICE_COOKIE = '__Host-ae_device';
const DEVICE_ATTRS = /^__Host-ae_device=([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}); HttpOnly; Secure; Path=\/; SameSite=Strict; Max-Age=31536000$/;
const MAX = DEFAULT_RATE_LIMIT.account.maxFailures; // 5

/** How many answers had each status, e.g. { 401: 5, 429: 195 }. */
function tally(results: readonly JsonResponse[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

/** The device cookie of a response (its value), or undefined. */
function deviceCookieOf(r: JsonResponse): string | undefined {
  const c = r.res.headers.getSetCookie().find((s) => s.startsWith(`${DEVICE_COOKIE}=`));
  return c === undefined ? undefined : DEVICE_ATTRS.exec(c)?.[1];
}

/** A login as one client: `from` is its address (X-Forwarded-For through the trusted proxy), `device` its cookie. */
function loginAs(s: TestServer, username: string, password: string, client: { from: string; device?: string }): Promise<JsonResponse> {
  const headers: Record<string, string> = { 'x-forwarded-for': client.from };
  if (client.device !== undefined) headers['cookie'] = `${DEVICE_COOKIE}=${client.device}`;
  return post(s, '/api/auth/login', { username, password }, headers);
}

/** The same cookie with one MAC character changed. */
function flipMac(cookie: string): string {
  const last = cookie.at(-1) === 'A' ? 'B' : 'A';
  return cookie.slice(0, -1) + last;
}

/** Limits: `maxFailures` per address (blocks from a minute up), and the given account policy (default 5 per 15 min). */
function addressLimit(maxFailures: number, account: RateLimitPolicy = DEFAULT_RATE_LIMIT.account): ServerConfig['rateLimit'] {
  return { account, address: { maxFailures, windowSeconds: 900, baseDelaySeconds: 60, maxDelaySeconds: 900 } };
}

/** Run `fn` against a fresh server; it is closed afterwards, and must have logged no error. */
async function withServer(config: ConfigOverrides, fn: (s: TestServer) => Promise<void>): Promise<void> {
  const s = await startServer({ config });
  try {
    await fn(s);
    assert.deepEqual(s.logger.errors, []);
  } finally {
    await s.close();
  }
}

const burst = <T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

// ---------------------------------------------------------------------------------------- item 10

describe('10: concurrent wrong passwords are bounded by the limit (reserved before verifying)', () => {
  /** A fresh server (default limits: 5 per account, 50 per address) with one user, for one test. */
  const withUser = (username: string, password: string, fn: (s: TestServer) => Promise<void>): Promise<void> =>
    withServer({ rateLimit: DEFAULT_RATE_LIMIT }, async (s) => {
        await addUser(s, { username, password });
        await fn(s);
      });

    /** 200 concurrent requests; the answers and the verifications they cost, checked against the limit. */
    async function boundedBurst(s: TestServer, label: string, send: (i: number) => Promise<JsonResponse>): Promise<void> {
      const before = s.hasher.verifyCalls;
      const results = await burst(200, send);
      const verifications = s.hasher.verifyCalls - before;
      const counts = tally(results);
      console.log(`# 200 concurrent ${label}: ${JSON.stringify(counts)}, ${verifications} verifications`);
      assert.ok(verifications <= MAX, `${verifications} argon2 verifications`);
      assert.ok((counts[401] ?? 0) <= MAX, `${counts[401]} x 401`);
      assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), 200, JSON.stringify(counts));
      for (const r of results.filter((x) => x.status === 429)) {
        assert.equal(r.body.error, 'rate_limited');
        assert.ok(Number(r.res.headers.get('retry-after')) >= 1);
      }
    }

    test(`200 concurrent wrong logins for one account from one address -> at most ${MAX} verifications and 401s, the rest 429`, () =>
      withUser('alice', 'alice password 123', async (s) => {
        await boundedBurst(s, 'wrong logins', (i) => post(s, '/api/auth/login', { username: 'alice', password: `wrong password ${i}` }));
        // The right password after the burst: still blocked (this client holds no device cookie).
        const right = await post(s, '/api/auth/login', { username: 'alice', password: 'alice password 123' });
        assert.equal(right.status, 429);
        assert.deepEqual(right.res.headers.getSetCookie(), [], 'no refresh and no device cookie');
    }));

  test(`200 concurrent wrong current passwords on /api/auth/password -> at most ${MAX} verifications and 401s`, () =>
    withUser('pat', 'pat password 12345', async (s) => {
      const l = await login(s, 'pat', 'pat password 12345');
      assert.equal(l.status, 200);
      await boundedBurst(s, 'wrong current passwords (/password)', (i) =>
        post(s, '/api/auth/password', { current_password: `wrong password ${i}`, new_password: 'a brand new passphrase 42' }, bearer(l.access)),
      );
      const right = await post(s, '/api/auth/password', { current_password: 'pat password 12345', new_password: 'a brand new passphrase 42' }, bearer(l.access));
      assert.equal(right.status, 429, 'the account is blocked for the current-password check too');
    }));

  test(`200 concurrent wrong current passwords on /api/auth/details -> at most ${MAX} verifications and 401s`, () =>
    withUser('dee', 'dee password 12345', async (s) => {
      const l = await login(s, 'dee', 'dee password 12345');
      assert.equal(l.status, 200);
      await boundedBurst(s, 'wrong current passwords (/details)', (i) =>
        post(s, '/api/auth/details', { email: 'dee-new@example.com', current_password: `wrong password ${i}` }, bearer(l.access)),
      );
      assert.equal((await s.app.store.findUserByUsername('dee'))?.email, '', 'nothing changed');
    }));
});

describe('10: a successful login gives its address reservation back', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { rateLimit: addressLimit(3) } });
    await addUser(s, { username: 'alice', password: 'alice password 123' });
  });
  after(() => s.close());

  test('20 right passwords (2 at a time) then 2 wrong ones from one address (limit 3) -> never blocked', async () => {
    // An attempt counts while it is verified (so at most 3 can be in flight from this address), and
    // a right password gives its count back.
    for (let round = 0; round < 10; round++) {
      for (const r of await burst(2, () => post(s, '/api/auth/login', { username: 'alice', password: 'alice password 123' }))) {
        assert.equal(r.status, 200);
      }
    }
    assert.equal((await post(s, '/api/auth/login', { username: 'nobody', password: 'x' })).status, 401);
    assert.equal((await post(s, '/api/auth/login', { username: 'nobody2', password: 'x' })).status, 401);
    assert.equal((await post(s, '/api/auth/login', { username: 'alice', password: 'alice password 123' })).status, 200, 'successes never counted');
    assert.equal((await post(s, '/api/auth/login', { username: 'nobody3', password: 'x' })).status, 401, 'the 3rd failure is let through');
    assert.equal((await post(s, '/api/auth/login', { username: 'alice', password: 'alice password 123' })).status, 429);
  });
});

// ---------------------------------------------------------------------------------------- item 11

describe('11: AUTH_TRUST_PROXY configuration', () => {
  const env = (value: string) => configFromEnv({ AUTH_DATA_DIR: tempDir(), AUTH_TRUST_PROXY: value }, process.cwd());

  test('off by default', () => {
    assert.deepEqual(configFromEnv({ AUTH_DATA_DIR: tempDir() }, process.cwd()).trustProxy, []);
    assert.deepEqual(makeConfig({ dataDir: tempDir() }).trustProxy, []);
  });

  test('a comma list of IPv4/IPv6 addresses and CIDRs', () => {
    assert.deepEqual(env(' 127.0.0.1, 10.0.0.0/8 ,::1,2001:db8::/32, ').trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32']);
  });

  test('a bad entry stops the start with a clear ConfigError naming it', () => {
    const cases: [string, RegExp][] = [
      ['localhost', /AUTH_TRUST_PROXY.*"localhost".*not an IP address or CIDR/],
      ['10.0.0.0/33', /AUTH_TRUST_PROXY.*"10\.0\.0\.0\/33".*prefix length.*1-32/],
      ['2001:db8::/129', /AUTH_TRUST_PROXY.*"2001:db8::\/129".*prefix length.*1-128/],
      ['10.0.0.0/x', /AUTH_TRUST_PROXY.*"10\.0\.0\.0\/x"/],
      ['*', /AUTH_TRUST_PROXY.*"\*".*list the proxies/],
      ['0.0.0.0/0', /AUTH_TRUST_PROXY.*"0\.0\.0\.0\/0".*every address/],
      ['::/0', /AUTH_TRUST_PROXY.*"::\/0".*every address/],
      ['127.0.0.1:8080', /AUTH_TRUST_PROXY.*"127\.0\.0\.1:8080"/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => env(value), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${value}: ${String(err)}`);
        assert.match(err.message, message, value);
        return true;
      });
    }
    assert.throws(() => makeConfig({ dataDir: tempDir(), trustProxy: ['nope'] }), ConfigError);
  });
});

describe('11: the client address (unit: clientAddressResolver)', () => {
  const req = (peer: string | undefined, xff?: string): IncomingMessage =>
    ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
  const trusted = clientAddressResolver(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
  const off = clientAddressResolver([]);

  test('without trusted proxies X-Forwarded-For is ignored', () => {
    assert.equal(off(req('127.0.0.1', '203.0.113.5')), '127.0.0.1');
    assert.equal(off(req('::ffff:192.0.2.7', '203.0.113.5')), '192.0.2.7');
    assert.equal(off(req('2001:db8:1:2:3:4:5:6', '203.0.113.5')), '2001:db8:1:2::/64');
  });

  test('a peer that is not a trusted proxy: X-Forwarded-For is ignored', () => {
    assert.equal(trusted(req('192.0.2.7', '203.0.113.5')), '192.0.2.7');
    assert.equal(trusted(req('11.0.0.1', '203.0.113.5')), '11.0.0.1');
  });

  test('a trusted peer: the right-most entry that is not a trusted proxy', () => {
    assert.equal(trusted(req('127.0.0.1', '203.0.113.5')), '203.0.113.5');
    assert.equal(trusted(req('::ffff:127.0.0.1', '203.0.113.5')), '203.0.113.5', 'IPv4-mapped peer');
    assert.equal(trusted(req('127.0.0.1', '198.51.100.1, 203.0.113.5')), '203.0.113.5', 'what the client wrote is left of it');
    assert.equal(trusted(req('127.0.0.1', '198.51.100.1, 203.0.113.5, 10.1.2.3')), '203.0.113.5', 'two hops');
    assert.equal(trusted(req('10.9.9.9', '203.0.113.5,10.1.2.3 ,  10.4.5.6')), '203.0.113.5', 'three hops, odd spacing');
    assert.equal(trusted(req('2001:db8::1', '203.0.113.5')), '203.0.113.5', 'IPv6 proxy');
    assert.equal(trusted(req('127.0.0.1', '2001:db9:aa:bb:cc::1, 2001:db8::2')), '2001:db9:aa:bb::/64', 'IPv6 client grouped by /64');
    assert.equal(trusted(req('127.0.0.1', '::ffff:203.0.113.5')), '203.0.113.5', 'IPv4-mapped client');
    assert.equal(trusted(req('127.0.0.1', '10.0.0.1, 10.0.0.2')), '10.0.0.1', 'all proxies: the left-most');
  });

  test('a malformed or missing X-Forwarded-For falls back to the peer address', () => {
    for (const xff of [undefined, '', ' ', ',', 'garbage', 'unknown', '203.0.113.5:1234', '[2001:db9::1]', '203.0.113.5, garbage', '203.0.113.999', '203.0.113.5 198.51.100.1', '203.0.113.5, , 10.0.0.1']) {
      assert.equal(trusted(req('127.0.0.1', xff)), '127.0.0.1', JSON.stringify(xff));
    }
    assert.equal(trusted(req('10.0.0.3', 'garbage')), '10.0.0.3');
    assert.equal(trusted(req(undefined, '203.0.113.5')), 'unknown', 'no peer address (socket gone)');
  });
});

describe('11: limits per client behind a proxy (HTTP)', () => {
  const behind = (trustProxy: readonly string[]): ConfigOverrides => ({
    trustProxy,
    rateLimit: addressLimit(3, { maxFailures: 1000, windowSeconds: 900, baseDelaySeconds: 1, maxDelaySeconds: 900 }),
  });
  const fail = (s: TestServer, xff: string, i: number) =>
    post(s, '/api/auth/login', { username: `user${i}`, password: 'guess' }, { 'x-forwarded-for': xff });

  test('spoofed X-Forwarded-For from an untrusted peer is ignored: the socket address is limited', () =>
    withServer(behind([]), async (s) => {
      for (let i = 0; i < 3; i++) assert.equal((await fail(s, `203.0.113.${i + 1}`, i)).status, 401);
      const r = await fail(s, '203.0.113.200', 9);
      assert.equal(r.status, 429, 'a fresh X-Forwarded-For does not escape the limit of 127.0.0.1');
    }));

  test('behind a trusted proxy, two clients with different X-Forwarded-For are limited separately', () =>
    withServer(behind(['127.0.0.1']), async (s) => {
      for (let i = 0; i < 3; i++) assert.equal((await fail(s, '203.0.113.1', i)).status, 401);
      assert.equal((await fail(s, '203.0.113.1', 3)).status, 429, 'client 1 is blocked');
      assert.equal((await fail(s, '203.0.113.2', 4)).status, 401, 'client 2 is not');
    }));

  test('multi-hop: the right-most untrusted entry counts, whatever the client prepends', () =>
    withServer(behind(['127.0.0.1', '10.0.0.0/8']), async (s) => {
      for (let i = 0; i < 3; i++) assert.equal((await fail(s, `198.51.100.${i}, 203.0.113.9, 10.0.0.5`, i)).status, 401);
      assert.equal((await fail(s, '198.51.100.77, 203.0.113.9, 10.0.0.6', 3)).status, 429);
      assert.equal((await fail(s, '203.0.113.10, 10.0.0.5', 4)).status, 401, 'another client behind the same proxies');
    }));

  test('malformed X-Forwarded-For counts against the peer (the proxy) address', () =>
    withServer(behind(['127.0.0.1']), async (s) => {
      for (const [i, xff] of ['garbage', '203.0.113.5:99', '1.2.3.4, nonsense'].entries()) assert.equal((await fail(s, xff, i)).status, 401);
      assert.equal((await fail(s, 'still garbage', 3)).status, 429, 'all three counted on 127.0.0.1');
      assert.equal((await post(s, '/api/auth/login', { username: 'x', password: 'y' })).status, 429, 'no header: the peer too');
      assert.equal((await fail(s, '203.0.113.5', 4)).status, 401, 'a well-formed client address is its own');
    }));
});

// ---------------------------------------------------------------------------------------- item 12

describe('12: device cookies exempt known browsers from the account lockout', () => {
  let s: TestServer;
  const ALICE = 'alice password 123';
  const BOB = 'bob password 12345';
  let aliceDevice1 = '';
  let aliceDevice2 = '';
  let bobDevice = '';
  before(async () => {
    s = await startServer({ config: { trustProxy: ['127.0.0.1'], rateLimit: DEFAULT_RATE_LIMIT } });
    await addUser(s, { username: 'alice', password: ALICE });
    await addUser(s, { username: 'bob', password: BOB });
    await addUser(s, { username: 'carol', password: 'carol password 123' });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  test('a successful login sets the device cookie: __Host-ae_device, HttpOnly, Secure, Path=/, SameSite=Strict, 1 year', async () => {
    const r = await loginAs(s, 'alice', ALICE, { from: '198.51.100.1' });
    assert.equal(r.status, 200);
    const cookies = r.res.headers.getSetCookie();
    assert.ok(cookies.some((c) => c.startsWith(`${COOKIE}=`)), 'the refresh cookie is still set');
    const device = cookies.find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
    assert.match(device ?? '', DEVICE_ATTRS);
    assert.doesNotMatch(device ?? '', /domain/i);
    aliceDevice1 = deviceCookieOf(r)!;
    const second = await loginAs(s, 'alice', ALICE, { from: '198.51.100.2' });
    aliceDevice2 = deviceCookieOf(second)!;
    assert.notEqual(aliceDevice2.split('.')[0], aliceDevice1.split('.')[0], 'a fresh nonce per login');
    bobDevice = deviceCookieOf(await loginAs(s, 'bob', BOB, { from: '198.51.100.3' }))!;
    assert.ok(bobDevice);
    const body = await post(s, '/api/auth/login', { username: 'bob', password: BOB, refresh_in_body: true });
    assert.ok(deviceCookieOf(body), 'API clients (refresh in the body) get one too');
    assert.equal(body.res.headers.getSetCookie().length, 1, 'and no refresh cookie');
  });

  test('6 failures from 6 addresses: an untrusted 7th client with the right password -> 429; a known device -> 200', async () => {
    const attack = [];
    for (let i = 1; i <= 6; i++) attack.push((await loginAs(s, 'alice', `guess ${i}`, { from: `203.0.113.${i}` })).status);
    assert.deepEqual(attack, [401, 401, 401, 401, 401, 429]);
    const stranger = await loginAs(s, 'alice', ALICE, { from: '203.0.113.7' });
    assert.equal(stranger.status, 429, 'untrusted clients keep the account lockout');
    assert.equal(deviceCookieOf(stranger), undefined);
    const known = await loginAs(s, 'alice', ALICE, { from: '192.0.2.50', device: aliceDevice1 });
    assert.equal(known.status, 200, 'the browser that logged in before gets through');
    assert.ok(deviceCookieOf(known), 'and gets a new device cookie');
  });

  test('a forged cookie gets no exemption: flipped MAC, another user\'s cookie, garbage', async () => {
    for (const device of [flipMac(aliceDevice1), bobDevice, 'garbage', `${aliceDevice1}x`, aliceDevice1.split('.')[0]!]) {
      const r = await loginAs(s, 'alice', ALICE, { from: '192.0.2.60', device });
      assert.equal(r.status, 429, `cookie ${device}`);
    }
  });

  test('5 wrong passwords with a device cookie block that device, not the account for other known devices', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await loginAs(s, 'alice', `device guess ${i}`, { from: '192.0.2.70', device: aliceDevice1 })).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const blocked = await loginAs(s, 'alice', ALICE, { from: '192.0.2.71', device: aliceDevice1 });
    assert.equal(blocked.status, 429, 'this device is locked out now');
    assert.ok(Number(blocked.res.headers.get('retry-after')) >= 1);
    const other = await loginAs(s, 'alice', ALICE, { from: '192.0.2.72', device: aliceDevice2 });
    assert.equal(other.status, 200, 'another known device of alice is not');
  });

  test("a known device's failures do not lock the account for untrusted clients", async () => {
    const carol = deviceCookieOf(await loginAs(s, 'carol', 'carol password 123', { from: '198.51.100.9' }))!;
    for (let i = 0; i < 5; i++) assert.equal((await loginAs(s, 'carol', `nope ${i}`, { from: '198.51.100.9', device: carol })).status, 401);
    assert.equal((await loginAs(s, 'carol', 'carol password 123', { from: '198.51.100.10' })).status, 200);
  });

  test('the per-address limit still applies to known devices', () =>
    withServer({ trustProxy: ['127.0.0.1'], rateLimit: addressLimit(2) }, async (t) => {
      await addUser(t, { username: 'alice', password: ALICE });
      const device = deviceCookieOf(await loginAs(t, 'alice', ALICE, { from: '203.0.113.1' }))!;
      await loginAs(t, 'x', 'y', { from: '203.0.113.2' });
      await loginAs(t, 'z', 'y', { from: '203.0.113.2' });
      assert.equal((await loginAs(t, 'alice', ALICE, { from: '203.0.113.2', device })).status, 429);
    }));

  test('the current-password check honours the device cookie too (password change during an attack)', async () => {
    const session = await loginAs(s, 'bob', BOB, { from: '198.51.100.20', device: bobDevice });
    assert.equal(session.status, 200);
    for (let i = 1; i <= 6; i++) await loginAs(s, 'bob', `guess ${i}`, { from: `203.0.113.${20 + i}` });
    const change = (device?: string) =>
      post(s, '/api/auth/password', { current_password: BOB, new_password: 'bob new passphrase 2024' }, {
        ...bearer(session.body.access),
        'x-forwarded-for': '198.51.100.20',
        ...(device === undefined ? {} : { cookie: `${DEVICE_COOKIE}=${device}` }),
      });
    assert.equal((await change()).status, 429, 'without the cookie: the account lockout');
    assert.equal((await change(bobDevice)).status, 204, 'with it: allowed');
  });
});

describe('12: with AUTH_COOKIE_SECURE=0 the device cookie is ae_device without Secure', () => {
  test('name and attributes', () =>
    withServer({ cookieSecure: false }, async (s) => {
      await addUser(s, { username: 'dev', password: 'dev password 123' });
      const r = await post(s, '/api/auth/login', { username: 'dev', password: 'dev password 123' });
      const c = r.res.headers.getSetCookie().find((x) => x.startsWith('ae_device='));
      assert.match(c ?? '', /^ae_device=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; HttpOnly; Path=\/; SameSite=Strict; Max-Age=31536000$/);
      const value = c!.split(';')[0]!.slice('ae_device='.length);
      const again = await call(s, 'POST', '/api/auth/login', {
        json: { username: 'dev', password: 'dev password 123' },
        headers: { cookie: `ae_device=${value}` },
      });
      assert.equal(again.status, 200);
    }));
});
