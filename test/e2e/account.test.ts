// End to end, every account flow of the demo in Chromium against the real server (SQLite, demo mode,
// mail to the development outbox): register -> the link from the outbox -> log in; forgot -> mail ->
// reset -> log in with the new password, old one refused; forgot username -> mail; update details;
// change password -> the other device's session is gone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type Demo } from './harness.js';

const CAROL = { name: 'Carol Example', email: 'carol@example.com', username: 'carol', password: 'carol has a long passphrase' };
const SIDEBAR = 'auth-login[location="sidebar"]';

let demo: Demo;
let browser: Browser;

before(async () => {
  demo = await startDemo();
  browser = demo.browser;
});

after(async () => {
  await demo?.close();
});

interface Mail {
  to: string;
  subject: string;
  text: string;
}

async function outbox(): Promise<Mail[]> {
  const response = await fetch(`${demo.origin}/api/dev/outbox`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { messages: Mail[] }).messages;
}

async function waitForMail(predicate: (mail: Mail) => boolean): Promise<Mail> {
  const until = Date.now() + 10_000;
  for (;;) {
    const found = (await outbox()).find(predicate);
    if (found) return found;
    if (Date.now() > until) throw new Error('the expected mail did not arrive in the outbox');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function fill(page: Page, form: string, values: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    await page.locator(`${form} input[name="${name}"]`).fill(value);
  }
  await page.locator(`${form} [part~="submit-button"]`).click();
}

async function login(page: Page, username: string, password: string): Promise<void> {
  await fill(page, SIDEBAR, { username, password });
}

/** Log in through the API (no browser): the status the server answers. */
async function apiLogin(username: string, password: string): Promise<number> {
  const response = await fetch(`${demo.origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: demo.origin },
    body: JSON.stringify({ username, password, refresh_in_body: true }),
  });
  return response.status;
}

describe('account flows in the demo', () => {
  test('register -> the link in the demo mailbox -> log in with the new account', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.origin}/account.html`);
    await fill(page, 'auth-register', {
      name: CAROL.name,
      email: CAROL.email,
      username: CAROL.username,
      password: CAROL.password,
      'password-repeat': CAROL.password,
    });
    await page.locator('auth-register [role="status"]').getByText('Check your email: we sent a link and a code').waitFor();
    await page.locator('auth-register input[name="verify-code"]').waitFor();
    assert.equal(await apiLogin(CAROL.username, CAROL.password), 401, 'no account before the mailbox is proved');

    const mail = await waitForMail((m) => m.to === CAROL.email && /verify_token=/.test(m.text));
    const link = mail.text.match(/https?:\/\/\S+verify_token=[A-Za-z0-9_-]+/)?.[0];
    assert.ok(link?.startsWith(`${demo.origin}/account.html?`), `the link points at the demo's account page: ${link}`);
    // the mailbox page shows it as a link; following it finishes the registration by itself
    await page.goto(`${demo.origin}/mailbox.html`);
    await page.locator('.mailbox a[href*="verify_token="]').first().click();
    await page.waitForURL(/account\.html/);
    await page.waitForFunction(() => !location.search.includes('verify_token'));
    await page.locator('auth-register [role="status"]').getByText('Your account was created').waitFor();

    // registering again with the same username is refused with a clear message
    await fill(page, 'auth-register', {
      name: 'Other',
      email: 'other@example.com',
      username: CAROL.username,
      password: CAROL.password,
      'password-repeat': CAROL.password,
    });
    await page.locator('auth-register [role="alert"]').getByText('This username is already taken.').waitFor();

    await login(page, CAROL.username, CAROL.password);
    await page.locator('auth-status[location="sidebar"]').getByText(CAROL.name).waitFor();
    await context.close();
  });

  test('forgot password -> mail -> reset link -> new password works, old one refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.origin}/account.html`);
    await fill(page, 'auth-forgot[mode="password"]', { login: CAROL.email });
    await page.locator('auth-forgot[mode="password"] [role="status"]').getByText('If an account matches').waitFor();
    // an unknown account gets the very same answer
    await fill(page, 'auth-forgot[mode="password"]', { login: 'nobody@example.com' });
    await page.locator('auth-forgot[mode="password"] [role="status"]').getByText('If an account matches').waitFor();

    const mail = await waitForMail((m) => m.to === CAROL.email && /reset_token=/.test(m.text));
    const link = mail.text.match(/https?:\/\/\S+reset_token=[A-Za-z0-9_-]+/)?.[0];
    assert.ok(link, 'the mail holds a reset link');
    assert.ok(link.startsWith(`${demo.origin}/account.html?`), `the link points at the demo's account page: ${link}`);
    assert.equal((await outbox()).some((m) => m.to === 'nobody@example.com'), false);

    // the mailbox page shows it as a link a new user can follow
    await page.goto(`${demo.origin}/mailbox.html`);
    await page.locator('.mailbox a[href*="reset_token="]').first().click();
    await page.waitForURL(/account\.html/);
    // the token leaves the address bar as soon as the element has read it
    await page.waitForFunction(() => !location.search.includes('reset_token'));
    const newPassword = 'carol chose a brand new passphrase';
    await fill(page, 'auth-reset-password', { password: newPassword, 'password-repeat': newPassword });
    await page.locator('auth-reset-password [role="status"]').getByText('Your password was reset').waitFor();

    assert.equal(await apiLogin(CAROL.username, CAROL.password), 401, 'the old password is refused');
    await login(page, CAROL.username, newPassword);
    await page.locator('auth-status[location="sidebar"]').getByText(CAROL.name).waitFor();
    CAROL.password = newPassword;

    // the link works once
    const reuse = await fetch(`${demo.origin}/api/auth/password/reset`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: demo.origin },
      body: JSON.stringify({ token: new URL(link).searchParams.get('reset_token'), password: 'yet another long passphrase' }),
    });
    assert.equal(reuse.status, 400);
    await context.close();
  });

  test('forgot username -> the username arrives by mail, not on the page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.origin}/account.html`);
    await fill(page, 'auth-forgot[mode="username"]', { email: CAROL.email });
    const status = page.locator('auth-forgot[mode="username"] [role="status"]');
    await status.getByText('If an account matches').waitFor();
    assert.doesNotMatch(await status.innerText(), /carol\b/i);
    const mail = await waitForMail((m) => m.to === CAROL.email && /username/i.test(m.subject + m.text) && !/reset_token/.test(m.text));
    assert.match(mail.text, /\bcarol\b/);
    await context.close();
  });

  test('update details: the name changes at once; an email change needs the current password', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.origin}/account.html`);
    await login(page, CAROL.username, CAROL.password);
    const form = 'auth-update-details';
    await page.locator(`${form} input[name="name"]`).waitFor({ state: 'visible' });
    assert.equal(await page.locator(`${form} input[name="email"]`).inputValue(), CAROL.email);

    await fill(page, form, { name: 'Carol Renamed' });
    await page.locator(`${form} [role="status"]`).getByText('Your details were saved').waitFor();
    await page.locator('auth-status[location="sidebar"]').getByText('Carol Renamed').waitFor();

    await fill(page, form, { email: 'carol.new@example.com', 'current-password': '' });
    // Next to the current password (part="field-error"); the form-level alert stays empty.
    await page.locator(`${form} [role="alert"]`).filter({ hasText: /./ }).waitFor({ state: 'visible' });
    await fill(page, form, { email: 'carol.new@example.com', 'current-password': CAROL.password });
    await page.locator(`${form} [role="status"]`).getByText('Your details were saved').waitFor();
    // the old address is told
    await waitForMail((m) => m.to === CAROL.email && /email/i.test(m.subject) && /carol\.new@example\.com/.test(m.text));
    CAROL.email = 'carol.new@example.com';
    await context.close();
  });

  test('change password: this device stays signed in, the other device is signed out', async () => {
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(`${demo.origin}/account.html`);
    await login(otherPage, CAROL.username, CAROL.password);
    await otherPage.locator('auth-status[location="sidebar"]').getByText('Carol Renamed').waitFor();

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.origin}/account.html`);
    await login(page, CAROL.username, CAROL.password);
    const changed = 'carol changed it once more today';
    await fill(page, 'auth-reset-password', { 'current-password': CAROL.password, password: changed, 'password-repeat': changed });
    await page.locator('auth-reset-password [role="status"]').getByText('Your password was changed').waitFor();

    // this device: still signed in after a reload
    await page.reload();
    await page.locator('auth-status[location="sidebar"]').getByText('Carol Renamed').waitFor();
    // the other device: its session was revoked; a reload shows the login form
    await otherPage.reload();
    await otherPage.locator(`${SIDEBAR} input[name="username"]`).waitFor({ state: 'visible' });
    assert.equal(await apiLogin(CAROL.username, CAROL.password), 401);
    assert.equal(await apiLogin(CAROL.username, changed), 200);
    await other.close();
    await context.close();
  });
});
