import { aTimeout, expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthForgot, type AuthLogin, type AuthProvider, type AuthRegister, type AuthStatus } from '../../src/components/index.js';
import type { AuthErrorEvent } from '../../src/components/events/auth-error.js';
import { JwtApiBackend } from '../../src/core/jwt-api.js';
import { ada, fakeClient, session } from './fake-backend.js';
import { captureWarnings, errorText, part, untilStatus } from './helpers.js';
import { makeIssuer } from '../core/helpers.js';

function b64u(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A decodable (unverified) access token; the JWT backend only reads it when no JWKS is configured. */
function token(claims: Record<string, unknown>): string {
  const exp = Math.floor(Date.now() / 1000) + 600;
  return `${b64u(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64u(JSON.stringify({ exp, ...claims }))}.c2ln`;
}

interface Request {
  url: string;
  method: string;
  contentType: string | null;
  authorization: string | null;
  body: string;
}

/** Replace window.fetch for one test: answers the given routes, records every request. */
function stubFetch(routes: Record<string, (req: Request) => Response>) {
  const original = window.fetch;
  const requests: Request[] = [];
  window.fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, location.href);
    const req: Request = {
      url: url.pathname,
      method: (init.method ?? 'GET').toUpperCase(),
      contentType: new Headers(init.headers).get('content-type'),
      authorization: new Headers(init.headers).get('authorization'),
      body: typeof init.body === 'string' ? init.body : '',
    };
    requests.push(req);
    const handler = routes[`${req.method} ${req.url}`];
    if (!handler) return new Response('not found', { status: 404 });
    return handler(req);
  };
  return { requests, restore: () => (window.fetch = original) };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function container(markup: string): Promise<HTMLDivElement> {
  const div = await fixture<HTMLDivElement>(html`<div></div>`);
  div.innerHTML = markup;
  return div;
}

async function loginThroughForm(login: AuthLogin, username: string, password: string) {
  (login.querySelector('input[name=username]') as HTMLInputElement).value = username;
  (login.querySelector('input[name=password]') as HTMLInputElement).value = password;
  (login.querySelector('button[type=submit]') as HTMLButtonElement).click();
}

describe('auth-provider', () => {
  let fetchStub: ReturnType<typeof stubFetch> | null = null;
  beforeEach(() => sessionStorage.clear());
  afterEach(() => {
    fetchStub?.restore();
    fetchStub = null;
    sessionStorage.clear();
  });

  it('is accessible with its content', async () => {
    const { client } = fakeClient({ restore: session(ada) });
    const provider = await fixture<AuthProvider>(html`<auth-provider .client=${client}><auth-status></auth-status></auth-provider>`);
    await untilStatus(provider.querySelector('auth-status') as AuthStatus, 'authenticated');
    await expect(provider).to.be.accessible();
  });

  it('uses a client set through the `client` property, and starts it', async () => {
    const { client } = fakeClient({ restore: session(ada) });
    const provider = await fixture<AuthProvider>(html`<auth-provider .client=${client}><auth-status></auth-status></auth-provider>`);
    expect(provider.client).to.equal(client);
    const status = provider.querySelector('auth-status') as AuthStatus;
    await untilStatus(status, 'authenticated');
    expect(provider.state.user).to.equal(ada);
    expect(provider.matches(':state(authenticated)')).to.be.true;
    expect(getComputedStyle(provider).display).to.equal('contents');
  });

  it('follows a replaced client', async () => {
    const first = fakeClient({ restore: null });
    const second = fakeClient({ restore: session(ada) });
    const provider = await fixture<AuthProvider>(html`<auth-provider .client=${first.client}><auth-status></auth-status></auth-provider>`);
    const status = provider.querySelector('auth-status') as AuthStatus;
    await untilStatus(status, 'anonymous');
    provider.client = second.client;
    await untilStatus(status, 'authenticated');
  });

  it('builds the real JWT API backend from attributes', async () => {
    fetchStub = stubFetch({
      'POST /api/token': () => json({ access: token({ sub: 'u1', name: 'Ada from JWT', roles: ['admin'] }), extra: 'kept' }),
    });
    const div = await container(
      `<auth-provider url="/api/token" body-format="form" token-key="access" persist="none" name="attr-test">
         <auth-login></auth-login><auth-status></auth-status>
       </auth-provider>`,
    );
    const provider = div.querySelector('auth-provider') as AuthProvider;
    const login = div.querySelector('auth-login') as AuthLogin;
    await untilStatus(login, 'anonymous');
    expect(provider.client).to.exist;
    expect(provider.client!.backend).to.be.instanceOf(JwtApiBackend);
    expect((provider.client!.backend as JwtApiBackend).persistMode).to.equal('none');
    expect(fetchStub.requests).to.have.length(0); // nothing to restore, no request
    await loginThroughForm(login, 'ada', 'pw');
    await untilStatus(login, 'authenticated');
    expect(fetchStub.requests).to.have.length(1);
    expect(fetchStub.requests[0]!.contentType).to.equal('application/x-www-form-urlencoded');
    expect(fetchStub.requests[0]!.body).to.equal('username=ada&password=pw');
    expect(provider.state.user?.name).to.equal('Ada from JWT');
    expect(provider.client!.getResponse()?.extra).to.equal('kept');
    const status = div.querySelector('auth-status') as AuthStatus;
    await status.updateComplete;
    expect(part(status, 'user')!.textContent).to.equal('Ada from JWT');
  });

  it('derives every URL from base-url (no url needed) and serves the account elements', async () => {
    fetchStub = stubFetch({
      'POST /api/auth/refresh': () => json({ error: 'invalid_grant' }, 401),
      'POST /api/auth/register': () => json({ ok: true }, 201),
      'POST /api/auth/password/forgot': () => json({ ok: true }, 202),
    });
    const div = await container(
      `<auth-provider base-url="/api/auth/" name="base-url-test">
         <auth-register></auth-register><auth-forgot></auth-forgot>
       </auth-provider>`,
    );
    const provider = div.querySelector('auth-provider') as AuthProvider;
    const register = div.querySelector('auth-register') as AuthRegister;
    await untilStatus(register, 'anonymous');
    expect(part(provider, 'error')).to.equal(null);
    expect(provider.client!.backend).to.be.instanceOf(JwtApiBackend);
    // The refresh cookie restores the session: base-url turns it on.
    expect(fetchStub.requests.map((r) => r.url)).to.deep.equal(['/api/auth/refresh']);
    const set = (name: string, value: string) => ((register.querySelector(`input[name="${name}"]`) as HTMLInputElement).value = value);
    set('name', 'Grace');
    set('email', 'grace@example.com');
    set('username', 'grace');
    set('password', 'a long enough password');
    set('password-repeat', 'a long enough password');
    (register.querySelector('button[type=submit]') as HTMLButtonElement).click();
    await waitUntil(() => part(register, 'success')!.textContent !== '');
    const call = fetchStub.requests.find((r) => r.url === '/api/auth/register')!;
    expect(JSON.parse(call.body)).to.deep.equal({ name: 'Grace', email: 'grace@example.com', username: 'grace', password: 'a long enough password' });
    const forgot = div.querySelector('auth-forgot') as AuthForgot;
    (forgot.querySelector('input[name="login"]') as HTMLInputElement).value = 'grace';
    (forgot.querySelector('button[type=submit]') as HTMLButtonElement).click();
    await waitUntil(() => part(forgot, 'success')!.textContent !== '');
    expect(JSON.parse(fetchStub.requests.find((r) => r.url === '/api/auth/password/forgot')!.body)).to.deep.equal({ login: 'grace' });
  });

  it('reads the full configuration from a child JSON script', async () => {
    fetchStub = stubFetch({
      'POST /json/login': () => json({ data: { token: token({ sub: 'u2', username: 'grace' }) } }),
    });
    const div = await container(
      `<auth-provider url="/ignored">
         <script type="application/json">{"url": "/json/login", "tokenKey": "data.token", "persist": "none", "name": "json-test", "refreshLeeway": 30}</script>
         <auth-login></auth-login>
       </auth-provider>`,
    );
    const login = div.querySelector('auth-login') as AuthLogin;
    await untilStatus(login, 'anonymous');
    await loginThroughForm(login, 'grace', 'pw');
    await untilStatus(login, 'authenticated');
    expect(fetchStub.requests.map((r) => r.url)).to.deep.equal(['/json/login']);
    expect(fetchStub.requests[0]!.contentType).to.equal('application/json');
    expect(JSON.parse(fetchStub.requests[0]!.body)).to.deep.equal({ username: 'grace', password: 'pw' });
    expect((div.querySelector('auth-provider') as AuthProvider).state.user?.username).to.equal('grace');
  });

  it('org-roles (space or comma separated) or the JSON orgRoles set the client\'s role order; default owner, admin, member', async () => {
    const div = await container(
      `<auth-provider url="/t" persist="none" name="roles-a" org-roles="lead, editor  viewer"></auth-provider>
       <auth-provider url="/t" persist="none" name="roles-b"><script type="application/json">{"orgRoles": ["chief", "crew"]}</script></auth-provider>
       <auth-provider url="/t" persist="none" name="roles-c"></auth-provider>`,
    );
    const [a, b, c] = [...div.querySelectorAll('auth-provider')] as AuthProvider[];
    await waitUntil(() => a!.client && b!.client && c!.client);
    expect(a!.client!.orgRoles).to.deep.equal(['lead', 'editor', 'viewer']);
    expect(b!.client!.orgRoles).to.deep.equal(['chief', 'crew']);
    expect(c!.client!.orgRoles).to.deep.equal(['owner', 'admin', 'member']);
    expect(a!.client!.backend).to.be.instanceOf(JwtApiBackend);
    expect(part(a!, 'error')).to.equal(null);
  });

  it('shows a bad configuration, dispatches auth-error and warns, without throwing', async () => {
    const warnings = captureWarnings();
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.error);
    window.addEventListener('error', onError);
    try {
      const div = await fixture<HTMLDivElement>(html`<div></div>`);
      const event = oneEvent(div, 'auth-error') as Promise<AuthErrorEvent>;
      div.innerHTML = '<auth-provider><auth-login></auth-login></auth-provider>';
      const { detail } = await event;
      expect(detail.code).to.equal('invalid_option');
      expect(detail.operation).to.equal('configure');
      expect(detail.message).to.contain('url');
      const provider = div.querySelector('auth-provider') as AuthProvider;
      await provider.updateComplete;
      const error = part(provider, 'error')!;
      expect(error.getAttribute('role')).to.equal('alert');
      expect(error.textContent).to.equal('Login is not available: the configuration is invalid.');
      expect(error.getClientRects().length).to.be.above(0);
      expect(provider.client).to.equal(undefined);
      expect(warnings.messages.some((m) => m.includes('needs a `url`'))).to.be.true;
      await aTimeout(50);
      expect(errors).to.deep.equal([]);
    } finally {
      window.removeEventListener('error', onError);
      warnings.restore();
    }
  });

  it('reports invalid JSON in the configuration script', async () => {
    const warnings = captureWarnings();
    try {
      await loadTranslation('fr'); // French loads on demand
      const div = await fixture<HTMLDivElement>(html`<div></div>`);
      const event = oneEvent(div, 'auth-error') as Promise<AuthErrorEvent>;
      div.innerHTML = '<auth-provider lang="fr"><script type="application/json">{"url": </script></auth-provider>';
      expect((await event).detail.message).to.contain('not valid JSON');
      const provider = div.querySelector('auth-provider') as AuthProvider;
      await provider.updateComplete;
      expect(errorText(provider)).to.equal("La connexion n'est pas disponible\u00a0: la configuration est invalide.");
    } finally {
      warnings.restore();
    }
  });

  it('reports options the backend refuses (refresh-cookie without refresh-url, HS256)', async () => {
    const warnings = captureWarnings();
    try {
      for (const attrs of ['url="/t" refresh-cookie', 'url="/t" jwks-url="/jwks" issuer="i" audience="a" algorithms="HS256"']) {
        const div = await fixture<HTMLDivElement>(html`<div></div>`);
        const event = oneEvent(div, 'auth-error') as Promise<AuthErrorEvent>;
        div.innerHTML = `<auth-provider ${attrs}></auth-provider>`;
        expect((await event).detail.code).to.equal('invalid_option');
      }
    } finally {
      warnings.restore();
    }
  });

  it('dispatches auth-state-change, auth-login and auth-logout in order', async () => {
    const { client } = fakeClient();
    const div = await fixture<HTMLDivElement>(html`<div></div>`);
    const seen: string[] = [];
    for (const type of ['auth-state-change', 'auth-login', 'auth-logout']) {
      div.addEventListener(type, (e) => {
        const detail = (e as CustomEvent).detail as { state?: { status: string }; user?: { username?: string } };
        seen.push(detail.state ? `${type}:${detail.state.status}` : detail.user ? `${type}:${detail.user.username}` : type);
      });
    }
    const provider = document.createElement('auth-provider');
    provider.client = client;
    div.append(provider);
    await waitUntil(() => client.state.status === 'anonymous');
    await client.login({ username: 'ada', password: 'secret' });
    await client.logout();
    expect(seen).to.deep.equal([
      'auth-state-change:anonymous',
      'auth-state-change:pending',
      'auth-state-change:authenticated',
      'auth-login:ada',
      'auth-state-change:anonymous',
      'auth-logout',
    ]);
  });

  it('dispatches session-level errors (restore failed) as auth-error', async () => {
    const { client } = fakeClient({ restore: 'session_expired' });
    const div = await fixture<HTMLDivElement>(html`<div></div>`);
    const event = oneEvent(div, 'auth-error') as Promise<AuthErrorEvent>;
    const provider = document.createElement('auth-provider');
    provider.client = client;
    div.append(provider);
    const { detail } = await event;
    expect(detail).to.deep.equal({ code: 'session_expired', message: 'restore failed: session_expired', operation: 'session' });
  });

  it('accepts a client set before the element is defined', async () => {
    const { client } = fakeClient({ restore: session(ada) });
    const div = await fixture<HTMLDivElement>(html`<div></div>`);
    div.innerHTML = '<late-auth-provider><auth-status></auth-status></late-auth-provider>';
    const late = div.firstElementChild as HTMLElement & { client?: unknown };
    late.client = client;
    const status = div.querySelector('auth-status') as AuthStatus;
    const warnings = captureWarnings();
    try {
      const { AuthProvider } = await import('../../src/components/index.js');
      customElements.define('late-auth-provider', class extends AuthProvider {});
      await untilStatus(status, 'authenticated');
      expect((late as unknown as AuthProvider).client).to.equal(client);
    } finally {
      warnings.restore();
    }
  });

  it('disposes a client it created when removed, and keeps one it was given', async () => {
    fetchStub = stubFetch({});
    const div = await container('<auth-provider url="/api/token" persist="none"></auth-provider>');
    const provider = div.querySelector('auth-provider') as AuthProvider;
    await waitUntil(() => provider.state.status === 'anonymous');
    const built = provider.client!;
    // A move keeps the client.
    div.append(provider);
    await aTimeout(0);
    expect(provider.client).to.equal(built);
    provider.remove();
    await aTimeout(0);
    expect(provider.client).to.equal(undefined);

    const { client } = fakeClient();
    const given = await fixture<AuthProvider>(html`<auth-provider .client=${client}></auth-provider>`);
    given.remove();
    await aTimeout(0);
    expect(given.client).to.equal(client);
  });

  it('maps refresh-in-memory, user-url and the claim attributes to the JWT options', async () => {
    const access = token({ uid: 7, nick: 'al', grp: ['admin'], token_type: 'access' });
    fetchStub = stubFetch({
      'POST /api/token/': () => json({ access, refresh: 'the-refresh-token' }),
      'GET /api/me/': (req) =>
        req.authorization === `Bearer ${access}` ? json({ profile: { display: 'Alice L.' }, mail: 'a@x.io' }) : json({}, 401),
    });
    const div = await container(
      `<auth-provider url="/api/token/" refresh-url="/api/token/refresh/" user-url="/api/me/" refresh-in-memory
         subject-claim="uid" username-claim="nick" name-claim="profile.display" email-claim="mail" roles-claim="grp" name="claims-test">
         <auth-login></auth-login>
       </auth-provider>`,
    );
    const provider = div.querySelector('auth-provider') as AuthProvider;
    const login = div.querySelector('auth-login') as AuthLogin;
    await untilStatus(login, 'anonymous');
    await loginThroughForm(login, 'alice', 'pw');
    await untilStatus(login, 'authenticated');
    const user = provider.state.user!;
    expect([user.id, user.username, user.name, user.email, user.roles]).to.deep.equal(['7', 'al', 'Alice L.', 'a@x.io', ['admin']]);
    expect(fetchStub.requests.map((r) => `${r.method} ${r.url}`)).to.deep.equal(['POST /api/token/', 'GET /api/me/']);
    expect(JSON.stringify({ ...sessionStorage })).to.contain(access);
    expect(JSON.stringify({ ...sessionStorage })).not.to.contain('the-refresh-token');
    expect(JSON.stringify(provider.client!.getResponse())).not.to.contain('the-refresh-token');
  });

  it('without refresh-in-memory the refresh token is kept in sessionStorage for reloads', async () => {
    fetchStub = stubFetch({ 'POST /api/token/': () => json({ access: token({ sub: 'u1' }), refresh: 'the-refresh-token' }) });
    const div = await container(
      `<auth-provider url="/api/token/" refresh-url="/api/token/refresh/" name="persist-test"><auth-login></auth-login></auth-provider>`,
    );
    const login = div.querySelector('auth-login') as AuthLogin;
    await untilStatus(login, 'anonymous');
    await loginThroughForm(login, 'alice', 'pw');
    await untilStatus(login, 'authenticated');
    expect(JSON.stringify({ ...sessionStorage })).to.contain('the-refresh-token');
    expect(localStorage.length).to.equal(0);
  });

  it('typ and subject-claim reach the verifier; a refused token is explained in the console', async () => {
    const issuer = await makeIssuer('k1');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'https://api.test', aud: 'web', user_id: 1, token_type: 'access', iat: now, exp: now + 300 };
    const simpleJwt = await issuer.sign(claims, { typ: 'JWT' });
    const verifyAttrs = 'jwks-url="/jwks.json" issuer="https://api.test" audience="web" algorithms="ES256"';
    const attempts: Array<[string, string | null]> = [
      [`${verifyAttrs} subject-claim="user_id"`, 'The token\'s "typ" header is not "at+jwt"'],
      [`${verifyAttrs} typ="any"`, 'The token has no "sub" claim (set subject-claim if your API names the user differently, e.g. user_id).'],
      [`${verifyAttrs} typ="any" subject-claim="user_id"`, null],
    ];
    for (const [attrs, warning] of attempts) {
      fetchStub?.restore();
      fetchStub = stubFetch({
        'GET /jwks.json': () => json(issuer.jwks),
        'POST /api/token/': () => json({ access: simpleJwt, refresh: 'r' }),
      });
      const warnings = captureWarnings();
      try {
        const div = await container(`<auth-provider url="/api/token/" persist="none" ${attrs}><auth-login></auth-login></auth-provider>`);
        const login = div.querySelector('auth-login') as AuthLogin;
        await untilStatus(login, 'anonymous');
        await loginThroughForm(login, 'alice', 'pw');
        if (warning) {
          await waitUntil(() => part(login, 'error')?.textContent !== '', 'no error shown', { timeout: 3000 });
          expect(errorText(login)).to.equal('The login could not be verified.');
          expect(warnings.messages.some((m) => m.includes(warning)), warnings.messages.join('\n')).to.equal(true);
        } else {
          await untilStatus(login, 'authenticated');
          expect(login.state.user?.id).to.equal('1');
        }
      } finally {
        warnings.restore();
      }
    }
  });

  it('a session ended by a refused token says why in the console (the cause of session_expired)', async () => {
    fetchStub = stubFetch({
      'POST /api/token/': () => json({ access: token({ sub: 'u1', token_type: 'access' }), refresh: 'r' }),
      'POST /api/token/refresh/': () => json({ access: token({ sub: 'u1', token_type: 'refresh' }) }),
    });
    const div = await container(
      `<auth-provider url="/api/token/" refresh-url="/api/token/refresh/" persist="none" name="cause-test"><auth-login></auth-login></auth-provider>`,
    );
    const provider = div.querySelector('auth-provider') as AuthProvider;
    const login = div.querySelector('auth-login') as AuthLogin;
    await untilStatus(login, 'anonymous');
    await loginThroughForm(login, 'alice', 'pw');
    await untilStatus(login, 'authenticated');
    const warnings = captureWarnings();
    try {
      const event = oneEvent(div, 'auth-error') as Promise<AuthErrorEvent>;
      await provider.client!.refresh().catch(() => {});
      expect((await event).detail.code).to.equal('session_expired');
      expect(warnings.messages.some((m) => m.includes('"token_type" claim is "refresh"')), warnings.messages.join('\n')).to.equal(true);
    } finally {
      warnings.restore();
    }
  });
});
