// End to end: the Streamlit package in a real Streamlit server (python/examples/tour.py, the built
// wheel installed in .venv-st/) driven through Debian's Chromium. Python is the only judge of who is
// signed in; every script run prints one line (demo_setup.log_run) with the authentication_status
// Python decided, which these tests read to count runs and to see Python's view.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { BrowserContext, BrowserContextOptions, Frame, Page } from 'playwright-core';
import {
  ALICE,
  ADMIN,
  animationFrames,
  carrierFrame,
  COOKIE,
  componentFrames,
  login,
  loginFormWatch,
  startStreamlit,
  streamlitErrors,
  watchForLoginForm,
  widgetFrame,
  type Run,
  type StreamlitApp,
} from './streamlit-harness.js';

const root = new URL('../../', import.meta.url).pathname;
const SHOTS = join(root, 'test-results/streamlit-e2e');
const PROTECTED = 'this is the protected content';
const LIMIT = { timeout: 90_000 };

let app: StreamlitApp;
const contexts: BrowserContext[] = [];
/** The figures of the report (runs, frames), printed at the end. */
const figures: Record<string, unknown> = {};

before(async () => {
  app = await startStreamlit('tour.py');
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => {})));
});

after(async () => {
  if (!app) return;
  try {
    figures.external_requests = app.external().length;
    console.log(`streamlit e2e figures: ${JSON.stringify(figures)}`);
    assert.deepEqual(app.external(), [], 'nothing leaves the machine');
    assert.doesNotMatch(app.output(), /Traceback|DuplicateWidgetID/);
  } finally {
    await app.close();
  }
});

async function open(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await app.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', ...options });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}

/** The runs of one tab (the examples' tab id is per browser session) since `mark`, once `count` are in. */
async function runsOf(mark: number, count: number, tab?: string): Promise<Run[]> {
  const runs = (await app.waitForRuns(mark, count)).filter((r) => tab === undefined || r.tab === tab);
  return runs;
}

const settledRuns = (mark: number, count: number, quietMs?: number): Promise<Run[]> => app.settledRuns(mark, count, quietMs);

const signedIn = (page: Page) => page.getByText(PROTECTED).waitFor({ timeout: 20_000 });

async function loginFormShown(page: Page, where: 'main' | 'sidebar' = 'main'): Promise<Frame> {
  const frame = await widgetFrame(page, 'auth-login', where, 20_000);
  await frame.locator('input[name="username"]').waitFor({ state: 'visible' });
  return frame;
}

/** A v1 message as the component iframe posts it, posted from inside that iframe's own window. */
async function postFromFrame(frame: Frame, value: unknown): Promise<void> {
  await frame.evaluate((v) => {
    parent.postMessage({ isStreamlitMessage: true, type: 'streamlit:setComponentValue', value: v, dataType: 'json' }, location.origin);
  }, value);
}

const id = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');

function jwt(header: object, claims: object, key: string | null): string {
  const body = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${key === null ? '' : createHmac('sha256', key).update(body).digest('base64url')}`;
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies()).find((c) => c.name === COOKIE);
}

describe('the tour in a real Streamlit server', () => {
  test('log in: protected content in the one rerun it takes; reload: signed in on the first run, no login form in any animation frame', LIMIT, async () => {
    const { context, page, errors } = await open();
    await watchForLoginForm(context);
    let mark = app.mark();
    await page.goto(app.origin + '/');
    await loginFormShown(page);
    const first = await settledRuns(mark, 1);
    assert.deepEqual(first.map((r) => r.status), ['None'], 'a first visit: one run, nobody signed in');
    assert.match(app.output(), /demo accounts created in .*auth\.db:\n +alice +alice-demo-password +member\n +admin +admin-demo-password +admin\n/, 'the demo accounts are printed');
    const tab = first[0]!.tab;

    mark = app.mark();
    await login(page, ALICE);
    await signedIn(page);
    const loginRuns = await settledRuns(mark, 1);
    assert.deepEqual(loginRuns.map((r) => [r.tab, r.status]), [[tab, 'True']], 'a login is one rerun, already signed in');
    figures.runs_per_login = loginRuns.length;
    // The login form is gone from both places; the status widgets say who.
    assert.equal(componentFrames(page).length, 5, 'carrier, two status widgets, two logout buttons');
    const status = await widgetFrame(page, 'auth-status', 'main');
    await status.getByText('Alice Example', { exact: true }).waitFor();

    const cookie = await sessionCookie(context);
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.secure, false, 'http: no Secure');
    assert.ok(cookie.expires > Date.now() / 1000 + 6 * 86400, 'cookie_expiry_days=7');

    mark = app.mark();
    await page.reload();
    await signedIn(page);
    const reloadRuns = await settledRuns(mark, 1);
    assert.equal(reloadRuns.length, 1, 'a reload is one run');
    assert.equal(reloadRuns[0]!.status, 'True', 'signed in on the first run');
    assert.notEqual(reloadRuns[0]!.tab, tab, 'a new browser session');
    figures.runs_per_reload = reloadRuns.length;
    // A few more frames after the content, then what the watcher saw since the first one.
    await animationFrames(page, 30);
    const watch = await loginFormWatch(page);
    assert.equal(watch.loginElement, false, 'no <auth-login> was ever created after the reload');
    assert.equal(watch.formSeen, false, 'no login form was ever painted');
    assert.ok(watch.frames > 30, `animation frames checked: ${watch.frames}`);
    figures.frames_checked_on_reload = watch.frames;
    assert.deepEqual(await streamlitErrors(page), []);

    // Arriving by a link from another site (the cookie is SameSite=Strict, so the page's own request
    // goes without it): Python reads it from the page's websocket, same-site: signed in on the first run.
    const other = createServer((_req, res) => res.end(`<a id="go" href="${app.origin}/">the app</a>`));
    await new Promise<void>((resolve) => other.listen(0, 'localhost', resolve));
    try {
      await page.goto(`http://localhost:${(other.address() as AddressInfo).port}/`);
      mark = app.mark();
      await page.click('#go');
      await signedIn(page);
      assert.deepEqual((await settledRuns(mark, 1)).map((r) => r.status), ['True']);
    } finally {
      other.close();
    }
    assert.deepEqual(errors, []);
  });

  test('a wrong password: the error in the widget, the password field emptied, authentication_status False (French: in the theme test)', LIMIT, async () => {
    const { page, errors } = await open();
    await page.goto(app.origin + '/');
    const frame = await loginFormShown(page);
    const mark = app.mark();
    await login(page, { username: 'alice', password: 'not-the-password' });
    await frame.locator('[role="alert"]').getByText('Invalid username or password.').waitFor();
    assert.equal(await frame.locator('input[name="password"]').inputValue(), '', 'the password field is emptied');
    assert.equal(await frame.locator('input[name="username"]').inputValue(), 'alice');
    const runs = await settledRuns(mark, 1);
    // The reply, then the ack that takes the password out of widget state. Under load the ack's rerun
    // can interrupt the reply's run before it logs (Streamlit stops a run when a rerun is asked), so
    // one logged run is as right as two; every one of them is signed out.
    assert.ok(runs.length >= 1 && runs.length <= 2, `the attempt and its ack: ${runs.length} runs`);
    assert.ok(runs.every((r) => r.status === 'False'), `authentication_status False in every run: ${runs.map((r) => r.status)}`);
    figures.runs_per_failed_login = runs.length;
    assert.equal(await page.getByText(PROTECTED).count(), 0);
    assert.deepEqual(errors, []);
  });

  test('logout is one click: signed out everywhere on the page; the old cookie replayed in a fresh browser is refused', LIMIT, async () => {
    const { context, page } = await open();
    await page.goto(app.origin + '/');
    await login(page, ALICE, 'sidebar');
    await signedIn(page);
    const old = await sessionCookie(context);
    assert.ok(old);

    let mark = app.mark();
    const logout = await widgetFrame(page, 'auth-logout', 'sidebar');
    await logout.locator('[part~="button"]').click();
    await loginFormShown(page, 'sidebar');
    await loginFormShown(page, 'main');
    const runs = await settledRuns(mark, 1);
    assert.deepEqual(runs.map((r) => r.status), ['None'], 'one run, signed out');
    figures.runs_per_logout = runs.length;
    assert.equal(await page.getByText(PROTECTED).count(), 0);
    assert.equal(await sessionCookie(context), undefined, 'the cookie is cleared');

    const fresh = await open();
    await fresh.context.addCookies([{ ...old, sameSite: 'Strict' }]);
    mark = app.mark();
    await fresh.page.goto(app.origin + '/');
    await loginFormShown(fresh.page);
    const replay = await settledRuns(mark, 1);
    assert.deepEqual(replay.map((r) => r.status), ['None'], 'the revoked session signs nobody in');
  });

  test('another tab signs out through the tab news; a browser without the news at its next rerun', LIMIT, async () => {
    const a = await open();
    await a.page.goto(app.origin + '/');
    await login(a.page, ALICE);
    await signedIn(a.page);
    // A second tab of the same browser: signed in from the cookie.
    const second = await a.context.newPage();
    let mark = app.mark();
    await second.goto(app.origin + '/');
    await signedIn(second);
    const secondTab = (await runsOf(mark, 1))[0]!.tab;
    // Another browser with the same cookie (the same session), out of reach of the tab news.
    const b = await open();
    await b.context.addCookies([(await sessionCookie(a.context))!]);
    await b.page.goto(app.origin + '/');
    await signedIn(b.page);

    mark = app.mark();
    const logoutMark = mark;
    await (await widgetFrame(a.page, 'auth-logout', 'main')).locator('[part~="button"]').click();
    await loginFormShown(a.page);
    // The second tab is told and reruns by itself (one `sync`), without anyone touching it.
    await loginFormShown(second);
    assert.equal(await second.getByText(PROTECTED).count(), 0);
    const runs = await settledRuns(mark, 2);
    const secondRuns = runs.filter((r) => r.tab === secondTab);
    assert.deepEqual(secondRuns.map((r) => r.status), ['None'], 'one rerun of the second tab, signed out');
    figures.runs_per_tab_news = secondRuns.length;
    assert.doesNotMatch(app.output().slice(logoutMark), /malformed/, 'every message was one Python takes from that widget');

    // The other browser got no news: its next rerun (any widget) checks the session and signs it out.
    mark = app.mark();
    await b.page.getByTestId('stSidebar').getByTestId('stSelectbox').click();
    await b.page.getByRole('option', { name: 'en', exact: true }).click();
    await loginFormShown(b.page);
    const bRuns = await settledRuns(mark, 1);
    assert.deepEqual(bRuns.map((r) => r.status), ['None']);
    assert.equal(await b.page.getByText(PROTECTED).count(), 0);
  });

  test('the widgets fit the sidebar: compact layout, no overflow, no scrollbar, and the frames take exactly their height', LIMIT, async () => {
    const { page } = await open();
    await page.goto(app.origin + '/');
    const side = await loginFormShown(page, 'sidebar');
    const layout = await side.evaluate(() => {
      const login = document.querySelector('auth-login')!;
      return {
        location: login.getAttribute('location'),
        overflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        overflowY: document.documentElement.scrollHeight - innerHeight,
        widest: Math.max(...[...login.querySelectorAll('*')].map((el) => el.getBoundingClientRect().right)) - innerWidth,
      };
    });
    assert.equal(layout.location, 'sidebar');
    assert.ok(layout.overflowX <= 0, `no horizontal overflow (${layout.overflowX})`);
    assert.ok(layout.overflowY <= 0, `no vertical overflow (${layout.overflowY})`);
    assert.ok(layout.widest <= 0, `nothing wider than the frame (${layout.widest})`);
    // Every component takes exactly its frame's height in Streamlit's column, and the invisible
    // session carrier takes none: the gaps between the elements are all Streamlit's own. (Measured
    // once every component's page has started: until then Streamlit's own layout shows.)
    await loginFormShown(page, 'main');
    await page
      .waitForFunction(() => [...document.querySelectorAll('iframe')].every((f) => f.style.display === 'block'), null, { timeout: 10_000 })
      .catch(() => {});
    for (const area of ['stSidebarUserContent', 'stMainBlockContainer']) {
      const boxes = await page.evaluate((testid) =>
        [...document.querySelectorAll(`[data-testid="${testid}"] .element-container`)].map((el) => {
          const r = el.getBoundingClientRect();
          const iframe = el.querySelector('iframe');
          return { top: r.top, bottom: r.bottom, height: r.height, frame: iframe ? iframe.getBoundingClientRect().height : null, shown: getComputedStyle(el).display !== 'none' };
        }),
      area);
      const shown = boxes.filter((b) => b.shown && b.height > 0);
      for (const box of boxes.filter((b) => b.frame !== null && b.shown)) assert.equal(box.height, box.frame, `${area}: an element as tall as its frame: ${JSON.stringify(box)}`);
      const gaps = shown.slice(1).map((b, i) => Math.round(b.top - shown[i]!.bottom));
      assert.equal(new Set(gaps).size, 1, `${area}: one gap between the elements: ${gaps}`);
    }
    // The status box: its text in the middle (no room kept for actions it does not have).
    const status = await widgetFrame(page, 'auth-status', 'sidebar');
    const spacing = await status.evaluate(() => {
      const root = document.querySelector('auth-status')!.shadowRoot!;
      const base = root.querySelector('[part="base"]')!.getBoundingClientRect();
      const text = root.querySelector('[part="text"]')!.getBoundingClientRect();
      return { above: text.top - base.top, below: base.bottom - text.bottom };
    });
    assert.ok(Math.abs(spacing.above - spacing.below) < 1, `the status text is centred: ${JSON.stringify(spacing)}`);
  });

  test('forged component values, posted from inside the component iframe, sign nobody in', LIMIT, async () => {
    const { page } = await open();
    await page.goto(app.origin + '/');
    const frame = await loginFormShown(page);
    const carrier = await carrierFrame(page);
    const forgeries: [string, Frame, unknown][] = [
      ['a claimed login', frame, { authentication_status: true, name: ALICE.name, username: 'alice', roles: ['admin'] }],
      ['a login request with a session attached', frame, { v: 1, id: id(), op: 'login', input: { username: 'alice', password: '' }, session: { user: { id: 'u', username: 'alice' } } }],
      ['a session as the value', frame, { session: { user: { id: 'u', username: 'admin', roles: ['admin'] }, expires_at: null } }],
      ['a redeem with a made-up code', frame, { v: 1, id: id(), op: 'redeem', input: { code: 'made-up-code-0123456789abcdef' } }],
      ['a reply', frame, { id: id(), ok: true, result: {} }],
      ['a reply in a request', frame, { v: 1, id: id(), op: 'login', input: {}, reply: { ok: true } }],
      ['a login through the session carrier', carrier, { v: 1, id: id(), op: 'login', input: { username: 'admin', password: ADMIN.password } }],
      ['protocol version 2', frame, { v: 2, id: id(), op: 'login', input: { username: 'admin', password: ADMIN.password } }],
    ];
    const start = app.mark();
    for (const [what, target, value] of forgeries) {
      const mark = app.mark();
      await postFromFrame(target, value);
      const runs = await app.waitForRuns(mark, 1);
      assert.deepEqual(runs.map((r) => r.status), ['None'], `${what}: Streamlit reran and Python stayed signed out`);
      assert.equal(await page.getByText(PROTECTED).count(), 0, what);
    }
    const all = await settledRuns(start, forgeries.length);
    assert.deepEqual(all.map((r) => r.status), forgeries.map(() => 'None'), 'one run per forged value, each signed out');
    const log = app.output();
    assert.match(log, /ignored a malformed component value from the login widget/);
    assert.match(log, /ignored a malformed component value from the session widget: op 'login' is not one the 'session' widget sends/);

    // Forged cookies: unsigned, and signed with another key.
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'x', sid: 'forged-session-id-0123456789', iat: now, exp: now + 3600 };
    for (const token of [jwt({ alg: 'none', typ: 'ae-st-session+jwt' }, claims, null), jwt({ alg: 'HS256', typ: 'ae-st-session+jwt' }, claims, 'not-the-cookie-key-0123456789abcdef')]) {
      const forged = await open();
      await forged.context.addCookies([{ name: COOKIE, value: token, url: app.origin, sameSite: 'Strict' }]);
      const mark = app.mark();
      await forged.page.goto(app.origin + '/');
      await loginFormShown(forged.page);
      assert.deepEqual((await settledRuns(mark, 1, 500)).map((r) => r.status), ['None']);
    }

    // The widget still works after all that.
    await login(page, ALICE);
    await signedIn(page);
  });

  test('the theme follows Streamlit (light and dark, main and sidebar, English and French); screenshots', LIMIT, async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      for (const locale of ['en-US', 'fr-FR']) {
        const { page } = await open({ colorScheme: scheme, locale });
        await page.goto(app.origin + '/');
        const main = await loginFormShown(page, 'main');
        const side = await loginFormShown(page, 'sidebar');
        // A wrong password, so the error box is in the pictures too, in the page's language.
        await login(page, { username: 'alice', password: 'not-the-password' }, 'main');
        await main.locator('[role="alert"]').getByText(locale === 'fr-FR' ? "Nom d'utilisateur ou mot de passe incorrect." : 'Invalid username or password.').waitFor();
        await page.mouse.move(0, 0);
        for (const [where, frame] of [['main', main], ['sidebar', side]] as const) {
          const container = where === 'main' ? '[data-testid="stMain"]' : '[data-testid="stSidebar"]';
          const host = await page.evaluate((sel) => {
            // The colour Streamlit paints behind the area (the first opaque background up the tree).
            let el: Element | null = document.querySelector(sel);
            let background = 'rgba(0, 0, 0, 0)';
            for (; el && background === 'rgba(0, 0, 0, 0)'; el = el.parentElement) background = getComputedStyle(el).backgroundColor;
            // Streamlit's own text colour: a paragraph of the page.
            const p = document.querySelector(`${sel} [data-testid="stMarkdownContainer"] p, ${sel} [data-testid="stWidgetLabel"] p`);
            return { background, text: p ? getComputedStyle(p).color : null };
          }, container);
          const inner = await frame.evaluate(() => {
            const card = document.querySelector('auth-login form')!;
            const label = document.querySelector('auth-login [part~="label"]')!;
            return {
              scheme: getComputedStyle(document.body).colorScheme,
              surface: getComputedStyle(document.documentElement).getPropertyValue('--auth-color-surface').trim(),
              text: getComputedStyle(label).color,
              card: getComputedStyle(card).backgroundColor,
              font: getComputedStyle(document.body).fontFamily,
            };
          });
          assert.equal(inner.scheme, scheme, `${scheme} ${where}: the colour scheme`);
          assert.equal(rgb(inner.surface), host.background, `${scheme} ${where}: the card's surface is Streamlit's background`);
          if (host.text) assert.equal(inner.text, host.text, `${scheme} ${where}: Streamlit's text colour`);
          assert.match(inner.font, /Source Sans/, `${scheme} ${where}: Streamlit's font`);
        }
        // The fields and the button as Streamlit draws its own widgets next to them (the sidebar's
        // st.selectbox): the same fill, a border of (nearly) the same colour, the same text size.
        const native = await page.evaluate(() => {
          const select = document.querySelector('[data-testid="stSidebar"] [data-testid="stSelectbox"]')!;
          const box = [...select.querySelectorAll('div')].find((el) => getComputedStyle(el).borderTopWidth === '1px')!;
          const style = getComputedStyle(box);
          return { fill: style.backgroundColor, border: style.borderTopColor, size: getComputedStyle(select.querySelector('input')!).fontSize };
        });
        const field = await side.evaluate(() => {
          const input = getComputedStyle(document.querySelector('auth-login input[name="username"]')!);
          const button = getComputedStyle(document.querySelector('auth-login [part~="submit-button"]')!);
          return { fill: input.backgroundColor, border: input.borderTopColor, size: input.fontSize, button: button.fontSize };
        });
        assert.equal(field.fill, native.fill, `${scheme}: the field's fill is st.selectbox's`);
        const channels = (c: string) => c.match(/\d+/g)!.slice(0, 3).map(Number);
        const off = Math.max(...channels(field.border).map((v, i) => Math.abs(v - channels(native.border)[i]!)));
        assert.ok(off <= 12, `${scheme}: the field's border ${field.border} is st.selectbox's ${native.border}`);
        assert.equal(field.size, native.size, `${scheme}: the field's text size is st.selectbox's`);
        assert.equal(field.button, native.size, `${scheme}: the button's text size is Streamlit's widget text size`);
        await page.screenshot({ path: join(SHOTS, `tour-${scheme}-${locale}.png`) });
        // Signed in (as the admin: the roles are shown): status widgets and logout buttons.
        await login(page, ADMIN, 'main');
        await signedIn(page);
        await (await widgetFrame(page, 'auth-status', 'sidebar')).getByText(ADMIN.name, { exact: true }).waitFor();
        // The logout buttons speak the page's language (no button_name given: the widget's own words).
        for (const where of ['main', 'sidebar'] as const) {
          const button = (await widgetFrame(page, 'auth-logout', where)).locator('[part~="button"]');
          await button.waitFor();
          assert.equal((await button.innerText()).trim(), locale === 'fr-FR' ? 'Se déconnecter' : 'Log out', `${scheme} ${locale} ${where}: the logout button`);
        }
        await page.screenshot({ path: join(SHOTS, `tour-${scheme}-${locale}-signed-in.png`) });
      }
    }
  });
});

/** A colour as getComputedStyle writes it. */
function rgb(color: string): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!hex) return color;
  return `rgb(${parseInt(hex[1]!, 16)}, ${parseInt(hex[2]!, 16)}, ${parseInt(hex[3]!, 16)})`;
}
