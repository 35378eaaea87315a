// End to end, in Chromium on the real demo: what the page looks like before the script runs, while
// the session is restored (layout shift), and in every theme, width and language (geometry and axe).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startDemo, type Demo } from './harness.js';
import { axe, geometryProblems, layoutShifts, openContext, settle, signIn, type Lang, type Scheme } from './visual.js';

const PAGES = ['/', '/script-tag.html', '/account.html'];

let demo: Demo;

before(async () => {
  demo = await startDemo();
});

after(async () => {
  await demo?.close();
});

/** What each <auth-guard>'s children look like: which ones are visible, and the guarded text shown. */
function guardChildren(page: Page): Promise<Array<{ slot: string; visible: boolean; text: string }>> {
  return page.evaluate(`[...document.querySelectorAll('auth-guard > *')].map((el) => ({
    slot: el.slot || 'default',
    visible: el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && el.getClientRects().length > 0,
    text: el.textContent.trim().slice(0, 40),
  }))`);
}

describe('before the script runs (the bundle held back)', () => {
  for (const path of PAGES) {
    test(`${path}: no guarded content and no fallback is visible, then the right one after definition`, async () => {
      const context = await openContext(demo.browser);
      const page = await context.newPage();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/dist/auth-elements.js', async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(demo.origin + path, { waitUntil: 'commit' });
      // The document is parsed and its stylesheets applied; the kit's script has not run.
      await page.waitForFunction(
        () => document.readyState !== 'loading' && [...document.querySelectorAll('link[rel=stylesheet]')].every((l) => (l as HTMLLinkElement).sheet),
      );
      await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`);
      assert.equal(await page.evaluate(`customElements.get('auth-guard') === undefined`), true, 'the script is held back');
      const early = await guardChildren(page);
      assert.ok(early.length > 0);
      const shown = early.filter((child) => child.visible);
      assert.deepEqual(shown, [], `visible inside <auth-guard> before definition: ${JSON.stringify(shown)}`);

      release();
      await settle(page);
      await page.waitForTimeout(300); // shift entries are queued after the frame that caused them
      // Painted before any element was defined (the worst case): still nothing moves when they are.
      const { cls, shifts } = await layoutShifts(page);
      console.log(`${path}: layout shift with the bundle held back: ${cls.toFixed(4)}`);
      const late = await guardChildren(page);
      // Signed out: the outer guards' fallbacks are shown, their guarded content is not.
      const outer = late.filter((child, i) => early[i] && child.slot !== 'loading');
      assert.ok(outer.some((child) => child.slot === 'fallback' && child.visible), `a fallback is shown: ${JSON.stringify(late)}`);
      assert.deepEqual(late.filter((child) => child.slot === 'default' && child.visible), [], 'no guarded content when signed out');
      assert.ok(cls < 0.01, `CLS ${cls.toFixed(4)}:\n${shifts.map((s) => `  ${s.value.toFixed(4)} ${s.sources.join(' | ')}`).join('\n')}`);
      await context.close();
    });
  }
});

describe('no layout shift while the page loads and the session is restored', () => {
  const figures: string[] = [];
  after(() => console.log(`layout shift (signed out, first load):\n${figures.join('\n')}`));
  for (const width of [1280, 390]) {
    for (const path of PAGES) {
      test(`${path} at ${width} px: cumulative layout shift < 0.01`, async () => {
        const context = await openContext(demo.browser, { width });
        const page = await context.newPage();
        await page.goto(demo.origin + path);
        await settle(page);
        await page.waitForTimeout(300); // shift entries are queued after the frame that caused them
        const { cls, shifts } = await layoutShifts(page);
        figures.push(`  ${path} ${width}px: CLS ${cls.toFixed(4)}`);
        assert.ok(cls < 0.01, `CLS ${cls.toFixed(4)} on ${path} at ${width} px:\n${shifts.map((s) => `  ${s.value.toFixed(4)} ${s.sources.join(' | ')}`).join('\n')}`);
        await context.close();
      });
    }
  }
});

describe('visual check: every element in light and dark, main and sidebar, English and French, 1280 and 390 px', () => {
  // Signed out: the login, register, reset, forgot forms and the status; signed in: the status with
  // roles, the logout buttons, the change-password and details forms. axe runs on each page in both
  // colour schemes (at 1280 px, in English and in French).
  const VIEWS: Array<{ path: string; signedIn: boolean }> = [
    { path: '/', signedIn: false },
    { path: '/account.html', signedIn: false },
    { path: '/script-tag.html', signedIn: false },
    { path: '/', signedIn: true },
    { path: '/account.html', signedIn: true },
  ];
  const shots = process.env.E2E_SCREENSHOT_DIR;
  for (const scheme of ['light', 'dark'] as Scheme[]) {
    for (const width of [1280, 390]) {
      for (const lang of ['en', 'fr'] as Lang[]) {
        test(`${scheme}, ${width} px, ${lang}: no overflow, no overlap, nothing outside its card; axe clean`, async () => {
          const context = await openContext(demo.browser, { scheme, width, lang });
          const page = await context.newPage();
          const problems: string[] = [];
          const violations: string[] = [];
          for (const view of VIEWS) {
            if (view.signedIn && !(await page.evaluate(`document.querySelector('auth-provider')?.state?.status === 'authenticated'`))) {
              await page.goto(demo.origin + '/');
              await settle(page);
              await signIn(page);
            }
            await page.goto(demo.origin + view.path);
            await settle(page);
            const where = `${view.path} ${view.signedIn ? 'signed in' : 'signed out'}`;
            // Every element of the view is there and in its final state.
            const counts = await page.evaluate(`[...document.querySelectorAll('auth-login, auth-status, auth-logout, auth-register, auth-reset-password, auth-forgot, auth-update-details')].filter((el) => el.checkVisibility() && el.getClientRects().length).length`);
            assert.ok((counts as number) > 0, `${where}: no element visible`);
            for (const problem of await geometryProblems(page)) problems.push(`${where}: ${problem}`);
            if (width === 1280) {
              for (const v of await axe(page)) violations.push(`${where}: ${v.id} (${v.impact}) ${v.nodes.join('; ')}`);
            }
            if (shots) await page.screenshot({ path: `${shots}/${view.path.replace(/\W+/g, '') || 'index'}-${view.signedIn ? 'in' : 'out'}-${scheme}-${width}-${lang}.png`, fullPage: true });
          }
          assert.deepEqual(problems, [], problems.join('\n'));
          assert.deepEqual(violations, [], violations.join('\n'));
          await context.close();
        });
      }
    }
  }
});

test('the visual check is not blind: it reports an overflow, a box outside its card and an overlap', async () => {
  const context = await openContext(demo.browser);
  const page = await context.newPage();
  await page.goto(demo.origin + '/');
  await settle(page);
  assert.deepEqual(await geometryProblems(page), []);
  await page.evaluate(`(() => {
    const login = document.querySelector('auth-login[location="sidebar"]');
    login.shadowRoot.querySelector('[part~="header"]').style.cssText = 'white-space: nowrap; overflow: visible';
    login.shadowRoot.querySelector('[part~="header"]').textContent = 'A title far too long to fit in a 250 px sidebar card';
    login.querySelector('[part~="submit-button"]').style.marginLeft = '300px';
    login.querySelector('label').style.cssText = 'position: relative; top: 30px';
    // The show-password toggle over the password's text, not over its padding.
    login.querySelector('input[name="password"]').style.paddingInlineEnd = '0.5em';
  })()`);
  const problems = (await geometryProblems(page)).join('\n');
  assert.match(problems, /header\] overflows its box/);
  assert.match(problems, /button\[part=submit-button\].* is outside the card/);
  assert.match(problems, /input\[part=input username-input\]\[name=username\] \S+ overlaps "Username"/);
  assert.match(problems, /input\[part=input password-input\]\[name=password\] \S+ overlaps button\[part=password-toggle\]/);
  await context.close();
});
