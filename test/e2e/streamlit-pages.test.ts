// End to end: python/examples/pages_app/ (a classic multipage app: Home.py and the scripts of its
// pages/ directory, listed in the sidebar by Streamlit itself, each page building the same Auth and
// making its own widget calls) in a real Streamlit server and Chromium. Python's view of every run
// comes from the line the example prints per run (demo_setup.log_run).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ALICE,
  animationFrames,
  login,
  loginFormWatch,
  streamlitErrors,
  streamlitSuite,
  watchForLoginForm,
  widgetFrame,
  type Run,
} from './streamlit-harness.js';

const LIMIT = { timeout: 120_000 };
const REPORT = `Protected report for ${ALICE.name}`;
const suite = streamlitSuite('pages_app/Home.py', 'streamlit pages/ figures');
const { figures, open } = suite;

/** The pages as Streamlit lists them (from the file names of pages/) and where each lives. */
const PAGES = {
  Home: { path: '/', run: 'home' },
  Reports: { path: '/Reports', run: 'reports' },
  Account: { path: '/Account', run: 'account' },
} as const;
type PageName = keyof typeof PAGES;

const heading = (page: Page, text: string) => page.getByRole('heading', { name: text, level: 1 }).waitFor({ timeout: 20_000 });

async function loginFormShown(page: Page): Promise<void> {
  const frame = await widgetFrame(page, 'auth-login', 'sidebar', 20_000);
  await frame.locator('input[name="username"]').waitFor({ state: 'visible' });
}

/** The runs of one tab since `mark`, after `count` of them came and the app stayed quiet. */
async function tabRuns(mark: number, count: number, tab: string): Promise<Run[]> {
  for (let tries = 0; ; tries++) {
    const runs = (await suite.app.settledRuns(mark, count)).filter((r) => r.tab === tab);
    if (runs.length >= count || tries === 5) return runs;
  }
}

/** Open the app on `name` in a new tab; returns the tab's id (from its first run's line). */
async function first(page: Page, name: PageName): Promise<string> {
  const mark = suite.app.mark();
  await page.goto(suite.app.origin + PAGES[name].path);
  await heading(page, name);
  const runs = await suite.app.waitForRuns(mark, 1);
  const run = runs.find((r) => r.page === PAGES[name].run);
  assert.ok(run, `a run of ${name}: ${JSON.stringify(runs)}`);
  return run.tab;
}

/** Click `name` in Streamlit's page list in the sidebar; returns that tab's runs (one expected). */
async function go(page: Page, tab: string, name: PageName): Promise<Run[]> {
  const mark = suite.app.mark();
  await page.getByTestId('stSidebarNav').getByRole('link', { name, exact: true }).click();
  await heading(page, name);
  await page.waitForURL(suite.app.origin + PAGES[name].path);
  const runs = await tabRuns(mark, 1, tab);
  assert.deepEqual(
    runs.map((r) => r.page),
    [PAGES[name].run],
    `${name}: one run, of that page`,
  );
  return runs;
}

/** Everything a signed-in user sees on each page (the widgets Python rendered for the session). */
async function showsSignedIn(page: Page, name: PageName): Promise<void> {
  if (name === 'Home') await page.getByText(`Hello ${ALICE.name}`).waitFor();
  if (name === 'Reports') await page.getByText(REPORT).waitFor();
  if (name === 'Account') {
    for (const where of ['main', 'sidebar'] as const) {
      await (await widgetFrame(page, 'auth-status', where)).getByText(ALICE.name).waitFor();
      await widgetFrame(page, 'auth-logout', where);
    }
  } else {
    await widgetFrame(page, 'auth-logout', 'sidebar');
  }
  if (name === 'Home') await (await widgetFrame(page, 'auth-status', 'sidebar')).getByText(ALICE.name).waitFor();
}

/** What a signed-out visitor sees on each page: none of the protected content. */
async function showsSignedOut(page: Page, name: PageName): Promise<void> {
  if (name === 'Account') {
    await page.getByText('This page is for signed-in users.').waitFor();
    await page.getByRole('link', { name: 'Log in on the Home page' }).waitFor();
  } else {
    await loginFormShown(page);
  }
  assert.equal(await page.getByText(REPORT).count(), 0, `${name}: no report`);
  assert.equal(await page.getByText(ALICE.name).count(), 0, `${name}: no user name`);
}

/** The logout button of the Account page in `where`. */
async function logoutButton(page: Page, where: 'main' | 'sidebar') {
  return (await widgetFrame(page, 'auth-logout', where)).locator('[part~="button"]');
}

describe('a pages/ directory app in a real Streamlit server', () => {
  test('sign in on Home; every page signed in on its first run, no DuplicateWidgetID; a reload on a subpage stays there, signed in on its one run, no login form in any frame', LIMIT, async () => {
    const { context, page, errors } = await open();
    await watchForLoginForm(context);
    let tab = await first(page, 'Home');
    await loginFormShown(page);
    for (const name of ['Home', 'Reports', 'Account'] as const) {
      assert.equal(await page.getByTestId('stSidebarNav').getByRole('link', { name, exact: true }).count(), 1, `${name} listed`);
    }

    let mark = suite.app.mark();
    await login(page, ALICE, 'sidebar');
    await page.getByText(`Hello ${ALICE.name}`).waitFor();
    const loginRuns = await tabRuns(mark, 1, tab);
    assert.deepEqual(loginRuns.map((r) => [r.page, r.status]), [['home', 'True']], 'a login takes one rerun, signed in');

    const visits: string[] = [];
    for (const name of ['Reports', 'Account', 'Home', 'Account', 'Reports'] as const) {
      const runs = await go(page, tab, name);
      assert.equal(runs[0]!.status, 'True', `${name}: signed in on its first run`);
      await showsSignedIn(page, name);
      assert.deepEqual(await streamlitErrors(page), [], `${name}: no Streamlit error`);
      visits.push(`${name}:${runs.length}`);
    }

    for (const name of ['Reports', 'Account'] as const) {
      if (page.url() !== suite.app.origin + PAGES[name].path) await go(page, tab, name);
      mark = suite.app.mark();
      await page.reload();
      await heading(page, name);
      await showsSignedIn(page, name);
      assert.equal(page.url(), suite.app.origin + PAGES[name].path, `the reload stays on ${name}`);
      const runs = await suite.app.settledRuns(mark, 1);
      assert.deepEqual(runs.map((r) => [r.page, r.status]), [[PAGES[name].run, 'True']], `${name}: one run, on the subpage, signed in`);
      tab = runs[0]!.tab; // a reload is a new browser session
      await animationFrames(page, 30);
      const watch = await loginFormWatch(page);
      assert.equal(watch.loginElement, false, `no <auth-login> after the reload on ${name}`);
      assert.equal(watch.formSeen, false);
      assert.ok(watch.frames > 30, `frames checked: ${watch.frames}`);
      figures[`frames_checked_on_${PAGES[name].run}_reload`] = watch.frames;
      figures[`runs_per_${PAGES[name].run}_reload`] = runs.length;
      assert.deepEqual(await streamlitErrors(page), []);
    }
    figures.runs_per_login = loginRuns.length;
    figures.runs_per_page_visit = visits;
    assert.deepEqual(errors, []);
  });

  test('signed out, every page shows none of the protected content (the Account page only checks)', LIMIT, async () => {
    const { page, errors } = await open();
    const mark = suite.app.mark();
    for (const name of ['Account', 'Reports', 'Home'] as const) {
      await page.goto(suite.app.origin + PAGES[name].path);
      await heading(page, name);
      await showsSignedOut(page, name);
    }
    const runs = await suite.app.waitForRuns(mark, 3);
    assert.ok(runs.length >= 3 && runs.every((r) => r.status === 'None'), JSON.stringify(runs));
    assert.equal(await page.getByText('Protected report').count(), 0);
    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(errors, []);
  });

  test("two widgets of one kind on the Account page, each with its own key: the second (sidebar) logout signs out", LIMIT, async () => {
    const { page, errors } = await open();
    const tab = await first(page, 'Home');
    await login(page, ALICE, 'sidebar');
    await page.getByText(`Hello ${ALICE.name}`).waitFor();
    await go(page, tab, 'Account');
    await showsSignedIn(page, 'Account');
    assert.equal((await (await logoutButton(page, 'main')).innerText()).trim(), 'Log out of every page');

    const mark = suite.app.mark();
    await (await logoutButton(page, 'sidebar')).click();
    await showsSignedOut(page, 'Account');
    const runs = await tabRuns(mark, 1, tab);
    assert.deepEqual(runs.map((r) => [r.page, r.status]), [['account', 'None']], 'a logout takes one run');
    figures.runs_per_sidebar_logout = runs.length;
    for (const name of ['Home', 'Reports'] as const) {
      const visit = await go(page, tab, name);
      assert.equal(visit[0]!.status, 'None', `${name}: signed out`);
      await showsSignedOut(page, name);
    }
    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(errors, []);
  });

  test("sign in on a subpage; the Account page's main logout signs every page out, in this tab and another", LIMIT, async () => {
    const { context, page, errors } = await open();
    const tab = await first(page, 'Reports');
    await loginFormShown(page);
    let mark = suite.app.mark();
    await login(page, ALICE, 'sidebar');
    await page.getByText(REPORT).waitFor();
    assert.deepEqual((await tabRuns(mark, 1, tab)).map((r) => [r.page, r.status]), [['reports', 'True']], 'a login on a subpage takes one rerun');

    // Another tab of the same browser, signed in from the cookie on its first run.
    const other = await open(context);
    const otherTab = await first(other.page, 'Reports');
    await other.page.getByText(REPORT).waitFor();

    await go(page, tab, 'Account');
    mark = suite.app.mark();
    await (await logoutButton(page, 'main')).click();
    await showsSignedOut(page, 'Account');
    assert.deepEqual((await tabRuns(mark, 1, tab)).map((r) => [r.page, r.status]), [['account', 'None']]);
    for (const name of ['Reports', 'Home'] as const) {
      const visit = await go(page, tab, name);
      assert.equal(visit[0]!.status, 'None', `${name}: signed out`);
      await showsSignedOut(page, name);
    }
    // The other tab: signed out at its next run (the session is revoked in the store).
    const visit = await go(other.page, otherTab, 'Account');
    assert.equal(visit[0]!.status, 'None', 'the other tab: signed out');
    await showsSignedOut(other.page, 'Account');
    assert.deepEqual(await streamlitErrors(page), []);
    assert.deepEqual(await streamlitErrors(other.page), []);
    assert.deepEqual([...errors, ...other.errors], []);
  });
});
