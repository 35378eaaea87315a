// End to end: a Streamlit-Authenticator app written as that library's README writes it, with only its
// import line changed (python/examples/streamlit_authenticator_app.py), in a real Streamlit server with
// the built wheel (.venv-st/) and Debian's Chromium: login, wrong password, reload, logout, register
// then log in as the new user, forgot password -> the single-use code -> reset, and the YAML file on
// disk after each (the app saves its config dict back, as the README tells it to).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import {
  ALICE,
  COOKIE,
  animationFrames,
  componentFrames,
  login,
  loginFormWatch,
  startStreamlit,
  streamlitErrors,
  watchForLoginForm,
  widgetFrame,
  type StreamlitApp,
} from './streamlit-harness.js';

const root = new URL('../../', import.meta.url).pathname;
const python = join(process.env.STREAMLIT_VENV || join(root, '.venv-st'), 'bin/python');
const LIMIT = { timeout: 120_000 };
const WELCOME = (name: string) => `Welcome ${name}`;
const NEW_USER = { username: 'melsby', password: 'a brand new long password', name: 'Mel Elsby', email: 'melsby@example.com' };
const RESET_PASSWORD = 'another quite long password';

let app: StreamlitApp;
let data: string;
const contexts: BrowserContext[] = [];

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'auth-stauth-'));
  app = await startStreamlit('streamlit_authenticator_app.py', {
    env: { AUTH_ELEMENTS_DATA_DIR: data, AUTH_ELEMENTS_COOKIE_KEY: randomBytes(32).toString('base64url') },
  });
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => {})));
});

after(async () => {
  try {
    if (app) {
      assert.deepEqual(app.external(), [], 'nothing leaves the machine');
      assert.doesNotMatch(app.output(), /Traceback|DuplicateWidgetID/);
    }
  } finally {
    await app?.close();
    rmSync(data, { recursive: true, force: true });
  }
});

async function open(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await app.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}

/** The users of the YAML file on disk, read by PyYAML (SafeLoader), with each password checked by bcrypt. */
function usersOnDisk(check: Record<string, string> = {}): { users: Record<string, Record<string, unknown>>; preauthorized: string[]; verified: Record<string, boolean> } {
  const code = `
import json, sys, bcrypt, yaml
config = yaml.load(open(sys.argv[1]), Loader=yaml.SafeLoader)
check = json.loads(sys.argv[2])
users = config["credentials"]["usernames"]
verified = {u: bcrypt.checkpw(p.encode(), users[u]["password"].encode()) for u, p in check.items()}
print(json.dumps({"users": users, "preauthorized": config["pre-authorized"]["emails"], "verified": verified}))
`;
  const out = spawnSync(python, ['-c', code, join(data, 'config.yaml'), JSON.stringify(check)], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
}

/** The runs since `mark`, once `count` came and the app then stayed quiet for a second (a late extra run is missed on a slow machine, never invented). */
async function settledRuns(mark: number, count: number): Promise<{ status: string }[]> {
  await app.waitForRuns(mark, count);
  for (let seen = app.runs(mark).length; ; ) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = app.runs(mark).length;
    if (now === seen) return app.runs(mark);
    seen = now;
  }
}

async function loginFormShown(page: Page): Promise<Frame> {
  const frame = await widgetFrame(page, 'auth-login', 'main', 20_000);
  await frame.locator('input[name="username"]').waitFor({ state: 'visible' });
  return frame;
}

/** The frame of `<auth-forgot mode=…>` (two on the page: password and username). */
async function forgotFrame(page: Page, mode: 'password' | 'username'): Promise<Frame> {
  const until = Date.now() + 15_000;
  for (;;) {
    for (const frame of componentFrames(page)) {
      const found = await frame.evaluate((m) => document.querySelector(`auth-provider > auth-forgot[mode="${m}"]`) !== null, mode).catch(() => false);
      if (found) return frame;
    }
    if (Date.now() > until) throw new Error(`no <auth-forgot mode=${mode}>`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function fill(frame: Frame, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await frame.locator(`input[name="${name}"]`).fill(value);
  await frame.locator('[part~="submit-button"]').click();
}

async function logout(page: Page): Promise<void> {
  await (await widgetFrame(page, 'auth-logout', 'main')).locator('[part~="button"]').click();
  await loginFormShown(page);
}

describe("a Streamlit-Authenticator README app with only its import line changed", () => {
  test('login, a wrong password, reload stays signed in with no login form painted, logout', LIMIT, async () => {
    const { context, page, errors } = await open();
    await page.goto(app.origin + '/');
    const frame = await loginFormShown(page);
    await page.getByText('Please enter your username and password').waitFor();
    assert.match(app.output(), /demo config \(Streamlit-Authenticator's config\.yaml\) written to/);
    const first = usersOnDisk({ alice: ALICE.password });
    assert.equal(first.verified.alice, true, "the plain text demo password was hashed (bcrypt) in the app's dict, which the app saved");
    assert.match(String(first.users.alice!.password), /^\$2b\$12\$/);

    let mark = app.mark();
    await login(page, { username: 'alice', password: 'not-the-password' });
    await frame.locator('[role="alert"]').getByText('Invalid username or password.').waitFor();
    await page.getByText('Username/password is incorrect').waitFor(); // the README's own branch: status False
    // The failure's runs (the reply, then the ack) are over before the login is counted: under load the
    // ack's run came after the message and was counted as the login's.
    assert.ok((await settledRuns(mark, 1)).every((r) => r.status === 'False'));

    mark = app.mark();
    await login(page, ALICE);
    await page.getByText(WELCOME(ALICE.name)).waitFor({ timeout: 20_000 });
    await page.getByText('Some content').waitFor();
    assert.deepEqual((await settledRuns(mark, 1)).map((r) => r.status), ['True'], 'a login is one rerun, signed in');
    assert.ok((await context.cookies()).find((c) => c.name === COOKIE), 'the session cookie (config cookie: name)');

    await watchForLoginForm(context);
    mark = app.mark();
    await page.reload();
    await page.getByText(WELCOME(ALICE.name)).waitFor({ timeout: 20_000 });
    assert.deepEqual((await settledRuns(mark, 1)).map((r) => r.status), ['True'], 'a reload is one run, signed in on it');
    await animationFrames(page, 30);
    const watch = await loginFormWatch(page);
    assert.equal(watch.formSeen, false, 'no login form was painted on the reload');
    assert.equal(watch.loginElement, false);

    await logout(page);
    assert.equal(await page.getByText('Some content').count(), 0);
    assert.equal((await context.cookies()).find((c) => c.name === COOKIE), undefined, 'the cookie is cleared');
    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(errors, []);
  });

  test('register (pre-authorized email, used up), then log in as the new user; the YAML file has them', LIMIT, async () => {
    const { page, errors } = await open();
    await page.goto(app.origin + '/');
    await loginFormShown(page);
    const register = await widgetFrame(page, 'auth-register', 'main');
    const mark = app.mark();
    await fill(register, { name: NEW_USER.name, email: NEW_USER.email, username: NEW_USER.username, password: NEW_USER.password, 'password-repeat': NEW_USER.password });
    await page.getByText('User registered successfully').waitFor({ timeout: 20_000 });
    // The reply, then the iframe's ack (the request carried a password): the message is still there.
    // Under load the ack's rerun may interrupt the reply's run before it logs: one or two runs.
    const runs = await app.settledRuns(mark, 1);
    assert.ok(runs.length >= 1 && runs.length <= 2 && runs.every((r) => r.status === 'None'), `the reply and its ack, signed out: ${runs.map((r) => r.status)}`);
    await animationFrames(page, 10);
    assert.equal(await page.getByText('User registered successfully').count(), 1, 'the success stays through the ack rerun');
    const saved = usersOnDisk({ melsby: NEW_USER.password });
    assert.equal(saved.verified.melsby, true, 'a bcrypt hash of the new password');
    assert.equal(saved.users.melsby!.email, NEW_USER.email);
    assert.deepEqual([saved.users.melsby!.first_name, saved.users.melsby!.last_name], ['Mel', 'Elsby']);
    assert.deepEqual(saved.preauthorized, [], 'the pre-authorized email is used up');

    await login(page, NEW_USER);
    await page.getByText(WELCOME(NEW_USER.name)).waitFor({ timeout: 20_000 });
    await logout(page);
    assert.deepEqual(errors, []);
  });

  test('forgot password: a single-use code (never a new password) -> reset -> the new password signs in, the code is refused after', LIMIT, async () => {
    const { page, errors } = await open();
    await page.goto(app.origin + '/');
    await loginFormShown(page);
    const before = usersOnDisk({ alice: ALICE.password });
    const mark = app.mark();
    await fill(await forgotFrame(page, 'password'), { login: 'alice' });
    await page.getByText('New password to be sent securely').waitFor({ timeout: 20_000 });
    let code = '';
    for (const until = Date.now() + 15_000; !code && Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      code = /demo-reset-code username=alice code=([A-Za-z0-9_-]{43})/.exec(app.output().slice(mark))?.[1] ?? '';
    }
    assert.ok(code, 'the app received a 43-character reset code');
    assert.equal(usersOnDisk({ alice: ALICE.password }).verified.alice, true, 'asking changes no password (it did in Streamlit-Authenticator)');

    const reset = await widgetFrame(page, 'auth-reset-password', 'main');
    await fill(reset, { 'reset-code': code, password: RESET_PASSWORD, 'password-repeat': RESET_PASSWORD });
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      if (usersOnDisk({ alice: RESET_PASSWORD }).verified.alice) break;
    }
    const after = usersOnDisk({ alice: RESET_PASSWORD });
    assert.equal(after.verified.alice, true, 'the new password is in the YAML file');
    assert.notEqual(after.users.alice!.password, before.users.alice!.password);

    // Done: the success replaces the form (no empty "Reset code" field again).
    await reset.locator('[part~="success"]').filter({ hasText: /\S/ }).waitFor({ timeout: 20_000 });
    assert.equal(await reset.locator('input[name="reset-code"]').isVisible(), false, 'the form is gone after the reset');

    // The same code again, in a fresh page: refused, nothing changes.
    await page.goto(app.origin + '/');
    await loginFormShown(page);
    const again = await widgetFrame(page, 'auth-reset-password', 'main');
    await fill(again, { 'reset-code': code, password: 'a third long password here', 'password-repeat': 'a third long password here' });
    // Next to the code field (part="field-error"); the form-level alert stays empty and hidden.
    await again.locator('[role="alert"]').filter({ hasText: /\S/ }).first().waitFor({ timeout: 20_000 });
    assert.equal(usersOnDisk({ alice: RESET_PASSWORD }).verified.alice, true, 'the used code changed nothing');

    await login(page, { username: 'alice', password: RESET_PASSWORD });
    await page.getByText(WELCOME(ALICE.name)).waitFor({ timeout: 20_000 });
    assert.deepEqual(errors, []);
  });

  test('forgot username; signed in: update details and change the password; the YAML file follows', LIMIT, async () => {
    const { page, errors } = await open();
    await page.goto(app.origin + '/');
    await loginFormShown(page);
    let mark = app.mark();
    await fill(await forgotFrame(page, 'username'), { email: 'admin@example.com' });
    await page.getByText('Username to be sent securely').waitFor({ timeout: 20_000 });
    assert.match(app.output().slice(mark), /demo-username-reminder username=admin/);

    await login(page, { username: 'admin', password: 'admin-demo-password' });
    await page.getByText(WELCOME('Ada Admin')).waitFor({ timeout: 20_000 });
    await fill(await widgetFrame(page, 'auth-update-details', 'main'), { name: 'Ada Renamed' });
    await page.getByText('Entries updated successfully').waitFor({ timeout: 20_000 });
    await page.getByText(WELCOME('Ada Renamed')).waitFor();
    const renamed = usersOnDisk();
    assert.deepEqual([renamed.users.admin!.first_name, renamed.users.admin!.last_name], ['Ada', 'Renamed']);

    const changed = 'the admin changed this password';
    mark = app.mark();
    await fill(await widgetFrame(page, 'auth-reset-password', 'main'), { 'current-password': 'admin-demo-password', password: changed, 'password-repeat': changed });
    await page.getByText('Password modified successfully').waitFor({ timeout: 20_000 });
    await app.settledRuns(mark, 1); // the reply, then the ack (which may interrupt the reply's run): the message stays
    await animationFrames(page, 10);
    assert.equal(await page.getByText('Password modified successfully').count(), 1);
    assert.equal(usersOnDisk({ admin: changed }).verified.admin, true, 'the new hash is in the file');
    await page.getByText(WELCOME('Ada Renamed')).waitFor(); // this session stays signed in
    assert.deepEqual(errors, []);
  });
});
