/** Every endpoint of the JWT API mode, headers, cookies, CORS and CSRF. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openSqliteStore } from '../../server/store/sqlite.js';
import type { Store } from '../../server/store/types.js';
import {
  ALLOWED_ORIGIN,
  AUDIENCE,
  COOKIE,
  ISSUER,
  addUser,
  bearer,
  call,
  cookieValue,
  decodeJwtPart,
  login,
  post,
  refreshWithBody,
  refreshWithCookie,
  startServer,
  tempDir,
  type TestServer,
} from './helpers.js';

const COOKIE_ATTRS = /^__Host-ae_refresh=([A-Za-z0-9_-]{43}); HttpOnly; Secure; Path=\/; SameSite=Strict; Max-Age=(\d+)$/;
/** A login also sets the device cookie (issue 6 item 12; test/server/throttle.test.ts checks it). */
const isDeviceCookie = (c: string): boolean => c.startsWith('__Host-ae_device=');
/** The Set-Cookie headers of a response other than the device cookie. */
const nonDeviceCookies = (res: Response): string[] => res.headers.getSetCookie().filter((c) => !isDeviceCookie(c));

describe('JWT API endpoints', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await addUser(s, { username: 'Alice', password: 'correct horse battery', name: 'Alice Example', email: 'alice@example.com', roles: ['member'] });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.logger.errors, [], 'no unexpected server errors were logged');
  });

  test('GET /healthz -> 200 {ok:true} with security headers', async () => {
    const r = await call(s, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: true });
    assert.equal(r.res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.res.headers.get('referrer-policy'), 'no-referrer');
  });

  test('GET /.well-known/jwks.json -> public ES256 keys only', async () => {
    const r = await call(s, 'GET', '/.well-known/jwks.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.keys.length, 1);
    const [k] = r.body.keys;
    assert.equal(k.kty, 'EC');
    assert.equal(k.crv, 'P-256');
    assert.equal(k.use, 'sig');
    assert.equal(k.alg, 'ES256');
    assert.equal(k.kid, s.app.keys.signing.kid);
    assert.equal(k.d, undefined, 'no private part');
    assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  test('POST /api/auth/login (JSON) -> 200 with access token, user and refresh cookie', async () => {
    const r = await login(s, 'alice', 'correct horse battery');
    assert.equal(r.status, 200);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 300);
    assert.equal(r.body.refresh, undefined, 'no refresh token in the body by default');
    assert.deepEqual(Object.keys(r.body.user).sort(), ['email', 'id', 'name', 'roles', 'username']);
    assert.equal(r.body.user.username, 'Alice');
    assert.equal(r.body.user.name, 'Alice Example');
    assert.equal(r.body.user.email, 'alice@example.com');
    assert.deepEqual(r.body.user.roles, ['member']);
    assert.equal(r.res.headers.get('cache-control'), 'no-store');

    const header = decodeJwtPart(r.access, 0);
    assert.deepEqual(header, { alg: 'ES256', kid: s.app.keys.signing.kid, typ: 'at+jwt' });
    const claims = decodeJwtPart(r.access, 1);
    assert.equal(claims['iss'], ISSUER);
    assert.equal(claims['aud'], AUDIENCE);
    assert.equal(claims['sub'], r.body.user.id);
    assert.equal(claims['username'], 'Alice');
    assert.deepEqual(claims['roles'], ['member']);
    assert.equal(typeof claims['sid'], 'string');
    assert.equal(typeof claims['jti'], 'string');
    assert.equal((claims['exp'] as number) - (claims['iat'] as number), 300);
  });

  test('refresh cookie attributes are exactly HttpOnly; Secure; Path=/; SameSite=Strict, no Domain', async () => {
    const r = await login(s, 'alice', 'correct horse battery');
    const cookies = nonDeviceCookies(r.res);
    assert.equal(cookies.length, 1);
    const m = COOKIE_ATTRS.exec(cookies[0] ?? '');
    assert.ok(m, `unexpected Set-Cookie: ${cookies[0]}`);
    assert.equal(Number(m[2]), 30 * 24 * 3600, 'Max-Age = seconds to the absolute expiry');
    assert.doesNotMatch(cookies[0] ?? '', /domain/i);
  });

  test('POST /api/auth/login with a form-encoded body -> 200', async () => {
    const r = await call(s, 'POST', '/api/auth/login', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: 'correct horse battery' }).toString(),
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.user.username, 'Alice');
    assert.match(nonDeviceCookies(r.res)[0] ?? '', COOKIE_ATTRS);
  });

  test('login with "refresh_in_body": true -> refresh token in the body and no refresh cookie', async () => {
    const r = await login(s, 'alice', 'correct horse battery', true);
    assert.equal(r.status, 200);
    assert.match(r.body.refresh, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(nonDeviceCookies(r.res), []);
  });

  test('login with ?refresh_in_body=1 (form body) -> refresh token in the body', async () => {
    const r = await call(s, 'POST', '/api/auth/login?refresh_in_body=1', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=correct+horse+battery',
    });
    assert.equal(r.status, 200);
    assert.match(r.body.refresh, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(nonDeviceCookies(r.res), []);
  });

  test('GET /api/auth/session with the access token -> 200 user and expires_at', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const r = await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.user, l.body.user);
    assert.equal(r.body.expires_at, decodeJwtPart(l.access, 1)['exp']);
  });

  test('GET /api/auth/session without a token -> 401 invalid_token with WWW-Authenticate', async () => {
    const r = await call(s, 'GET', '/api/auth/session');
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_token');
    assert.equal(typeof r.body.error_description, 'string');
    assert.equal(r.res.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });

  test('POST /api/auth/verify -> 200 {} for a valid token, 401 for garbage, 400 without token', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const ok = await post(s, '/api/auth/verify', { token: l.access });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, {});
    const bad = await post(s, '/api/auth/verify', { token: 'not-a-token' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_token');
    const missing = await post(s, '/api/auth/verify', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
    assert.match(missing.body.error_description, /"token"/);
  });

  test('POST /api/auth/refresh with the cookie -> 200, a new access token and a rotated cookie', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const r = await refreshWithCookie(s, l.refresh);
    assert.equal(r.status, 200);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.user.username, 'Alice');
    assert.notEqual(r.body.access, l.access);
    assert.equal(r.body.refresh, undefined);
    const next = cookieValue(r.res.headers.getSetCookie()[0]);
    assert.match(r.res.headers.getSetCookie()[0] ?? '', COOKIE_ATTRS);
    assert.ok(next !== null && next !== l.refresh, 'the refresh token rotated');
    const again = await refreshWithCookie(s, next);
    assert.equal(again.status, 200);
  });

  test('refresh with the cookie and X-Auth-CSRF: 1 (no body) -> 200', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const r = await call(s, 'POST', '/api/auth/refresh', { headers: { cookie: `${COOKIE}=${l.refresh}`, 'x-auth-csrf': '1' } });
    assert.equal(r.status, 200);
  });

  test('refresh with the cookie but no CSRF proof (form content type) -> 403 csrf_required', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const r = await call(s, 'POST', '/api/auth/refresh', {
      headers: { cookie: `${COOKIE}=${l.refresh}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'csrf_required');
    // The token was not consumed: it still works with proof.
    assert.equal((await refreshWithCookie(s, l.refresh)).status, 200);
  });

  test('refresh in body mode -> 200 with the new refresh token in the body and no cookie', async () => {
    const l = await login(s, 'alice', 'correct horse battery', true);
    const r = await refreshWithBody(s, l.refresh);
    assert.equal(r.status, 200);
    assert.match(r.body.refresh, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(r.body.refresh, l.refresh);
    assert.deepEqual(r.res.headers.getSetCookie(), []);
  });

  test('refresh without any token -> 401 invalid_grant and the cookie is cleared', async () => {
    const r = await post(s, '/api/auth/refresh', {});
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_grant');
    assert.equal(r.res.headers.getSetCookie()[0], `${COOKIE}=; HttpOnly; Secure; Path=/; SameSite=Strict; Max-Age=0`);
  });

  test('refresh with an unknown token -> 401 invalid_grant', async () => {
    const r = await refreshWithBody(s, 'A'.repeat(43));
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_grant');
    const wrongType = await post(s, '/api/auth/refresh', { refresh: 42 });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error, 'invalid_request');
  });

  test('logout revokes: the session probe fails at once and the refresh cookie no longer works', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 200);
    const out = await call(s, 'POST', '/api/auth/logout', {
      headers: { ...bearer(l.access), cookie: `${COOKIE}=${l.refresh}`, 'content-type': 'application/json' },
    });
    assert.equal(out.status, 204);
    assert.equal(out.res.headers.getSetCookie()[0], `${COOKIE}=; HttpOnly; Secure; Path=/; SameSite=Strict; Max-Age=0`);
    const probe = await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) });
    assert.equal(probe.status, 401);
    assert.equal(probe.body.error, 'invalid_token');
    const r = await refreshWithCookie(s, l.refresh);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_grant');
  });

  test('logout with only the Bearer token revokes the session (and its refresh tokens)', async () => {
    const l = await login(s, 'alice', 'correct horse battery', true);
    const out = await call(s, 'POST', '/api/auth/logout', { headers: bearer(l.access) });
    assert.equal(out.status, 204);
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 401);
    assert.equal((await refreshWithBody(s, l.refresh)).status, 401);
  });

  test('logout with only the refresh token in the body revokes the session', async () => {
    const l = await login(s, 'alice', 'correct horse battery', true);
    assert.equal((await post(s, '/api/auth/logout', { refresh: l.refresh })).status, 204);
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 401);
  });

  test('logout is idempotent: twice -> 204 both times; with nothing at all -> 204', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const headers = { ...bearer(l.access), cookie: `${COOKIE}=${l.refresh}`, 'x-auth-csrf': '1' };
    assert.equal((await call(s, 'POST', '/api/auth/logout', { headers })).status, 204);
    assert.equal((await call(s, 'POST', '/api/auth/logout', { headers })).status, 204);
    assert.equal((await call(s, 'POST', '/api/auth/logout')).status, 204);
  });

  test('logout with the cookie but no CSRF proof -> 403 and nothing revoked', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const r = await call(s, 'POST', '/api/auth/logout', { headers: { cookie: `${COOKIE}=${l.refresh}` } });
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'csrf_required');
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 200);
  });

  test('logout by GET -> 405 with Allow: POST', async () => {
    const l = await login(s, 'alice', 'correct horse battery');
    const r = await call(s, 'GET', '/api/auth/logout', { headers: { cookie: `${COOKIE}=${l.refresh}` } });
    assert.equal(r.status, 405);
    assert.equal(r.res.headers.get('allow'), 'POST');
    assert.equal(r.body.error, 'method_not_allowed');
    const put = await call(s, 'PUT', '/api/auth/logout');
    assert.equal(put.status, 405);
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 200, 'still logged in');
  });

  test('wrong method on other endpoints -> 405 with Allow', async () => {
    const r = await call(s, 'POST', '/api/auth/session');
    assert.equal(r.status, 405);
    assert.equal(r.res.headers.get('allow'), 'GET');
    const l = await call(s, 'GET', '/api/auth/login');
    assert.equal(l.status, 405);
    assert.equal(l.res.headers.get('allow'), 'POST');
    const h = await call(s, 'POST', '/healthz');
    assert.equal(h.status, 405);
  });

  test('unknown route -> 404 JSON', async () => {
    for (const p of ['/api/auth/nope', '/api/auth/login/', '/api/', '/nothing-here']) {
      const r = await call(s, 'GET', p);
      assert.equal(r.status, 404, p);
      assert.equal(r.body.error, 'not_found', p);
      assert.equal(typeof r.body.error_description, 'string');
    }
  });

  test('POST with a content type other than JSON or form -> 415', async () => {
    const r = await call(s, 'POST', '/api/auth/login', { headers: { 'content-type': 'text/plain' }, body: 'username=alice' });
    assert.equal(r.status, 415);
    assert.equal(r.body.error, 'unsupported_media_type');
  });

  test('every API response has nosniff, no-referrer and no-store', async () => {
    for (const r of [await call(s, 'GET', '/api/auth/session'), await post(s, '/api/auth/login', { username: 'x', password: 'y' }), await call(s, 'GET', '/api/x')]) {
      assert.equal(r.res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(r.res.headers.get('cache-control'), 'no-store');
    }
  });

  test('CORS: an allowed origin gets ACAO and credentials; another origin gets neither', async () => {
    const ok = await call(s, 'GET', '/api/auth/session', { headers: { origin: ALLOWED_ORIGIN } });
    assert.equal(ok.res.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
    assert.equal(ok.res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(ok.res.headers.get('vary') ?? '', /Origin/);
    const other = await call(s, 'GET', '/api/auth/session', { headers: { origin: 'https://evil.example' } });
    assert.equal(other.res.headers.get('access-control-allow-origin'), null);
    assert.equal(other.res.headers.get('access-control-allow-credentials'), null);
  });

  test('CORS preflight: allowed origin -> 204 with methods and headers; other origin -> 403 without CORS headers', async () => {
    const ok = await call(s, 'OPTIONS', '/api/auth/refresh', {
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(ok.status, 204);
    assert.equal(ok.res.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
    assert.equal(ok.res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(ok.res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(ok.res.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    const bad = await call(s, 'OPTIONS', '/api/auth/refresh', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(bad.status, 403);
    assert.equal(bad.body.error, 'forbidden_origin');
    assert.equal(bad.res.headers.get('access-control-allow-origin'), null);
    assert.equal(bad.res.headers.get('access-control-allow-credentials'), null);
  });

  test('CORS never answers "*" with credentials, not even for Origin: null', async () => {
    const r = await call(s, 'GET', '/api/auth/session', { headers: { origin: 'null' } });
    assert.equal(r.res.headers.get('access-control-allow-origin'), null);
  });

  test('a foreign Origin on a state-changing call -> 403 forbidden_origin (login, refresh, logout)', async () => {
    const evil = { origin: 'https://evil.example' };
    const l = await login(s, 'alice', 'correct horse battery');
    const a = await post(s, '/api/auth/login', { username: 'alice', password: 'correct horse battery' }, evil);
    assert.equal(a.status, 403);
    assert.equal(a.body.error, 'forbidden_origin');
    const b = await refreshWithCookie(s, l.refresh, evil);
    assert.equal(b.status, 403);
    assert.equal(b.body.error, 'forbidden_origin');
    const c = await call(s, 'POST', '/api/auth/logout', { headers: { ...evil, cookie: `${COOKIE}=${l.refresh}`, 'content-type': 'application/json' } });
    assert.equal(c.status, 403);
    // The server's own origin (from the issuer) and allowlisted origins are accepted.
    assert.equal((await refreshWithCookie(s, l.refresh, { origin: ISSUER })).status, 200);
    const d = await post(s, '/api/auth/login', { username: 'alice', password: 'correct horse battery' }, { origin: ALLOWED_ORIGIN });
    assert.equal(d.status, 200);
  });

  test('a disabled user: existing access tokens stop working at once, refresh fails', async () => {
    const u = await addUser(s, { username: 'bob', password: 'bob password 123' });
    const l = await login(s, 'bob', 'bob password 123');
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 200);
    await s.app.store.setDisabled(u.id, true, s.clock.now());
    assert.equal((await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) })).status, 401);
    assert.equal((await refreshWithCookie(s, l.refresh)).status, 401);
  });

  test('a role taken away shows on the next session probe (the user comes from the store)', async () => {
    const u = await addUser(s, { username: 'carol', password: 'carol password 1', roles: ['admin'] });
    const l = await login(s, 'carol', 'carol password 1');
    await s.app.store.setRoles(u.id, ['member'], s.clock.now());
    const r = await call(s, 'GET', '/api/auth/session', { headers: bearer(l.access) });
    assert.deepEqual(r.body.user.roles, ['member']);
  });
});

describe('AUTH_COOKIE_SECURE=0', () => {
  test('the refresh cookie is ae_refresh without Secure (plain-http development)', async () => {
    const s = await startServer({ config: { cookieSecure: false } });
    try {
      await addUser(s, { username: 'dev', password: 'dev password 123' });
      const l = await login(s, 'dev', 'dev password 123');
      assert.match(l.setCookie ?? '', /^ae_refresh=[A-Za-z0-9_-]{43}; HttpOnly; Path=\/; SameSite=Strict; Max-Age=\d+$/);
      const r = await call(s, 'POST', '/api/auth/refresh', { headers: { cookie: `ae_refresh=${l.refresh}`, 'x-auth-csrf': '1' } });
      assert.equal(r.status, 200);
    } finally {
      await s.close();
    }
  });
});

describe('unexpected errors', () => {
  test('a failing store -> 500 server_error, logged without the password, and the server keeps serving', async () => {
    const dataDir = tempDir();
    const real = openSqliteStore(path.join(dataDir, 'auth.db'));
    const store: Store = {
      ...real,
      findUserByUsername: async () => {
        throw new Error('database is unavailable');
      },
    };
    const s = await startServer({ dataDir, deps: { store } });
    try {
      const r = await post(s, '/api/auth/login', { username: 'alice', password: 'hunter2-secret-password' });
      assert.equal(r.status, 500);
      assert.deepEqual(r.body, { error: 'server_error', error_description: 'The server could not process the request.' });
      assert.doesNotMatch(JSON.stringify(r.body), /database is unavailable|at /);
      assert.equal(s.logger.errors.length, 1);
      assert.match(s.logger.errors[0] ?? '', /POST \/api\/auth\/login/);
      assert.doesNotMatch(s.logger.errors[0] ?? '', /hunter2/);
      assert.equal((await call(s, 'GET', '/healthz')).status, 200);
    } finally {
      await s.close();
      await real.close();
    }
  });
});
