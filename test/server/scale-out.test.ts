/**
 * Scale-out: TWO real server processes (`node --import tsx server/main.ts`) on ONE real PostgreSQL
 * database, sharing one data directory (signing keys) and one issuer, started at the same moment
 * (they race on the key file, the migrations and the demo accounts).
 *
 * - Log in through A, refresh through B, log out through A: B rejects the old session at once
 *   (session probe 401, newest refresh token refused) — in body mode and in cookie mode.
 * - Login failures are counted across both processes: alternating wrong passwords between A and B,
 *   the account limit triggers at the configured count in total.
 *
 * Everything runs on 127.0.0.1; every process and PostgreSQL is stopped in after(), also on failure.
 */
import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresStore } from '../../server/store/postgres.js';
import { hashRefreshToken } from '../../server/tokens.js';
import { REFRESH_COOKIE_SECURE } from '../../server/config.js';
import { startPostgres, type PgServer } from './pg-harness.js';
import { tempDir } from './helpers.js';
import { spawnServer, type ServerProcess } from './spawn-server.js';

const ISSUER = 'http://auth.scale-out.test';
const ACCOUNT_MAX = 4;
const ALICE = { username: 'alice', password: 'alice-demo-password' };
const ADMIN = { username: 'admin', password: 'admin-demo-password' };

interface Res {
  status: number;
  body: any;
  setCookie: string[];
}

async function request(server: ServerProcess, method: string, urlPath: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(server.url + urlPath, {
    method,
    headers,
    ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text), setCookie: res.headers.getSetCookie() };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const cookieHeader = (token: string): Record<string, string> => ({ cookie: `${REFRESH_COOKIE_SECURE}=${token}` });
function refreshCookie(setCookie: string[]): string {
  const c = setCookie.find((s) => s.startsWith(`${REFRESH_COOKIE_SECURE}=`));
  assert.ok(c, `no refresh cookie in ${JSON.stringify(setCookie)}`);
  return c.slice(REFRESH_COOKIE_SECURE.length + 1).split(';')[0]!;
}

let pgServer: PgServer | undefined;
let a: ServerProcess | undefined;
let b: ServerProcess | undefined;
let databaseUrl = '';

/** Start PostgreSQL and both servers once, on first use inside a test: a failure FAILS every test. */
let setup: Promise<void> | undefined;
const ready = (): Promise<void> =>
  (setup ??= (async () => {
    pgServer = await startPostgres();
    databaseUrl = pgServer.url;
    const env = {
      AUTH_DATABASE_URL: databaseUrl,
      AUTH_DATA_DIR: tempDir('ae-scale-out-'), // one directory: one signing key file for both
      AUTH_ISSUER: ISSUER,
      AUTH_DEMO: '1',
      AUTH_RATE_ACCOUNT_MAX: String(ACCOUNT_MAX),
      // The largest grace: a machine slowed down by other work never leaves it mid-test.
      REFRESH_REUSE_GRACE: '60',
    };
    // Started together on purpose: the key file, the migrations and the demo accounts are raced.
    const started = await Promise.allSettled([spawnServer('A', env), spawnServer('B', env)]);
    for (const s of started) if (s.status === 'fulfilled') (s.value.name === 'A' ? (a = s.value) : (b = s.value));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  })());

after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await pgServer?.stop();
});

const A = (): ServerProcess => a!;
const B = (): ServerProcess => b!;

describe('two server processes on one PostgreSQL database', () => {
  beforeEach(ready);

  test('both processes started together serve the same signing key and the same users', async () => {
    const [ja, jb] = await Promise.all([request(A(), 'GET', '/.well-known/jwks.json'), request(B(), 'GET', '/.well-known/jwks.json')]);
    assert.equal(ja.status, 200);
    assert.equal(ja.body.keys.length, 1);
    assert.deepEqual(ja.body, jb.body, 'one key file, created once');
    assert.match(A().output(), /database:\s+PostgreSQL 127\.0\.0\.1:\d+\/auth_test/);
    const store = await PostgresStore.open(databaseUrl);
    try {
      assert.deepEqual((await store.listUsers()).map((u) => u.username).sort(), ['admin', 'alice'], 'demo accounts created once');
    } finally {
      await store.close();
    }
  });

  test('body mode: log in through A, refresh through B, log out through A: B rejects the session at once', async () => {
    const login = await request(A(), 'POST', '/api/auth/login', { json: { ...ALICE, refresh_in_body: true } });
    assert.equal(login.status, 200);
    assert.ok(typeof login.body.refresh === 'string');
    assert.equal((await request(B(), 'GET', '/api/auth/session', { headers: bearer(login.body.access) })).status, 200, 'B verifies A\'s token');

    const refreshed = await request(B(), 'POST', '/api/auth/refresh', { json: { refresh: login.body.refresh } });
    assert.equal(refreshed.status, 200);
    const access2: string = refreshed.body.access;
    const refresh2: string = refreshed.body.refresh;
    assert.notEqual(refresh2, login.body.refresh);
    assert.equal((await request(A(), 'GET', '/api/auth/session', { headers: bearer(access2) })).status, 200, 'A verifies B\'s token');
    // Rotated on B; within the grace A answers the old token with the SAME successor (one secret,
    // shared through AUTH_DATA_DIR), so a retried request does not end the session.
    const retried = await request(A(), 'POST', '/api/auth/refresh', { json: { refresh: login.body.refresh } });
    assert.equal(retried.status, 200, 'rotated on B: A answers a retry within the grace');
    assert.equal(retried.body.refresh, refresh2, 'with the same successor');

    // Log out through A with the refresh token only: the revocation must reach B through the DB.
    const out = await request(A(), 'POST', '/api/auth/logout', { json: { refresh: refresh2 } });
    assert.equal(out.status, 204);

    const probe = await request(B(), 'GET', '/api/auth/session', { headers: bearer(access2) });
    assert.equal(probe.status, 401, 'B rejects the access token of the logged-out session at once');
    assert.equal(probe.body.error, 'invalid_token');
    const again = await request(B(), 'POST', '/api/auth/refresh', { json: { refresh: refresh2 } });
    assert.equal(again.status, 401, 'B refuses the newest refresh token');
    assert.equal(again.body.error, 'invalid_grant');
    assert.equal((await request(A(), 'GET', '/api/auth/session', { headers: bearer(access2) })).status, 401);
  });

  test('cookie mode: log in through A, refresh through B, log out through A: B rejects the session at once', async () => {
    const login = await request(A(), 'POST', '/api/auth/login', { json: ALICE });
    assert.equal(login.status, 200);
    assert.equal(login.body.refresh, undefined, 'cookie mode: no refresh token in the body');
    const cookie1 = refreshCookie(login.setCookie);

    const refreshed = await request(B(), 'POST', '/api/auth/refresh', { headers: { ...cookieHeader(cookie1), 'content-type': 'application/json' } });
    assert.equal(refreshed.status, 200);
    const cookie2 = refreshCookie(refreshed.setCookie);
    const access2: string = refreshed.body.access;
    assert.notEqual(cookie2, cookie1);

    const out = await request(A(), 'POST', '/api/auth/logout', { headers: { ...cookieHeader(cookie2), 'content-type': 'application/json' } });
    assert.equal(out.status, 204);

    assert.equal((await request(B(), 'GET', '/api/auth/session', { headers: bearer(access2) })).status, 401);
    const again = await request(B(), 'POST', '/api/auth/refresh', { headers: { ...cookieHeader(cookie2), 'content-type': 'application/json' } });
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_grant');
  });

  test('logging out through A leaves the other sessions of the user alone on B', async () => {
    const one = await request(A(), 'POST', '/api/auth/login', { json: { ...ALICE, refresh_in_body: true } });
    const two = await request(B(), 'POST', '/api/auth/login', { json: { ...ALICE, refresh_in_body: true } });
    assert.equal((await request(A(), 'POST', '/api/auth/logout', { headers: bearer(one.body.access) })).status, 204);
    assert.equal((await request(B(), 'GET', '/api/auth/session', { headers: bearer(one.body.access) })).status, 401);
    assert.equal((await request(B(), 'GET', '/api/auth/session', { headers: bearer(two.body.access) })).status, 200);
    assert.equal((await request(A(), 'POST', '/api/auth/refresh', { json: { refresh: two.body.refresh } })).status, 200);
  });

  for (const mode of ['body', 'cookie'] as const) {
    test(`10 concurrent refreshes with one token, alternating A and B (${mode}): all 200 with one identical token; one unused token in the family`, async () => {
      const login = await request(A(), 'POST', '/api/auth/login', { json: { ...ALICE, ...(mode === 'body' ? { refresh_in_body: true } : {}) } });
      assert.equal(login.status, 200);
      const token: string = mode === 'body' ? login.body.refresh : refreshCookie(login.setCookie);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          request(i % 2 === 0 ? A() : B(), 'POST', '/api/auth/refresh',
            mode === 'body' ? { json: { refresh: token } } : { headers: { ...cookieHeader(token), 'content-type': 'application/json' } }),
        ),
      );
      assert.deepEqual(results.map((r) => r.status), Array(10).fill(200), JSON.stringify(results.map((r) => r.body)));
      const successors = results.map((r) => (mode === 'body' ? r.body.refresh : refreshCookie(r.setCookie)));
      assert.equal(new Set(successors).size, 1, 'one identical refresh token from both processes');
      assert.notEqual(successors[0], token);
      for (const r of results) assert.equal((await request(B(), 'GET', '/api/auth/session', { headers: bearer(r.body.access) })).status, 200);

      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const sid = (await client.query<{ session_id: string }>('SELECT session_id FROM refresh_tokens WHERE token_hash = $1', [hashRefreshToken(token)])).rows[0]?.session_id;
        assert.ok(sid);
        const session = await client.query<{ revoked_at: string | null }>('SELECT revoked_at FROM sessions WHERE id = $1', [sid]);
        assert.equal(session.rows[0]?.revoked_at, null, 'the session is alive');
        const unused = await client.query<{ token_hash: string }>('SELECT token_hash FROM refresh_tokens WHERE session_id = $1 AND used_at IS NULL', [sid]);
        assert.deepEqual(unused.rows.map((r) => r.token_hash), [hashRefreshToken(successors[0]!)], 'exactly one unused token: the shared successor');
      } finally {
        await client.end();
      }
    });
  }

  test(`login failures count across both processes: blocked after ${ACCOUNT_MAX} in total`, async () => {
    const servers = [A(), B()];
    for (let i = 0; i < ACCOUNT_MAX; i++) {
      const r = await request(servers[i % 2]!, 'POST', '/api/auth/login', { json: { username: ADMIN.username, password: `wrong password ${i}` } });
      assert.equal(r.status, 401, `failure ${i + 1} (through ${servers[i % 2]!.name}) is a plain 401`);
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const r = await client.query<{ count: number; blocked_until: string | null }>(
        "SELECT count, blocked_until FROM login_failures WHERE key = 'account:admin'",
      );
      assert.equal(r.rows[0]?.count, ACCOUNT_MAX, 'one shared counter, no failure lost');
      assert.ok(r.rows[0]?.blocked_until !== null, `blocked after ${ACCOUNT_MAX} failures in total`);
    } finally {
      await client.end();
    }
    // Both processes refuse now — even the right password — with 429 and Retry-After.
    for (const server of servers) {
      const r = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      assert.equal(r.status, 429, `${server.name} counts the other's failures`);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      await r.text();
    }
    // Another account is not affected.
    assert.equal((await request(B(), 'POST', '/api/auth/login', { json: ALICE })).status, 200);
  });
});
