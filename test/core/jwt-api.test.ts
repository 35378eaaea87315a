// JwtApiBackend + AuthClient against injected fetch: the JWT APIs people run today, configured only
// through options, and every error outcome by code.
import { expect } from '@open-wc/testing';
import { AuthClient } from '../../src/core/client.js';
import { JwtApiBackend, type JwtApiOptions } from '../../src/core/jwt-api.js';
import { browserTabSync, noTabSync } from '../../src/core/tabs.js';
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
    expect(client.getResponse()).to.include({ extra: 'kept' }).and.not.have.property('refresh');
    expect(JSON.stringify(client.state)).not.to.contain('r-1');
    // persisted for reloads, the refresh token in its own field, not in the response copy
    const stored = JSON.parse([...t.storage.map.values()].join(''));
    expect(stored).to.include({ v: 2, refresh: 'r-1' });
    expect(stored.response).to.include({ extra: 'kept' }).and.not.have.property('refresh');
    // refreshed before exp (300 s lifetime, 60 s leeway)
    await clock.advance(241_000);
    expect(refreshes).to.equal(1);
    expect(client.state.status).to.equal('authenticated');
    expect(client.getResponse()).not.to.have.property('refresh');
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
    const out = t.client.logout(); // waits for the refresh on its way (5 s at most), then tells the server
    await flush();
    expect(t.fetch.calls.filter((c) => c.url === '/logout')).to.have.length(0);
    release();
    await out;
    await a;
    expect(t.fetch.calls.filter((c) => c.url === '/refresh')).to.have.length(1);
    expect(t.fetch.calls.filter((c) => c.url === '/logout')).to.have.length(1);
    expect(t.client.state.status).to.equal('anonymous');
  });

  it('a logout does not wait more than 5 s for a refresh that hangs', async () => {
    const t = setup(
      { refreshUrl: '/refresh', logoutUrl: '/logout' },
      {
        'POST /token': async () => json(200, { access: await access(), refresh: 'r' }),
        'POST /refresh': () => new Promise<Response>(() => {}),
        'POST /logout': () => new Response(null, { status: 204 }),
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    void t.client.refresh().catch(() => undefined);
    await flush();
    const out = t.client.logout();
    await clock.advance(5_000);
    await out;
    expect(t.fetch.calls.filter((c) => c.url === '/logout')).to.have.length(1);
    expect(t.client.state.status).to.equal('anonymous');
    expect(t.storage.map.size).to.equal(0);
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

  it('never touches localStorage by default; the refresh token goes to sessionStorage unless refreshInMemory', async () => {
    for (const refreshInMemory of [false, true]) {
      localStorage.clear();
      sessionStorage.clear();
      const backend = new JwtApiBackend({
        url: '/token',
        refreshUrl: '/refresh',
        refreshInMemory,
        fetch: fakeFetch({ 'POST /token': async () => json(200, { access: await access(), refresh: 'secret-refresh' }) }),
      });
      const client = new AuthClient({ backend, clock, tabs: noTabSync });
      await client.start();
      await client.login({ username: 'a', password: PASSWORD });
      expect(localStorage.length).to.equal(0);
      expect(JSON.stringify({ ...sessionStorage }).includes('secret-refresh')).to.equal(!refreshInMemory);
      expect(document.cookie).not.to.contain('secret-refresh');
      await client.logout();
      expect(sessionStorage.length).to.equal(0);
      client.dispose();
    }
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

describe('JwtApiBackend: organizations (reference server routes)', () => {
  let issuer: Issuer;
  const clock = new ManualClock();
  const now = () => Math.floor(clock.now() / 1000);
  const ACME_CLAIMS = { org_id: 'acme', org_name: 'Acme Corp', org_role: 'owner', org_permissions: ['reports:read', 'members:write', 'billing:write'] };
  const GLOBEX = { id: 'glo/bex', name: 'Globex', role: 'member', permissions: ['reports:read'] };
  const access = (extra: Record<string, unknown> = {}) => issuer.sign({ sub: '42', username: 'alice', exp: now() + 300, iat: now(), ...extra });

  before(async () => {
    issuer = await makeIssuer();
  });

  /** The reference server's layout: login answers `token`; the refresh cookie is refused. */
  function server(token: () => Promise<string>, routes: Parameters<typeof fakeFetch>[0] = {}, extra: Record<string, unknown> = {}) {
    return setup(
      { baseUrl: '/api/auth' },
      {
        'POST /api/auth/refresh': () => json(401, { error: 'invalid_token' }),
        'POST /api/auth/login': async () => json(200, { access: await token(), token_type: 'Bearer', user: { id: '42' }, ...extra }),
        ...routes,
      },
      clock,
    );
  }

  async function signedIn(t: ReturnType<typeof setup>) {
    await t.client.start();
    await t.client.login({ username: 'alice', password: PASSWORD });
    return t.client;
  }

  it('the active org comes from the access token claims (org_id, org_name, org_role, org_permissions)', async () => {
    const client = await signedIn(server(() => access(ACME_CLAIMS), {}, { org: { id: 'stale', name: 'Not this one' } }));
    expect(client.state.org).to.deep.equal({ id: 'acme', name: 'Acme Corp', role: 'owner', permissions: ACME_CLAIMS.org_permissions });
    expect([client.hasRole('admin'), client.hasRole('member'), client.hasPermission('billing:write')]).to.deep.equal([true, true, true]);
    expect(client.hasPermission('billing:read')).to.equal(false);
    client.dispose();
  });

  it('without org claims the active org is the response\'s `org`; null or absent is none', async () => {
    const fromBody = await signedIn(server(() => access(), {}, { org: { id: 'acme', name: 'Acme Corp', role: 'admin', permissions: ['members:write'] } }));
    expect(fromBody.state.org).to.deep.equal({ id: 'acme', name: 'Acme Corp', role: 'admin', permissions: ['members:write'] });
    expect([fromBody.hasRole('admin'), fromBody.hasRole('owner')]).to.deep.equal([true, false]);
    for (const extra of [{ org: null }, {}, { org: { name: 'no id' } }]) {
      const none = await signedIn(server(() => access(), {}, extra));
      expect(none.state.org).to.equal(null);
      expect(none.hasRole('member')).to.equal(false);
      none.dispose();
    }
    fromBody.dispose();
  });

  it('listOrgs GETs <baseUrl>/orgs with the Bearer token; the list answers hasRole for another org', async () => {
    const t = server(() => access(ACME_CLAIMS), {
      'GET /api/auth/orgs': (call) => {
        expect(call.headers.authorization).to.match(/^Bearer ey/);
        expect(call.body).to.equal(null);
        return json(200, { orgs: [{ id: 'acme', name: 'Acme Corp', role: 'owner', permissions: ACME_CLAIMS.org_permissions }, GLOBEX], active: 'acme', roles: ['owner', 'admin', 'member'] });
      },
    });
    const client = await signedIn(t);
    expect(client.hasRole('member', 'glo/bex')).to.equal(false);
    const orgs = await client.listOrgs();
    expect(orgs.map((o) => o.id)).to.deep.equal(['acme', 'glo/bex']);
    expect(orgs[1]).to.deep.equal(GLOBEX);
    expect([client.hasRole('member', 'glo/bex'), client.hasRole('admin', 'glo/bex')]).to.deep.equal([true, false]);
    expect(client.hasPermission('reports:read', 'glo/bex')).to.equal(true);
    client.dispose();
  });

  it('selectOrg POSTs {org_id} to <baseUrl>/orgs/select and takes the new token\'s org; the refresh cookie is kept', async () => {
    const t = server(() => access(ACME_CLAIMS), {
      'POST /api/auth/orgs/select': async (call) => {
        expect(call.headers.authorization).to.match(/^Bearer ey/);
        expect(call.credentials).to.equal('include');
        const { org_id } = JSON.parse(call.body!) as { org_id: string };
        if (org_id !== 'glo/bex') return json(403, { error: 'not_a_member', message: 'You are not a member of this organization.' });
        const claims = { org_id, org_name: 'Globex', org_role: 'member', org_permissions: ['reports:read'] };
        return json(200, { access: await access(claims), token_type: 'Bearer', expires_in: 300, user: { id: '42' }, org: GLOBEX });
      },
    });
    const client = await signedIn(t);
    const before = await client.getAccessToken();
    const state = await client.selectOrg('glo/bex');
    expect(state.org).to.deep.equal(GLOBEX);
    expect([client.hasRole('member'), client.hasRole('admin')]).to.deep.equal([true, false]);
    expect(await client.getAccessToken()).not.to.equal(before);
    const err = await rejectsWith(client.selectOrg('initech'), 'forbidden');
    expect([err.status, err.error]).to.deep.equal([403, 'not_a_member']);
    expect(client.state.org?.id).to.equal('glo/bex');
    expect(t.storage.map.size).to.equal(0);
    client.dispose();
  });

  it('member operations: method, URL (ids encoded), body and Bearer token of each request', async () => {
    let token = '';
    const t = server(async () => (token = await access(ACME_CLAIMS)), {
      'GET /api/auth/orgs/a%2Fb/members': () => json(200, { members: [{ id: '7', username: 'bob', name: 'Bob', email: 'bob@x.io', role: 'member' }] }),
      'POST /api/auth/orgs/a%2Fb/members': () => json(201, { member: { id: '8', username: 'carol', role: 'admin' } }),
      'PATCH /api/auth/orgs/a%2Fb/members/u%201': () => json(200, { member: { id: 'u 1', role: 'member' } }),
      'DELETE /api/auth/orgs/a%2Fb/members/u%201': () => new Response(null, { status: 204 }),
      'POST /api/auth/orgs/a%2Fb/leave': async () => json(200, { access: await access(), token_type: 'Bearer', expires_in: 300, user: { id: '42' }, org: null }),
    });
    const client = await signedIn(t);
    const members = await client.listMembers('a/b');
    expect(members).to.deep.equal([{ id: '7', username: 'bob', name: 'Bob', email: 'bob@x.io', role: 'member' }]);
    await client.addMember({ orgId: 'a/b', login: 'carol@x.io', role: 'admin' });
    await client.setMemberRole({ orgId: 'a/b', userId: 'u 1', role: 'member' });
    await client.removeMember({ orgId: 'a/b', userId: 'u 1' });
    const left = await client.leaveOrg('a/b');
    expect(left.org).to.equal(null);
    expect(left.status).to.equal('authenticated');
    const calls = t.fetch.calls.filter((c) => c.url.includes('/orgs/'));
    expect(calls.map((c) => [c.method, c.url, c.body && JSON.parse(c.body)])).to.deep.equal([
      ['GET', '/api/auth/orgs/a%2Fb/members', null],
      ['POST', '/api/auth/orgs/a%2Fb/members', { login: 'carol@x.io', role: 'admin' }],
      ['PATCH', '/api/auth/orgs/a%2Fb/members/u%201', { role: 'member' }],
      ['DELETE', '/api/auth/orgs/a%2Fb/members/u%201', null],
      ['POST', '/api/auth/orgs/a%2Fb/leave', null],
    ]);
    for (const call of calls) expect(call.headers.authorization).to.equal(`Bearer ${token}`);
    client.dispose();
  });

  it('maps every server refusal to its AuthError code, keeping status and error, never the token', async () => {
    const cases: Array<[number, string, string]> = [
      [403, 'forbidden', 'forbidden'],
      [403, 'org_mismatch', 'forbidden'],
      [403, 'not_a_member', 'forbidden'],
      [403, 'role_too_high', 'forbidden'],
      [403, 'self_promotion', 'forbidden'],
      [409, 'last_owner', 'last_owner'],
      [404, 'user_not_found', 'not_found'],
      [404, 'member_not_found', 'not_found'],
      [409, 'already_member', 'already_member'],
      [400, 'invalid_role', 'invalid_input'],
      [401, 'invalid_token', 'session_expired'],
      [500, 'internal', 'server_error'],
    ];
    let answer: [number, string] = [200, ''];
    let token = '';
    const t = server(async () => (token = await access(ACME_CLAIMS)), {
      'PATCH /api/auth/orgs/acme/members/7': () => json(answer[0], { error: answer[1], message: 'Refused.' }),
    });
    const client = await signedIn(t);
    for (const [status, error, code] of cases) {
      answer = [status, error];
      const err = await rejectsWith(client.setMemberRole({ orgId: 'acme', userId: '7', role: 'owner' }), code);
      expect([err.status, err.error]).to.deep.equal([status, error]);
      expect(JSON.stringify(err) + err.message + String(err.description)).not.to.contain(token);
    }
    client.dispose();
  });

  it('without orgsUrl the org operations are unsupported; signed out they are not_authenticated; no request either way', async () => {
    const plain = setup({}, {}, clock);
    await plain.client.start();
    await rejectsWith(plain.client.listMembers('acme'), 'unsupported');
    await rejectsWith(plain.client.selectOrg('acme'), 'unsupported');
    expect(plain.fetch.calls).to.have.length(0);
    const t = server(() => access(ACME_CLAIMS));
    await t.client.start();
    const calls = t.fetch.calls.length;
    await rejectsWith(t.client.listOrgs(), 'not_authenticated');
    await rejectsWith(t.client.removeMember({ orgId: 'acme', userId: '7' }), 'not_authenticated');
    await rejectsWith(t.client.leaveOrg('acme'), 'not_authenticated');
    expect(t.fetch.calls.length).to.equal(calls);
  });

  it('a reload restores the active org the server session keeps (through the refresh cookie)', async () => {
    let active: Record<string, unknown> = ACME_CLAIMS;
    const t = setup({ baseUrl: '/api/auth' }, {
      'POST /api/auth/refresh': async () => json(200, { access: await access(active), token_type: 'Bearer', user: { id: '42' } }),
      'POST /api/auth/orgs/select': async () => {
        active = { org_id: 'glo/bex', org_name: 'Globex', org_role: 'member', org_permissions: ['reports:read'] };
        return json(200, { access: await access(active), token_type: 'Bearer', user: { id: '42' } });
      },
    }, clock);
    await t.client.start();
    expect(t.client.state.org?.id).to.equal('acme');
    await t.client.selectOrg('glo/bex');
    t.client.dispose();
    const reloaded = await reload(t);
    expect(reloaded.state.org).to.deep.equal(GLOBEX);
    expect(t.storage.map.size).to.equal(0);
    reloaded.dispose();
  });

  it('two tabs on one server session: an org selected in one is the active org of the other after its refresh', async () => {
    let active: Record<string, unknown> = ACME_CLAIMS;
    const fetch = fakeFetch({
      'POST /api/auth/refresh': async () => json(200, { access: await access(active), token_type: 'Bearer', user: { id: '42' } }),
      'POST /api/auth/orgs/select': async () => {
        active = { org_id: 'glo/bex', org_name: 'Globex', org_role: 'member', org_permissions: ['reports:read'] };
        return json(200, { access: await access(active), token_type: 'Bearer', user: { id: '42' } });
      },
    });
    const name = `jwt-org-${Math.random()}`;
    const tab = () => new AuthClient({ backend: new JwtApiBackend({ baseUrl: '/api/auth', fetch }), clock, tabs: browserTabSync(name), name });
    const [a, b] = [tab(), tab()];
    await Promise.all([a.start(), b.start()]);
    expect(b.state.org?.id).to.equal('acme');
    await a.selectOrg('glo/bex');
    const until = performance.now() + 5000;
    while (b.state.org?.id !== 'glo/bex' && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(b.state.org).to.deep.equal(GLOBEX);
    expect(fetch.calls.filter((c) => c.url === '/api/auth/orgs/select')).to.have.length(1);
    a.dispose();
    b.dispose();
  });

  it('orgsUrl can be given without baseUrl', async () => {
    const t = setup({ orgsUrl: '/teams' }, {
      'POST /token': async () => json(200, { access: await access(ACME_CLAIMS) }),
      'GET /teams': () => json(200, { orgs: [GLOBEX], active: null, roles: [] }),
    }, clock);
    const client = await signedIn(t);
    expect(await client.listOrgs()).to.deep.equal([GLOBEX]);
    client.dispose();
  });
});

/** A reload of the page: a new client on the same storage, started. */
async function reload(t: ReturnType<typeof setup>): Promise<AuthClient> {
  const client = t.make();
  await client.start();
  return client;
}

/**
 * A Django REST framework + SimpleJWT-shaped API (rotation and blacklist on): HS-style `typ: JWT`
 * tokens carrying `user_id` and `token_type`, a refresh JWT valid for a day, a `/api/me/` view.
 */
function simpleJwt(issuer: Issuer, clock: ManualClock, options: { refreshLifetime?: number; accessLifetime?: number } = {}) {
  const now = () => Math.floor(clock.now() / 1000);
  const valid = new Set<string>();
  const blacklisted = new Set<string>();
  const counts = { refresh: 0, me: 0 };
  let serial = 0;
  const pair = async () => {
    const jti = `j${++serial}`;
    const refresh = await issuer.sign(
      { token_type: 'refresh', exp: now() + (options.refreshLifetime ?? 86_400), iat: now(), jti, user_id: 1 },
      { typ: 'JWT' },
    );
    valid.add(refresh);
    const access = await issuer.sign(
      { token_type: 'access', exp: now() + (options.accessLifetime ?? 300), iat: now(), jti: `a${jti}`, user_id: 1 },
      { typ: 'JWT' },
    );
    return { access, refresh };
  };
  const state = { valid, blacklisted, counts, me: (): Response => json(200, ME) };
  const ME = { id: 1, username: 'alice', email: 'alice@example.com', first_name: 'Alice', last_name: 'Liddell', groups: ['staff'] };
  const routes: Parameters<typeof fakeFetch>[0] = {
    'POST /api/token/': async () => json(200, await pair()),
    'POST /api/token/refresh/': async (call) => {
      counts.refresh++;
      const body = JSON.parse(call.body ?? '{}') as { refresh?: string };
      if (!body.refresh || !valid.has(body.refresh)) return json(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' });
      valid.delete(body.refresh);
      blacklisted.add(body.refresh);
      return json(200, await pair());
    },
    'POST /api/token/blacklist/': (call) => {
      const body = JSON.parse(call.body ?? '{}') as Record<string, unknown>;
      if (typeof body.refresh !== 'string') return json(400, { refresh: ['This field is required.'] });
      if (!valid.delete(body.refresh)) return json(401, { detail: 'Token is blacklisted', code: 'token_not_valid' });
      blacklisted.add(body.refresh);
      return json(200, {});
    },
    'GET /api/me/': (call) => {
      counts.me++;
      if (!/^Bearer ey/.test(call.headers.authorization ?? '')) return json(401, { detail: 'Authentication credentials were not provided.' });
      return state.me();
    },
  };
  return { routes, state };
}

describe('JwtApiBackend against a SimpleJWT-shaped API', () => {
  let issuer: Issuer;
  let clock: ManualClock;
  const SIMPLEJWT: Partial<JwtApiOptions> = { url: '/api/token/', refreshUrl: '/api/token/refresh/', logoutUrl: '/api/token/blacklist/' };
  const stored = (storage: MemoryStorage) => [...storage.map.values()].join('\n');

  before(async () => {
    issuer = await makeIssuer();
  });
  beforeEach(() => {
    clock = new ManualClock();
  });
  /** A page whose user has just logged in. */
  async function signedIn(options: Partial<JwtApiOptions>, routes: Parameters<typeof fakeFetch>[0]) {
    const t = setup(options, routes, clock);
    await t.client.start();
    await t.client.login({ username: 'alice', password: PASSWORD });
    return t;
  }

  it('1: a reload keeps the user signed in for the refresh token\'s life, refreshing an expired access token', async () => {
    const api = simpleJwt(issuer, clock);
    const t = await signedIn(SIMPLEJWT, api.routes);
    const [refresh] = [...api.state.valid];
    expect(stored(t.storage)).to.contain(refresh); // persisted with the snapshot (sessionStorage by default)
    t.client.dispose(); // the tab is reloaded later
    await clock.advance(600_000); // the 5 min access token is long expired
    const reloaded = await reload(t);
    expect(reloaded.state.status).to.equal('authenticated');
    expect(api.state.counts.refresh).to.equal(1);
    expect(api.state.blacklisted.has(refresh!)).to.equal(true); // rotated: the stored token is the new one
    expect(stored(t.storage)).to.contain([...api.state.valid][0]);
    reloaded.dispose();
    // The snapshot lives as long as the refresh token (a day), not cookieLifetime.
    await clock.advance(86_400_000 - 1_000);
    const nextDay = await reload(t);
    expect(nextDay.state.status).to.equal('authenticated');
    nextDay.dispose();
    await clock.advance(86_400_000 + 1_000);
    const late = await reload(t);
    expect(late.state.status).to.equal('anonymous');
    expect(t.storage.map.size).to.equal(0);
    expect(api.state.counts.refresh).to.equal(2); // no refresh with a token past its exp
  });

  it('1: an opaque refresh token keeps the snapshot cookieLifetime after the last login or refresh', async () => {
    const t = setup(
      { refreshUrl: '/refresh', cookieLifetime: 3600 },
      {
        'POST /token': async () => json(200, { access: await issuer.sign({ sub: '1', exp: Math.floor(clock.now() / 1000) + 300 }), refresh: 'opaque-1' }),
        'POST /refresh': async () => json(200, { access: await issuer.sign({ sub: '1', exp: Math.floor(clock.now() / 1000) + 300 }) }),
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    t.client.dispose();
    const snapshot = JSON.parse([...t.storage.map.values()][0]!) as { expiresAt: number };
    expect(snapshot.expiresAt).to.equal(clock.now() + 3600_000);
    await clock.advance(3599_000);
    const reloaded = await reload(t);
    expect(reloaded.state.status).to.equal('authenticated');
    expect(t.fetch.calls.filter((c) => c.url === '/refresh')).to.have.length(1);
    reloaded.dispose();
  });

  it('1: refreshInMemory keeps the refresh token out of storage; a reload keeps the access token until exp', async () => {
    const api = simpleJwt(issuer, clock);
    const t = await signedIn({ ...SIMPLEJWT, refreshInMemory: true }, api.routes);
    expect(stored(t.storage)).not.to.contain([...api.state.valid][0]);
    expect(stored(t.storage)).not.to.contain('"refresh"');
    t.client.dispose();
    const reloaded = await reload(t);
    expect(reloaded.state.status).to.equal('authenticated');
    reloaded.dispose();
    await clock.advance(301_000);
    const late = await reload(t);
    expect(late.state.status).to.equal('anonymous');
    expect(api.state.counts.refresh).to.equal(0);
  });

  it('1: persist none stores nothing; a refresh cookie stores nothing', async () => {
    for (const options of [{ ...SIMPLEJWT, persist: 'none' as const }, { ...SIMPLEJWT, refreshCookie: true }]) {
      const api = simpleJwt(issuer, clock);
      const t = await signedIn(options, { ...api.routes, 'POST /api/token/refresh/': () => json(401, {}) });
      expect(t.storage.map.size).to.equal(0);
      t.client.dispose();
    }
  });

  it('1: with persist local, a tab refreshes with the token another tab rotated into storage', async () => {
    const api = simpleJwt(issuer, clock);
    const t = await signedIn({ ...SIMPLEJWT, persist: 'local' }, api.routes);
    const other = await reload(t); // a second tab on the same localStorage
    expect(other.state.status).to.equal('authenticated');
    await t.client.refresh(); // rotates: the token the second tab holds is now blacklisted
    await other.refresh();
    expect(other.state.status).to.equal('authenticated');
    expect(api.state.counts.refresh).to.equal(2);
    expect(stored(t.storage)).to.contain([...api.state.valid][0]);
    t.client.dispose();
    other.dispose();
  });

  it('2: getAccessToken() on a restored session without a refresh token returns it until exp', async () => {
    const api = simpleJwt(issuer, clock);
    const t = await signedIn({ ...SIMPLEJWT, refreshInMemory: true }, api.routes);
    const token = await t.client.getAccessToken();
    t.client.dispose();
    await clock.advance(270_000); // 30 s left, less than the 60 s leeway
    const reloaded = await reload(t);
    expect(await reloaded.getAccessToken()).to.equal(token);
    expect(reloaded.state.status).to.equal('authenticated');
    expect(api.state.counts.refresh).to.equal(0);
    await clock.advance(30_000);
    expect(reloaded.state.status).to.equal('anonymous');
    expect(reloaded.state.error?.code).to.equal('session_expired');
    reloaded.dispose();
  });

  it('3: a 20 s token: 3 back-to-back getAccessToken() make no refresh; 10 concurrent ones when due make one', async () => {
    const api = simpleJwt(issuer, clock, { accessLifetime: 20 });
    const t = await signedIn(SIMPLEJWT, api.routes);
    for (let i = 0; i < 3; i++) expect(await t.client.getAccessToken()).to.be.a('string');
    expect(api.state.counts.refresh).to.equal(0);
    t.client.dispose();
    await clock.advance(16_000); // a reload with 4 s left: due (leeway 5 s)
    const reloaded = await reload(t);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => reloaded.getAccessToken()));
    expect(new Set(tokens).size).to.equal(1);
    expect(api.state.counts.refresh).to.equal(1);
    reloaded.dispose();
  });

  it('4: user-url names the user (DRF /api/me/) after login, on restore and after refresh-on-restore', async () => {
    const api = simpleJwt(issuer, clock);
    const t = await signedIn({ ...SIMPLEJWT, userUrl: '/api/me/' }, api.routes);
    const user = t.client.state.user!;
    expect([user.id, user.username, user.name, user.email, user.roles]).to.deep.equal(['1', 'alice', 'Alice Liddell', 'alice@example.com', ['staff']]);
    expect(api.state.counts.me).to.equal(1);
    t.client.dispose();
    const reloaded = await reload(t);
    expect(reloaded.state.user?.name).to.equal('Alice Liddell');
    expect(api.state.counts.me).to.equal(2);
    reloaded.dispose();
    await clock.advance(600_000);
    const later = await reload(t);
    expect(later.state.user?.username).to.equal('alice');
    expect(api.state.counts).to.deep.equal({ refresh: 1, me: 3 });
    later.dispose();
  });

  it('4: claim mappings name the user from dotted claims, then the user-url JSON', async () => {
    const api = simpleJwt(issuer, clock);
    api.state.me = () => json(200, { profile: { display: 'Alice L.' }, mail: 'a@x.io', id: 1 });
    const sign = async () =>
      issuer.sign({ sub: 'ignored', uid: 7, nick: 'al', realm_access: { roles: ['admin', 'user'] }, exp: Math.floor(clock.now() / 1000) + 300 });
    const t = setup(
      {
        ...SIMPLEJWT,
        userUrl: '/api/me/',
        subjectClaim: 'uid',
        usernameClaim: 'nick',
        nameClaim: 'profile.display',
        emailClaim: 'mail',
        rolesClaim: 'realm_access.roles',
      },
      { ...api.routes, 'POST /api/token/': async () => json(200, { access: await sign(), refresh: 'r' }) },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'alice', password: PASSWORD });
    const user = t.client.state.user!;
    expect([user.id, user.username, user.name, user.email, user.roles]).to.deep.equal(['7', 'al', 'Alice L.', 'a@x.io', ['admin', 'user']]);
    t.client.dispose();
  });

  it('4: a failing user-url: 401 refuses the session, 5xx and the network give clear errors', async () => {
    const cases: Array<[() => Response | Promise<Response>, string]> = [
      [() => json(401, { detail: 'Given token not valid for any token type' }), 'token_invalid'],
      [() => json(503, {}), 'server_error'],
      [() => Promise.reject(new TypeError('Failed to fetch')), 'network_error'],
      [() => new Response('<html>', { status: 200 }), 'invalid_response'],
    ];
    for (const [answer, code] of cases) {
      const api = simpleJwt(issuer, clock);
      const t = setup({ ...SIMPLEJWT, userUrl: '/api/me/' }, { ...api.routes, 'GET /api/me/': answer }, clock);
      await t.client.start();
      const err = await rejectsWith(t.client.login({ username: 'alice', password: PASSWORD }), code);
      expect(err.message).not.to.contain('\n');
      expect(t.client.state.status).to.equal('anonymous');
      expect(t.storage.map.size).to.equal(0);
      t.client.dispose();
    }
    // On restore: a 401 drops the stored session; a 5xx keeps it and says so.
    const api = simpleJwt(issuer, clock);
    let answer = (): Response => json(200, { id: 1, username: 'alice' });
    const t = await signedIn({ ...SIMPLEJWT, userUrl: '/api/me/', refreshInMemory: true }, { ...api.routes, 'GET /api/me/': () => answer() });
    t.client.dispose();
    answer = () => json(502, {});
    const down = await reload(t);
    expect(down.state.status).to.equal('error');
    expect(down.state.error?.code).to.equal('server_error');
    expect(t.storage.map.size).to.equal(1);
    down.dispose();
    answer = () => json(401, {});
    const refused = await reload(t);
    expect(refused.state.status).to.equal('anonymous');
    expect(t.storage.map.size).to.equal(0);
    refused.dispose();
  });

  it('6: logout after a reload blacklists the refresh token with exactly {"refresh": …}', async () => {
    const api = simpleJwt(issuer, clock);
    const t = await signedIn(SIMPLEJWT, api.routes);
    const [refresh] = [...api.state.valid];
    t.client.dispose();
    const reloaded = await reload(t);
    await reloaded.logout();
    const call = t.fetch.calls.find((c) => c.url === '/api/token/blacklist/')!;
    expect(call.body).to.equal(JSON.stringify({ refresh }));
    expect(call.headers['content-type']).to.equal('application/json');
    expect(api.state.blacklisted.has(refresh!)).to.equal(true);
    expect(reloaded.state.error).to.equal(null);
    expect(t.storage.map.size).to.equal(0);
    reloaded.dispose();
  });

  it('7: getResponse() never holds the refresh token (dotted refreshKey too) and is a deep copy', async () => {
    const t = setup(
      { refreshUrl: '/refresh', tokenKey: 'data.access', refreshKey: 'data.refresh' },
      {
        'POST /token': async () =>
          json(200, { data: { access: await issuer.sign({ sub: '1', exp: Math.floor(clock.now() / 1000) + 300 }), refresh: 'secret-r', scope: 'x' }, top: 1 }),
        'POST /refresh': async () => json(200, { data: { access: await issuer.sign({ sub: '1', exp: Math.floor(clock.now() / 1000) + 300 }) } }),
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    const response = t.client.getResponse() as { data: Record<string, unknown>; top: number };
    expect(JSON.stringify(response)).not.to.contain('secret-r');
    expect(response.data.scope).to.equal('x');
    response.data.refresh = 'tampered';
    expect(JSON.stringify(t.client.getResponse())).not.to.contain('tampered');
    await t.client.refresh();
    // A wrapped API still takes {"refresh": …}: the last part of the dotted key names the field.
    expect(t.fetch.calls.find((c) => c.url === '/refresh')!.body).to.equal(JSON.stringify({ refresh: 'secret-r' }));
    expect(JSON.stringify(t.client.getResponse())).not.to.contain('secret-r');
    t.client.dispose();
  });

  it('8: with refreshInMemory a dotted refreshKey never reaches storage; the snapshot is v2, a v1 one is dropped', async () => {
    const t = setup(
      { refreshUrl: '/refresh', tokenKey: 'data.access', refreshKey: 'data.refresh', refreshInMemory: true },
      {
        'POST /token': async () =>
          json(200, { data: { access: await issuer.sign({ sub: '1', exp: Math.floor(clock.now() / 1000) + 300 }), refresh: 'secret-r' } }),
      },
      clock,
    );
    await t.client.start();
    await t.client.login({ username: 'a', password: PASSWORD });
    expect(stored(t.storage)).not.to.contain('secret-r');
    expect(JSON.parse(stored(t.storage)).v).to.equal(2);
    t.client.dispose();
    const access = await issuer.sign({ sub: '1', exp: Math.floor(clock.now() / 1000) + 300 });
    t.storage.map.set('auth-elements:session', JSON.stringify({ v: 1, response: { data: { access } }, expiresAt: clock.now() + 60_000 }));
    const reloaded = await reload(t);
    expect(reloaded.state.status).to.equal('anonymous');
    expect(t.storage.map.size).to.equal(0);
    reloaded.dispose();
  });

  /** The SimpleJWT routes, with the answer to the next refresh held back until `release()`. */
  function heldRefresh(api: ReturnType<typeof simpleJwt>) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atServer = new Promise<void>((resolve) => (reached = resolve));
    const routes = {
      ...api.routes,
      'POST /api/token/refresh/': async (call: Parameters<(typeof api.routes)[string]>[0]) => {
        const answer = await api.routes['POST /api/token/refresh/']!(call); // the server has rotated
        reached();
        await held;
        return answer;
      },
    };
    return { routes, release, atServer };
  }

  it('logout during a refresh in flight: the newest refresh token is blacklisted and nothing is stored again', async () => {
    const api = simpleJwt(issuer, clock);
    const hold = heldRefresh(api);
    const t = await signedIn(SIMPLEJWT, hold.routes);
    const refreshing = t.client.refresh().catch(() => undefined);
    await hold.atServer;
    const loggedOut = t.client.logout();
    hold.release();
    await loggedOut;
    await refreshing;
    expect(api.state.valid.size).to.equal(0); // the rotated-in token was blacklisted too
    expect(t.storage.map.size).to.equal(0);
    expect(t.client.state.status).to.equal('anonymous');
    const reloaded = await reload(t);
    expect(reloaded.state.status).to.equal('anonymous');
    reloaded.dispose();
  });

  it('another tab\'s logout (forget) during a refresh in flight: the late answer brings nothing back', async () => {
    const api = simpleJwt(issuer, clock);
    const hold = heldRefresh(api);
    const t = await signedIn(SIMPLEJWT, hold.routes);
    const refreshing = t.client.refresh().catch((err: unknown) => err);
    await hold.atServer;
    t.client.backend.forget(); // what the client does on the other tab's logout message
    hold.release();
    await refreshing;
    expect(t.storage.map.size).to.equal(0);
    expect(t.client.backend.accessToken?.()).to.equal(null);
    t.client.dispose();
    const reloaded = await reload(t);
    expect(reloaded.state.status).to.equal('anonymous');
    reloaded.dispose();
  });

  it('9: a refresh token handed over as the access token is refused (token_type refresh)', async () => {
    const api = simpleJwt(issuer, clock);
    const t = setup({ ...SIMPLEJWT, tokenKey: 'refresh' }, api.routes, clock);
    await t.client.start();
    const err = await rejectsWith(t.client.login({ username: 'alice', password: PASSWORD }), 'token_invalid');
    expect(err.description).to.contain('token_type');
    t.client.dispose();
  });
});
