// The README's screenshots (`npm run screenshots`, after a build): starts the real demo (reference
// server on a temporary SQLite file) and Debian's Chromium, and writes one PNG per element, location
// and colour scheme to docs/screenshots/, cropped to the element with a margin of the page around it.
// Deterministic: a fixed viewport (1280 x 900, device scale 1), the DejaVu Sans font (Debian's
// fonts-dejavu-core), no animation or transition, no caret, and every element in its final state
// (defined, session known, fonts loaded) before a picture is taken. Run it again after a change of look.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startDemo } from '../test/e2e/harness.js';
import { openContext, settle, signIn, type Scheme } from '../test/e2e/visual.js';

const out = new URL('../docs/screenshots/', import.meta.url).pathname;
const MARGIN = 12;
const CSS = [
  // The script-tag page declares no colour scheme: let it follow the emulated one like the others.
  ':root { color-scheme: light dark; }',
  ':root, body { font-family: "DejaVu Sans", sans-serif !important; }',
  '*, *::before, *::after { animation: none !important; transition: none !important; caret-color: transparent !important; }',
].join('\n');

/** Each picture: its file name, the demo page and state it is taken from, and the element. */
export const SHOTS: Array<{ name: string; path: string; signedIn: boolean; selector: string }> = [
  { name: 'login-main', path: '/', signedIn: false, selector: 'main auth-login' },
  { name: 'login-sidebar', path: '/', signedIn: false, selector: 'auth-login[location="sidebar"]' },
  { name: 'status-sidebar-signed-out', path: '/', signedIn: false, selector: 'auth-status[location="sidebar"]' },
  { name: 'register', path: '/account.html', signedIn: false, selector: 'auth-register' },
  { name: 'reset-password', path: '/account.html', signedIn: false, selector: 'auth-reset-password' },
  { name: 'forgot-password', path: '/account.html', signedIn: false, selector: 'auth-forgot[mode="password"]' },
  { name: 'forgot-username', path: '/account.html', signedIn: false, selector: 'auth-forgot[mode="username"]' },
  { name: 'status-main', path: '/', signedIn: true, selector: 'main auth-status' },
  { name: 'status-sidebar', path: '/', signedIn: true, selector: 'auth-status[location="sidebar"]' },
  { name: 'org-select-main', path: '/', signedIn: true, selector: 'main auth-org-select' },
  { name: 'org-select-sidebar', path: '/', signedIn: true, selector: 'auth-org-select[location="sidebar"]' },
  { name: 'logout-sidebar', path: '/', signedIn: true, selector: 'auth-logout[location="sidebar"]' },
  { name: 'logout-main', path: '/script-tag.html', signedIn: true, selector: 'auth-logout' },
  { name: 'change-password', path: '/account.html', signedIn: true, selector: 'auth-reset-password' },
  { name: 'update-details', path: '/account.html', signedIn: true, selector: 'auth-update-details' },
];

async function shoot(page: Page, selector: string, file: string): Promise<void> {
  // The element's card (its `base` part) when it has one: a form's host is as wide as its column.
  const element = page.locator(`${selector} [part~="base"], ${selector}:not(:has([part~="base"]))`).first();
  await element.scrollIntoViewIfNeeded();
  const box = await element.boundingBox();
  if (!box || box.width < 1 || box.height < 1) throw new Error(`${selector} is not visible on ${page.url()}`);
  const viewport = page.viewportSize()!;
  const x = Math.max(0, Math.floor(box.x - MARGIN));
  const y = Math.max(0, Math.floor(box.y - MARGIN));
  const clip = {
    x,
    y,
    width: Math.min(viewport.width, Math.ceil(box.x + box.width + MARGIN)) - x,
    height: Math.min(viewport.height, Math.ceil(box.y + box.height + MARGIN)) - y,
  };
  await page.mouse.move(0, 0); // no hover state
  await page.screenshot({ path: file, clip, animations: 'disabled', caret: 'hide' });
}

const demo = await startDemo();
try {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const scheme of ['light', 'dark'] as Scheme[]) {
    const context = await openContext(demo.browser, { scheme, width: 1280, css: CSS });
    const page = await context.newPage();
    for (const signedIn of [false, true]) {
      if (signedIn) {
        await page.goto(demo.origin + '/');
        await settle(page);
        await signIn(page);
      }
      for (const path of new Set(SHOTS.filter((s) => s.signedIn === signedIn).map((s) => s.path))) {
        await page.goto(demo.origin + path);
        await settle(page);
        for (const shot of SHOTS.filter((s) => s.signedIn === signedIn && s.path === path)) {
          const file = `${out}${shot.name}-${scheme}.png`;
          await shoot(page, shot.selector, file);
          console.log(`${file.slice(out.length)}  ${(statSync(file).size / 1024).toFixed(1)} KB`);
        }
      }
    }
    await context.close();
  }
} finally {
  await demo.close();
}
