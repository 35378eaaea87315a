/** SECURITY 17: refresh-token rotation, reuse detection, concurrency and lifetimes (injected clock). */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../server/store/sqlite.js';
import { hashRefreshToken, newRefreshToken } from '../../server/tokens.js';
import {
  COOKIE,
  addUser,
  bearer,
  call,
  cookieValue,
  login,
  refreshWithBody,
  refreshWithCookie,
  startServer,
  type TestServer,
} from './helpers.js';

const IDLE = 60;
const ABSOLUTE = 100;
/** The default grace (REFRESH_REUSE_GRACE) during which a rotated token gets its successor again. */
const GRACE = 10;

/** Refresh tokens of a session in the SQLite file: how many are still unused. */
function unusedInFamily(dbPath: string, sessionId: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM refresh_tokens WHERE session_id = ? AND used_at IS NULL').get(sessionId) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('refresh tokens (SECURITY 17)', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ config: { refreshIdleTtl: IDLE, refreshAbsoluteTtl: ABSOLUTE, accessTtl: 30 } });
    await addUser(s, { username: 'alice', password: 'alice password 123' });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, []);
  });

  const sessionStatus = async (access: string): Promise<number> =>
    (await call(s, 'GET', '/api/auth/session', { headers: bearer(access) })).status;
  const sessionOf = async (refresh: string): Promise<string> => {
    const rec = await s.app.store.findRefreshToken(hashRefreshToken(refresh));
    assert.ok(rec, 'the token is in the store');
    return rec.sessionId;
  };

  test('every refresh rotates the token; the store keeps only its SHA-256', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const r = await refreshWithBody(s, l.refresh);
    assert.equal(r.status, 200);
    assert.notEqual(r.body.refresh, l.refresh);
    const rec = await s.app.store.findRefreshToken(hashRefreshToken(r.body.refresh));
    assert.ok(rec);
    assert.equal(rec.tokenHash, hashRefreshToken(r.body.refresh));
    assert.equal(rec.usedAt, null);
    assert.equal(await s.app.store.findRefreshToken(r.body.refresh), null, 'the token itself is not a key');
    const old = await s.app.store.findRefreshToken(hashRefreshToken(l.refresh));
    assert.ok(old?.usedAt !== null, 'the old one is marked used');
  });

  test(`17: reusing a rotated-out token after the grace (${GRACE} s) -> 401 and the whole family is revoked`, async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const r1 = await refreshWithBody(s, l.refresh);
    assert.equal(r1.status, 200);
    s.clock.advance(GRACE);
    const reuse = await refreshWithBody(s, l.refresh);
    assert.equal(reuse.status, 401, 'the grace is over at exactly GRACE seconds');
    assert.deepEqual(reuse.body, { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked.' });
    const newer = await refreshWithBody(s, r1.body.refresh);
    assert.equal(newer.status, 401, 'the token issued after the reused one is dead too');
    assert.equal(newer.body.error, 'invalid_grant');
    assert.equal(await sessionStatus(r1.body.access), 401, 'access tokens of the family stop working at once');
    assert.equal(await sessionStatus(l.access), 401);
    assert.notEqual((await s.app.store.getSession(await sessionOf(l.refresh)))?.revokedAt, null);
  });

  test('17: reuse detection after the grace also works for the cookie flow and clears the cookie', async () => {
    const l = await login(s, 'alice', 'alice password 123');
    const r1 = await refreshWithCookie(s, l.refresh);
    assert.equal(r1.status, 200);
    const next = cookieValue(r1.res.headers.getSetCookie()[0]);
    assert.ok(next);
    s.clock.advance(GRACE + 1);
    const reuse = await refreshWithCookie(s, l.refresh);
    assert.equal(reuse.status, 401);
    assert.equal(reuse.res.headers.getSetCookie()[0], `${COOKIE}=; HttpOnly; Secure; Path=/; SameSite=Strict; Max-Age=0`);
    assert.equal((await refreshWithCookie(s, next)).status, 401);
  });

  test('within the grace, the rotated token again -> 200 with the SAME new refresh token and a fresh access token (body)', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const r1 = await refreshWithBody(s, l.refresh);
    assert.equal(r1.status, 200);
    s.clock.advance(GRACE - 1);
    const again = await refreshWithBody(s, l.refresh);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.refresh, r1.body.refresh, 'the same successor');
    assert.notEqual(again.body.access, r1.body.access, 'a fresh access token');
    assert.equal(await sessionStatus(again.body.access), 200);
    assert.equal(await sessionStatus(r1.body.access), 200, 'the session is alive');
    assert.equal(unusedInFamily(s.config.dbPath, await sessionOf(l.refresh)), 1, 'one unused token in the family');
    // The successor rotates normally afterwards.
    const r2 = await refreshWithBody(s, again.body.refresh);
    assert.equal(r2.status, 200);
    assert.notEqual(r2.body.refresh, again.body.refresh);
  });

  test('within the grace, the rotated cookie again -> 200 with the same new cookie', async () => {
    const l = await login(s, 'alice', 'alice password 123');
    const r1 = await refreshWithCookie(s, l.refresh);
    const again = await refreshWithCookie(s, l.refresh);
    assert.deepEqual([r1.status, again.status], [200, 200]);
    const c1 = r1.res.headers.getSetCookie()[0] ?? '';
    const c2 = again.res.headers.getSetCookie()[0] ?? '';
    assert.equal(cookieValue(c2), cookieValue(c1));
    assert.match(c2, /^__Host-ae_refresh=[A-Za-z0-9_-]{43}; HttpOnly; Secure; Path=\/; SameSite=Strict; Max-Age=\d+$/);
    assert.equal(again.body.refresh, undefined, 'cookie mode: no refresh token in the body');
  });

  test('17: two concurrent refreshes with one token -> at most one rotation: both 200 with the same new token', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const results = await Promise.all([refreshWithBody(s, l.refresh), refreshWithBody(s, l.refresh)]);
    assert.deepEqual(results.map((r) => r.status), [200, 200]);
    assert.equal(results[0]!.body.refresh, results[1]!.body.refresh);
    assert.equal(unusedInFamily(s.config.dbPath, await sessionOf(l.refresh)), 1);
  });

  for (const mode of ['cookie', 'body'] as const) {
    test(`17: ten concurrent refreshes with one token (${mode}) -> all 200 with one identical refresh token; the session lives; one unused token`, async () => {
      const l = await login(s, 'alice', 'alice password 123', mode === 'body');
      const results = await Promise.all(
        Array.from({ length: 10 }, () => (mode === 'body' ? refreshWithBody(s, l.refresh) : refreshWithCookie(s, l.refresh))),
      );
      assert.deepEqual(results.map((r) => r.status), Array(10).fill(200), JSON.stringify(results.map((r) => r.body)));
      const tokens = results.map((r) => (mode === 'body' ? r.body.refresh : cookieValue(r.res.headers.getSetCookie()[0])));
      assert.equal(new Set(tokens).size, 1, 'one identical refresh token');
      assert.notEqual(tokens[0], l.refresh);
      const sid = await sessionOf(l.refresh);
      assert.equal((await s.app.store.getSession(sid))?.revokedAt, null, 'the session is alive');
      assert.equal(unusedInFamily(s.config.dbPath, sid), 1, 'exactly one unused token in the family');
      assert.equal(await sessionStatus(results[9]!.body.access), 200);
      const next = mode === 'body' ? await refreshWithBody(s, tokens[0]!) : await refreshWithCookie(s, tokens[0]!);
      assert.equal(next.status, 200, 'the shared successor works');
    });
  }

  test('within the grace, a rotated token whose successor was used already -> 401 WITHOUT revoking (the cookie is left alone)', async () => {
    const l = await login(s, 'alice', 'alice password 123');
    const r1 = await refreshWithCookie(s, l.refresh);
    const b = cookieValue(r1.res.headers.getSetCookie()[0])!;
    const r2 = await refreshWithCookie(s, b); // the client moved on: b -> c
    const c = cookieValue(r2.res.headers.getSetCookie()[0])!;
    assert.deepEqual([r1.status, r2.status], [200, 200]);
    const late = await refreshWithCookie(s, l.refresh); // a late duplicate of the first request
    assert.equal(late.status, 401);
    assert.equal(late.body.error, 'invalid_grant');
    assert.deepEqual(late.res.headers.getSetCookie(), [], 'no Set-Cookie: the browser keeps its newest cookie');
    assert.equal((await s.app.store.getSession(await sessionOf(l.refresh)))?.revokedAt, null, 'not revoked');
    const r3 = await refreshWithCookie(s, c);
    assert.equal(r3.status, 200, 'the newest token still works');
  });

  test('logout, then a replay within the grace -> 401 (no successor for a revoked session)', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const r1 = await refreshWithBody(s, l.refresh);
    assert.equal(r1.status, 200);
    assert.equal((await call(s, 'POST', '/api/auth/logout', { json: { refresh: r1.body.refresh } })).status, 204);
    const replay = await refreshWithBody(s, l.refresh);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await refreshWithBody(s, r1.body.refresh)).status, 401);
  });

  test('the successor is derived from the server secret: another data directory derives another one', async () => {
    const other = await startServer({ config: { refreshIdleTtl: IDLE, refreshAbsoluteTtl: ABSOLUTE } });
    try {
      await addUser(other, { username: 'alice', password: 'alice password 123' });
      const a = await login(s, 'alice', 'alice password 123', true);
      const ra = await refreshWithBody(s, a.refresh);
      // Put the same token into the other server's store: its successor differs.
      const rec = (await s.app.store.findRefreshToken(hashRefreshToken(a.refresh)))!;
      const user = (await other.app.store.findUserByUsername('alice'))!;
      const now = other.clock.now();
      const session = await other.app.store.createSession({ id: randomUUID(), userId: user.id, absoluteExpiresAt: now + 100_000 }, now);
      await other.app.store.insertRefreshToken({ tokenHash: rec.tokenHash, sessionId: session.id, userId: user.id, expiresAt: now + 50_000 }, now);
      const rb = await refreshWithBody(other, a.refresh);
      assert.deepEqual([ra.status, rb.status], [200, 200]);
      assert.notEqual(rb.body.refresh, ra.body.refresh);
    } finally {
      await other.close();
    }
  });

  test('17: consume is atomic across two store connections (two processes sharing the DB)', async () => {
    const a = openSqliteStore(s.config.dbPath);
    const b = openSqliteStore(s.config.dbPath);
    try {
      const now = s.clock.now();
      const user = await a.createUser({ username: `u-${randomUUID()}`, passwordHash: 'x' }, now);
      const session = await a.createSession({ id: randomUUID(), userId: user.id, absoluteExpiresAt: now + 100_000 }, now);
      const tokenHash = hashRefreshToken(newRefreshToken());
      await a.insertRefreshToken({ tokenHash, sessionId: session.id, userId: user.id, expiresAt: now + 50_000 }, now);
      const [x, y] = await Promise.all([a.consumeRefreshToken(tokenHash, now), b.consumeRefreshToken(tokenHash, now)]);
      assert.equal([x, y].filter((r) => r !== null).length, 1);
      assert.equal(await b.consumeRefreshToken(tokenHash, now), null);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('17: past the absolute lifetime -> 401, even when refreshed all along', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    let token = l.refresh;
    for (let t = 0; t < 4; t++) {
      s.clock.advance(24); // 24, 48, 72, 96 s after login: each within the idle window
      const r = await refreshWithBody(s, token);
      assert.equal(r.status, 200, `refresh at +${(t + 1) * 24}s`);
      token = r.body.refresh;
    }
    s.clock.advance(5); // 101 s after login
    const late = await refreshWithBody(s, token);
    assert.equal(late.status, 401);
    assert.equal(late.body.error, 'invalid_grant');
  });

  test('17: rotation never extends the absolute lifetime (token expiry and cookie Max-Age)', async () => {
    const start = s.clock.now();
    const l = await login(s, 'alice', 'alice password 123');
    s.clock.advance(50);
    const r = await refreshWithCookie(s, l.refresh);
    assert.equal(r.status, 200);
    const setCookie = r.res.headers.getSetCookie()[0] ?? '';
    assert.match(setCookie, /Max-Age=50$/, 'cookie lives until the absolute expiry, not 100 s from now');
    const next = cookieValue(setCookie) ?? '';
    const rec = await s.app.store.findRefreshToken(hashRefreshToken(next));
    assert.ok(rec);
    assert.equal(rec.expiresAt, start + ABSOLUTE * 1000, 'min(now + idle, absolute) = absolute');
    const session = await s.app.store.getSession(rec.sessionId);
    assert.equal(session?.absoluteExpiresAt, start + ABSOLUTE * 1000, 'the session end did not move');
  });

  test('17: an unused token past its idle lifetime -> 401', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    s.clock.advance(IDLE + 1);
    const r = await refreshWithBody(s, l.refresh);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_grant');
  });

  test('an expired (never used) token does not revoke the family', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const rec = await s.app.store.findRefreshToken(hashRefreshToken(l.refresh));
    assert.ok(rec);
    s.clock.advance(IDLE + 1);
    assert.equal((await refreshWithBody(s, l.refresh)).status, 401);
    const session = await s.app.store.getSession(rec.sessionId);
    assert.equal(session?.revokedAt, null);
  });

  test('after logout the refresh token of the session fails', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    assert.equal((await call(s, 'POST', '/api/auth/logout', { headers: bearer(l.access) })).status, 204);
    assert.equal((await refreshWithBody(s, l.refresh)).status, 401);
  });

  test('revokeAllSessionsOfUser ends every session of the user (refresh and access)', async () => {
    const a = await login(s, 'alice', 'alice password 123', true);
    const b = await login(s, 'alice', 'alice password 123', true);
    await s.app.store.revokeAllSessionsOfUser(a.body.user.id, s.clock.now());
    assert.equal((await refreshWithBody(s, a.refresh)).status, 401);
    assert.equal((await refreshWithBody(s, b.refresh)).status, 401);
    assert.equal(await sessionStatus(b.access), 401);
  });
});

describe('refresh reuse grace is configurable (REFRESH_REUSE_GRACE)', () => {
  test('grace 0: no grace, a rotated token presented again at once -> 401 and the family revoked', async () => {
    const s = await startServer({ config: { refreshReuseGrace: 0 } });
    try {
      await addUser(s, { username: 'alice', password: 'alice password 123' });
      const l = await login(s, 'alice', 'alice password 123', true);
      const [a, b] = await Promise.all([refreshWithBody(s, l.refresh), refreshWithBody(s, l.refresh)]);
      assert.deepEqual([a.status, b.status].sort(), [200, 401], 'two concurrent refreshes: exactly one succeeds');
      const winner = (a.status === 200 ? a : b).body.refresh;
      assert.equal((await refreshWithBody(s, winner)).status, 401, 'the loser revoked the family');
    } finally {
      await s.close();
    }
  });

  test('grace 30: a replay 29 s later still gets the successor; 30 s later revokes', async () => {
    const s = await startServer({ config: { refreshReuseGrace: 30 } });
    try {
      await addUser(s, { username: 'alice', password: 'alice password 123' });
      const l = await login(s, 'alice', 'alice password 123', true);
      const r1 = await refreshWithBody(s, l.refresh);
      s.clock.advance(29);
      const again = await refreshWithBody(s, l.refresh);
      assert.equal(again.status, 200);
      assert.equal(again.body.refresh, r1.body.refresh);
      s.clock.advance(1);
      assert.equal((await refreshWithBody(s, l.refresh)).status, 401);
      assert.equal((await refreshWithBody(s, r1.body.refresh)).status, 401, 'family revoked');
    } finally {
      await s.close();
    }
  });
});
