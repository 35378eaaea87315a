// End to end against a real Django REST framework + djangorestframework-simplejwt server (from PyPI,
// rotation and blacklist on; test/simplejwt) in Debian's Chromium, through declarative
// <auth-provider> pages and the script-tag bundle. Issue 6, items 1-8, and the README's snippet.
//
// Time: the access tokens of /api/ live 5 s, so the tests that need the server to see a token expire
// wait for real (a few seconds each); the 20 s tokens of /v/long/ are moved near their expiry with
// Playwright's page clock instead (the server's clock is untouched, so the tokens stay valid there).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ALICE, startSimpleJwt, type SimpleJwt } from './simplejwt-harness.js';

const root = new URL('../../', import.meta.url).pathname;
const ACCESS_SECONDS = 5;
/** Per test; none needs more than ~15 s. */
const LIMIT = { timeout: 60_000 };

/** Attribute sets. `true` is a boolean attribute. */
type Attrs = Record<string, string | true>;
const API: Attrs = { url: '/api/token/', 'refresh-url': '/api/token/refresh/' };
const variant = (name: string): Attrs => ({
  url: `/v/${name}/api/token/`,
  'refresh-url': `/v/${name}/api/token/refresh/`,
});
const RS_VERIFY: Attrs = { issuer: 'https://simplejwt.test', audience: 'auth-elements-e2e', algorithms: 'RS256' };
const rs = (name: string): Attrs => ({ ...variant(name), 'jwks-url': `/v/${name}/api/jwks/`, ...RS_VERIFY });

let server: SimpleJwt;
let pagesDir: string;
/** Every browser context a test opened; closed after each test, passed or not. */
const contexts: BrowserContext[] = [];

before(async () => {
  pagesDir = mkdtempSync(join(tmpdir(), 'auth-simplejwt-pages-'));
  writeFileSync(join(pagesDir, 'readme-simplejwt.html'), readmePage());
  server = await startSimpleJwt({ accessSeconds: ACCESS_SECONDS, extraPages: pagesDir });
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => {})));
});

after(async () => {
  await server?.close();
  if (pagesDir) rmSync(pagesDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------
// Helpers

interface Claims {
  token_type?: string;
  exp?: number;
  jti?: string;
  user_id?: string;
  [claim: string]: unknown;
}

function claimsOf(token: string): Claims {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
}

const JWT = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g;

/** Every JWT in a JSON value, wherever it is nested. */
function jwtsIn(value: unknown): string[] {
  return JSON.stringify(value ?? null).match(JWT) ?? [];
}

/** One browser tab, with every token pair the real server handed it (read off the network). */
interface Tab {
  page: Page;
  context: BrowserContext;
  warnings: string[];
  access: string[];
  refresh: string[];
}

async function open(attrs: Attrs, options: { clock?: boolean; page?: string } = {}): Promise<Tab> {
  const context = await server.browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const tab: Tab = { page, context, warnings: [], access: [], refresh: [] };
  page.on('console', (message) => {
    if (message.type() === 'warning') tab.warnings.push(message.text());
  });
  page.on('response', async (response) => {
    if (!/\/token\/(refresh\/)?$/.test(new URL(response.url()).pathname) || response.status() !== 200) return;
    for (const token of jwtsIn(await response.json().catch(() => null))) {
      (claimsOf(token).token_type === 'refresh' ? tab.refresh : tab.access).push(token);
    }
  });
  if (options.clock) await page.clock.install();
  const query = new URLSearchParams(Object.entries(attrs).map(([k, v]) => [k, v === true ? '' : v]));
  await page.goto(`${server.origin}/${options.page ?? `provider.html?${query}`}`);
  await waitForStatus(tab, ['anonymous', 'authenticated']);
  return tab;
}

interface SeenState {
  status: string;
  user: { id: string; username?: string; name?: string; email?: string; roles: string[] } | null;
  error: { code: string; message: string; description?: string } | null;
}

async function stateOf(tab: Tab): Promise<SeenState> {
  return tab.page.evaluate(() => {
    const state = document.querySelector('auth-provider')!.client!.state;
    const { user, error } = state;
    return {
      status: state.status,
      user: user && { id: user.id, username: user.username, name: user.name, email: user.email, roles: [...user.roles] },
      error: error && { code: error.code, message: error.message, description: error.description },
    } as SeenState;
  });
}

/** Resolves when the client's state reaches one of `statuses` (through `subscribe`, not by polling). */
async function waitForStatus(tab: Tab, statuses: string[], ms = 20_000): Promise<SeenState> {
  const reached = tab.page.evaluate(
    (wanted) =>
      new Promise<void>((resolve) => {
        // (no named functions in here: tsx would wrap them in a helper the page does not have)
        const client = document.querySelector('auth-provider')?.client;
        if (client) {
          if (wanted.includes(client.state.status)) resolve();
          else client.subscribe((state) => void (wanted.includes(state.status) && resolve()));
          return;
        }
        // the provider builds its client after DOMContentLoaded
        const timer = setInterval(() => {
          const built = document.querySelector('auth-provider')?.client;
          if (!built) return;
          clearInterval(timer);
          if (wanted.includes(built.state.status)) resolve();
          else built.subscribe((state) => void (wanted.includes(state.status) && resolve()));
        }, 20);
      }),
    statuses,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      reject(new Error(`status never became ${statuses.join(' or ')}: ${JSON.stringify(await stateOf(tab).catch(() => null))}`));
    }, ms);
  });
  try {
    await Promise.race([reached, late]);
  } finally {
    clearTimeout(timer);
  }
  return stateOf(tab);
}

/** Log in through the <auth-login> form, as a user would. */
async function login(tab: Tab): Promise<SeenState> {
  await tab.page.locator('auth-login input[name="username"]').fill(ALICE.username);
  await tab.page.locator('auth-login input[name="password"]').fill(ALICE.password);
  await tab.page.locator('auth-login [part~="submit-button"]').click();
  // An error of no field (form-level alert), or of the fields (wrong credentials, next to them).
  const shownError = tab.page.locator('auth-login [part="error"]:not([hidden]), auth-login [part~="field-error"]');
  const failed = shownError.waitFor({ timeout: 20_000 }).then(
    async () => {
      throw new Error(`the login failed: "${await shownError.textContent()}" ${JSON.stringify(await stateOf(tab))}`);
    },
    () => new Promise<never>(() => {}), // the page went away: the other branch decides
  );
  const state = await Promise.race([waitForStatus(tab, ['authenticated']), failed]);
  assert.ok(tab.access.length > 0 && tab.refresh.length > 0, 'the real server answered the login with a token pair');
  return state;
}

/** `client.login()` from page code: the AuthError it rejects with, or null. */
async function loginError(tab: Tab): Promise<{ code: string; message: string; description?: string | undefined } | null> {
  return tab.page.evaluate(
    (user) =>
      document.querySelector('auth-provider')!.client!.login(user).then(
        () => null,
        (e: { code: string; message: string; description?: string }) => ({ code: e.code, message: e.message, description: e.description }),
      ),
    ALICE,
  );
}

/** What a page's API call does: `getAccessToken()`, then GET `url` with it as the Bearer token. */
async function callApi(tab: Tab, url: string): Promise<{ token?: string | null; status?: number; body?: unknown; error?: string }> {
  return tab.page.evaluate(async (url) => {
    let token: string | null;
    try {
      token = await document.querySelector('auth-provider')!.client!.getAccessToken();
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { error: `getAccessToken() threw ${err.code}: ${err.message}` };
    }
    if (!token) return { token, error: 'getAccessToken() returned no token' };
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    return { token, status: response.status, body: await response.json().catch(() => null) };
  }, url);
}

/** localStorage, sessionStorage and the readable cookies of the page's origin. */
async function storageOf(tab: Tab): Promise<Record<string, unknown>> {
  return tab.page.evaluate(() => ({
    localStorage: { ...localStorage },
    sessionStorage: { ...sessionStorage },
    cookie: document.cookie,
  }));
}

/**
 * No refresh token in `value`: none of the real ones (whole, signature or `jti`), and no JWT in it
 * (decoded) is a SimpleJWT refresh token.
 */
function assertNoRefreshToken(where: string, value: unknown, refreshTokens: string[]): void {
  const text = JSON.stringify(value);
  assert.ok(refreshTokens.length > 0, 'the test saw the real refresh tokens');
  for (const token of refreshTokens) {
    assert.ok(!text.includes(token), `${where} holds the refresh token: ${text.slice(0, 400)}`);
    assert.ok(!text.includes(token.split('.')[2]!), `${where} holds the refresh token's signature`);
    assert.ok(!text.includes(claimsOf(token).jti!), `${where} holds the refresh token's jti`);
  }
  for (const token of jwtsIn(value)) {
    assert.notEqual(claimsOf(token).token_type, 'refresh', `${where} holds a refresh token: ${token}`);
  }
}

async function waitForRotation(tab: Tab): Promise<void> {
  const seen = tab.refresh.length;
  const response = await tab.page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/token/refresh/'), {
    timeout: (ACCESS_SECONDS + 10) * 1000,
  });
  const body = await response.text();
  assert.equal(response.status(), 200, `the scheduled refresh (${response.request().postData()}) was refused: ${body}`);
  const until = Date.now() + 2000;
  while (tab.refresh.length === seen && Date.now() < until) await sleep(20);
}

/** Real waiting, until the real server considers `token` expired. */
async function waitPastExpiry(token: string): Promise<void> {
  const ms = claimsOf(token).exp! * 1000 + 500 - Date.now();
  if (ms > 0) await sleep(ms);
}

/** Moves the page's clock (timers fire as they fall due) to `ms` before `token` expires. */
async function fastForwardTo(tab: Tab, token: string, msBeforeExp: number): Promise<void> {
  const now = await tab.page.evaluate(() => Date.now());
  await tab.page.clock.fastForward(claimsOf(token).exp! * 1000 - msBeforeExp - now);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function count(path: string): Promise<number> {
  return (await server.requests())[`POST ${path}`] ?? 0;
}

/** Ask the real SimpleJWT to refresh with `token`: its HTTP status and body. */
async function serverRefresh(token: string, path: string): Promise<{ status: number; body: { detail?: string } }> {
  const response = await fetch(`${server.origin}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refresh: token }),
  });
  return { status: response.status, body: (await response.json()) as { detail?: string } };
}

/** The real refresh endpoint `path` refuses each of `tokens` as blacklisted. */
async function assertAllRefused(tokens: string[], path: string): Promise<void> {
  for (const token of tokens) {
    const answer = await serverRefresh(token, path);
    assert.deepEqual([answer.status, answer.body.detail], [401, 'Token is blacklisted'], `refresh token ${claimsOf(token).jti}`);
  }
}

/** README.md's SimpleJWT snippet, unchanged, in a page with a status, a login form and a logout button. */
function readmePage(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf('**Django REST framework SimpleJWT**');
  assert.ok(at >= 0, 'README.md has a "Django REST framework SimpleJWT" paragraph');
  const snippet = /```html\n([\s\S]*?)```/.exec(readme.slice(at))?.[1]?.trim() ?? '';
  assert.ok(snippet.startsWith('<auth-provider'), `README.md's SimpleJWT snippet is an <auth-provider>: ${snippet}`);
  const elements = '<auth-status></auth-status><auth-login></auth-login><auth-logout></auth-logout>';
  const body = snippet.includes('<auth-login') ? snippet : snippet.replace('</auth-provider>', `${elements}</auth-provider>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>README SimpleJWT</title></head>
<body>${body}<script type="module" src="/dist/auth-elements.js"></script></body></html>`;
}

// ------------------------------------------------------------------------------------------------

describe('against a real SimpleJWT server (Django, DRF, djangorestframework-simplejwt from PyPI)', () => {
  test('1: a reload keeps the session for the refresh token\'s life; /api/me/ works past the first access token\'s exp', LIMIT, async () => {
    const tab = await open({ ...API, 'logout-url': '/api/token/blacklist/' });
    await login(tab);
    const first = tab.access[0]!;
    await tab.page.reload();
    assert.equal((await waitForStatus(tab, ['anonymous', 'authenticated'])).status, 'authenticated', 'restored by the reload');
    await waitPastExpiry(first);
    const state = await stateOf(tab);
    assert.equal(state.status, 'authenticated', `still signed in after the access token's exp: ${JSON.stringify(state.error)}`);
    const call = await callApi(tab, '/api/me/');
    assert.equal(call.error, undefined);
    assert.notEqual(call.token, first, 'a renewed access token');
    assert.deepEqual([call.status, (call.body as { username?: string }).username], [200, 'alice'], 'the real /api/me/ accepts it');
  });

  test('1: with refresh-in-memory no storage holds the refresh token, and after a reload the session ends at exp', LIMIT, async () => {
    const tab = await open({ ...API, 'refresh-in-memory': true });
    await login(tab);
    assertNoRefreshToken('storage after login', await storageOf(tab), tab.refresh);
    await waitForRotation(tab);
    assertNoRefreshToken('storage after a refresh', await storageOf(tab), tab.refresh);
    await tab.page.reload();
    assert.equal((await waitForStatus(tab, ['anonymous', 'authenticated'])).status, 'authenticated', 'the access token survives the reload');
    assertNoRefreshToken('storage after the reload', await storageOf(tab), tab.refresh);
    const state = await waitForStatus(tab, ['anonymous'], (ACCESS_SECONDS + 10) * 1000);
    assert.equal(state.error?.code, 'session_expired');
  });

  test('2: near exp with no refresh token, getAccessToken() returns the still-valid token; the session ends at exp', LIMIT, async () => {
    const tab = await open({ ...variant('long'), 'refresh-in-memory': true }, { clock: true });
    await login(tab);
    const token = tab.access[0]!;
    await tab.page.reload();
    assert.equal((await waitForStatus(tab, ['anonymous', 'authenticated'])).status, 'authenticated');
    await fastForwardTo(tab, token, 2000); // inside the leeway, min(60 s, 20 s / 4) = 5 s
    const call = await callApi(tab, '/v/long/api/me/');
    assert.equal(call.error, undefined, 'getAccessToken() 2 s before exp');
    assert.equal(call.token, token, 'the restored token');
    assert.equal(call.status, 200, 'the real /api/me/ accepts it');
    await tab.page.clock.fastForward(1500);
    assert.equal((await stateOf(tab)).status, 'authenticated', '0.5 s before exp');
    await tab.page.clock.fastForward(1500);
    const state = await waitForStatus(tab, ['anonymous']);
    assert.equal(state.error?.code, 'session_expired', '1 s after exp');
  });

  test('3: with a 20 s token, 3 back-to-back getAccessToken() calls refresh 0 times; 5 concurrent calls when due refresh once', LIMIT, async () => {
    const path = '/v/long/api/token/refresh/';
    const tab = await open(variant('long'), { clock: true });
    await login(tab);
    const token = tab.access[0]!;
    let before = await count(path);
    const sequential = await tab.page.evaluate(async () => {
      const client = document.querySelector('auth-provider')!.client!;
      return [await client.getAccessToken(), await client.getAccessToken(), await client.getAccessToken()];
    });
    assert.equal((await count(path)) - before, 0, 'refresh calls for 3 back-to-back getAccessToken()');
    assert.deepEqual(sequential, [token, token, token]);

    // Stop the page's timers (the scheduled refresh must not run), then set its time 3 s before exp.
    await tab.page.clock.pauseAt(await tab.page.evaluate(() => Date.now() + 1));
    await tab.page.clock.setSystemTime(claimsOf(token).exp! * 1000 - 3000);
    before = await count(path);
    const concurrent = await tab.page.evaluate(() => {
      const client = document.querySelector('auth-provider')!.client!;
      return Promise.all(Array.from({ length: 5 }, () => client.getAccessToken()));
    });
    assert.equal((await count(path)) - before, 1, 'refresh calls for 5 concurrent getAccessToken() when due');
    assert.equal(new Set(concurrent).size, 1, 'all five got the same token');
    assert.notEqual(concurrent[0], token, 'a renewed one');
  });

  test('4: with user-url="/api/me/" <auth-status> names the user (not "1"), after login and after a reload', LIMIT, async () => {
    const tab = await open({ ...API, 'user-url': '/api/me/' });
    await login(tab);
    for (const when of ['after login', 'after a reload']) {
      if (when !== 'after login') {
        await tab.page.reload();
        await waitForStatus(tab, ['authenticated']);
      }
      const shown = (await tab.page.locator('auth-status [part="user"]').textContent())?.trim();
      assert.match(shown ?? '', /alice/i, `<auth-status> ${when} shows "${shown}"`);
      const { user } = await stateOf(tab);
      assert.deepEqual([user?.username, user?.email], ['alice', 'alice@example.com'], `the user ${when}`);
    }
  });

  test('4: claim mapping names the user from claims SimpleJWT\'s get_token() added (dotted paths)', LIMIT, async () => {
    const tab = await open({
      ...variant('profile'),
      'username-claim': 'profile.login',
      'name-claim': 'display_name',
      'email-claim': 'profile.mail',
      'roles-claim': 'profile.groups',
    });
    const { user } = await login(tab);
    assert.deepEqual(user, { id: '1', username: 'alice', name: 'Alice Example', email: 'alice@example.com', roles: ['editors'] });
    assert.equal((await tab.page.locator('auth-status [part="user"]').textContent())?.trim(), 'Alice Example');
    assert.equal((await tab.page.locator('auth-status [part="role"]').textContent())?.trim(), 'editors');
  });

  test('5: verify without subject-claim: the login fails and both the AuthError and a console warning name "sub"', LIMIT, async () => {
    const tab = await open({ ...rs('rs'), typ: 'any' });
    await tab.page.locator('auth-login input[name="username"]').fill(ALICE.username);
    await tab.page.locator('auth-login input[name="password"]').fill(ALICE.password);
    await tab.page.locator('auth-login [part~="submit-button"]').click();
    await tab.page.locator('auth-login [part="error"]:not([hidden])').waitFor();
    assert.equal((await stateOf(tab)).status, 'anonymous');
    const error = await loginError(tab);
    assert.equal(error?.code, 'token_invalid');
    assert.match(`${error?.message} ${error?.description ?? ''}`, /\bsub\b/, `the AuthError names the claim: ${JSON.stringify(error)}`);
    assert.ok(tab.warnings.some((w) => /\bsub\b/.test(w)), `a console warning names the claim: ${JSON.stringify(tab.warnings)}`);
  });

  test('5: verify with subject-claim="user_id" typ="any" accepts SimpleJWT\'s RS256 tokens', LIMIT, async () => {
    const tab = await open({ ...rs('rs'), typ: 'any', 'subject-claim': 'user_id' });
    const { user } = await login(tab);
    assert.equal(user?.id, '1');
    const call = await callApi(tab, '/v/rs/api/me/');
    assert.deepEqual([call.error, call.status], [undefined, 200]);
  });

  test('5: a SimpleJWT refresh token presented as the access token is refused (typ at+jwt required, or typ="any")', LIMIT, async () => {
    const configs: Array<[string, Attrs]> = [
      ['access tokens typed at+jwt, default typ', { ...rs('rs-typed'), 'subject-claim': 'user_id' }],
      ['SimpleJWT\'s typ JWT, typ="any"', { ...rs('rs'), typ: 'any', 'subject-claim': 'user_id' }],
    ];
    for (const [name, attrs] of configs) {
      const accepted = await open(attrs);
      assert.equal((await login(accepted)).user?.id, '1', `${name}: the access token passes`);

      const tab = await open({ ...attrs, 'token-key': 'refresh' });
      const error = await loginError(tab);
      assert.equal(error?.code, 'token_invalid', `${name}: the refresh token as access token: ${JSON.stringify(error)}`);
      assert.equal((await stateOf(tab)).status, 'anonymous');
    }
  });

  test('6: logout-url=".../token/blacklist/" after a reload: the real server refuses every refresh token of the session', LIMIT, async () => {
    // 20 s tokens: no scheduled refresh runs while the test logs out
    const tab = await open({ ...variant('long'), 'logout-url': '/v/long/api/token/blacklist/' });
    await login(tab);
    await tab.page.reload();
    await waitForStatus(tab, ['authenticated']);
    const blacklist = tab.page.waitForResponse((r) => new URL(r.url()).pathname === '/v/long/api/token/blacklist/');
    await tab.page.locator('auth-logout [part="button"]').click();
    assert.equal((await waitForStatus(tab, ['anonymous'])).error, null, 'a clean logout');
    assert.equal((await blacklist).status(), 200, 'the blacklist endpoint accepted the refresh token');
    await assertAllRefused(tab.refresh, '/v/long/api/token/refresh/');
  });

  test('6: a logout while a scheduled refresh is on its way: nothing comes back on reload, every refresh token is refused', LIMIT, async () => {
    const tab = await open({ ...API, 'logout-url': '/api/token/blacklist/' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atServer = new Promise<void>((resolve) => (reached = resolve));
    await tab.page.route('**/api/token/refresh/', async (route) => {
      const answer = await route.fetch(); // the real server has rotated; the page does not know yet
      reached();
      await held;
      await route.fulfill({ response: answer });
    });
    await login(tab);
    await atServer;
    const delivered = tab.page.waitForResponse((r) => new URL(r.url()).pathname === '/api/token/refresh/');
    const out = tab.page.evaluate(() => document.querySelector('auth-provider')!.client!.logout().then(() => null, (e: { code?: string }) => e.code ?? 'error'));
    release();
    await delivered;
    assert.equal(await out, null, 'a clean logout');
    const stored = await storageOf(tab);
    await tab.page.unroute('**/api/token/refresh/');
    await tab.page.reload();
    const state = await waitForStatus(tab, ['anonymous', 'authenticated']);
    assert.equal(state.status, 'anonymous', `signed in again after logout + reload; storage after logout: ${JSON.stringify(stored).slice(0, 200)}`);
    await assertAllRefused(tab.refresh, '/api/token/refresh/');
  });

  test('7: getResponse() never holds the refresh token, after login or after a refresh', LIMIT, async () => {
    const tab = await open(API);
    await login(tab);
    const response = () => tab.page.evaluate(() => document.querySelector('auth-provider')!.client!.getResponse());
    const afterLogin = await response();
    assert.ok(jwtsIn(afterLogin).includes(tab.access[0]!), 'getResponse() still has the access token');
    assertNoRefreshToken('getResponse() after login', afterLogin, tab.refresh);
    await waitForRotation(tab);
    assertNoRefreshToken('getResponse() after a refresh', await response(), tab.refresh);
  });

  test('8: a wrapped pair (token-key="data.access" refresh-key="data.refresh") with refresh-in-memory: no storage holds the refresh token', LIMIT, async () => {
    const tab = await open({ ...variant('wrapped'), 'token-key': 'data.access', 'refresh-key': 'data.refresh', 'refresh-in-memory': true });
    await login(tab);
    assertNoRefreshToken('storage after login', await storageOf(tab), tab.refresh);
    await waitForRotation(tab);
    assert.equal((await stateOf(tab)).status, 'authenticated', 'renewed through the wrapped refresh endpoint ({"refresh": …} in, {"data": …} out)');
    assertNoRefreshToken('storage after a refresh', await storageOf(tab), tab.refresh);
    const response = await tab.page.evaluate(() => document.querySelector('auth-provider')!.client!.getResponse());
    assertNoRefreshToken('getResponse()', response, tab.refresh);
  });

  test('README.md\'s SimpleJWT snippet, verbatim: names the user, survives a reload past exp, logout revokes the refresh tokens', LIMIT, async () => {
    const tab = await open({}, { page: 'readme-simplejwt.html' });
    await login(tab);
    const first = tab.access[0]!;
    assert.match((await tab.page.locator('auth-status [part="user"]').textContent()) ?? '', /alice/i, 'the status names the user');
    await tab.page.reload();
    await waitForStatus(tab, ['authenticated']);
    await waitPastExpiry(first);
    assert.equal((await stateOf(tab)).status, 'authenticated', 'signed in past the first access token\'s exp');
    await waitForRotation(tab); // log out between two scheduled refreshes, not during one
    await tab.page.locator('auth-logout [part="button"]').click();
    assert.equal((await waitForStatus(tab, ['anonymous'])).error, null, 'a clean logout');
    await assertAllRefused(tab.refresh, '/api/token/refresh/');
  });
});
