// End to end: Playwright drives the real demo (reference server + built bundle) in Debian's Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { startDemo, type Demo } from './harness.js';

const ALICE = { username: 'alice', password: 'alice-demo-password' };
const SIDEBAR = 'auth-login[location="sidebar"]';

let demo: Demo;

before(async () => {
  demo = await startDemo();
});

after(async () => {
  await demo?.close();
});

async function login(page: Page, form: string, user = ALICE): Promise<void> {
  await page.locator(`${form} input[name="username"]`).fill(user.username);
  await page.locator(`${form} input[name="password"]`).fill(user.password);
  await page.locator(`${form} [part~="submit-button"]`).click();
}

/**
 * Records, from the first paint on, whether any login form was ever visible, and how many frames it
 * looked at. A string, not a function: tsx wraps named functions in `__name(…)`, which does not exist
 * in the page, so a function here would throw before its first frame and prove nothing.
 */
async function watchForLoginForm(context: BrowserContext): Promise<void> {
  await context.addInitScript(`
    window.__formSeen = false;
    window.__framesWatched = 0;
    const look = () => {
      window.__framesWatched++;
      for (const form of document.querySelectorAll('auth-login form')) {
        // Laid out is not seen: a restoring form keeps its size invisibly (visibility: hidden).
        if (form.checkVisibility() && form.offsetHeight > 0 && getComputedStyle(form).visibility === 'visible') window.__formSeen = true;
      }
      requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  `);
}

/** What the watcher saw on this page: whether a login form was visible, and in how many frames it looked. */
function watched(page: Page): Promise<{ seen: boolean; frames: number }> {
  return page.evaluate(() => {
    const w = window as unknown as { __formSeen: boolean; __framesWatched: number };
    return { seen: w.__formSeen, frames: w.__framesWatched };
  });
}

async function browserStorage(page: Page) {
  return page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
  }));
}

describe('the demo page', () => {
  test('the console says where to go and which demo accounts exist', () => {
    const out = demo.output();
    assert.match(out, /http:\/\/localhost:\d+/);
    assert.match(out, /alice/);
    assert.match(out, /alice-demo-password/);
    assert.match(out, /register: +open, confirmed by a mailed link/);
    assert.match(out, /X-Forwarded-For ignored/);
  });

  test('log in, see status and guarded content, reload without a login-form flash, log out', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.origin + '/');
    await page.locator(`${SIDEBAR} input[name="username"]`).waitFor();
    assert.equal(await page.locator('#call-api').isVisible(), false, 'guarded content hidden before login');

    await login(page, SIDEBAR);
    await page.locator('auth-status[location="sidebar"]').getByText('Alice Example').waitFor();
    await page.locator('#call-api').waitFor({ state: 'visible' });
    assert.equal(await page.locator(`${SIDEBAR} form`).isVisible(), false, 'the form goes away once signed in');

    // the guarded card calls the API with the in-memory access token
    await page.locator('#call-api').click();
    await page.locator('#api-result').getByText('"username": "alice"').waitFor();

    // nothing that can renew the session is readable by scripts (SECURITY 31)
    const stored = await browserStorage(page);
    assert.equal(stored.local, '{}');
    assert.equal(stored.session, '{}');
    assert.doesNotMatch(stored.cookie, /refresh/i);

    // reload: still signed in, and no login form was ever painted
    await watchForLoginForm(context);
    await page.reload();
    await page.locator('#call-api').waitFor({ state: 'visible' });
    const reloaded = await watched(page);
    assert.ok(reloaded.frames > 0, 'the watcher ran');
    assert.equal(reloaded.seen, false, `a login form was visible during the reload (${reloaded.frames} frames watched)`);

    await page.locator('auth-logout[location="sidebar"]').locator('[part~="button"]').click();
    await page.locator(`${SIDEBAR} input[name="username"]`).waitFor({ state: 'visible' });
    assert.equal(await page.locator('#call-api').isVisible(), false);
    const afterLogout = await browserStorage(page);
    assert.equal(afterLogout.local, '{}');
    assert.doesNotMatch(afterLogout.cookie, /refresh/i);

    // after a logout a reload stays signed out: the server revoked the session
    await page.reload();
    await page.locator(`${SIDEBAR} input[name="username"]`).waitFor({ state: 'visible' });
    // and the watcher does see a form when there is one (it is not blind)
    await page.waitForFunction(() => (window as unknown as { __formSeen: boolean }).__formSeen === true);
    await context.close();
  });

  test('a wrong password shows a clear error in an alert', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    await page.goto(demo.origin + '/');
    await login(page, SIDEBAR, { username: 'alice', password: 'not-the-password' });
    const alert = page.locator(`${SIDEBAR} [role="alert"]`);
    await alert.getByText('Invalid username or password.').waitFor();
    assert.equal(await page.locator(`${SIDEBAR} input[name="password"]`).inputValue(), '');
    assert.equal(await page.locator(`${SIDEBAR} input[name="username"]`).inputValue(), 'alice');
    await context.close();
  });

  test('logging out in one tab shows the other tab logged out within a second', async () => {
    const context = await demo.browser.newContext();
    const first = await context.newPage();
    await first.goto(demo.origin + '/');
    await login(first, SIDEBAR);
    await first.locator('#call-api').waitFor({ state: 'visible' });
    const second = await context.newPage();
    await second.goto(demo.origin + '/');
    await second.locator('#call-api').waitFor({ state: 'visible' });

    await first.locator('auth-logout[location="sidebar"]').locator('[part~="button"]').click();
    const started = Date.now();
    await second.locator('#call-api').waitFor({ state: 'hidden', timeout: 1000 });
    assert.ok(Date.now() - started < 1000);
    await context.close();
  });

  test('the widgets fit the 250 px sidebar', async () => {
    const context = await demo.browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    await page.goto(demo.origin + '/');
    await page.locator(`${SIDEBAR} input[name="username"]`).waitFor();
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('.sidebar > *')].map((el) => ({
        tag: el.tagName,
        width: el.getBoundingClientRect().width,
        overflows: el.scrollWidth > el.clientWidth + 1,
      })),
    );
    for (const item of overflow) {
      assert.equal(item.overflows, false, `${item.tag} overflows the sidebar`);
      assert.ok(item.width <= 250, `${item.tag} is ${item.width}px wide`);
    }
    await page.screenshot({ path: process.env.E2E_SCREENSHOT_DIR ? `${process.env.E2E_SCREENSHOT_DIR}/demo.png` : '/dev/null' }).catch(() => {});
    await context.close();
  });
});

describe('the script-tag page (plain HTML, one module script)', () => {
  test('loads the kit from one script tag only', async () => {
    const html = await (await fetch(demo.origin + '/script-tag.html')).text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(scripts, ['<script type="module" src="/dist/auth-elements.js">']);
  });

  test('log in, reload, wrong password, log out', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(demo.origin + '/script-tag.html');

    await login(page, 'auth-login', { username: 'alice', password: 'wrong-password-here' });
    await page.locator('auth-login [role="alert"]').getByText('Invalid username or password.').waitFor();

    await login(page, 'auth-login');
    await page.locator('#secret').waitFor({ state: 'visible' });
    await page.locator('auth-status').getByText('Alice Example').waitFor();

    await page.reload();
    await page.locator('#secret').waitFor({ state: 'visible' });

    await page.locator('auth-logout [part~="button"]').click();
    await page.locator('auth-login input[name="username"]').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#secret').isVisible(), false);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('on-demand elements load on first use: only the tags on this page, each on the account page, and when added later', async () => {
    const context = await demo.browser.newContext();
    const page = await context.newPage();
    const chunks: string[] = [];
    page.on('request', (r) => {
      const m = /\/dist\/chunks\/(auth-[a-z-]+)-/.exec(r.url());
      if (m?.[1]) chunks.push(m[1]);
    });
    await page.goto(demo.origin + '/script-tag.html');
    await page.locator('auth-login input[name="username"]').waitFor({ state: 'visible' });
    await page.waitForFunction(() => customElements.get('auth-guard') && customElements.get('auth-logout') && customElements.get('auth-status'));
    // The page has <auth-guard>, <auth-logout> and <auth-status>: their chunks, and no account form's.
    assert.deepEqual([...chunks].sort(), ['auth-guard', 'auth-logout', 'auth-status']);
    // A form added by the page's own code later is found and defined.
    await page.evaluate(() => document.body.append(document.createElement('auth-forgot')));
    await page.waitForFunction(() => customElements.get('auth-forgot') !== undefined);
    assert.deepEqual([...chunks].sort(), ['auth-forgot', 'auth-guard', 'auth-logout', 'auth-status']);
    await page.goto(demo.origin + '/account.html');
    await page.locator('auth-register input[name="username"]').waitFor({ state: 'visible' });
    for (const tag of ['auth-register', 'auth-reset-password', 'auth-forgot', 'auth-update-details']) {
      assert.ok(await page.evaluate((t) => customElements.get(t) !== undefined, tag), `${tag} is defined on the account page`);
    }
    await context.close();
  });
});

describe('the themes page (the built bundle, its CSS compacted by the build)', () => {
  /** Computed styles of the main column's login form: card, a field, a label, the button. */
  function looks(page: Page) {
    // No named functions inside: tsx would wrap them in `__name(…)`, which the page does not have.
    return page.evaluate(() => {
      const login = document.querySelector('main auth-login')!;
      const card = getComputedStyle(login.shadowRoot!.querySelector('[part~="base"]')!);
      const input = getComputedStyle(login.querySelector('input[name="password"]')!);
      const button = getComputedStyle(login.querySelector('[part~="submit-button"]')!);
      return {
        cardBorder: card.borderTopColor,
        cardShadow: card.boxShadow,
        inputRadius: input.borderTopLeftRadius,
        inputBackground: input.backgroundColor,
        inputBorder: input.borderBottomColor,
        label: getComputedStyle(login.querySelector('[part~="label"]')!).fontSize,
        buttonRadius: button.borderTopLeftRadius,
        font: input.fontFamily,
      };
    });
  }

  test('the default look and both demo themes style the light-DOM form; an error border survives page CSS', async () => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.origin + '/themes.html');
    await page.locator('main auth-login input[name="username"]').waitFor({ state: 'visible' });
    const plain = await looks(page);
    assert.equal(plain.cardBorder, 'rgba(0, 0, 0, 0.1)', 'a quiet card edge');
    assert.notEqual(plain.cardShadow, 'none');
    assert.equal(plain.inputRadius, '6px', 'fields at half the card radius');
    assert.equal(plain.label, '14px');
    await page.goto(demo.origin + '/themes.html?theme=material');
    await page.locator('main auth-login input[name="username"]').waitFor({ state: 'visible' });
    const material = await looks(page);
    assert.deepEqual(
      { inputRadius: material.inputRadius, inputBackground: material.inputBackground, buttonRadius: material.buttonRadius, cardShadow: material.cardShadow === 'none' },
      { inputRadius: '4px', inputBackground: 'rgb(230, 224, 233)', buttonRadius: '20px', cardShadow: false },
    );
    assert.match(material.font, /Roboto/);
    await page.selectOption('#theme', 'streamlit');
    const streamlit = await looks(page);
    assert.deepEqual(
      { inputRadius: streamlit.inputRadius, inputBackground: streamlit.inputBackground, cardShadow: streamlit.cardShadow },
      { inputRadius: '8px', inputBackground: 'rgb(240, 242, 246)', cardShadow: 'none' },
    );
    assert.equal(new URL(page.url()).searchParams.get('theme'), 'streamlit', 'the switch keeps the theme in the address');
    // Ordinary page CSS on inputs, then a wrong password: the invalid field keeps the danger border.
    await page.selectOption('#theme', '');
    await page.addStyleTag({ content: 'input { border: 1px solid #ccc }' });
    await page.locator('main auth-login input[name="username"]').fill('alice');
    await page.locator('main auth-login input[name="password"]').fill('not-the-password');
    await page.locator('main auth-login [part~="submit-button"]').click();
    await page.locator('main auth-login [part~="field-error"]').waitFor();
    assert.equal((await looks(page)).inputBorder, 'rgb(179, 38, 30)');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
