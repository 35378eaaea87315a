// The OIDC backend against a hostile OpenID provider (test/oidc/hostile.ts), in real Chromium: a user
// clicks <auth-login>'s "Continue with Hostile" under <auth-provider backend="oidc">, the provider answers with
// one fault (a token signed with another key, alg none, a wrong iss, …), and the user ends signed out
// with that fault's error code, no access token handed out, and no code or token in an error, event,
// log, storage or the address bar (SECURITY.md 1-15, 31). Both ways to leave the page: display
// "redirect" (full page) and "popup". Then the callback's own attacks (SECURITY 10, 13, 14): a replayed
// callback URL, a callback without state, another tab's state (no POST /token for any of them), the
// popup closed by the user, and forged callback messages from other windows and origins during a popup
// login, which must be ignored (the real callback still signs in afterwards).
//
// The page is served here on http://localhost:<port> (the built dist/ and two test pages); the same
// server answers as http://127.0.0.1:<port>, another origin, for the forged messages.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AuthErrorCode } from '../../src/core/errors.js';
import en from '../../src/components/translations/en.js';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';
import {
  authorizationUrl,
  authorize,
  HOSTILE_DESCRIPTION,
  SCENARIOS,
  startHostileProvider,
  type HostileProvider,
  type HostileScenario,
} from '../oidc/hostile.js';
import { freePort } from './harness.js';

const dist = new URL('../../dist/', import.meta.url).pathname;
const WAIT_MS = 30_000;

type Display = 'redirect' | 'popup';

/**
 * The discovery `issuer` check (SECURITY 12) has no code of its own in the contract: `invalid_response`
 * (a 2xx answer that is not what the configuration says) fits best, `provider_error` and
 * `token_invalid` (the provider's identity does not verify) are accepted. What matters is tested
 * besides: signed out, and nothing ever sent to the authorization endpoint.
 */
const DISCOVERY_REFUSED: readonly AuthErrorCode[] = ['invalid_response', 'provider_error', 'token_invalid'];

/** The error code each fault must end with. */
const EXPECTED: Record<Exclude<HostileScenario, 'good'>, readonly AuthErrorCode[]> = {
  'foreign-key': ['token_invalid'],
  'unknown-kid': ['token_invalid'],
  'alg-none': ['token_invalid'],
  'hs256-public-key': ['token_invalid'],
  'wrong-iss': ['token_invalid'],
  'iss-trailing-slash': ['token_invalid'],
  'wrong-aud': ['token_invalid'],
  'several-aud-no-azp': ['token_invalid'],
  expired: ['token_expired'],
  'iat-missing': ['token_invalid'],
  'sub-missing': ['token_invalid'],
  'nonce-missing': ['token_invalid'],
  'nonce-wrong': ['token_invalid'],
  'userinfo-sub': ['token_invalid'],
  'discovery-issuer': DISCOVERY_REFUSED,
  'discovery-issuer-slash': DISCOVERY_REFUSED,
  'access-denied': ['provider_error'],
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** The test page. A classic script in <head> records every auth-error event and message (before the kit loads). */
function testPage(hp: HostileProvider, origin: string, display: Display): string {
  const redirectUri = display === 'redirect' ? `${origin}/redirect.html` : `${origin}/oidc-callback.html`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>hostile provider, ${display}</title>
<script>
  window.seen = { events: [], messages: [] };
  document.addEventListener('auth-error', (e) => seen.events.push(e.detail));
  addEventListener('message', (e) => seen.messages.push(e.origin));
</script>
<script type="module" src="/auth-elements.js"></script></head>
<body>
<auth-provider backend="oidc" issuer="${hp.issuer}" client-id="${hp.clientId}" redirect-uri="${redirectUri}"
  display="${display}" popup-timeout="120" provider-name="Hostile">
  <auth-login></auth-login>
</auth-provider>
</body></html>`;
}

/** A page that posts the message in its fragment to its parent with target "*": a forger. */
const FORGE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>forger</title></head><body><script>
  parent.postMessage(JSON.parse(decodeURIComponent(location.hash.slice(1))), '*');
</script></body></html>`;

async function pageServer(hp: HostileProvider, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = `http://${req.headers.host}`;
    const send = (type: string, body: string | Buffer) =>
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (url.pathname === '/redirect.html') return send(CONTENT_TYPES['.html']!, testPage(hp, origin, 'redirect'));
    if (url.pathname === '/popup.html') return send(CONTENT_TYPES['.html']!, testPage(hp, origin, 'popup'));
    if (url.pathname === '/forge.html') return send(CONTENT_TYPES['.html']!, FORGE_PAGE);
    const file = normalize(join(dist, url.pathname));
    if (!file.startsWith(dist) || !existsSync(file)) return res.writeHead(404).end();
    try {
      send(CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

interface Outcome {
  status: string;
  user: unknown;
  error: { code: string; message: string; error?: string; description?: string } | null;
  events: Array<{ code: string; operation: string; description?: string }>;
  token: string | null;
  url: string;
  /** localStorage, sessionStorage and document.cookie, serialised. */
  storage: string;
  /** What <auth-login> shows in part="error". */
  shown: string;
  /** <img src="x"> elements anywhere in the document or its open shadow roots. */
  injected: number;
}

/** Everything the page knows after a login attempt (one evaluate; nothing but plain data crosses). */
function outcome(page: Page): Promise<Outcome> {
  return page.evaluate(async () => {
    type Seen = { events: Outcome['events'] };
    const seen = (window as unknown as { seen: Seen }).seen;
    const provider = document.querySelector('auth-provider') as HTMLElement & {
      state: { status: string; user: unknown; error: (Error & { code: string; error?: string; description?: string }) | null };
      client?: { getAccessToken(): Promise<string | null> };
    };
    const { status, user, error } = provider.state;
    const token = await provider.client!.getAccessToken().catch((e: { code?: string }) => `rejected: ${e.code}`);
    const roots: Array<Document | ShadowRoot> = [document];
    for (const el of document.querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
    const login = document.querySelector('auth-login');
    return {
      status,
      user,
      error: error && { code: error.code, message: error.message, error: error.error, description: error.description },
      events: seen.events,
      token,
      url: location.href,
      storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
      shown: login?.shadowRoot?.querySelector('[part~="error"]')?.textContent?.trim() ?? '',
      injected: roots.reduce((n, root) => n + root.querySelectorAll('img[src="x"]').length, 0),
    } as Outcome;
  });
}

/**
 * Poll `fn` in the page until it returns true; survives navigations (a redirect login reloads). A
 * string from `fn` is a failure that no waiting will mend (the provider refused its configuration).
 */
async function until(page: Page, what: string, fn: () => boolean | string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const done = await page.evaluate(fn).catch(() => false);
    if (typeof done === 'string') throw new Error(`while waiting for ${what}: ${done}`);
    if (done) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (at ${page.url()})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Poll a condition in Node (the provider's request log). */
async function untilNode(what: string, fn: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The codes of the login's own errors (auth-error events of operation `login`), in order. */
const loginErrors = (result: Outcome) => result.events.filter((e) => e.operation === 'login').map((e) => e.code);

/** <auth-login>'s "Continue with …" button: it pierces the element's open shadow root. */
const CONTINUE = 'auth-login [part~="provider-button"]';

/** The client has restored (or failed to restore) its session and the button is there: a login can start. */
const settledFresh = () => {
  const configure = (window as unknown as { seen?: { events: Array<{ operation: string; message: string }> } }).seen
    ?.events.find((event) => event.operation === 'configure');
  if (configure) return `<auth-provider> refused its configuration: ${configure.message}`;
  const provider = document.querySelector('auth-provider') as (HTMLElement & { state?: { status: string }; client?: unknown }) | null;
  const status = provider?.state?.status;
  const button = document.querySelector('auth-login')?.shadowRoot?.querySelector('[part~="provider-button"]');
  return !(window as unknown as { old?: boolean }).old && !!provider?.client && status !== undefined &&
    status !== 'unknown' && status !== 'pending' && (status === 'authenticated' || !!button);
};

/**
 * The click's login has ended: signed in, or a login error (the same page: a popup, or a redirect
 * that never left), or (redirect) the page came back from the provider and settled.
 */
const loginEnded = () => {
  const w = window as unknown as { old?: boolean; seen?: { events: Array<{ operation: string }> } };
  const provider = document.querySelector('auth-provider') as (HTMLElement & { state?: { status: string } }) | null;
  const status = provider?.state?.status;
  if (status === 'authenticated') return true;
  if (w.old) return !!w.seen?.events.some((event) => event.operation === 'login');
  return status === 'anonymous' || status === 'error';
};

describe('OIDC backend against a hostile provider (Chromium)', () => {
  let hp: HostileProvider;
  let server: Server;
  let browser: Browser;
  let origin: string;
  let otherOrigin: string;

  before(async () => {
    if (!existsSync(join(dist, 'auth-elements.js'))) {
      throw new Error('dist/auth-elements.js is missing: run `npm run build` (npm test does it) before the e2e tests.');
    }
    const port = await freePort();
    origin = `http://localhost:${port}`;
    otherOrigin = `http://127.0.0.1:${port}`;
    hp = await startHostileProvider({ redirectUris: [`${origin}/redirect.html`, `${origin}/oidc-callback.html`] });
    server = await pageServer(hp, port);
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await hp?.close();
  });

  interface Visit {
    context: BrowserContext;
    page: Page;
    console: string[];
    /** Documents the page loaded (URLs), to find the callback URL of a redirect login. */
    documents: string[];
  }

  /** A fresh browser profile on a test page, settled (the session restored or not). */
  async function visit(display: Display, scenario: HostileScenario = 'good'): Promise<Visit> {
    hp.scenario = scenario;
    hp.interactive = false;
    const context = await browser.newContext();
    const page = await context.newPage();
    const console: string[] = [];
    const documents: string[] = [];
    context.on('console', (message) => console.push(message.text()));
    page.on('request', (request) => {
      if (request.isNavigationRequest()) documents.push(request.url());
    });
    page.on('dialog', (dialog) => {
      console.push(`DIALOG: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(`${origin}/${display}.html`);
    await until(page, 'the session restored', settledFresh);
    return { context, page, console, documents };
  }

  /** Runs `fn` on a fresh visit, closing its browser profile whatever happens. */
  async function withVisit(display: Display, fn: (v: Visit) => Promise<void>, scenario: HostileScenario = 'good') {
    const v = await visit(display, scenario);
    try {
      await fn(v);
    } finally {
      await v.context.close();
    }
  }

  /** Click "Continue with …" (a real click: the popup may open) and wait until the login ended. */
  async function signIn({ page }: Visit): Promise<Outcome> {
    await page.evaluate(() => ((window as unknown as { old: boolean }).old = true));
    await page.click(CONTINUE);
    await until(page, 'the login to end', loginEnded);
    return outcome(page);
  }

  const count = (entry: string, from = 0) => hp.requests.slice(from).filter((r) => r === entry).length;

  /** Signed out, the expected code somewhere the page can see it, nothing secret anywhere. */
  function assertRefused(result: Outcome, visit: Visit, expected: readonly AuthErrorCode[]) {
    assert.equal(result.status, 'anonymous', `signed out: ${JSON.stringify(result)}`);
    assert.equal(result.user, null);
    assert.equal(result.token, null, 'no access token handed out');
    const codes = [result.error?.code, ...result.events.map((e) => e.code)];
    assert.ok(codes.some((code) => expected.includes(code as AuthErrorCode)),
      `one of ${expected.join(', ')} expected, got ${JSON.stringify(codes)}`);
    for (const secret of hp.issued) {
      for (const [where, text] of Object.entries({
        error: JSON.stringify(result.error), events: JSON.stringify(result.events),
        console: visit.console.join('\n'), storage: result.storage, 'address bar': result.url,
      })) {
        assert.ok(!text.includes(secret), `a code or token issued by the provider is in the ${where}`);
      }
    }
    assert.ok(!visit.console.some((line) => line.startsWith('DIALOG')), `no script ran: ${visit.console.join('\n')}`);
    assert.equal(result.injected, 0, 'no <img> from the provider\'s description');
  }

  for (const display of ['redirect', 'popup'] as const) {
    describe(`display="${display}"`, () => {
      test('the well-behaved scenario signs in (the page, the provider and the flow work)', () => withVisit(display, async (v) => {
        const result = await signIn(v);
        assert.equal(result.status, 'authenticated', JSON.stringify(result));
        assert.notEqual(result.user, null);
        assert.ok(result.token && hp.issued.includes(result.token), 'the access token the provider issued');
      }));

      for (const [name, expected] of Object.entries(EXPECTED)) {
        const scenario = name as HostileScenario;
        test(`${SCENARIOS[scenario]} -> signed out with ${expected.join(' or ')}`, () => withVisit(display, async (v) => {
          const seen = hp.requests.length;
          const result = await signIn(v);
          assertRefused(result, v, expected);
          if (scenario.startsWith('discovery-')) {
            assert.equal(count('GET /authorize', seen), 0, 'never sent to an issuer it did not configure');
            assert.equal(count('POST /token', seen), 0);
          } else {
            assert.equal(count('GET /authorize', seen), 1);
          }
          // SECURITY 4: an unknown kid may refetch the JWKS once (a key rotation), not at every token:
          // two such logins on one page (popup: no reload), at most two fetches in all.
          if (scenario === 'unknown-kid' && display === 'popup') {
            await v.page.evaluate(() => ((window as unknown as { seen: { events: unknown[] } }).seen.events = []));
            assertRefused(await signIn(v), v, expected);
            assert.equal(count('GET /authorize', seen), 2);
            assert.ok(count('GET /jwks', seen) <= 2, `JWKS fetched ${count('GET /jwks', seen)} times for two tokens`);
          }
          if (scenario === 'access-denied') {
            assert.equal(count('POST /token', seen), 0, 'no token request after an authorization error');
            const error = [result.error, ...result.events].find((e) => e?.code === 'provider_error');
            assert.equal(error?.description, HOSTILE_DESCRIPTION, 'the provider\'s description kept, as text');
            if (result.error) assert.equal(result.error.error, 'access_denied');
            // Shown after the message as text: the markup is in the text, no element was made of it.
            assert.ok(result.shown.endsWith(HOSTILE_DESCRIPTION), `shown as text: "${result.shown}"`);
          }
          // <auth-login> shows the code's message: the login's own error (popup; a login that never
          // left), else the session-level one (a redirect callback that failed while the page restored).
          const code = (loginErrors(result).at(-1) ?? result.error?.code) as AuthErrorCode;
          const message = en[`error.${code}`];
          assert.ok(message && result.shown.startsWith(message), `<auth-login> shows "${message}", not "${result.shown}"`);
        }, scenario));
      }
    });
  }

  describe('callbacks that are not this tab\'s (SECURITY 10): state_mismatch, no POST /token', () => {
    test('a replayed callback URL (the same code and state loaded again)', () => withVisit('redirect', async (v) => {
      const first = await signIn(v);
      assert.equal(first.status, 'authenticated', JSON.stringify(first));
      const callback = v.documents.find((url) => url.startsWith(`${origin}/redirect.html?`) && new URL(url).searchParams.has('code'));
      assert.ok(callback, `the callback URL among ${v.documents.join(', ')}`);
      await refusesCallback(v, new URL(callback));
    }));

    /** Loads a callback URL this tab did not ask for: refused with state_mismatch, its code never sent. */
    async function refusesCallback(v: Visit, callback: URL) {
      const tokensBefore = count('POST /token');
      await v.page.goto(callback.href);
      await until(v.page, 'the callback handled', settledFresh);
      assertRefused(await outcome(v.page), v, ['state_mismatch']);
      assert.equal(count('POST /token'), tokensBefore, 'no token request');
    }

    test('a callback without state', () => withVisit('redirect', async (v) => {
      // A real, unused code for a request this page never made.
      const { location: callback } = await authorize(authorizationUrl(hp, `${origin}/redirect.html`, { nonce: 'n' }));
      assert.ok(callback?.searchParams.get('code') && !callback.searchParams.has('state'));
      await refusesCallback(v, callback!);
    }));

    test('a callback carrying another tab\'s pending state', () => withVisit('redirect', async (v) => {
      // The other tab starts a redirect login; its trip to the provider is stopped, its state kept.
      const other = await v.context.newPage();
      await other.goto(`${origin}/redirect.html`);
      await until(other, 'the other tab restored', settledFresh);
      let request: URL | undefined;
      await other.route(`${hp.issuer}/authorize**`, (route) => {
        request = new URL(route.request().url());
        return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>stopped</title>' });
      });
      await other.click(CONTINUE);
      await untilNode('the other tab\'s authorization request', () => request !== undefined);
      const state = request!.searchParams.get('state');
      assert.ok(state, 'the other tab sent a state');
      // Its code (a real one, for its PKCE challenge) delivered to this tab.
      const { location: callback } = await authorize(request!);
      assert.equal(callback?.searchParams.get('state'), state);
      await refusesCallback(v, callback!);
    }));
  });

  describe('popup windows (SECURITY 13, 14)', () => {
    /** Click, and get the popup once it shows the provider's interactive page. */
    async function openPopup(v: Visit) {
      hp.interactive = true;
      await v.page.evaluate(() => ((window as unknown as { old: boolean }).old = true));
      const opened = v.context.waitForEvent('page');
      await v.page.click(CONTINUE);
      const popup = await opened;
      await popup.waitForURL((url) => url.origin === hp.issuer && url.pathname === '/authorize', { timeout: WAIT_MS });
      await popup.locator('#continue').waitFor({ timeout: WAIT_MS });
      return popup;
    }

    test('the popup closed by the user -> popup_closed, no POST /token', () => withVisit('popup', async (v) => {
      const seen = hp.requests.length;
      const popup = await openPopup(v);
      await popup.close();
      await until(v.page, 'the login to end', loginEnded);
      const result = await outcome(v.page);
      assertRefused(result, v, ['popup_closed']);
      assert.deepEqual(loginErrors(result), ['popup_closed']);
      assert.equal(count('POST /token', seen), 0);
    }));

    test('forged callback messages (the provider\'s page, another origin, origin null, another same-origin window) are ignored', () => withVisit('popup', async (v) => {
      const seen = hp.requests.length;
      const popup = await openPopup(v);
      const state = new URL(popup.url()).searchParams.get('state');
      assert.ok(state, 'the popup carries the pending state');
      // An attacker's code (real, for the attacker's own PKCE challenge) under the victim's state.
      hp.interactive = false;
      const { location } = await authorize(authorizationUrl(hp, `${origin}/oidc-callback.html`, { state }));
      assert.ok(location?.searchParams.get('code'));
      const forged = { type: 'auth-elements:oidc-callback', params: location!.searchParams.toString() };

      // 1. From our popup window, but from the provider's origin.
      await popup.evaluate((message) => window.opener.postMessage(message, '*'), forged);
      // 2-4. From iframes of the page: another origin, an opaque origin, and our own origin (not our popup).
      const frames: Array<[string, boolean]> = [[`${otherOrigin}/forge.html`, false], [`${origin}/forge.html`, true], [`${origin}/forge.html`, false]];
      await v.page.evaluate(({ frames, fragment }) => {
        for (const [src, sandboxed] of frames) {
          const frame = document.createElement('iframe');
          if (sandboxed) frame.setAttribute('sandbox', 'allow-scripts');
          frame.src = `${src}#${fragment}`;
          document.body.append(frame);
        }
      }, { frames, fragment: encodeURIComponent(JSON.stringify(forged)) });
      // (Each function below runs in the page on its own: it cannot share a helper with the other.)
      await until(v.page, 'the four forged messages delivered', () =>
        (window as unknown as { seen: { messages: string[] } }).seen.messages.length >= 4);
      const origins = await v.page.evaluate(() => (window as unknown as { seen: { messages: string[] } }).seen.messages);
      assert.deepEqual(origins.sort(), [hp.issuer, otherOrigin, origin, 'null'].sort());

      let result = await outcome(v.page);
      assert.equal(result.status, 'pending', 'still waiting for its own popup');
      assert.deepEqual(loginErrors(result), [], 'a forged message does not cancel the login');
      assert.equal(count('POST /token', seen), 0, 'no forged code was exchanged');
      assert.equal(popup.isClosed(), false);

      // The user goes on in the popup: the genuine callback signs in.
      await popup.click('#continue');
      await until(v.page, 'the login to end', loginEnded);
      result = await outcome(v.page);
      assert.equal(result.status, 'authenticated', JSON.stringify(result));
      assert.equal(count('POST /token', seen), 1, 'exactly the genuine code exchanged');
    }));
  });
});
