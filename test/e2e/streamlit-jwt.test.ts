// End to end: the JWT API door. python/examples/jwt_api_app.py (streamlit-jwt-authenticator's README
// app, only its import line changed) in a real Streamlit server, signing in through the real
// reference server (demo mode: its demo accounts) behind an API gateway that wants an X-API-KEY
// header, as WordPress's recipe does. Python makes the token request with the key; the test records
// everything the browser sees (every request and response of every frame, their headers and bodies,
// every websocket frame both ways, and the DOM of every frame) and checks that neither the key nor
// the API's tokens (ES256 JWTs) are ever in it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { freePort } from './harness.js';
import {
  ALICE,
  animationFrames,
  login,
  loginFormWatch,
  startStreamlit,
  streamlitErrors,
  watchForLoginForm,
  widgetFrame,
  type StreamlitApp,
} from './streamlit-harness.js';

const root = new URL('../../', import.meta.url).pathname;
const LIMIT = { timeout: 120_000 };
const API_KEY = `wp-key-${randomBytes(12).toString('hex')}-never-in-the-browser`;
/** How every ES256 JWT of the reference server begins ({"alg":"ES256",...), base64url). */
const API_TOKEN_PREFIX = Buffer.from('{"alg":"ES256"').toString('base64url').slice(0, 16);

let reference: { origin: string; child: ChildProcess; dataDir: string; output: () => string } | undefined;
let gateway: Server | undefined;
/** What the gateway saw: one entry per request, whether the key was right. */
const gatewaySeen: { path: string; keyOk: boolean }[] = [];
let app: StreamlitApp | undefined;

async function startReference(): Promise<NonNullable<typeof reference>> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-jwt-e2e-'));
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AUTH_DEMO: '1', PORT: String(port), HOST: '127.0.0.1', AUTH_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the reference server exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the reference server did not start in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { origin, child, dataDir, output: () => output };
}

/** An API gateway on 127.0.0.1: requests without the key get 403, the others go to the reference server. */
async function startGateway(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const keyOk = req.headers['x-api-key'] === API_KEY;
      gatewaySeen.push({ path: req.url ?? '', keyOk });
      if (!keyOk) {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"forbidden","error_description":"Incorrect API key"}');
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      fetch(target + req.url, { method: req.method ?? 'GET', headers, redirect: 'manual', ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (upstream) => {
          const body = Buffer.from(await upstream.arrayBuffer());
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

before(async () => {
  reference = await startReference();
  gateway = await startGateway(reference.origin);
  const gatewayOrigin = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  app = await startStreamlit('jwt_api_app.py', {
    env: {
      JWT_API_URL: `${gatewayOrigin}/api/auth/login`,
      JWT_API_KEY: API_KEY,
      AUTH_COOKIE_KEY: randomBytes(32).toString('base64url'),
    },
  });
});

after(async () => {
  try {
    if (app) {
      assert.deepEqual(app.external(), [], 'nothing leaves the machine');
      assert.doesNotMatch(app.output(), /Traceback|DuplicateWidgetID/);
    }
  } finally {
    await app?.close();
    await new Promise((r) => (gateway ? gateway.close(r) : r(null)));
    if (reference) {
      reference.child.kill('SIGTERM');
      await new Promise((r) => (reference!.child.exitCode !== null ? r(null) : reference!.child.once('exit', r)));
      rmSync(reference.dataDir, { recursive: true, force: true });
    }
  }
});

/** Everything the browser context saw, as text: URLs, headers and bodies both ways, websocket frames. */
function record(context: BrowserContext, page: Page): { seen: string[]; pending: Promise<unknown>[] } {
  const seen: string[] = [];
  const pending: Promise<unknown>[] = [];
  context.on('request', (request) => {
    seen.push(`request ${request.method()} ${request.url()}`, JSON.stringify(request.headers()), request.postData() ?? '');
  });
  context.on('response', (response) => {
    pending.push(
      (async () => {
        seen.push(`response ${response.status()} ${response.url()}`, JSON.stringify(await response.allHeaders().catch(() => response.headers())));
        const body = await response.body().catch(() => null);
        if (body) seen.push(body.toString('latin1'));
      })(),
    );
  });
  page.on('websocket', (ws) => {
    seen.push(`websocket ${ws.url()}`);
    const frame = (f: { payload: string | Buffer }) => seen.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('latin1'));
    ws.on('framesent', frame);
    ws.on('framereceived', frame);
  });
  return { seen, pending };
}

/** The DOM of the page and of every frame in it (Streamlit's component iframes included). */
async function everyDom(page: Page): Promise<string> {
  const parts = await Promise.all(page.frames().map((f) => f.content().catch(() => '')));
  return parts.join('\n');
}

function assertNothingSecret(where: string, text: string): void {
  assert.ok(!text.includes(API_KEY), `the API key is in the ${where}`);
  assert.ok(!text.includes(API_TOKEN_PREFIX), `an API token (ES256 JWT) is in the ${where}`);
}

/** The runs the example logged since `mark`, once `count` came and a quiet second followed. */
async function settledRuns(mark: number, count: number): Promise<string[]> {
  await app!.waitForRuns(mark, count);
  let seen = app!.runs(mark).length;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = app!.runs(mark).length;
    if (now === seen) return app!.runs(mark).map((r) => r.status);
    seen = now;
  }
}

describe('streamlit-jwt-authenticator\'s README app against the reference server, behind a key', () => {
  test('wrong password, login, reload, logout: the key and the API tokens never reach the browser', LIMIT, async () => {
    const context = await app!.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    const { seen, pending } = record(context, page);
    await watchForLoginForm(context);
    const doms: string[] = [];
    try {
      await page.goto(app!.origin + '/');
      const form = await widgetFrame(page, 'auth-login', 'main', 30_000);
      await form.locator('input[name="username"]').waitFor({ state: 'visible' });

      // A wrong password: the error in the widget (the original showed nothing), status False.
      let mark = app!.mark();
      await login(page, { username: ALICE.username, password: 'not-alices-password' });
      await form.locator('[role="alert"]').getByText('Invalid username or password.').waitFor();
      assert.ok((await settledRuns(mark, 1)).every((s) => s === 'False'));
      doms.push(await everyDom(page));

      // The right one: one rerun, signed in; the API's answer is in st.session_state.
      mark = app!.mark();
      await login(page, ALICE);
      await page.getByText('Logged in as alice.').waitFor({ timeout: 30_000 });
      await page.getByText('API answer in session_state: access, token_type, expires_in, user').waitFor();
      assert.deepEqual(await settledRuns(mark, 1), ['True'], 'a login is one rerun');
      doms.push(await everyDom(page));
      const cookies = await context.cookies();
      const names = cookies.map((c) => c.name).sort();
      assert.deepEqual(names, ['_streamlit_xsrf', 'jwt_auth_session'], "Streamlit's and the package's session cookie; no 'access' cookie as the original set");

      // A reload: signed in on the first run, no login form in any animation frame.
      mark = app!.mark();
      await page.reload();
      await page.getByText('Logged in as alice.').waitFor({ timeout: 30_000 });
      assert.deepEqual(await settledRuns(mark, 1), ['True'], 'a reload is one run, signed in');
      await animationFrames(page, 30);
      const watch = await loginFormWatch(page);
      assert.equal(watch.loginElement, false, 'no <auth-login> after the reload');
      assert.equal(watch.formSeen, false);
      doms.push(await everyDom(page));

      // Logout: one click.
      mark = app!.mark();
      await (await widgetFrame(page, 'auth-logout', 'main')).locator('[part~="button"]').click();
      await (await widgetFrame(page, 'auth-login', 'main', 30_000)).locator('input[name="username"]').waitFor({ state: 'visible' });
      assert.equal(await page.getByText('Logged in as alice.').count(), 0);
      assert.ok((await settledRuns(mark, 1)).every((s) => s === 'None'), 'signed out in the run the click made');
      doms.push(await everyDom(page));
      assert.deepEqual(await streamlitErrors(page), []);
      assert.deepEqual(errors, []);
    } finally {
      await Promise.all(pending);
      await context.close();
    }

    // What the browser saw.
    assert.ok(seen.some((s) => s.startsWith('websocket ')), 'the websocket frames were recorded');
    assert.ok(seen.length > 50, `recorded ${seen.length} items`);
    seen.forEach((text, i) => assertNothingSecret(`browser's traffic (item ${i}: ${text.slice(0, 80)})`, text));
    doms.forEach((dom, i) => assertNothingSecret(`DOM (step ${i})`, dom));
    // The key did reach the API: every request Python made carried it (wrong password, login).
    assert.ok(gatewaySeen.length >= 2, `the gateway saw ${gatewaySeen.length} requests`);
    assert.deepEqual(gatewaySeen.filter((r) => !r.keyOk), [], 'every request to the API had the key');
    console.log(`streamlit jwt e2e figures: ${JSON.stringify({ browser_items_checked: seen.length, doms_checked: doms.length, api_requests: gatewaySeen.length })}`);
  });
});
