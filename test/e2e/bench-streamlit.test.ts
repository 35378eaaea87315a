// The Streamlit benchmark measures what it says (bench/streamlit-measure.ts), checked once on this
// package's bench app and the no-login app in a real Streamlit server (.venv-st/, which has no
// Streamlit-Authenticator: `npm run bench:streamlit` runs that one). No timing is asserted: only
// that the click and the protected text were seen in the page, in that order, that every script run
// was counted (1 per login, 1 per reload, as the tour's e2e test counts them its own way), and that
// the login-form watcher sees a form that is on screen and none on the reload.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';
import { startStreamlit, type StreamlitApp } from './streamlit-harness.js';
import { appEnv, iteration, prepareUsers, SYSTEMS } from '../../bench/streamlit-measure.js';

const root = new URL('../../', import.meta.url).pathname;
const python = join(process.env.STREAMLIT_VENV || join(root, '.venv-st'), 'bin/python');
const LIMIT = { timeout: 180_000 };

let browser: Browser;
let data: string;
const apps = new Map<string, StreamlitApp>();

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'auth-bench-test-'));
  const figures = prepareUsers(python, data, 'auth-elements');
  assert.deepEqual(Object.keys(figures).sort(), ['argon2id', 'user'], 'no Streamlit-Authenticator config with --only auth-elements');
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  for (const id of ['auth-elements', 'baseline']) {
    apps.set(id, await startStreamlit(SYSTEMS.find((s) => s.id === id)!.app, { env: appEnv(data), browser }));
  }
});

after(async () => {
  try {
    for (const app of apps.values()) assert.doesNotMatch(app.output(), /Traceback/);
  } finally {
    await browser?.close().catch(() => {});
    for (const app of apps.values()) await app.close();
    if (data) rmSync(data, { recursive: true, force: true });
  }
});

test('one iteration of the package: the click and the text seen in the page, one run per login and per reload, no login form on reload', LIMIT, async () => {
  const system = SYSTEMS.find((s) => s.id === 'auth-elements')!;
  // The form watcher is checked inside: an iteration throws when it misses the form on the first visit.
  const sample = await iteration(system, apps.get('auth-elements')!, browser, { profile: true });
  const login = sample.login;
  assert.ok(login, 'a login step');
  assert.ok(login.ms > 0, `the protected text after the click (${login.ms} ms)`);
  assert.ok(login.paintMs >= login.ms, 'painted no earlier than inserted');
  assert.equal(login.runs, 1, 'a login is one run');
  assert.deepEqual(login.statuses, ['True']);
  assert.ok(login.phases.untilRun > 0 && login.phases.runs >= 0, `the run after the click (${JSON.stringify(login.phases)})`);
  assert.ok(login.timeline.some((line) => / ws message \d+ B$/.test(line)), 'the profile saw the deltas');
  assert.equal(sample.reload.runs, 1, 'a reload is one run');
  assert.deepEqual(sample.reload.statuses, ['True'], 'signed in on it');
  assert.equal(sample.reload.loginFormSeen, false, 'no login form in any animation frame');
  assert.equal(sample.reload.loginElement, false, 'no <auth-login> at all');
  assert.ok(sample.reload.framesChecked > 30, `animation frames checked: ${sample.reload.framesChecked}`);
  const tabs = new Set([...login.timeline, ...sample.reload.timeline].flatMap((line) => line.match(/ run (\w+)#/)?.slice(1) ?? []));
  assert.equal(tabs.size, 2, 'the reload is a new session (a new tab id in the run lines)');
});

test('the no-login app: no login step, its reload is one run', LIMIT, async () => {
  const system = SYSTEMS.find((s) => s.id === 'baseline')!;
  const sample = await iteration(system, apps.get('baseline')!, browser);
  assert.equal(sample.login, null);
  assert.equal(sample.reload.runs, 1);
  assert.deepEqual(sample.reload.statuses, ['None']);
  assert.equal(sample.reload.loginFormSeen, false);
  assert.ok(sample.reload.ms > 0);
});
