// End to end: the OIDC window plumbing (src/core/oidc-window.ts) and the standalone callback page
// (dist/oidc-callback.html) in Debian's Chromium, with its popup blocker on. One loopback server plays
// the app (http://localhost:<p>), a same-origin "provider" that redirects to the callback page, and a
// second origin (http://127.0.0.1:<p>) for strangers and for a Streamlit-like host page.
// SECURITY.md 13 (messages that must be ignored) and 14 (closed, blocked, cut off: each its own code).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';

const root = new URL('../../', import.meta.url).pathname;
const TYPE = 'auth-elements:oidc-callback';
/** Streamlit's component iframe sandbox. */
const STREAMLIT_SANDBOX = 'allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts allow-downloads';
/** Generous: the machine may be slow; nothing here waits this long when it works. */
const WAIT = 30_000;

let browser: Browser;
let server: Server;
let port = 0;
let lib = '';
let app = ''; // http://localhost:<port>
let other = ''; // http://127.0.0.1:<port>

/** Outcome of a flow as the test page records it. */
interface Outcome {
  params?: Record<string, string>;
  code?: string;
  message?: string;
}
/** A message event the app page saw (its own listener, registered before the module's). */
interface Seen {
  origin: string;
  code: string | null;
  /** The callback window's address at the moment its message arrived (same-origin windows only). */
  href: string | null;
}

/**
 * The app page: a "Sign in" button opening the popup in the click's task, an `await` (as the backend
 * computes its PKCE challenge), then popupCallback; `window.startFrame()` runs the hidden-iframe flow.
 * `?auto=1` opens the popup at load, without any user gesture.
 */
const APP_PAGE = `<!doctype html><meta charset="utf-8"><title>app</title>
<button id="login">Sign in</button>
<script type="module">
import * as w from '/lib.js';
const seen = (window.seen = []);
addEventListener('message', (e) => {
  let href = null;
  try { href = e.source && e.source.location.href; } catch { href = null; }
  const params = e.data && typeof e.data.params === 'string' ? new URLSearchParams(e.data.params) : null;
  seen.push({ origin: e.origin, code: params && params.get('code'), href });
});
window.settings = { mode: 'redirect', timeoutMs: 60000 };
window.controller = new AbortController();
const settle = (o) => { window.outcome = o; };
const fail = (e) => settle({ code: e.code, message: e.message });
const providerUrl = (state) => (window.settings.origin || '') + '/provider?mode=' + window.settings.mode + '&state=' + encodeURIComponent(state);
function startPopup() {
  try {
    const win = w.openPopup();
    const state = (window.state = w.newState('p'));
    crypto.subtle.digest('SHA-256', new TextEncoder().encode(state)).then(() =>
      w.popupCallback(win, providerUrl(state), state, { timeoutMs: window.settings.timeoutMs, signal: window.controller.signal }),
    ).then((p) => settle({ params: Object.fromEntries(p) }), fail);
  } catch (e) { fail(e); }
}
window.startFrame = () => {
  const state = (window.state = w.newState('f'));
  w.frameCallback(providerUrl(state), state, { timeoutMs: window.settings.timeoutMs, signal: window.controller.signal })
    .then((p) => settle({ params: Object.fromEntries(p) }), fail);
};
document.querySelector('#login').addEventListener('click', startPopup);
window.ready = true;
if (new URLSearchParams(location.search).has('auto')) startPopup();
</script>`;

/** A stranger: posts a callback-shaped message for `state` to its parent or opener, with target "*". */
const HOSTILE_PAGE = `<!doctype html><meta charset="utf-8"><title>hostile</title><script>
const q = new URLSearchParams(location.search);
const to = q.get('to') === 'opener' ? window.opener : window.parent;
const type = q.get('type') || '${TYPE}';
to.postMessage({ type, params: 'code=evil&state=' + encodeURIComponent(q.get('state')) }, '*');
document.title = 'posted';
</script>`;

/** Another origin's page that would like to read a callback: records every message it receives. */
const EVIL_PAGE = `<!doctype html><meta charset="utf-8"><title>evil</title><button>open</button>
<script>window.received = []; addEventListener('message', (e) => window.received.push(e.data));</script>`;

/** A Streamlit-like host page embedding the app in an iframe with Streamlit's sandbox flags (or others). */
const hostPage = (src: string, sandbox = STREAMLIT_SANDBOX) =>
  `<!doctype html><meta charset="utf-8"><title>host</title><iframe sandbox="${sandbox}" src="${src}" width="400" height="200"></iframe>`;

/** The "provider": `redirect` answers at once, `error` with access_denied, `hold` waits for a click. */
function provider(url: URL, res: ServerResponse): void {
  const state = url.searchParams.get('state') ?? '';
  const mode = url.searchParams.get('mode');
  const callback = new URL('/oidc-callback.html', app);
  callback.searchParams.set('state', state);
  if (mode === 'error') {
    callback.searchParams.set('error', 'access_denied');
    callback.searchParams.set('error_description', 'The user said no');
  } else {
    callback.searchParams.set('code', 'real-code');
    callback.searchParams.set('iss', app);
  }
  if (mode === 'redirect' || mode === 'error') {
    res.writeHead(302, { location: callback.href }).end();
    return;
  }
  // hold (and coop: the same page with Cross-Origin-Opener-Policy, which cuts the opener link)
  const headers: Record<string, string> = { 'content-type': 'text/html' };
  if (mode === 'coop') headers['cross-origin-opener-policy'] = 'same-origin';
  res.writeHead(200, headers).end(`<!doctype html><title>provider</title><a id="continue" href="${callback.href.replace(/&/g, '&amp;')}">Continue</a>`);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const html = (body: string, headers: Record<string, string> = {}) =>
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store', ...headers }).end(body);
  switch (url.pathname) {
    case '/lib.js':
      // CORS: a sandboxed page without allow-same-origin (an opaque origin) loads it too.
      res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' }).end(lib);
      return;
    case '/oidc-callback.html':
    case '/oidc-callback.js': {
      const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(`${root}dist${url.pathname}`));
      return;
    }
    case '/app.html': {
      // ?coop=<value>: the app page's own Cross-Origin-Opener-Policy.
      const coop = url.searchParams.get('coop');
      return void html(APP_PAGE, coop ? { 'cross-origin-opener-policy': coop } : {});
    }
    case '/hostile.html':
      // ?csp=sandbox: the same page in an opaque origin (`null`), as a sandboxed document.
      return void html(HOSTILE_PAGE, url.searchParams.get('csp') === 'sandbox' ? { 'content-security-policy': 'sandbox allow-scripts' } : {});
    case '/evil.html':
      return void html(EVIL_PAGE);
    case '/host.html':
      return void html(hostPage(url.searchParams.get('src') ?? '', url.searchParams.get('sandbox') ?? undefined));
    case '/provider':
      return provider(url, res);
    default:
      res.writeHead(404).end();
  }
}

before(async () => {
  for (const file of ['oidc-callback.html', 'oidc-callback.js']) {
    if (!existsSync(`${root}dist/${file}`)) throw new Error(`dist/${file} is missing: run \`npm run build\` first.`);
  }
  // The module as the browser gets it: bundled (with errors.ts) by Vite, unminified.
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    root,
    build: { write: false, minify: false, lib: { entry: `${root}src/core/oidc-window.ts`, formats: ['es'], fileName: 'lib' } },
  });
  const first = (Array.isArray(out) ? out[0] : out) as unknown as { output: [{ code: string }] };
  lib = first.output[0].code;
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  app = `http://localhost:${port}`;
  other = `http://127.0.0.1:${port}`;
  // Playwright turns Chromium's popup blocker off by default; a real browser has it on.
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs, ignoreDefaultArgs: ['--disable-popup-blocking'] });
});

after(async () => {
  await browser?.close().catch(() => {});
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
});

async function withPage(fn: (page: Page, context: BrowserContext) => Promise<void>, path = '/app.html'): Promise<void> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(app + path);
    await page.waitForFunction('window.ready === true', null, { timeout: WAIT });
    await fn(page, context);
  } finally {
    await context.close();
  }
}

/** The flow's provider behaviour, timeout, and the provider's origin (default: the app's). */
async function settings(page: Page, mode: string, timeoutMs = 60_000, origin = ''): Promise<void> {
  await page.evaluate(`window.settings = ${JSON.stringify({ mode, timeoutMs, origin })}`);
}

/** Click "Sign in" (a real click) and return the popup once its first page has loaded. */
async function clickLogin(page: Page, context: BrowserContext): Promise<Page> {
  const popup = context.waitForEvent('page', { timeout: WAIT });
  await page.locator('#login').click();
  const win = await popup;
  return win;
}

async function outcome(page: Page): Promise<Outcome> {
  await page.waitForFunction('window.outcome !== undefined', null, { timeout: WAIT * 2 });
  return (await page.evaluate('window.outcome')) as Outcome;
}

/** Resolves when `popup` has closed (also when it already has: a fast callback closes it at once). */
const whenClosed = (popup: Page) => (popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close', { timeout: WAIT }).then(() => {}));

const seen = (page: Page) => page.evaluate('window.seen') as Promise<Seen[]>;
const pendingState = (page: Page) => page.evaluate('window.state') as Promise<string>;

/** Until `page` has seen a message with code=evil from `origin` (proves the stranger did post). */
async function untilEvilSeen(page: Page, origin: string): Promise<void> {
  await page.waitForFunction(`window.seen.some((s) => s.code === 'evil' && s.origin === ${JSON.stringify(origin)})`, null, { timeout: WAIT });
}

/**
 * The popup goes to `url` by itself (as a provider's redirect does). Not `page.goto`: a navigation the
 * browser starts may move the popup to a new browsing context group, cutting it from its opener.
 */
async function navigate(popup: Page, url: string): Promise<void> {
  // First the page it is on (not the initial about:blank, whose navigation to the provider is pending).
  await popup.waitForURL((u) => u.protocol === 'http:', { timeout: WAIT, waitUntil: 'load' });
  // In a task of its own, so that the evaluation returns before its context goes away.
  await popup.evaluate(`setTimeout(() => { location.href = ${JSON.stringify(url)}; })`);
  await popup.waitForURL(url, { timeout: WAIT });
}

/** Wait for the popup to have loaded the hold page, then let it go on to the callback. */
async function continueLogin(popup: Page): Promise<void> {
  await popup.locator('#continue').click({ timeout: WAIT });
}

/** The frame of `page` whose URL satisfies `match`, once there is one. */
async function waitForFrame(page: Page, match: (url: string) => boolean) {
  for (const deadline = Date.now() + WAIT; Date.now() < deadline; await page.waitForTimeout(50)) {
    const frame = page.frames().find((f) => match(f.url()));
    if (frame) return frame;
  }
  throw new Error('no such frame');
}

function assertNoSecret(result: Outcome, state: string): void {
  assert.ok(result.message, 'an error has a message');
  assert.ok(!result.message.includes(state) && !result.message.includes('real-code'), `no state or code in "${result.message}"`);
}

describe('oidc-window: popup flow', () => {
  test('a good callback resolves its parameters, closes the popup, and the callback URL was clean when it posted', async () => {
    await withPage(async (page, context) => {
      const popup = await clickLogin(page, context);
      const closed = whenClosed(popup);
      const result = await outcome(page);
      const state = await pendingState(page);
      assert.match(state, /^p\.[A-Za-z0-9_-]{32}$/, 'a popup state: p. and 32 base64url characters');
      assert.deepEqual(result.params, { code: 'real-code', state, iss: app });
      await closed;
      const [message] = (await seen(page)).filter((s) => s.code === 'real-code');
      assert.ok(message, 'the callback message arrived');
      assert.equal(message.origin, app);
      assert.ok(message.href, 'the popup was readable when its message arrived');
      assert.equal(new URL(message.href).search, '', `the callback page removed code and state first (${message.href})`);
    });
  });

  test('a timeout beyond setTimeout\'s range (30 days) is a long wait, not an immediate timeout', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'redirect', 30 * 24 * 3600 * 1000);
      await clickLogin(page, context);
      assert.equal((await outcome(page)).params?.code, 'real-code');
    });
  });

  test('a provider error resolves error and error_description for the backend to turn into provider_error', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'error');
      await clickLogin(page, context);
      const result = await outcome(page);
      assert.deepEqual(result.params, { error: 'access_denied', error_description: 'The user said no', state: await pendingState(page) });
    });
  });

  test('the callback page posts to its own origin only: an opener or a parent of another origin receives nothing', async () => {
    // A page of 127.0.0.1 opens (and frames) our callback URL with a code; with target "*" it would
    // receive the code. The callback page's own work is observed: the popup closes (after posting),
    // the frame's address loses its code (just before posting).
    const context = await browser.newContext();
    try {
      const evil = await context.newPage();
      await evil.goto(`${other}/evil.html`);
      const callback = (flow: string) => `${app}/oidc-callback.html?code=stolen&state=${flow}.${'A'.repeat(32)}`;
      const popupPage = context.waitForEvent('page', { timeout: WAIT });
      await evil.evaluate(`document.querySelector('button').onclick = () => window.open(${JSON.stringify(callback('p'))}, '_blank', 'popup')`);
      await evil.locator('button').click();
      await whenClosed(await popupPage);
      await evil.evaluate(`document.body.append(Object.assign(document.createElement('iframe'), { src: ${JSON.stringify(callback('f'))} }))`);
      const frame = await waitForFrame(evil, (url) => url.startsWith(`${app}/oidc-callback.html`) && !url.includes('stolen'));
      assert.equal(await frame.locator('body').innerText(), 'You can close this window.');
      // Give a wrongly addressed message time to arrive (it would take milliseconds).
      await evil.waitForTimeout(1000);
      assert.deepEqual(await evil.evaluate('window.received'), []);
    } finally {
      await context.close();
    }
  });

  test('the user closes the popup -> popup_closed, and the message says nothing secret', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      await popup.locator('#continue').waitFor({ timeout: WAIT });
      const t0 = Date.now();
      await popup.close();
      const result = await outcome(page);
      console.log(`# popup_closed reported ${Date.now() - t0} ms after the popup closed`);
      assert.equal(result.code, 'popup_closed');
      assertNoSecret(result, await pendingState(page));
    });
  });

  test('window.open without a user gesture -> popup_blocked', async () => {
    await withPage(async (page) => {
      const result = await outcome(page);
      assert.equal(result.code, 'popup_blocked');
      assert.equal(page.context().pages().length, 1, 'no popup opened');
    }, '/app.html?auto=1');
  });

  test('no answer in time -> timeout, and the popup is closed', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold', 1500);
      const popup = await clickLogin(page, context);
      const closed = whenClosed(popup);
      const result = await outcome(page);
      assert.equal(result.code, 'timeout');
      assertNoSecret(result, await pendingState(page));
      await closed;
    });
  });

  test('the signal aborts -> aborted, and the popup is closed', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      await popup.locator('#continue').waitFor({ timeout: WAIT });
      const closed = whenClosed(popup);
      await page.evaluate('window.controller.abort()');
      assert.equal((await outcome(page)).code, 'aborted');
      await closed;
    });
  });

  test('a signal aborted before the wait -> aborted at once, and the popup is closed', async () => {
    await withPage(async (page, context) => {
      await page.evaluate('window.controller.abort()');
      const popup = await clickLogin(page, context);
      const closed = whenClosed(popup);
      assert.equal((await outcome(page)).code, 'aborted');
      await closed;
    });
  });

  test('the provider cuts the opener link (Cross-Origin-Opener-Policy: same-origin) -> popup_closed', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'coop');
      const popup = await clickLogin(page, context);
      const result = await outcome(page);
      assert.equal(result.code, 'popup_closed');
      // Cut off, the popup cannot be closed from here; the user goes on: the callback page finds no
      // opener, posts nothing, and closes itself.
      assert.equal(popup.isClosed(), false);
      await continueLogin(popup);
      await whenClosed(popup);
      assert.deepEqual((await seen(page)).filter((s) => s.code === 'real-code'), []);
    });
  });

  for (const [coop, expected] of [
    ['same-origin', 'popup_closed'],
    ['same-origin-allow-popups', 'real-code'],
  ] as const) {
    test(`the app page sends Cross-Origin-Opener-Policy: ${coop}, the provider is another origin -> ${expected}`, async () => {
      await withPage(async (page, context) => {
        await settings(page, 'redirect', 60_000, other);
        await clickLogin(page, context);
        const result = await outcome(page);
        assert.equal(result.params?.code ?? result.code, expected);
      }, `/app.html?coop=${coop}`);
    });
  }
});

describe('oidc-window: messages that must be ignored (SECURITY.md 13)', () => {
  test('from an iframe of another origin (127.0.0.1), with the right shape and state', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      const state = await pendingState(page);
      await page.evaluate(`document.body.append(Object.assign(document.createElement('iframe'), { src: ${JSON.stringify(`${other}/hostile.html?state=${encodeURIComponent(state)}`)} }))`);
      await untilEvilSeen(page, other);
      await continueLogin(popup);
      assert.equal((await outcome(page)).params?.code, 'real-code');
    });
  });

  test('from origin null (a sandboxed iframe without allow-same-origin)', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      const state = await pendingState(page);
      await page.evaluate(`{
        const f = document.createElement('iframe');
        f.sandbox = 'allow-scripts';
        f.src = ${JSON.stringify(`/hostile.html?state=${encodeURIComponent(state)}`)};
        document.body.append(f);
      }`);
      await untilEvilSeen(page, 'null');
      await continueLogin(popup);
      assert.equal((await outcome(page)).params?.code, 'real-code');
    });
  });

  test('from a same-origin window that is not our popup (an iframe posting the right shape and state)', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      const state = await pendingState(page);
      await page.evaluate(`document.body.append(Object.assign(document.createElement('iframe'), { src: ${JSON.stringify(`/hostile.html?state=${encodeURIComponent(state)}`)} }))`);
      await untilEvilSeen(page, app);
      await continueLogin(popup);
      assert.equal((await outcome(page)).params?.code, 'real-code');
    });
  });

  test('from our own popup, but with the wrong state', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      await popup.locator('#continue').waitFor({ timeout: WAIT });
      await popup.evaluate(`window.opener.postMessage({ type: '${TYPE}', params: 'code=evil&state=p.' + 'A'.repeat(32) }, location.origin)`);
      await untilEvilSeen(page, app);
      await continueLogin(popup);
      assert.equal((await outcome(page)).params?.code, 'real-code');
    });
  });

  test('from our own popup with the right state, but without our type tag', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      const state = await pendingState(page);
      await navigate(popup, `${app}/hostile.html?to=opener&type=other&state=${encodeURIComponent(state)}`);
      await untilEvilSeen(page, app);
      await navigate(popup, `${app}/provider?mode=hold&state=${encodeURIComponent(state)}`);
      await continueLogin(popup);
      assert.equal((await outcome(page)).params?.code, 'real-code');
    });
  });

  for (const [name, url, origin] of [
    ['another origin (127.0.0.1)', () => `${other}/hostile.html?to=opener`, () => other],
    ['origin null (a sandboxed document)', () => `${app}/hostile.html?to=opener&csp=sandbox`, () => 'null'],
  ] as const) {
    test(`from our own popup with the right state, after it went to ${name}`, async () => {
      await withPage(async (page, context) => {
        await settings(page, 'hold');
        const popup = await clickLogin(page, context);
        const state = await pendingState(page);
        await navigate(popup, `${url()}&state=${encodeURIComponent(state)}`);
        await untilEvilSeen(page, origin());
        await navigate(popup, `${app}/provider?mode=hold&state=${encodeURIComponent(state)}`);
        await continueLogin(popup);
        assert.equal((await outcome(page)).params?.code, 'real-code');
      });
    });
  }

  test('strangers only -> the flow still ends as the user decides (popup_closed), not with their message', async () => {
    await withPage(async (page, context) => {
      await settings(page, 'hold');
      const popup = await clickLogin(page, context);
      const state = encodeURIComponent(await pendingState(page));
      await page.evaluate(`document.body.append(Object.assign(document.createElement('iframe'), { src: ${JSON.stringify(`${other}/hostile.html?state=`)} + ${JSON.stringify(state)} }))`);
      await untilEvilSeen(page, other);
      await popup.close();
      assert.equal((await outcome(page)).code, 'popup_closed');
    });
  });


  test('a page of opaque origin (sandboxed without allow-same-origin): its popup in a null-origin document is refused too', async () => {
    // The page's own origin (self.origin) is "null" too; location.origin, the URL's, is not: a
    // message of origin "null" must never count as coming from our origin.
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${app}/host.html?sandbox=allow-scripts+allow-popups&src=${encodeURIComponent(`${app}/app.html`)}`);
      const frame = page.frames().find((f) => f.url().startsWith(`${app}/app.html`));
      assert.ok(frame, 'the app iframe is there');
      await frame.waitForFunction('window.ready === true', null, { timeout: WAIT });
      assert.equal(await frame.evaluate('self.origin'), 'null');
      await frame.evaluate(`window.settings = { mode: 'hold', timeoutMs: 60000 }`);
      const popupPage = context.waitForEvent('page', { timeout: WAIT });
      await frame.locator('#login').click();
      const popup = await popupPage;
      const state = (await frame.evaluate('window.state')) as string;
      await navigate(popup, `${app}/hostile.html?to=opener&state=${encodeURIComponent(state)}`);
      await frame.waitForFunction(`window.seen.some((s) => s.code === 'evil' && s.origin === 'null')`, null, { timeout: WAIT });
      await popup.close();
      await frame.waitForFunction('window.outcome !== undefined', null, { timeout: WAIT });
      assert.equal(((await frame.evaluate('window.outcome')) as Outcome).code, 'popup_closed');
    } finally {
      await context.close();
    }
  });
});

describe('oidc-window: hidden iframe flow', () => {
  test('a silent callback resolves its parameters, the iframe is removed, its URL was clean when it posted', async () => {
    await withPage(async (page) => {
      await page.evaluate('window.startFrame()');
      const result = await outcome(page);
      const state = await pendingState(page);
      assert.match(state, /^f\.[A-Za-z0-9_-]{32}$/, 'an iframe state: f. and 32 base64url characters');
      assert.deepEqual(result.params, { code: 'real-code', state, iss: app });
      assert.equal(await page.locator('iframe').count(), 0, 'the iframe is removed');
      const [message] = (await seen(page)).filter((s) => s.code === 'real-code');
      assert.ok(message?.href, 'the callback message arrived from a readable same-origin frame');
      assert.equal(new URL(message.href).search, '', `code and state removed before posting (${message.href})`);
    });
  });

  test('a stranger iframe of the same origin is ignored in the iframe flow too', async () => {
    await withPage(async (page) => {
      await settings(page, 'hold');
      await page.evaluate('window.startFrame()');
      const state = await pendingState(page);
      await page.evaluate(`document.body.append(Object.assign(document.createElement('iframe'), { id: 'stranger', src: ${JSON.stringify(`/hostile.html?state=${encodeURIComponent(state)}`)} }))`);
      await untilEvilSeen(page, app);
      // The iframe is hidden: no real click; the provider's own page would redirect by itself.
      await page.frameLocator('iframe:not(#stranger)').locator('#continue').dispatchEvent('click', undefined, { timeout: WAIT });
      assert.equal((await outcome(page)).params?.code, 'real-code');
    });
  });

  test('no answer -> timeout, and the iframe is removed', async () => {
    await withPage(async (page) => {
      await settings(page, 'hold', 1500);
      await page.evaluate('window.startFrame()');
      assert.equal((await outcome(page)).code, 'timeout');
      assert.equal(await page.locator('iframe').count(), 0);
    });
  });

  test('the signal aborts -> aborted, and the iframe is removed', async () => {
    await withPage(async (page) => {
      await settings(page, 'hold');
      await page.evaluate('window.startFrame()');
      await page.frameLocator('iframe').locator('#continue').waitFor({ state: 'attached', timeout: WAIT });
      await page.evaluate('window.controller.abort()');
      assert.equal((await outcome(page)).code, 'aborted');
      assert.equal(await page.locator('iframe').count(), 0);
    });
  });
});

describe('oidc-window: the standalone callback page', () => {
  async function open(search: string): Promise<{ href: string; text: string }> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${app}/oidc-callback.html${search}`);
      // The script is a module: it has run once the load event has fired.
      await page.waitForLoadState('load');
      return { href: page.url(), text: (await page.locator('body').innerText()).trim() };
    } finally {
      await context.close();
    }
  }

  test('opened by hand (no callback) it says "You can close this window." and changes nothing', async () => {
    const page = await open('?hello=1');
    assert.equal(page.text, 'You can close this window.');
    assert.equal(new URL(page.href).search, '?hello=1');
  });

  test('a redirect callback (r. state) is left for the backend: the URL keeps code and state', async () => {
    const page = await open('?code=c0de&state=r.abc');
    assert.equal(new URL(page.href).search, '?code=c0de&state=r.abc');
  });

  test('a popup callback whose opener is gone still loses its code and state (other parameters stay)', async () => {
    const page = await open('?code=c0de&state=p.abc&iss=x&keep=1');
    assert.equal(new URL(page.href).search, '?keep=1');
    assert.equal(page.text, 'You can close this window.');
  });
});

describe('oidc-window: inside an iframe with Streamlit\'s sandbox flags', () => {
  for (const [name, host] of [
    ['host page of another origin', () => other],
    ['host page of the same origin', () => app],
  ] as const) {
    test(`a popup login from the sandboxed iframe resolves (${name})`, async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${host()}/host.html?src=${encodeURIComponent(`${app}/app.html`)}`);
        const frame = page.frames().find((f) => f.url().startsWith(`${app}/app.html`));
        assert.ok(frame, 'the app iframe is there');
        await frame.waitForFunction('window.ready === true', null, { timeout: WAIT });
        const popup = context.waitForEvent('page', { timeout: WAIT });
        await frame.locator('#login').click();
        const win = await popup;
        const closed = whenClosed(win);
        await frame.waitForFunction('window.outcome !== undefined', null, { timeout: WAIT });
        const result = (await frame.evaluate('window.outcome')) as Outcome;
        assert.deepEqual(result.params, { code: 'real-code', state: await frame.evaluate('window.state'), iss: app });
        await closed;
      } finally {
        await context.close();
      }
    });
  }
});
