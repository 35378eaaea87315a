// End to end: python/examples/multipage.py (st.navigation, the login form in the sidebar of every
// page, protected pages in the navigation only once signed in) in a real Streamlit server and
// Chromium. Python's view of every run comes from the line the example prints per run.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
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

const LIMIT = { timeout: 90_000 };
let app: StreamlitApp;
const contexts: BrowserContext[] = [];

before(async () => {
  app = await startStreamlit('multipage.py');
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => {})));
});

after(async () => {
  if (!app) return;
  try {
    assert.deepEqual(app.external(), [], 'nothing leaves the machine');
    assert.doesNotMatch(app.output(), /Traceback|DuplicateWidgetID|malformed/);
  } finally {
    await app.close();
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

const nav = (page: Page) => page.getByTestId('stSidebarNav');
const heading = (page: Page, text: string) => page.getByRole('heading', { name: text, level: 1 }).waitFor({ timeout: 20_000 });

async function loginFormShown(page: Page): Promise<void> {
  const frame = await widgetFrame(page, 'auth-login', 'sidebar', 20_000);
  await frame.locator('input[name="username"]').waitFor({ state: 'visible' });
}

describe('a multipage app (st.navigation) in a real Streamlit server', () => {
  test('sign in on the home page; every page keeps the sidebar widgets; a reload on a subpage stays there, signed in on its first run', LIMIT, async () => {
    const { context, page, errors } = await open();
    await watchForLoginForm(context);
    await page.goto(app.origin + '/');
    await heading(page, 'Home');
    await loginFormShown(page);
    assert.equal(await nav(page).count(), 0, 'signed out: one page, no navigation');

    let mark = app.mark();
    await login(page, ALICE, 'sidebar');
    await page.getByText('Hello Alice Example').waitFor();
    assert.deepEqual((await app.waitForRuns(mark, 1)).map((r) => [r.page, r.status]), [['home', 'True']]);

    for (const [link, title, path] of [
      ['Reports', 'Reports', '/reports'],
      ['Account', 'Account', '/account'],
      ['Home', 'Home', '/'],
      ['Reports', 'Reports', '/reports'],
    ] as const) {
      mark = app.mark();
      await nav(page).getByRole('link', { name: link }).click();
      await heading(page, title);
      await page.waitForURL(app.origin + path);
      const runs = await app.waitForRuns(mark, 1);
      assert.equal(runs[0]!.status, 'True', `${title}: signed in`);
      await (await widgetFrame(page, 'auth-status', 'sidebar')).getByText(ALICE.name, { exact: true }).waitFor();
      await widgetFrame(page, 'auth-logout', 'sidebar');
      assert.deepEqual(await streamlitErrors(page), [], `${title}: no Streamlit error`);
    }

    mark = app.mark();
    await page.reload();
    await heading(page, 'Reports');
    await page.getByText(`Protected report for ${ALICE.name}`).waitFor();
    assert.equal(page.url(), app.origin + '/reports', 'the reload stays on the subpage');
    const runs = await app.waitForRuns(mark, 1);
    assert.deepEqual(runs.map((r) => [r.page, r.status]), [['reports', 'True']], 'one run, on the subpage, signed in');
    await animationFrames(page, 30);
    const watch = await loginFormWatch(page);
    assert.equal(watch.loginElement, false, 'no <auth-login> after the reload');
    assert.equal(watch.formSeen, false);
    assert.ok(watch.frames > 30, `frames checked: ${watch.frames}`);
    console.log(`streamlit multipage figures: ${JSON.stringify({ frames_checked_on_subpage_reload: watch.frames, runs_per_subpage_reload: runs.length })}`);
    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(errors, []);
  });

  test("signed out, a protected page's address shows none of it", LIMIT, async () => {
    const { page } = await open();
    const mark = app.mark();
    await page.goto(app.origin + '/reports');
    await loginFormShown(page);
    await heading(page, 'Home');
    assert.equal(await page.getByText('Protected report').count(), 0);
    assert.ok((await app.waitForRuns(mark, 1)).every((r) => r.status === 'None'));
  });

  test("a logout on a subpage's own button signs out and leaves the protected pages", LIMIT, async () => {
    const { page, errors } = await open();
    await page.goto(app.origin + '/');
    await login(page, ALICE, 'sidebar');
    await nav(page).getByRole('link', { name: 'Account' }).click();
    await heading(page, 'Account');
    const mark = app.mark();
    const button = (await widgetFrame(page, 'auth-logout', 'main')).locator('[part~="button"]');
    assert.equal((await button.innerText()).trim(), 'Log out of every page');
    await button.click();
    await loginFormShown(page);
    await heading(page, 'Home');
    assert.equal(await nav(page).count(), 0);
    const runs = await app.waitForRuns(mark, 1);
    assert.equal(runs[0]!.status, 'None');
    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(errors, []);
  });
});
