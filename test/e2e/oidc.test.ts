// End to end, the OIDC backend in Chromium against a real OpenID provider (panva's oidc-provider,
// test/oidc/provider.ts, on 127.0.0.1): redirect login, popup login, popup login from inside an iframe
// with Streamlit's sandbox flags, refresh after the access token expires, reload without a form,
// logout ending the provider's session, nothing left in the page's storage, access_denied and a
// replayed callback shown on the login form. The pages and dist/ are served here, on 127.0.0.1 too
// (same site as the provider, so its Lax session cookie reaches the silent re-authorization iframe).
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';
import { startTestProvider, type TestProvider } from '../oidc/provider.js';
import { signInAt, startAppServer, WAIT, waitStatus } from './oidc-harness.js';

const STREAMLIT_SANDBOX = 'allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts allow-downloads';

let op: TestProvider;
let server: Server;
let origin: string;
let browser: Browser;

/** The app pages: one <auth-provider backend="oidc"> each, its redirect URI its own URL. */
const PAGES: Record<string, Record<string, string>> = {
  'redirect.html': { display: 'redirect' },
  'popup.html': { display: 'popup' },
  'auto.html': {},
  'local.html': { display: 'popup', persist: 'local' },
};

/** Pages configured by a JSON child instead of attributes (Streamlit's `[auth]` spelling). */
const JSON_PAGES: Record<string, () => Record<string, unknown>> = {
  'snake.html': () => ({
    backend: 'oidc',
    server_metadata_url: `${op.issuer}/.well-known/openid-configuration`,
    client_id: op.clientId,
    display: 'redirect',
    client_kwargs: { scope: 'openid profile', prompt: 'login' },
  }),
  'secret.html': () => ({ backend: 'oidc', issuer: op.issuer, client_id: op.clientId, client_secret: 'do-not-ship-me' }),
  'jwt.html': () => ({ backend: 'jwt', url: '/api/login' }),
};

function appPage(name: string): string {
  if (JSON_PAGES[name]) {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title>
<script type="module" src="/dist/auth-elements.js"></script></head><body>
<auth-provider><script type="application/json">${JSON.stringify(JSON_PAGES[name]())}</script>
  <auth-login></auth-login><button id="login" type="button">Continue</button>
</auth-provider>
<script type="module">
  const provider = document.querySelector('auth-provider');
  document.getElementById('login').addEventListener('click', () => provider.client.login().catch(() => {}));
</script></body></html>`;
  }
  const attrs = Object.entries({
    backend: 'oidc',
    issuer: op.issuer,
    'client-id': op.clientId,
    'post-logout-redirect-uri': `${origin}/${name}`,
    ...PAGES[name],
  }).map(([k, v]) => `${k}="${v}"`).join(' ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title>
<script type="module" src="/dist/auth-elements.js"></script></head><body>
<auth-provider ${attrs}>
  <auth-login></auth-login>
  <button id="login" type="button">Continue</button>
  <button id="logout" type="button">Log out</button>
  <output id="error"></output>
</auth-provider>
<script type="module">
  window.__statuses = [];
  const provider = document.querySelector('auth-provider');
  provider.addEventListener('auth-state-change', (e) => window.__statuses.push(e.detail.state.status));
  const shown = (err) => { document.getElementById('error').textContent = err.code; };
  document.getElementById('login').addEventListener('click', () => provider.client.login().catch(shown));
  document.getElementById('logout').addEventListener('click', () => provider.client.logout().catch(shown));
</script></body></html>`;
}

before(async () => {
  ({ server, origin } = await startAppServer((path) => {
    if (PAGES[path] || JSON_PAGES[path]) return appPage(path);
    if (path === 'frame.html') return `<!doctype html><title>host</title><iframe id="app" sandbox="${STREAMLIT_SANDBOX}" src="/auto.html" width="600" height="400"></iframe>`;
    return undefined;
  }));
  op = await startTestProvider({
    redirectUris: [...Object.keys(PAGES), 'snake.html'].map((name) => `${origin}/${name}`),
    postLogoutRedirectUris: Object.keys(PAGES).map((name) => `${origin}/${name}`),
    accessTokenTtl: 8,
    accountUrl: 'http://127.0.0.1:9/account',
  });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
});

after(async () => {
  await browser?.close().catch(() => {});
  await op?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
});

/** A fresh browser profile per test: no provider session, no storage. */
async function fresh(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

const status = (page: Page) => page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { status: string } }).state.status);

async function open(page: Page, name: string): Promise<void> {
  await page.goto(`${origin}/${name}`);
  await waitStatus(page, 'anonymous');
}

const signIn = (page: Page, options: { expectPassword?: boolean } = {}) => signInAt(op, page, options);

const tokenPosts = () => op.requests.filter((r) => r === 'POST /token').length;

async function userId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { user?: { id: string } } }).state.user?.id);
}

/** Sign in through a popup from `name` (a popup-display page); resolves when the opener is signed in. */
async function popupLogin(context: BrowserContext, page: Page, name: string, options: { expectPassword?: boolean } = {}): Promise<void> {
  await open(page, name);
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login')]);
  await signIn(popup, options);
  await waitStatus(page, 'authenticated');
  if (!popup.isClosed()) await popup.waitForEvent('close', WAIT).catch(() => {});
  assert.equal(popup.isClosed(), true, 'the popup closed itself');
}

/** Log out from a popup-display page: resolves the end-session popup once the page is signed out. */
async function popupLogout(context: BrowserContext, page: Page): Promise<Page> {
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#logout')]);
  await waitStatus(page, 'anonymous');
  return popup;
}

const accessToken = (page: Page) =>
  page.evaluate(() => (document.querySelector('auth-provider') as unknown as { client: { getAccessToken(): Promise<string | null> } }).client.getAccessToken());

async function redirectLogin(page: Page): Promise<void> {
  await open(page, 'redirect.html');
  await page.click('#login');
  await signIn(page);
  await page.waitForURL((url) => url.origin === origin, WAIT);
  await waitStatus(page, 'authenticated');
}

test('redirect login: the provider signs alice in, the callback is exchanged and removed from the address bar', async () => {
  const { context, page } = await fresh();
  const before = tokenPosts();
  await redirectLogin(page);
  assert.equal(await userId(page), op.account.claims.sub);
  const url = new URL(page.url());
  for (const key of ['code', 'state', 'iss']) assert.equal(url.searchParams.has(key), false, `${key} left in ${url.href}`);
  assert.equal(tokenPosts(), before + 1);
  const name = await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { user: { name: string; email: string } } }).state.user);
  assert.equal(name.name, op.account.claims.name);
  assert.equal(name.email, op.account.claims.email);
  const token = await accessToken(page);
  assert.ok(typeof token === 'string' && token.length > 10);
  const backend = await page.evaluate(() => {
    const { client } = document.querySelector('auth-provider') as unknown as { client: { backend: { accountUrl: string | null; providerName: string }; getResponse(): Record<string, unknown> } };
    return { accountUrl: client.backend.accountUrl, providerName: client.backend.providerName, response: client.getResponse() };
  });
  assert.equal(backend.accountUrl, 'http://127.0.0.1:9/account', 'the account page advertised in discovery');
  assert.equal(backend.providerName, new URL(op.issuer).host);
  assert.equal(backend.response.sub, op.account.claims.sub, 'getResponse() is the ID token\'s claims');
  assert.ok(!JSON.stringify(backend.response).includes(token!), 'and holds no token');
  await context.close();
});

test('popup login: the popup signs in and closes, the opener is signed in', async () => {
  const { context, page } = await fresh();
  await popupLogin(context, page, 'popup.html');
  assert.equal(await userId(page), op.account.claims.sub);
  assert.equal(new URL(page.url()).search, '');
  await context.close();
});

test('popup login from inside an iframe with Streamlit\'s sandbox flags (display auto picks the popup)', async () => {
  const { context, page } = await fresh();
  await page.goto(`${origin}/frame.html`);
  const frame = page.frameLocator('#app');
  const inner = () => page.frames().find((f) => f.url().endsWith('/auto.html'))!;
  await page.waitForFunction(() => true);
  await frame.locator('#login').waitFor(WAIT);
  await inner().waitForFunction(() => (document.querySelector('auth-provider') as unknown as { state: { status: string } }).state.status === 'anonymous', undefined, WAIT);
  assert.equal(await inner().evaluate(() => (document.querySelector('auth-provider') as unknown as { client: { backend: { display: string } } }).client.backend.display), 'popup');
  const [popup] = await Promise.all([context.waitForEvent('page'), frame.locator('#login').click()]);
  await signIn(popup);
  await inner().waitForFunction(() => (document.querySelector('auth-provider') as unknown as { state: { status: string } }).state.status === 'authenticated', undefined, WAIT);
  assert.equal(page.url(), `${origin}/frame.html`, 'the top window never navigated');
  await context.close();
});

test('refresh: when the access token nears its expiry the refresh token gets a new one', async () => {
  const { context, page } = await fresh();
  await redirectLogin(page);
  const getToken = () => accessToken(page);
  const first = await getToken();
  const before = tokenPosts();
  const until = Date.now() + 30_000;
  while ((await getToken()) === first && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
  assert.ok(tokenPosts() > before, 'a POST /token (the refresh grant) reached the provider');
  assert.equal(await status(page), 'authenticated');
  const second = await getToken();
  assert.ok(second && second !== first);
  await context.close();
});

test('reload restores the session without showing a form (silent re-authorization, default persist none)', async () => {
  const { context, page } = await fresh();
  await redirectLogin(page);
  await page.reload();
  await waitStatus(page, 'authenticated');
  const statuses = await page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
  assert.ok(!statuses.includes('anonymous'), `the form was never offered: ${statuses.join(' → ')}`);
  assert.equal(new URL(page.url()).origin, origin);
  await context.close();
});

test('logout ends the provider session: the next login asks for the password again', async () => {
  const { context, page } = await fresh();
  await redirectLogin(page);
  await page.click('#logout');
  await page.waitForURL((url) => url.origin === op.issuer, WAIT);
  await Promise.all([page.waitForURL((url) => url.origin === origin, WAIT), page.click('#logout-confirm')]);
  await waitStatus(page, 'anonymous');
  await page.click('#login');
  await signIn(page, { expectPassword: true });
  await waitStatus(page, 'authenticated');
  await context.close();
});

test('popup display logout: the end-session popup closes itself on its way back, the provider session is over', async () => {
  const { context, page } = await fresh();
  await popupLogin(context, page, 'popup.html');
  const logoutPopup = await popupLogout(context, page);
  await logoutPopup.waitForURL((url) => url.origin === op.issuer, WAIT);
  assert.match(logoutPopup.url(), /id_token_hint=/);
  await logoutPopup.click('#logout-confirm');
  await logoutPopup.waitForEvent('close', WAIT);
  assert.ok(op.requests.includes('POST /token/revocation'), 'the refresh token was revoked');
  await popupLogin(context, page, 'popup.html', { expectPassword: true });
  await context.close();
});

test('after login and logout the page keeps no token in localStorage, sessionStorage or cookies (persist none)', async () => {
  const { context, page } = await fresh();
  await popupLogin(context, page, 'popup.html');
  const stored = () => page.evaluate(() => {
    const all: Record<string, string> = {};
    for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) all[s.key(i)!] = s.getItem(s.key(i)!)!;
    return all;
  });
  const token = await accessToken(page);
  assert.ok(token);
  const signedIn = await stored();
  for (const [key, value] of Object.entries(signedIn)) {
    assert.ok(value.length < 40 && !value.includes(token!), `${key} holds no token: ${value.slice(0, 40)}`);
  }
  // Cookies ignore ports: the provider's own HttpOnly session cookie on 127.0.0.1 shows here too.
  const noTokenCookie = async () => {
    assert.equal(await page.evaluate(() => document.cookie), '', 'the page sets no cookie');
    for (const c of await context.cookies(origin)) assert.ok(!c.value.includes(token!) && c.httpOnly, `cookie ${c.name} is the provider's, no token`);
  };
  await noTokenCookie();
  await (await popupLogout(context, page)).close().catch(() => {});
  assert.deepEqual(await stored(), {}, 'nothing left in storage after logout');
  await noTokenCookie();
  await context.close();
});

test('access_denied: Cancel on the provider page ends signed out with provider_error shown, no token request', async () => {
  const { context, page } = await fresh();
  await open(page, 'redirect.html');
  const before = tokenPosts();
  await page.click('#login');
  await page.locator('#cancel').waitFor(WAIT);
  await Promise.all([page.waitForURL((url) => url.origin === origin, WAIT), page.click('#cancel')]);
  await waitStatus(page, 'anonymous');
  await page.locator('auth-login [part="error"]').filter({ hasText: 'refused' }).waitFor(WAIT);
  assert.equal(await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { error: { code: string } } }).state.error.code), 'provider_error');
  const url = new URL(page.url());
  for (const key of ['error', 'error_description', 'state', 'iss']) assert.equal(url.searchParams.has(key), false, `${key} left in the address bar`);
  assert.equal(tokenPosts(), before);
  await context.close();
});

test('a replayed callback URL: state_mismatch shown on the form, no token request', async () => {
  const { context, page } = await fresh();
  await open(page, 'redirect.html');
  await page.click('#login');
  let callback = '';
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame() && f.url().startsWith(`${origin}/redirect.html?`) && f.url().includes('code=')) callback ||= f.url();
  });
  await signIn(page);
  await waitStatus(page, 'authenticated');
  assert.ok(callback, 'the callback URL was seen');
  const before = tokenPosts();
  await page.goto(callback);
  await page.locator('auth-login [part="error"]').filter({ hasText: 'did not match' }).waitFor(WAIT);
  assert.equal(await status(page), 'anonymous');
  assert.equal(await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { error: { code: string } } }).state.error.code), 'state_mismatch');
  assert.equal(tokenPosts(), before, 'no token request for a replayed code');
  assert.equal(new URL(page.url()).searchParams.has('code'), false);
  await context.close();
});

test('Streamlit-style JSON child: server_metadata_url, client_id, client_kwargs (scope, prompt=login) are honoured', async () => {
  const { context, page: first } = await fresh();
  await redirectLogin(first); // a provider session exists now (cookies are shared by the new tab)
  const page = await context.newPage();
  await open(page, 'snake.html');
  await page.click('#login');
  const auth = new URL(page.url().startsWith(op.issuer) ? page.url() : (await page.waitForURL((u) => u.origin === op.issuer, WAIT), page.url()));
  await signIn(page, { expectPassword: true }); // prompt=login: asked again despite the session
  await page.waitForURL((url) => url.origin === origin, WAIT);
  await waitStatus(page, 'authenticated');
  const user = await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { user: { id: string; email?: string; name?: string } } }).state.user);
  assert.equal(user.id, op.account.claims.sub);
  assert.equal(user.name, op.account.claims.name);
  assert.equal(user.email, undefined, 'scope without email: no email claim');
  assert.ok(auth.pathname.length > 0);
  await context.close();
});

test('a client secret in the page is refused: an error in the state and the console, no request to the provider', async () => {
  const { context, page } = await fresh();
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  const before = op.requests.length;
  await page.goto(`${origin}/secret.html`);
  await page.waitForFunction(() => (document.querySelector('auth-provider') as unknown as { state: { error: unknown } }).state.error !== null, undefined, WAIT);
  assert.equal(await page.evaluate(() => (document.querySelector('auth-provider') as unknown as { state: { error: { code: string } } }).state.error.code), 'unsupported');
  assert.ok(warnings.some((w) => /client secret/i.test(w)), warnings.join('\n'));
  assert.ok(!warnings.join('\n').includes('do-not-ship-me'), 'the secret itself is never printed');
  assert.equal(op.requests.length, before, 'not even discovery');
  await context.close();
});

test('a page without OIDC downloads none of it (no OIDC chunk, no oauth4webapi)', async () => {
  const { context, page } = await fresh();
  const scripts: string[] = [];
  page.on('request', (r) => scripts.push(new URL(r.url()).pathname));
  await page.goto(`${origin}/jwt.html`);
  await waitStatus(page, 'anonymous');
  assert.ok(scripts.includes('/dist/auth-elements.js'));
  assert.deepEqual(scripts.filter((p) => /\/oidc-/.test(p)), []);
  await open(page, 'popup.html'); // the same page with OIDC does load it
  assert.ok(scripts.some((p) => /\/chunks\/oidc-/.test(p)));
  await context.close();
});

test('persist local (opt-in): the refresh token is stored, a reload restores through it (no iframe), logout removes it', async () => {
  const { context, page } = await fresh();
  await popupLogin(context, page, 'local.html');
  const key = 'auth-elements:oidc:refresh';
  assert.ok(await page.evaluate((k) => localStorage.getItem(k), key), 'the refresh token is in localStorage, as configured');
  const before = op.requests.filter((r) => r === 'GET /auth').length;
  await page.reload();
  await waitStatus(page, 'authenticated');
  const statuses = await page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
  assert.ok(!statuses.includes('anonymous'), statuses.join(' → '));
  assert.equal(op.requests.filter((r) => r === 'GET /auth').length, before, 'restored by the refresh grant, not by an authorization request');
  await (await popupLogout(context, page)).close().catch(() => {});
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), key), null);
  await context.close();
});
