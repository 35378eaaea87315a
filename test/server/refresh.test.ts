/** SECURITY 17: refresh-token rotation, reuse detection, concurrency and lifetimes (injected clock). */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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

  test('17: reusing a rotated-out token -> 401 and the whole family is revoked (the newer token fails too)', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const r1 = await refreshWithBody(s, l.refresh);
    assert.equal(r1.status, 200);
    const reuse = await refreshWithBody(s, l.refresh);
    assert.equal(reuse.status, 401);
    assert.deepEqual(reuse.body, { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked.' });
    const newer = await refreshWithBody(s, r1.body.refresh);
    assert.equal(newer.status, 401, 'the token issued after the reused one is dead too');
    assert.equal(newer.body.error, 'invalid_grant');
    assert.equal(await sessionStatus(r1.body.access), 401, 'access tokens of the family stop working at once');
    assert.equal(await sessionStatus(l.access), 401);
  });

  test('17: reuse detection also works for the cookie flow and clears the cookie', async () => {
    const l = await login(s, 'alice', 'alice password 123');
    const r1 = await refreshWithCookie(s, l.refresh);
    assert.equal(r1.status, 200);
    const next = cookieValue(r1.res.headers.getSetCookie()[0]);
    assert.ok(next);
    const reuse = await refreshWithCookie(s, l.refresh);
    assert.equal(reuse.status, 401);
    assert.equal(reuse.res.headers.getSetCookie()[0], `${COOKIE}=; HttpOnly; Secure; Path=/; SameSite=Strict; Max-Age=0`);
    assert.equal((await refreshWithCookie(s, next)).status, 401);
  });

  test('17: two concurrent refreshes with one token -> exactly one 200', async () => {
    const l = await login(s, 'alice', 'alice password 123', true);
    const results = await Promise.all([refreshWithBody(s, l.refresh), refreshWithBody(s, l.refresh)]);
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 401]);
  });

  test('17: ten concurrent refreshes with one token -> exactly one 200', async () => {
    const l = await login(s, 'alice', 'alice password 123');
    const results = await Promise.all(Array.from({ length: 10 }, () => refreshWithCookie(s, l.refresh)));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.equal(results.filter((r) => r.status === 401).length, 9);
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
