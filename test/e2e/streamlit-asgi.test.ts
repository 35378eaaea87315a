// End to end, ASGI mode of the Streamlit package: a REAL Streamlit (the wheel installed in .venv-st/)
// started through its ASGI entry, exactly as python/README.md says (`streamlit run serve.py`, where
// serve.py builds `st.App("app.py", routes=routes(auth))`), on 127.0.0.1 with a temporary SQLite
// file, and Debian's Chromium through Playwright. What ASGI mode promises is checked where it
// matters: the session cookie is HttpOnly (no script of the page or of the iframe sees it), and the
// password travels in one same-origin POST to the route and never through Streamlit's websocket.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';
import { freePort } from './harness.js';

const root = new URL('../../', import.meta.url).pathname;
const venv = process.env.STREAMLIT_VENV || join(root, '.venv-st');
const PASSWORD = 'correct horse battery staple';
const COOKIE = 'ae_session';
const WAIT = 30_000;

// The three files of python/README.md's "Production: run through st.App", as a user writes them.
const FILES: Record<string, string> = {
  'auth_setup.py': `import streamlit as st
from streamlit_auth_elements import Auth, UsersDatabase

auth = Auth(UsersDatabase(st.secrets["db"]), cookie_key=st.secrets["cookie_key"], cookie_name="${COOKIE}")
`,
  'app.py': `import streamlit as st
from auth_setup import auth

st.session_state["runs"] = st.session_state.get("runs", 0) + 1
auth.login()
if st.session_state["authentication_status"]:
    auth.logout()
    st.write(f"Welcome, {st.session_state['name']}")
st.text(f"script runs: {st.session_state['runs']}")
`,
  'serve.py': `import streamlit as st
from streamlit_auth_elements import routes
from auth_setup import auth

app = st.App("app.py", routes=routes(auth))
`,
};

interface App {
  origin: string;
  dir: string;
  output(): string;
  close(): Promise<void>;
}

async function startApp(): Promise<App> {
  const python = join(venv, 'bin/python');
  if (!existsSync(join(venv, 'bin/streamlit'))) {
    throw new Error(`${venv}/bin/streamlit is missing: run \`bash scripts/setup.sh --streamlit\` after \`npm run build\` (npm test does both).`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ae-st-asgi-'));
  mkdirSync(join(dir, '.streamlit'));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  const cookieKey = 'k8Jq2-tV0yXw_3pLm9ZrA7sD1fG4hK6nB5cE0uQiOwY';
  writeFileSync(join(dir, '.streamlit/secrets.toml'), `db = "${join(dir, 'auth.db')}"\ncookie_key = "${cookieKey}"\n`);
  const made = spawnSync(
    python,
    ['-c', `from streamlit_auth_elements import UsersDatabase\nUsersDatabase(${JSON.stringify(join(dir, 'auth.db'))}).create_user("alice", ${JSON.stringify(PASSWORD)}, name="Alice")`],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`creating the user failed:\n${made.stderr}`);
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    join(venv, 'bin/streamlit'),
    ['run', 'serve.py', '--server.port', String(port), '--server.address', '127.0.0.1', '--server.headless', 'true', '--browser.gatherUsageStats', 'false'],
    { cwd: dir, env: { ...process.env, PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`streamlit exited (${child.exitCode}):\n${output}`);
    }
    try {
      if ((await fetch(`${origin}/_stcore/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`streamlit did not start in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { origin, dir, output: () => output, close: stop };
}

/** The component iframe that holds `tag` (Streamlit serves it from /component/ on the app's origin). */
async function widgetFrame(page: Page, tag: string): Promise<Frame> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame.url().includes('/component/') && (await frame.locator(tag).count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no component iframe with <${tag}>`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scriptRuns(page: Page): Promise<number> {
  const text = await page.getByText(/^script runs: \d+$/).textContent({ timeout: WAIT });
  return Number(/\d+/.exec(text ?? '')![0]);
}

/** Every cookie a script can read, in the page and in each of its frames. */
async function scriptCookies(page: Page): Promise<string[]> {
  return Promise.all(page.frames().map((f) => f.evaluate(() => document.cookie).catch(() => '')));
}

/**
 * Records, in every frame from its first paint on, whether a login form was ever visible. A string,
 * not a function: tsx compiles functions with a `__name(...)` helper that does not exist in the page,
 * and the script would throw before it starts watching (a watcher that never runs sees nothing).
 */
const WATCH_FOR_LOGIN_FORM = `(() => {
  window.__formSeen = false;
  window.__formWatchTicks = 0;
  const look = () => {
    window.__formWatchTicks++;
    for (const form of document.querySelectorAll('auth-login form')) {
      if (form.offsetHeight > 0) window.__formSeen = true;
    }
  };
  setInterval(look, 10);
})();`;

async function watchForLoginForm(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: WATCH_FOR_LOGIN_FORM });
}

/** Per frame: [whether a login form was seen, whether the watcher ran at all]. */
async function formSeen(page: Page): Promise<Array<[boolean, boolean]>> {
  return Promise.all(
    page.frames().map((f) =>
      f.evaluate(() => [(window as unknown as { __formSeen?: boolean }).__formSeen === true, ((window as unknown as { __formWatchTicks?: number }).__formWatchTicks ?? 0) > 0] as [boolean, boolean]).catch(() => [false, false] as [boolean, boolean]),
    ),
  );
}

describe('Streamlit package, ASGI mode (st.App with routes(), real Streamlit, Chromium)', () => {
  let app: App;
  let browser: Browser;

  before(async () => {
    app = await startApp();
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.close();
  });

  test('login through the widget: HttpOnly cookie, no password on the websocket, one rerun; reload stays; logout clears', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const frames: Array<{ dir: 'sent' | 'received'; data: Buffer }> = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => frames.push({ dir: 'sent', data: Buffer.from(f.payload) }));
      ws.on('framereceived', (f) => frames.push({ dir: 'received', data: Buffer.from(f.payload) }));
    });
    const posts: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push({ url: request.url(), body: request.postData() ?? '', headers: request.headers() });
    });

    await page.goto(app.origin);
    const login = await widgetFrame(page, 'auth-login');
    await login.locator('auth-login input[name="username"]').fill('alice', { timeout: WAIT });
    await login.locator('auth-login input[name="password"]').fill(PASSWORD);
    const before = await scriptRuns(page);
    await login.locator('auth-login [part~="submit-button"]').click();
    await page.getByText('Welcome, Alice').waitFor({ timeout: WAIT });
    assert.equal(await scriptRuns(page), before + 1, 'the login took exactly one rerun (the redeem), with the protected content in it');

    // The cookie: set by the route, HttpOnly, SameSite=Strict, Path=/, not Secure on http.
    const cookies = (await context.cookies(app.origin)).filter((c) => c.name === COOKIE);
    assert.equal(cookies.length, 1);
    const [session] = cookies;
    assert.deepEqual(
      { httpOnly: session!.httpOnly, sameSite: session!.sameSite, path: session!.path, secure: session!.secure },
      { httpOnly: true, sameSite: 'Strict', path: '/', secure: false },
    );
    const token = session!.value;
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const readable = await scriptCookies(page);
    assert.ok(readable.length >= 2, 'the page and its component iframes');
    for (const text of readable) {
      assert.ok(!text.includes(token) && !text.includes(`${COOKIE}=`), `document.cookie shows the session: ${text}`);
    }

    // The password went in exactly one request: the same-origin POST to the route, as JSON.
    const withPassword = posts.filter((p) => p.body.includes(PASSWORD));
    assert.equal(withPassword.length, 1, JSON.stringify(posts.map((p) => p.url)));
    assert.match(withPassword[0]!.url, new RegExp(`^${app.origin}/_auth/[\\w-]{22,64}/login$`));
    assert.equal(withPassword[0]!.headers['content-type'], 'application/json');
    // ... and never through Streamlit's websocket, in either direction, while the component values
    // (the redeem request) did go there: the inspection sees what widget state carries.
    const password = Buffer.from(PASSWORD);
    assert.ok(frames.length > 0, 'websocket frames were recorded');
    assert.deepEqual(frames.filter((f) => f.data.includes(password)).map((f) => f.dir), []);
    assert.ok(frames.some((f) => f.dir === 'sent' && f.data.includes(Buffer.from('"op":"redeem"'))), 'the redeem request went through the websocket');
    assert.ok(!frames.some((f) => f.data.includes(Buffer.from(token))), 'nor the session token');

    // A reload is signed in from the HttpOnly cookie (st.context.cookies), the login form never shown.
    await watchForLoginForm(context);
    await page.reload();
    await page.getByText('Welcome, Alice').waitFor({ timeout: WAIT });
    const logout = await widgetFrame(page, 'auth-logout');
    const seen = await formSeen(page);
    assert.ok(seen.length >= 3 && seen.every(([, ran]) => ran), `the watcher ran in the page and every iframe: ${JSON.stringify(seen)}`);
    assert.deepEqual(seen.filter(([form]) => form), [], 'no login form was ever visible during the reload');
    assert.ok(!frames.some((f) => f.data.includes(password)));

    // Logout: the route clears the cookie (a script could not), Python ends the session.
    await logout.locator('auth-logout button').click({ timeout: WAIT });
    await widgetFrame(page, 'auth-login');
    const deadline = Date.now() + WAIT;
    while ((await context.cookies(app.origin)).some((c) => c.name === COOKIE)) {
      assert.ok(Date.now() < deadline, 'the cookie was cleared');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(posts.some((p) => /\/_auth\/[\w-]{22,64}\/logout$/.test(p.url)), 'logout posted to the route');
    // The old token, replayed in a fresh browser, signs nobody in: the session was revoked.
    const replay = await browser.newContext();
    await replay.addCookies([{ name: COOKIE, value: token, url: app.origin, httpOnly: true, sameSite: 'Strict' }]);
    await watchForLoginForm(replay);
    const again = await replay.newPage();
    await again.goto(app.origin);
    const form = await widgetFrame(again, 'auth-login');
    await form.locator('auth-login input[name="password"]').waitFor({ timeout: WAIT });
    assert.equal(await again.getByText('Welcome, Alice').count(), 0);
    // (And the watcher used on the reload above does see a login form when there is one.)
    await form.waitForFunction('window.__formSeen === true', null, { timeout: WAIT });
    await replay.close();
    await context.close();
  });
});
