// End to end: the users-database door (python/examples/users_database_app.py: account widgets, a
// `requires_auth` page, the admin page, the status header) in a real Streamlit server, driven
// through Debian's Chromium. Mail goes to the development outbox, read here the way a user of the
// demo reads it: on the app's Mailbox page. Every script run prints one line (demo_setup.log_run)
// with the authentication_status Python decided; the runs are counted where the issue states numbers
// (a login: one rerun; a reload: one run; a session ended elsewhere: over at the next run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { BrowserContext, BrowserContextOptions, Frame, Page } from 'playwright-core';
import { ADMIN, ALICE, login, startStreamlit, streamlitErrors, widgetFrame, type Run, type StreamlitApp } from './streamlit-harness.js';

const root = new URL('../../', import.meta.url).pathname;
const SHOTS = join(root, 'test-results/streamlit-accounts');
const LIMIT = { timeout: 180_000 };
const PROTECTED = 'Protected report for';

type Where = 'main' | 'sidebar';
interface User {
  username: string;
  password: string;
  name: string;
  email: string;
}

/** Users made before the server starts (UsersDatabase.create_user, the package's own API). */
const DAVE: User = { username: 'dave', password: 'dave-first-secret-4821', name: 'Dave Forgetful', email: 'dave@example.org' };
const ERIN: User = { username: 'erin', password: 'erin-first-secret-7734', name: 'Erin Mover', email: 'erin@example.org' };
const GINA: User = { username: 'gina', password: 'gina-first-secret-5093', name: 'Gina Locked', email: 'gina@example.org' };
const BOB: User = { username: 'bob', password: 'bob-first-secret-66120', name: 'Bob Member', email: 'bob@example.org' };
/** Not a user yet: an email pre-authorized for registration (the example's, and the server's, default mode). */
const CAROL: User = { username: 'carol', password: 'carol-first-secret-1934', name: 'Carol Newcomer', email: 'carol@example.org' };

let app: StreamlitApp;
let data: string;
let mailContext: BrowserContext;
const contexts: BrowserContext[] = [];
/** The figures of the report (runs), printed at the end. */
const figures: Record<string, unknown> = {};

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'auth-accounts-'));
  const python = join(process.env.STREAMLIT_VENV || join(root, '.venv-st'), 'bin/python');
  const seed = spawnSync(
    python,
    [
      '-c',
      'import json, sys\nfrom streamlit_auth_elements import UsersDatabase\nusers = UsersDatabase(sys.argv[1])\n' +
        'for u in json.loads(sys.argv[2]):\n    users.create_user(u["username"], u["password"], name=u["name"], email=u["email"], roles=["member"])\n' +
        'users.preauthorize(json.loads(sys.argv[3]))\n',
      join(data, 'auth.db'),
      JSON.stringify([DAVE, ERIN, GINA, BOB]),
      JSON.stringify([CAROL.email]),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(seed.status, 0, `seeding the users database failed: ${seed.stderr}`);
  app = await startStreamlit('users_database_app.py', { env: { AUTH_ELEMENTS_DATA_DIR: data } });
  mailContext = await app.newContext();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => {})));
});

after(async () => {
  try {
    if (!app) return;
    figures.external_requests = app.external().length;
    console.log(`streamlit accounts e2e figures: ${JSON.stringify(figures)}`);
    assert.deepEqual(app.external(), [], 'nothing leaves the machine');
    assert.doesNotMatch(app.output(), /Traceback|DuplicateWidgetID/);
  } finally {
    await app?.close();
    rmSync(data, { recursive: true, force: true });
  }
});

async function open(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await app.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'en-US', ...options });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}

const settledRuns = (mark: number, count: number, quietMs?: number): Promise<Run[]> => app.settledRuns(mark, count, quietMs);

/** The tab id (demo_setup.log_run) of the browser session of the last run logged since `mark`. */
async function lastTab(mark: number): Promise<string> {
  const runs = await app.waitForRuns(mark, 1);
  return runs.at(-1)!.tab;
}

/** The frame of a kit widget: `tag` may carry attributes, e.g. 'auth-forgot[mode="username"]'. */
const formFrame = (page: Page, tag: string, where: Where = 'main') => widgetFrame(page, tag, where, 20_000);

async function fill(frame: Frame, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await frame.locator(`input[name="${name}"]`).fill(value);
}

async function submit(frame: Frame): Promise<void> {
  await frame.locator('[part~="submit-button"]').click();
}

/** The form's success text (role=status), once it says something. */
async function successOf(frame: Frame): Promise<string> {
  const box = frame.locator('[part="success"]').filter({ hasText: /\S/ });
  await box.waitFor({ timeout: 20_000 });
  return (await box.innerText()).trim();
}

async function errorOf(frame: Frame, text: string | RegExp): Promise<void> {
  await frame.locator('[role="alert"]').getByText(text).waitFor({ timeout: 20_000 });
}

const signedIn = (page: Page, text: string) => page.getByText(text).first().waitFor({ timeout: 20_000 });

async function goto(page: Page, path: string): Promise<void> {
  await page.goto(app.origin + path);
}

/** Log in on the Home page and wait for its greeting. */
async function signIn(page: Page, user: { username: string; password: string; name: string }): Promise<void> {
  await goto(page, '/');
  await login(page, user);
  await signedIn(page, `Hello ${user.name}`);
}

/** The status header's text (the `auth-status` widget in the main area). */
async function statusText(page: Page): Promise<string> {
  return (await (await formFrame(page, 'auth-status')).locator('auth-status [part="base"]').innerText()).replace(/\s+/g, ' ').trim();
}

interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * The newest mail to `to` whose subject matches, as the app's Mailbox page shows it (opened in a
 * browser of its own; mail goes out in the background, so the page is opened again until it is there).
 */
async function mailTo(to: string, subject: RegExp, waitMs = 20_000): Promise<Mail> {
  const page = await mailContext.newPage();
  try {
    const until = Date.now() + waitMs;
    for (;;) {
      await goto(page, '/mailbox');
      await page.getByTestId('stMain').getByTestId('stText').or(page.getByText('No mail yet.')).first().waitFor();
      const mails = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stText"]')].map((text) => {
          const box = text.closest('[data-testid="stVerticalBlock"]')!;
          const head = box.querySelector('[data-testid="stMarkdownContainer"]')!;
          return { head: head.textContent ?? '', text: text.textContent ?? '' };
        }),
      );
      const found = mails
        .map((m) => {
          const [, subject = '', address = ''] = /^(.*) to (\S+)$/.exec(m.head.trim()) ?? [];
          return { to: address, subject, text: m.text };
        })
        .filter((m) => m.to === to && subject.test(m.subject));
      if (found.length > 0) return found[0]!;
      if (Date.now() > until) throw new Error(`no mail to ${to} matching ${subject}: ${JSON.stringify(mails)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await page.close();
  }
}

/** The code (43 base64url characters on a line of its own) and the link of a mail. */
function codeAndLink(mail: Mail): { code: string; link: URL } {
  const code = /^([A-Za-z0-9_-]{43})$/m.exec(mail.text)?.[1];
  const link = /(https?:\/\/\S+)/.exec(mail.text)?.[1];
  assert.ok(code && link, `a code and a link in: ${mail.text}`);
  return { code, link: new URL(link) };
}

/** Every component frame of the page: no scrollbar inside, and the iframe exactly as tall as its content. */
async function framesFitTheirContent(page: Page, what: string): Promise<number> {
  const frames = page.frames().filter((f) => f.url().includes('/component/streamlit_auth_elements'));
  let checked = 0;
  for (const frame of frames) {
    const element = await frame.frameElement();
    if (!(await element.isVisible())) continue;
    const measure = async () => {
      const inner = await frame.evaluate(() => ({
        scroll: document.documentElement.scrollHeight,
        client: document.documentElement.clientHeight,
        content: Math.ceil(document.getElementById('root')!.getBoundingClientRect().height),
        widget: document.querySelector('auth-provider > *')?.localName ?? 'carrier',
      }));
      const outer = await element.evaluate((el) => (el as Element).getBoundingClientRect().height);
      return { ...inner, iframe: outer };
    };
    // The frame follows its content through Streamlit's own messages: give it a moment to get there.
    let m = await measure();
    const until = Date.now() + 5_000;
    while ((m.scroll > m.client || Math.abs(m.iframe - m.content) > 0.5) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      m = await measure();
    }
    assert.ok(m.scroll <= m.client, `${what}: <${m.widget}> has no scrollbar inside its frame: ${JSON.stringify(m)}`);
    assert.ok(Math.abs(m.iframe - m.content) <= 0.5, `${what}: the <${m.widget}> frame is as tall as its content: ${JSON.stringify(m)}`);
    checked++;
  }
  return checked;
}

/** The account page with its forms in `where`. */
async function accountPage(page: Page, where: Where): Promise<void> {
  await goto(page, '/account');
  await page.getByRole('heading', { name: 'Account' }).waitFor();
  if (where === 'sidebar') await page.getByTestId('stSidebar').getByTestId('stRadio').getByText('sidebar', { exact: true }).click();
}

const nav = (page: Page) => page.getByTestId('stSidebarNav');

/** A fresh browser sends the registration form of the Account page for `user`; the form's frame. */
async function registerInFreshBrowser(user: User): Promise<Frame> {
  const { page } = await open();
  await accountPage(page, 'main');
  const form = await formFrame(page, 'auth-register');
  await fill(form, { name: user.name, email: user.email, username: user.username, password: user.password, 'password-repeat': user.password });
  await submit(form);
  return form;
}

describe('the users-database example in a real Streamlit server', () => {
  test('a requires_auth page signed out: the login and nothing protected; a login is one rerun; a reload one run', LIMIT, async () => {
    const { page, errors } = await open();
    let mark = app.mark();
    await goto(page, '/reports');
    const form = await formFrame(page, 'auth-login');
    await form.locator('input[name="username"]').waitFor({ state: 'visible' });
    const first = await settledRuns(mark, 1);
    assert.deepEqual(first.map((r) => [r.page, r.status]), [['reports', 'None']], 'one run, signed out');
    assert.equal(await page.getByText(PROTECTED).count(), 0, 'nothing protected is drawn');
    assert.equal(await page.getByTestId('stVegaLiteChart').count() + (await page.getByTestId('stArrowVegaLiteChart').count()), 0, 'no chart');
    assert.equal(await page.getByRole('button', { name: 'Refresh' }).count(), 0, 'no widget of the page');
    assert.match(await statusText(page), /Not logged in/);

    mark = app.mark();
    await login(page, ALICE);
    await signedIn(page, PROTECTED);
    const loginRuns = await settledRuns(mark, 1);
    assert.deepEqual(loginRuns.map((r) => [r.page, r.status]), [['reports', 'True']], 'a login is one rerun, the protected page already drawn');
    figures.runs_per_login = loginRuns.length;
    assert.match(await statusText(page), /Logged in as Alice Example/);

    mark = app.mark();
    await page.reload();
    await signedIn(page, PROTECTED);
    const reloadRuns = await settledRuns(mark, 1);
    assert.deepEqual(reloadRuns.map((r) => [r.page, r.status]), [['reports', 'True']], 'a reload is one run, signed in, on the same page');
    figures.runs_per_reload = reloadRuns.length;
    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(errors, []);
  });

  test('register (a pre-authorized email): the mailed code finishes it; then the new user signs in. An email not invited: the same answer, no mail', LIMIT, async () => {
    const carol = CAROL;
    const { page, errors } = await open();
    await accountPage(page, 'main');
    await page.getByText('Registration is by invitation').waitFor();
    const register = await formFrame(page, 'auth-register');
    // Not invited: the widget answers as for anyone (it does not tell which emails are known), no mail goes out.
    const strangerForm = await registerInFreshBrowser({ username: 'stranger', password: 'stranger-secret-phrase-20', name: 'Stranger', email: 'stranger@example.org' });
    assert.match(await successOf(strangerForm), /Check your email/);
    await fill(register, { name: carol.name, email: carol.email, username: carol.username, password: carol.password, 'password-repeat': carol.password });
    let mark = app.mark();
    await submit(register);
    // Mail is configured: the account exists only once the mailed code (or link) comes back.
    await register.locator('input[name="verify-code"]').waitFor({ timeout: 20_000 });
    assert.match(await successOf(register), /Check your email/);
    figures.runs_per_register = (await settledRuns(mark, 1)).length;
    assert.equal(await register.locator('input[name="password"]').count(), 0, 'the first step is gone');
    const { code, link } = codeAndLink(await mailTo(carol.email, /^Finish creating your account$/));
    await assert.rejects(mailTo('stranger@example.org', /./, 2_000), /no mail to stranger@example\.org/, 'nothing was mailed to the stranger');
    assert.equal(link.searchParams.get('verify_token'), code, 'the link carries the same code');
    assert.equal(link.pathname, '/account', "the link leads to the app's Account page (AUTH_APP_URL)");

    mark = app.mark();
    await fill(register, { 'verify-code': code });
    await submit(register);
    assert.match(await successOf(register), /Your account was created/);
    await page.getByText(`Account ${carol.username} created`).waitFor();
    figures.runs_per_verify = (await settledRuns(mark, 1)).length;

    // The same code again: used up.
    const again = await open();
    await again.page.goto(`${app.origin}${link.pathname}${link.search}`);
    const second = await formFrame(again.page, 'auth-register');
    assert.equal(await second.locator('input[name="password"]').count(), 0, 'the link opens the last step: one click finishes it');
    await submit(second);
    // Refused: the code field comes back, marked, under the widget's own refusal.
    await errorOf(second, 'This code is wrong, already used or expired. Register again to get a new one.');
    await second.locator('input[name="verify-code"][aria-invalid="true"]').waitFor();

    mark = app.mark();
    await signIn(page, carol);
    const runs = await settledRuns(mark, 2);
    assert.deepEqual(runs.map((r) => [r.page, r.status]), [['home', 'None'], ['home', 'True']], 'the Home page, then one rerun for the login');
    assert.match(await statusText(page), /Logged in as Carol Newcomer/);
    assert.deepEqual(errors, []);
  });

  test('forgot password: the mailed link, a new password; the old password refused, the new one signs in', LIMIT, async () => {
    const { page, errors } = await open();
    await accountPage(page, 'main');
    const forgot = await formFrame(page, 'auth-forgot[mode="password"]');
    await fill(forgot, { login: DAVE.username });
    await submit(forgot);
    assert.match(await successOf(forgot), /If an account matches, we have sent an email/);
    const { code, link } = codeAndLink(await mailTo(DAVE.email, /^Reset your password$/));
    assert.equal(link.searchParams.get('reset_token'), code);

    // The link, on this server: the reset form holds the code and asks for the new password only.
    const fresh = await open();
    await fresh.page.goto(`${app.origin}${link.pathname}${link.search}`);
    const reset = await formFrame(fresh.page, 'auth-reset-password');
    await reset.locator('input[name="password"]').waitFor();
    assert.equal(await reset.locator('input[name="reset-code"]').count(), 0, 'the code came with the link');
    assert.equal(new URL(fresh.page.url()).searchParams.get('reset_token'), null, 'the code is taken out of the address');
    const newPassword = 'dave-second-secret-2957';
    await fill(reset, { password: newPassword, 'password-repeat': newPassword });
    await submit(reset);
    assert.match(await successOf(reset), /Your password was reset/);
    await fresh.page.getByText('Your password was reset: sign in').waitFor();
    const notice = await mailTo(DAVE.email, /^Your password was changed$/);
    assert.match(notice.text, /was reset/);

    // The old password is refused, the new one signs in.
    await goto(page, '/');
    const home = await formFrame(page, 'auth-login');
    await login(page, DAVE);
    await errorOf(home, 'Invalid username or password.');
    await login(page, { username: DAVE.username, password: newPassword });
    await signedIn(page, `Hello ${DAVE.name}`);
    assert.deepEqual(errors, []);
  });

  test('forgot username: mailed to the address, never shown on the page', LIMIT, async () => {
    const { page } = await open();
    await accountPage(page, 'main');
    const forgot = await formFrame(page, 'auth-forgot[mode="username"]');
    await fill(forgot, { email: ERIN.email });
    await submit(forgot);
    assert.match(await successOf(forgot), /If an account matches, we have sent an email/);
    const mail = await mailTo(ERIN.email, /^Your username$/);
    assert.match(mail.text, new RegExp(`\\b${ERIN.username}\\b`));
    assert.doesNotMatch(await forgot.locator('body').innerText(), new RegExp(`\\b${ERIN.username}\\b`), 'the widget does not show it');
    // An unknown address gets the very same answer.
    await fill(forgot, { email: 'nobody@example.org' });
    await submit(forgot);
    assert.match(await successOf(forgot), /If an account matches, we have sent an email/);
  });

  test('update details: the name at once; the email only with the current password, the old address told', LIMIT, async () => {
    const { page, errors } = await open();
    await signIn(page, ERIN);
    await goto(page, '/account');
    const update = await formFrame(page, 'auth-update-details');
    assert.equal(await update.locator('input[name="name"]').inputValue(), ERIN.name, 'filled from the session');
    assert.equal(await update.locator('input[name="email"]').inputValue(), ERIN.email);

    await fill(update, { name: 'Erin Renamed' });
    await submit(update);
    assert.match(await successOf(update), /Your details were saved/);
    await (await formFrame(page, 'auth-status')).getByText('Erin Renamed').waitFor();

    // The email: refused without the current password (before sending) and with a wrong one.
    const moved = 'erin.new@example.org';
    await fill(update, { email: moved });
    await submit(update);
    await errorOf(update, /current password/i);
    await fill(update, { email: moved, 'current-password': 'not-the-password-at-all' });
    await submit(update);
    await errorOf(update, 'The current password is wrong.');
    await fill(update, { email: moved, 'current-password': ERIN.password });
    await submit(update);
    assert.match(await successOf(update), /Your details were saved/);
    const notice = await mailTo(ERIN.email, /^The email address of your account was changed$/);
    assert.match(notice.text, new RegExp(`changed to ${moved.replace('.', '\\.')}`));

    // A reload: still signed in, the new details from the database.
    await page.reload();
    const again = await formFrame(page, 'auth-update-details');
    await again.locator('input[name="email"]').waitFor();
    await again.waitForFunction((value) => (document.querySelector('input[name="email"]') as HTMLInputElement).value === value, moved);
    assert.equal(await again.locator('input[name="name"]').inputValue(), 'Erin Renamed');
    assert.deepEqual(errors, []);
  });

  test("the admin page: list, create, disable (the user's open session ends at its next run), set roles, reset a password, pre-authorize", LIMIT, async () => {
    // Wide enough for the whole users table (the page takes the full width).
    const { page, errors } = await open({ viewport: { width: 1600, height: 1000 } });
    await goto(page, '/reports');
    await login(page, ADMIN);
    await signedIn(page, PROTECTED);
    await nav(page).getByText('Users', { exact: true }).click();
    await page.getByRole('tab', { name: 'Manage a user' }).waitFor();
    assert.match(await statusText(page), /Logged in as Ada Admin.*admin/);

    // The list: every user, with the dates and counters the issue asks for.
    let table = await usersTable(page);
    for (const username of ['admin', 'alice', 'bob', 'dave', 'erin', 'gina']) assert.ok(table[username], `${username} is listed: ${Object.keys(table)}`);
    assert.deepEqual(Object.keys(table.admin!), ['username', 'name', 'email', 'roles', 'disabled', 'created_at', 'updated_at', 'last_login', 'logins_count']);
    assert.match(table.admin!.last_login!, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    assert.ok(Number(table.admin!.logins_count) >= 1, `the admin's logins are counted: ${table.admin!.logins_count}`);
    assert.equal(table.bob!.last_login, '', 'bob never signed in');
    assert.equal(table.bob!.logins_count, '0');

    // Create: a user with a password.
    const henry: User = { username: 'henry', password: 'henry-first-secret-3310', name: 'Henry Created', email: 'henry@example.org' };
    await page.getByRole('tab', { name: 'Create a user' }).click();
    const visible = (label: string) => page.getByLabel(label, { exact: true }).filter({ visible: true });
    await visible('Username').fill(henry.username);
    await visible('Name').fill(henry.name);
    await visible('Email').fill(henry.email);
    await visible('Roles (comma-separated)').fill('member');
    await visible('Password (leave empty to send a reset code instead)').fill(henry.password);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByText(`User ${henry.username} created.`).waitFor();

    // Henry signs in in another browser and stays on a protected page.
    const other = await open();
    let mark = app.mark();
    await goto(other.page, '/reports');
    const henryTab = await lastTab(mark);
    await login(other.page, henry);
    await signedIn(other.page, PROTECTED);

    // Disable: Henry's open session ends at its next run (any widget: here the page's Refresh).
    await chooseUser(page, henry.username);
    await page.getByText(`${henry.username} is enabled.`).waitFor();
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await page.getByText(`${henry.username} disabled.`).waitFor();
    table = await usersTableUntil(page, (t) => t.henry?.disabled === 'true');
    assert.deepEqual([table.henry?.disabled, table.henry?.logins_count, table.henry?.roles], ['true', '1', 'member'], 'henry: disabled, one login');
    mark = app.mark();
    await other.page.getByRole('button', { name: 'Refresh' }).click();
    await (await formFrame(other.page, 'auth-login')).locator('input[name="username"]').waitFor({ state: 'visible' });
    assert.equal(await other.page.getByText(PROTECTED).count(), 0, 'nothing protected any more');
    const henryRuns = (await settledRuns(mark, 1)).filter((r) => r.tab === henryTab);
    assert.deepEqual(henryRuns.map((r) => [r.page, r.status]), [['reports', 'None']], 'signed out in its next run');
    figures.runs_until_disabled_session_ends = henryRuns.length;
    await login(other.page, henry);
    await errorOf(await formFrame(other.page, 'auth-login'), 'Invalid username or password.');

    // Set roles.
    await chooseUser(page, henry.username);
    const roles = visible('Roles (comma-separated)');
    await roles.fill('member, analyst');
    await page.getByRole('button', { name: 'Save roles', exact: true }).click();
    await page.getByText(`Roles of ${henry.username} saved.`).waitFor();
    assert.equal((await usersTableUntil(page, (t) => t.henry?.roles === 'member, analyst')).henry?.roles, 'member, analyst');

    // Reset a password: a single-use code, mailed (mail is configured); the password stays until it is used.
    const gina = await open();
    mark = app.mark();
    await signIn(gina.page, GINA);
    await goto(gina.page, '/reports');
    await signedIn(gina.page, PROTECTED);
    await chooseUser(page, GINA.username);
    await page.getByRole('button', { name: 'Issue a reset code', exact: true }).click();
    await page.getByText(`Reset code issued for ${GINA.username}.`).waitFor();
    await page.getByText(`A reset link was mailed to ${GINA.email}.`).waitFor();
    const { code } = codeAndLink(await mailTo(GINA.email, /^Reset your password$/));
    // The user pastes the code into the reset form of the Account page (signed out: it is a reset).
    const ginaFresh = await open();
    await accountPage(ginaFresh.page, 'main');
    const reset = await formFrame(ginaFresh.page, 'auth-reset-password');
    const ginaPassword = 'gina-second-secret-8842';
    await fill(reset, { 'reset-code': code, password: ginaPassword, 'password-repeat': ginaPassword });
    await submit(reset);
    assert.match(await successOf(reset), /Your password was reset/);
    // Every session of hers ended (her first browser, at its next run), and the new password works.
    await gina.page.getByRole('button', { name: 'Refresh' }).click();
    await (await formFrame(gina.page, 'auth-login')).locator('input[name="username"]').waitFor({ state: 'visible' });
    await login(gina.page, { username: GINA.username, password: ginaPassword });
    await signedIn(gina.page, PROTECTED);

    // Pre-authorize an email.
    await page.getByRole('tab', { name: 'Pre-authorized emails' }).click();
    await page.getByLabel('Emails to pre-authorize (one per line or comma-separated)').fill('invitee@example.org');
    await page.getByRole('button', { name: 'Pre-authorize', exact: true }).click();
    await page.getByText('1 email(s) pre-authorized.').waitFor();
    // What it does: that email may register now (the mail to finish it goes out).
    const register = await registerInFreshBrowser({ username: 'ivy', password: 'invitee-first-secret-5521', name: 'Ivy Invitee', email: 'invitee@example.org' });
    await register.locator('input[name="verify-code"]').waitFor({ timeout: 20_000 });
    await mailTo('invitee@example.org', /^Finish creating your account$/);

    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(errors, []);
  });

  test('a non-admin gets no admin page: not in the navigation, not by its address', LIMIT, async () => {
    const { page } = await open();
    await goto(page, '/reports');
    await login(page, BOB);
    await signedIn(page, PROTECTED);
    await nav(page).getByText('Reports', { exact: true }).waitFor();
    assert.equal(await nav(page).getByText('Users', { exact: true }).count(), 0, 'no Users page in the navigation');
    const mark = app.mark();
    await goto(page, '/admin');
    const runs = await settledRuns(mark, 1);
    assert.ok(runs.every((r) => r.page !== 'admin'), `the admin page never ran: ${JSON.stringify(runs)}`);
    assert.equal(await page.getByRole('tab', { name: 'Manage a user' }).count(), 0);
    assert.equal(await page.getByTestId('stDataFrame').count(), 0, 'no list of users');
  });
});

/** Drag the sidebar's edge to make it 250 px wide (a narrow sidebar, as users make it). */
async function narrowSidebar(page: Page): Promise<void> {
  const handle = await page.getByTestId('stSidebarResizeHandle').boundingBox();
  assert.ok(handle, 'the sidebar can be resized');
  await page.mouse.move(handle.x + handle.width / 2, handle.y + 200);
  await page.mouse.down();
  await page.mouse.move(250, handle.y + 200, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => Math.abs(document.querySelector('[data-testid="stSidebar"]')!.getBoundingClientRect().width - 250) <= 2);
}

/** Nothing in the sidebar's component frames is wider than its frame, and no frame scrolls. */
async function fitsTheSidebar(page: Page, what: string): Promise<void> {
  const sidebar = await page.getByTestId('stSidebar').boundingBox();
  for (const frame of page.frames().filter((f) => f.url().includes('/component/streamlit_auth_elements'))) {
    const box = await (await frame.frameElement()).boundingBox();
    if (!box || box.height === 0 || box.x > sidebar!.x + sidebar!.width) continue;
    const m = await frame.evaluate(() => {
      const widget = document.querySelector('auth-provider > *');
      const header = widget?.shadowRoot?.querySelector('[part~="header"]');
      const style = header ? getComputedStyle(header) : null;
      return {
        widget: widget?.localName,
        overflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        widest: Math.max(0, ...[...document.querySelectorAll<HTMLElement>('auth-provider *')].map((el) => el.getBoundingClientRect().right)) - innerWidth,
        title: header?.textContent?.trim(),
        titleSize: style?.fontSize,
        titleLines: header && style ? Math.round(header.getBoundingClientRect().height / parseFloat(style.lineHeight)) : 0,
      };
    });
    assert.ok(m.overflowX <= 0 && m.widest <= 0, `${what}: <${m.widget}> fits a 250 px sidebar: ${JSON.stringify(m)}`);
    // A form's title is a sidebar heading (Streamlit's st.sidebar.subheader is 18 px): at most two lines.
    assert.ok(m.titleLines <= 2, `${what}: the title of <${m.widget}> takes ${m.titleLines} lines: ${JSON.stringify(m)}`);
  }
}

/** The admin page's users table by username (read from the data grid's accessible table). */
async function usersTable(page: Page): Promise<Record<string, Record<string, string>>> {
  await settle(page);
  await page.getByTestId('stDataFrame').locator('table td').first().waitFor({ state: 'attached' });
  const rows = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="stDataFrame"] table tr')].map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').trim())),
  );
  const [head = [], ...body] = rows;
  return Object.fromEntries(body.map((cells) => [cells[0]!, Object.fromEntries(head.map((name, i) => [name, cells[i] ?? '']))]));
}

/**
 * The users table once it shows what the test waits for (or after 20 s, for the assertion to say what
 * it shows): under load the page can look settled before the rerun that redraws the table started.
 */
async function usersTableUntil(page: Page, done: (table: Record<string, Record<string, string>>) => boolean): Promise<Record<string, Record<string, string>>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const table = await usersTable(page);
    if (done(table) || Date.now() > deadline) return table;
    await page.waitForTimeout(200);
  }
}

/**
 * Until the page's script run is over and Streamlit dropped what the previous run drew (its stale
 * elements stay on the page, and in the DOM, until then).
 */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-stale="true"], [data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]') === null, null, { timeout: 20_000 });
}

/** Pick a user in the admin page's "User" select box. */
async function chooseUser(page: Page, username: string): Promise<void> {
  await settle(page);
  await page.getByRole('tab', { name: 'Manage a user' }).click();
  await page.getByTestId('stSelectbox').click();
  await page.getByRole('option', { name: username, exact: true }).click();
  await page.getByText(new RegExp(`^${username} is (enabled|disabled)\\.$`)).waitFor();
  await settle(page);
}

describe('the account widgets fit their frames, and look like Streamlit', () => {
  test('after an error and after a success, in the main area and the sidebar: no scrollbar, each frame as tall as its content', LIMIT, async () => {
    for (const where of ['main', 'sidebar'] as const) {
      const { page } = await open();
      await accountPage(page, where);
      const register = await formFrame(page, 'auth-register', where);
      const taken = 'taken-username-secret-1';
      await fill(register, { name: 'Someone', email: `someone-${where}@example.org`, username: 'alice', password: taken, 'password-repeat': taken });
      await submit(register);
      await errorOf(register, 'This username is already taken.');
      await register.locator('input[name="username"][aria-invalid="true"]').waitFor();
      const afterError = await framesFitTheirContent(page, `${where}, after an error`);
      const forgot = await formFrame(page, 'auth-forgot[mode="password"]', where);
      await fill(forgot, { login: 'nobody-at-all' });
      await submit(forgot);
      await successOf(forgot);
      const afterSuccess = await framesFitTheirContent(page, `${where}, after a success`);
      figures[`frames_checked_${where}`] = [afterError, afterSuccess];
      assert.ok(afterError >= 4 && afterSuccess >= 4, `the four account forms and the status header were measured (${afterError}, ${afterSuccess})`);
      if (where === 'sidebar') {
        const widest = await register.evaluate(() => Math.max(...[...document.querySelectorAll<HTMLElement>('auth-register *')].map((el) => el.getBoundingClientRect().right)) - innerWidth);
        assert.ok(widest <= 0, `nothing wider than the sidebar's frame (${widest})`);
      }
    }
  });

  test('screenshots: light and dark, main and sidebar, English and French (account widgets signed out and in, the admin page)', LIMIT, async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      for (const locale of ['en-US', 'fr-FR']) {
        const lang = locale.slice(0, 2);
        for (const where of ['main', 'sidebar'] as const) {
          // Tall enough for the four forms in one picture.
          const { page } = await open({ colorScheme: scheme, locale, viewport: { width: 1280, height: 2300 } });
          await accountPage(page, where);
          if (where === 'sidebar') await narrowSidebar(page);
          const register = await formFrame(page, 'auth-register', where);
          await formFrame(page, 'auth-forgot[mode="username"]', where);
          // An error in the picture (found before sending, so no registration is counted): the
          // passwords differ.
          await fill(register, { name: 'Zoé Exemple', email: 'zoe@example.org', username: 'zoe', password: 'screenshot-secret-4711', 'password-repeat': 'screenshot-secret-4712' });
          await submit(register);
          await register.locator('[role="alert"]').filter({ hasText: /./ }).waitFor();
          await page.mouse.move(0, 0);
          if (where === 'sidebar') await fitsTheSidebar(page, `${scheme} ${lang}`);
          await page.screenshot({ path: join(SHOTS, `account-${scheme}-${lang}-${where}.png`) });
        }
        // Signed in: update details and change password (sidebar), and the admin page.
        const { page } = await open({ colorScheme: scheme, locale, viewport: { width: 1600, height: 1400 } });
        await goto(page, '/reports');
        await login(page, ADMIN);
        await signedIn(page, PROTECTED);
        await accountPage(page, 'sidebar');
        await narrowSidebar(page);
        await formFrame(page, 'auth-update-details', 'sidebar');
        await formFrame(page, 'auth-reset-password', 'sidebar');
        await page.mouse.move(0, 0);
        await fitsTheSidebar(page, `${scheme} ${lang} signed in`);
        await page.screenshot({ path: join(SHOTS, `account-signed-in-${scheme}-${lang}-sidebar.png`) });
        await nav(page).getByText('Users', { exact: true }).click();
        await page.getByRole('tab', { name: 'Manage a user' }).waitFor();
        await page.getByTestId('stDataFrame').waitFor();
        await page.mouse.move(0, 0);
        await page.screenshot({ path: join(SHOTS, `admin-${scheme}-${lang}.png`) });
      }
    }
  });
});
