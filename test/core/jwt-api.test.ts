// JwtApiBackend + AuthClient against injected fetch: the JWT APIs people run today, configured only
// through options, and every error outcome by code.
import { expect } from '@open-wc/testing';
import { AuthClient } from '../../src/core/client.js';
import { JwtApiBackend, type JwtApiOptions } from '../../src/core/jwt-api.js';
import { noTabSync } from '../../src/core/tabs.js';
import type { KeyValueStorage } from '../../src/core/storage.js';
import { fakeFetch, flush, json, makeIssuer, ManualClock, rejectsWith, type Issuer } from './helpers.js';

class MemoryStorage implements KeyValueStorage {
  map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
  removeItem = (k: string) => void this.map.delete(k);
}

const PASSWORD = 'correct horse battery staple';

function setup(options: Partial<JwtApiOptions>, routes: Parameters<typeof fakeFetch>[0], clock = new ManualClock()) {
  const fetch = fakeFetch(routes);
  const storage = new MemoryStorage();
  const make = () => {
    const backend = new JwtApiBackend({ ...(options.baseUrl ? {} : { url: '/token' }), fetch, storage, ...options });
    return new AuthClient({ backend, clock, tabs: noTabSync });
  };
  return { fetch, storage, clock, make, client: make() };
}

describe('JwtApiBackend', () => {
  let issuer: Issuer;
  const clock = new ManualClock();
  const now = () => Math.floor(clock.now() / 1000);
  const access = (extra: Record<string, unknown> = {}, ttl = 300) =>
    issuer.sign({ sub: '42', username: 'alice', name: 'Alice', exp: now() + ttl, iat: now(), ...extra });

  before(async () => {
    issuer = await makeIssuer();
  });

  it('logs in against a Django SimpleJWT API, keeps every response key, refreshes with the body token', async () => {
    let refreshes = 0;
    const t = setup(
      { refreshUrl: '/token/refresh', validateUrl: '/token/verify' },
      {
        'POST /token': async (call) => {
          expect(JSON.parse(call.body!)).to.deep.equal({ username: 'alice', password: PASSWORD });
          return json(200, { access: await access(), refresh: 'r-1', extra: 'kept' });
        },
        'POST /token/refresh': async (call) => {
          refreshes++;
          expect(JSON.parse(call.body!)).to.deep.equal({ refresh: 'r-1' });
          return json(200, { access: await access() });
        },
        'POST /token/verify': () => json(200, {}),
      },
      clock,
    );
    const client = t.client;
    await client.start();
    expect(client.state.status).to.equal('anonymous');
    await client.login({ username: 'alice', password: PASSWORD });
    expect(client.state.status).to.equal('authenticated');
    expect(client.state.user?.username).to.equal('alice');
    expect(client.getResponse()).to.include({ refresh: 'r-1', extra: 'kept' });
    expect(JSON.stringify(client.state)).not.to.contain('r-1');
    // persisted for reloads, without the refresh token
    const stored = [...t.storage.map.values()].join('');
    expect(stored).to.contain('kept');
    expect(stored).not.to.contain('r-1');
    // refreshed before exp (300 s lifetime, 60 s leeway)
    await clock.advance(241_000);
    expect(refreshes).to.equal(1);
    expect(client.state.status).to.equal('authenticated');
    expect(client.getResponse()).to.include({ refresh: 'r-1' });
    // a reload: a new client restores from storage, after the verify endpoint says yes
    const reloaded = t.make();
    await reloaded.start();
    expect(reloaded.state.status).to.equal('authenticated');
    expect(t.fetch.calls.filter((c) => c.url === '/token/verify')).to.have.length(1);
    client.dispose();
    reloaded.dispose();
  });

  it('works with the WordPress JWT plugin: token key, API-key header, Bearer validate, user_* keys', async () => {
    const t = setup(
      {
        url: '/wp-json/jwt-auth/v1/token',
        tokenKey: 'token',
        headers: { 'X-API-KEY': 'k-123' },
        validateUrl: '/wp-json/jwt-auth/v1/token/validate',
        validateTokenIn: 'header',
      },
      {
        'POST /wp-json/jwt-auth/v1/token': async (call) => {
          expect(call.headers['x-api-key']).to.equal('k-123');
          const token = await issuer.sign({ iss: 'wp', exp: now() + 3600, data: { user: { id: '7' } } }, { typ: 'JWT' });
          return json(200, { token, user_email: 'bob@example.com', user_nicename: 'bob', user_display_name: 'Bob B' });
        },
        'POST /wp-json/jwt-auth/v1/token/validate': (call) => {
          expect(call.headers['x-api-key']).to.equal('k-123');
          expect(call.headers.authorization).to.match(/^Bearer ey/);
          return json(200, { code: 'jwt_auth_valid_token', data: { status: 200 } });
        },
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'bob', password: PASSWORD });
    const user = t.client.state.user!;
    expect([user.id, user.username, user.name, user.email]).to.deep.equal(['7', 'bob', 'Bob B', 'bob@example.com']);
    // persisted up to cookieLifetime (15 min), not the token's hour
    expect(t.client.state.expiresAt).to.equal(clock.now() + 3600_000);
    const reloaded = t.make();
    await reloaded.start();
    expect(reloaded.state.status).to.equal('authenticated');
    await clock.advance(901_000);
    const late = t.make();
    await late.start();
    expect(late.state.status).to.equal('anonymous');
    [t.client, reloaded, late].forEach((c) => c.dispose());
  });

  it('a validate URL that says no ends the restored session', async () => {
    let valid = true;
    const t = setup(
      { validateUrl: '/validate' },
      {
        'POST /token': async () => json(200, { access: await access() }),
        'POST /validate': () => (valid ? json(200, {}) : json(401, { detail: 'Token is invalid or expired' })),
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    valid = false;
    const reloaded = t.make();
    await reloaded.start();
    expect(reloaded.state.status).to.equal('anonymous');
    expect(t.storage.map.size).to.equal(0);
  });

  it('posts form-encoded credentials with bodyFormat form and custom field names', async () => {
    const t = setup(
      { bodyFormat: 'form', usernameField: 'email', passwordField: 'pass', responseHandler: (r) => r.data as Record<string, unknown> },
      {
        'POST /token': async (call) => {
          expect(call.headers['content-type']).to.equal('application/x-www-form-urlencoded');
          expect(Object.fromEntries(new URLSearchParams(call.body!))).to.deep.equal({ email: 'a@b.c', pass: PASSWORD });
          return json(200, { data: { access: await access() } });
        },
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a@b.c', password: PASSWORD });
    expect(t.client.state.status).to.equal('authenticated');
  });

  it('restores through an HttpOnly refresh cookie and stores nothing in the browser', async () => {
    let cookie = true;
    const t = setup(
      { refreshUrl: '/refresh', refreshCookie: true, logoutUrl: '/logout' },
      {
        'POST /refresh': async (call) => {
          expect(call.credentials).to.equal('include');
          return cookie ? json(200, { access: await access() }) : json(401, { error: 'invalid_grant' });
        },
        'POST /logout': (call) => {
          expect(call.headers.authorization).to.match(/^Bearer /);
          cookie = false;
          return new Response(null, { status: 204 });
        },
      },
      clock,
    );
    await t.client.start();
    expect(t.client.state.status).to.equal('authenticated');
    expect(t.storage.map.size).to.equal(0);
    await t.client.logout();
    expect(t.client.state.status).to.equal('anonymous');
    expect(await t.client.getAccessToken()).to.equal(null);
    const reloaded = t.make();
    await reloaded.start();
    expect(reloaded.state.status).to.equal('anonymous');
    expect(reloaded.state.error).to.equal(null);
  });

  it('gives every failure its own code and never leaks the password', async () => {
    const cases: Array<[() => Response | Promise<Response>, string]> = [
      [() => json(401, { error: 'invalid_credentials', error_description: 'Invalid username or password.' }), 'invalid_credentials'],
      [() => json(403, { code: '[jwt_auth] incorrect_password', message: 'The password you entered for the username <b>x</b> is incorrect.' }), 'invalid_credentials'],
      [() => json(429, { error: 'rate_limited' }, { 'Retry-After': '30' }), 'rate_limited'],
      [() => json(503, { error: 'down' }), 'server_error'],
      [() => new Response('<html>oops</html>', { status: 200 }), 'invalid_response'],
      [() => json(200, { nothing: true }), 'invalid_response'],
      [() => json(200, { access: 'not-a-jwt' }), 'token_invalid'],
      [async () => json(200, { access: await access({}, -3600) }), 'token_expired'],
      [() => Promise.reject(new TypeError('Failed to fetch')), 'network_error'],
    ];
    for (const [answer, code] of cases) {
      const t = setup({}, { 'POST /token': answer }, clock);
      await t.client.start();
      const err = await rejectsWith(t.client.login({ username: 'alice', password: PASSWORD }), code);
      expect(JSON.stringify(err) + err.message + String(err.description)).not.to.contain(PASSWORD);
      expect(t.client.state.status).to.equal('anonymous');
      if (code === 'rate_limited') expect(err.retryAfter).to.equal(30);
    }
  });

  it('empty credentials are refused before any request', async () => {
    const t = setup({}, {}, clock);
    await t.client.start();
    await rejectsWith(t.client.login({ username: ' ', password: '' }), 'invalid_credentials');
    expect(t.fetch.calls).to.have.length(0);
  });

  it('an aborted login rejects with aborted and leaves the user signed out', async () => {
    const t = setup({}, { 'POST /token': () => new Promise<Response>(() => {}) }, clock);
    await t.client.start();
    const controller = new AbortController();
    const pending = t.client.login({ username: 'a', password: PASSWORD }, { signal: controller.signal });
    expect(t.client.state.status).to.equal('pending');
    controller.abort();
    await rejectsWith(pending, 'aborted');
    expect(t.client.state.status).to.equal('anonymous');
  });

  it('a refused refresh ends the session with session_expired', async () => {
    const t = setup(
      { refreshUrl: '/refresh' },
      {
        'POST /token': async () => json(200, { access: await access(), refresh: 'r' }),
        'POST /refresh': () => json(401, { error: 'invalid_grant' }),
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    await clock.advance(300_000);
    expect(t.client.state.status).to.equal('anonymous');
    expect(t.client.state.error?.code).to.equal('session_expired');
  });

  it('refresh is single-flight and a logout during a refresh wins', async () => {
    let release!: () => void;
    const t = setup(
      { refreshUrl: '/refresh', logoutUrl: '/logout' },
      {
        'POST /token': async () => json(200, { access: await access(), refresh: 'r' }),
        'POST /refresh': async () => {
          await new Promise<void>((r) => (release = r));
          return json(200, { access: await access() });
        },
        'POST /logout': () => new Response(null, { status: 204 }),
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    const a = t.client.refresh();
    const b = t.client.refresh();
    expect(a).to.equal(b);
    await flush();
    await t.client.logout();
    release();
    await a;
    expect(t.fetch.calls.filter((c) => c.url === '/refresh')).to.have.length(1);
    expect(t.client.state.status).to.equal('anonymous');
  });

  it('a logout the server cannot hear still signs out here and says logout_incomplete', async () => {
    const t = setup(
      { logoutUrl: '/logout' },
      { 'POST /token': async () => json(200, { access: await access() }), 'POST /logout': () => Promise.reject(new TypeError('offline')) },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    await rejectsWith(t.client.logout(), 'logout_incomplete');
    expect(t.client.state.status).to.equal('anonymous');
    expect(t.client.state.error?.code).to.equal('logout_incomplete');
    expect(t.storage.map.size).to.equal(0);
  });

  it('without a refresh URL the session ends at the token expiry', async () => {
    const t = setup({}, { 'POST /token': async () => json(200, { access: await access({}, 120) }) }, clock);
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    await clock.advance(119_000);
    expect(t.client.state.status).to.equal('authenticated');
    await clock.advance(2_000);
    expect(t.client.state.status).to.equal('anonymous');
    expect(t.client.state.error?.code).to.equal('session_expired');
  });

  it('verifies the signature against the JWKS when `verify` is set', async () => {
    const stranger = await makeIssuer('other');
    const t = setup(
      { verify: { jwksUrl: 'https://idp.test/jwks', issuer: 'https://idp.test', audience: 'app', typ: 'at+jwt' } },
      {
        'GET https://idp.test/jwks': () => json(200, issuer.jwks),
        'POST /token': async (call) => {
          const who = JSON.parse(call.body!).username;
          const signer = who === 'mallory' ? stranger : issuer;
          return json(200, { access: await signer.sign({ sub: who, iss: 'https://idp.test', aud: 'app', exp: now() + 300 }) });
        },
      },
      clock,
    );
    await t.client.start();
    await rejectsWith(t.client.login({ username: 'mallory', password: PASSWORD }), 'token_invalid');
    await t.client.login({ username: 'alice', password: PASSWORD });
    expect(t.client.state.user?.id).to.equal('alice');
  });

  it('never touches localStorage by default', async () => {
    localStorage.clear();
    sessionStorage.clear();
    const backend = new JwtApiBackend({
      url: '/token',
      fetch: fakeFetch({ 'POST /token': async () => json(200, { access: await access(), refresh: 'secret-refresh' }) }),
    });
    const client = new AuthClient({ backend, clock, tabs: noTabSync });
    await client.start();
    await client.login({ username: 'a', password: PASSWORD });
    expect(localStorage.length).to.equal(0);
    expect(JSON.stringify({ ...sessionStorage })).not.to.contain('secret-refresh');
    expect(document.cookie).not.to.contain('secret-refresh');
    await client.logout();
    expect(sessionStorage.length).to.equal(0);
    client.dispose();
  });

  it('baseUrl derives the reference server layout and account operations send its bodies', async () => {
    const t = setup(
      { baseUrl: '/api/auth/' },
      {
        'POST /api/auth/refresh': () => json(401, { error: 'invalid_grant' }),
        'POST /api/auth/login': async () => json(200, { access: await access() }),
        'POST /api/auth/register': (call) => {
          expect(JSON.parse(call.body!)).to.deep.equal({ name: 'N', email: 'n@x.io', username: 'n', password: PASSWORD });
          expect(call.headers.authorization).to.equal(undefined);
          return json(201, { user: { id: '9' } });
        },
        'POST /api/auth/password': (call) => {
          expect(call.headers.authorization).to.match(/^Bearer /);
          expect(JSON.parse(call.body!)).to.deep.equal({ current_password: PASSWORD, new_password: 'a much longer new password' });
          return new Response(null, { status: 204 });
        },
        'POST /api/auth/password/forgot': (call) => (expect(JSON.parse(call.body!)).to.deep.equal({ login: 'alice' }), json(202, { ok: true })),
        'POST /api/auth/password/reset': () => json(400, { error: 'invalid_token', error_description: 'This reset code is not valid.' }),
        'POST /api/auth/username/forgot': () => json(202, { ok: true }),
        'POST /api/auth/details': () => json(400, { error: 'weak_password', error_description: 'Use at least 15 characters.' }),
      },
      clock,
    );
    const client = t.client;
    await client.start();
    expect(t.fetch.calls[0]!.credentials).to.equal('include'); // refreshCookie defaults to true
    await client.register({ name: 'N', email: 'n@x.io', username: 'n', password: PASSWORD });
    expect(client.state.status).to.equal('anonymous'); // registering does not sign in
    await rejectsWith(client.changePassword({ currentPassword: PASSWORD, newPassword: 'x' }), 'not_authenticated');
    await client.login({ username: 'alice', password: PASSWORD });
    await client.changePassword({ currentPassword: PASSWORD, newPassword: 'a much longer new password' });
    await client.requestPasswordReset({ login: 'alice' });
    const bad = await rejectsWith(client.resetPassword({ token: 't', password: PASSWORD }), 'reset_token_invalid');
    expect(bad.description).to.equal('This reset code is not valid.');
    await client.requestUsernameReminder({ email: 'a@x.io' });
    await rejectsWith(client.updateDetails({ name: 'x' }), 'weak_password');
  });

  it('registration with proof of the mailbox: a 202 says a link was mailed; verifyRegistration posts the token to <baseUrl>/register/verify', async () => {
    const t = setup(
      { baseUrl: '/api/auth' },
      {
        'POST /api/auth/refresh': () => json(401, { error: 'invalid_grant' }),
        'POST /api/auth/register': (call) =>
          JSON.parse(call.body!).username === 'immediate' ? json(201, { user: { id: '8', username: 'immediate' } }) : json(202, { ok: true }),
        'POST /api/auth/register/verify': (call) => {
          expect(call.headers.authorization).to.equal(undefined);
          const { token } = JSON.parse(call.body!) as { token: string };
          if (token === 'good-token') return json(201, { user: { id: '9', username: 'newbie' } });
          return json(400, { error: 'invalid_token', error_description: 'This registration link or code is invalid.' });
        },
      },
      clock,
    );
    const client = t.client;
    await client.start();
    const sent = await client.register({ name: 'N', email: 'n@x.io', username: 'newbie', password: PASSWORD });
    expect(sent.verificationSent).to.equal(true);
    expect(sent.status).to.equal('anonymous'); // still the client's state: existing callers keep working
    const bad = await rejectsWith(client.verifyRegistration({ token: 'stale' }), 'verification_token_invalid');
    expect(bad.description).to.equal('This registration link or code is invalid.');
    const done = await client.verifyRegistration({ token: 'good-token' });
    expect([done.verificationSent, done.username, done.status]).to.deep.equal([false, 'newbie', 'anonymous']);
    const created = await client.register({ name: 'N', email: 'i@x.io', username: 'immediate', password: PASSWORD });
    expect([created.verificationSent, created.username]).to.deep.equal([false, 'immediate']);
    expect(t.fetch.calls.map((c) => c.url).filter((u) => u.includes('register'))).to.deep.equal([
      '/api/auth/register',
      '/api/auth/register/verify',
      '/api/auth/register/verify',
      '/api/auth/register',
    ]);
    client.dispose();
  });

  it('registerVerifyUrl can be given alone; without it verifyRegistration is unsupported', async () => {
    const t = setup({ registerVerifyUrl: '/signup/confirm' }, { 'POST /signup/confirm': () => json(201, {}) }, clock);
    await t.client.start();
    expect((await t.client.verifyRegistration({ token: 'x' })).username).to.equal(null);
    const u = setup({}, {}, clock);
    await u.client.start();
    await rejectsWith(u.client.verifyRegistration({ token: 'x' }), 'unsupported');
    expect(u.fetch.calls).to.have.length(0);
  });

  it('account operations without a configured URL are unsupported, not a request', async () => {
    const t = setup({}, { 'POST /token': async () => json(200, { access: await access() }) }, clock);
    await t.client.start();
    await rejectsWith(t.client.register({ name: 'a', email: 'a@b.c', username: 'a', password: PASSWORD }), 'unsupported');
    await rejectsWith(t.client.requestUsernameReminder({ email: 'a@b.c' }), 'unsupported');
    expect(t.fetch.calls).to.have.length(0);
  });
});
