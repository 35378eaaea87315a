// Shared by the visual e2e tests (test/e2e/visual.test.ts) and the README screenshots
// (scripts/screenshots.ts): how to open a demo page in a fixed, stable state, and how to measure it.
// The in-page code is plain JavaScript in strings (tsx wraps named functions in `__name(…)`, which does
// not exist in the page).
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const root = new URL('../../', import.meta.url).pathname;

export type Scheme = 'light' | 'dark';
export type Lang = 'en' | 'fr';

export interface ViewOptions {
  scheme?: Scheme;
  lang?: Lang;
  width?: number;
  /** Extra CSS for the screenshots (fixed font, no animation). */
  css?: string;
}

/** Records every layout shift from the first paint on (no user input on these pages). */
const LAYOUT_SHIFTS = `
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      window.__shifts.push({
        value: entry.value,
        sources: entry.sources.map((s) => {
          const n = s.node;
          const name = n && n.nodeType === 1 ? n.localName + (n.getAttribute('location') ? '[' + n.getAttribute('location') + ']' : '') + (n.id ? '#' + n.id : '') : n ? n.nodeName : '?';
          return name + ' y ' + Math.round(s.previousRect.y) + '->' + Math.round(s.currentRect.y) + ' h ' + Math.round(s.previousRect.height) + '->' + Math.round(s.currentRect.height);
        }),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
`;

/** A browser context at a fixed viewport and colour scheme, recording layout shifts, in `lang`. */
export async function openContext(browser: Browser, options: ViewOptions = {}): Promise<BrowserContext> {
  const width = options.width ?? 1280;
  const context = await browser.newContext({
    viewport: { width, height: width > 600 ? 900 : 844 },
    deviceScaleFactor: 1,
    colorScheme: options.scheme ?? 'light',
    reducedMotion: 'reduce',
  });
  await context.addInitScript(LAYOUT_SHIFTS);
  const lang = options.lang ?? 'en';
  const css = options.css ?? '';
  if (lang !== 'en' || css) {
    // The demo pages are written in English: serve them with another `lang` (and extra CSS).
    await context.route(/\/(|[a-z-]+\.html)(\?.*)?$/, async (route) => {
      const response = await route.fetch();
      let body = await response.text();
      body = body.replace('<html lang="en">', `<html lang="${lang}">`);
      if (css) body = body.replace('</head>', `<style>${css}</style></head>`);
      await route.fulfill({ response, body });
    });
  }
  return context;
}

/**
 * Waits until the page is in its final state: every auth element defined (on-demand ones too), none
 * still restoring the session, fonts loaded, and two frames painted after that.
 */
export async function settle(page: Page): Promise<void> {
  // A function, not a string: the demo's CSP forbids eval, which a string predicate needs.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('*')]
      .filter((el) => el.localName.startsWith('auth-'))
      .every((el) => customElements.get(el.localName) && (!('state' in el) || (el as unknown as { state: { status: string } }).state.status !== 'unknown')),
  );
  await page.evaluate(`document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))`);
}

/** The layout shifts recorded so far, and their sum (the page's cumulative layout shift). */
export async function layoutShifts(page: Page): Promise<{ cls: number; shifts: Array<{ value: number; sources: string[] }> }> {
  const shifts = (await page.evaluate('window.__shifts')) as Array<{ value: number; sources: string[] }>;
  return { cls: shifts.reduce((sum, s) => sum + s.value, 0), shifts };
}

/** Logs in through the sidebar (index and account pages) or the only login form (script-tag page). */
export async function signIn(page: Page, username = 'alice', password = 'alice-demo-password'): Promise<void> {
  const form = page.locator('auth-login').first();
  await form.locator('input[name="username"]').fill(username);
  await form.locator('input[name="password"]').fill(password);
  await form.locator('[part~="submit-button"]').click();
  await page.waitForFunction(
    () => (document.querySelector('auth-provider') as unknown as { state: { status: string } }).state.status === 'authenticated',
  );
}

/** Runs axe-core on the whole page; resolves to its violations (id, impact, targets). */
export async function axe(page: Page): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  if ((await page.evaluate('typeof window.axe')) === 'undefined') {
    // Evaluated, not a <script>: the demo's CSP refuses inline scripts (DevTools evaluation is not subject to it).
    await page.evaluate(readFileSync(`${root}node_modules/axe-core/axe.min.js`, 'utf8'));
  }
  return page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + (n.failureSummary || '').split('\\n').slice(1).join(' ')),
  })))`);
}

/** The elements the geometry check and the screenshots look at. */
export const ELEMENTS = ['auth-login', 'auth-register', 'auth-reset-password', 'auth-forgot', 'auth-update-details', 'auth-status', 'auth-logout'];

/**
 * In the page: every problem of geometry in the visible auth elements. An element (or any box in its
 * flat tree, shadow and slotted light DOM alike) wider than its content box lets (scrollWidth >
 * clientWidth), a box or text outside the element's card, two texts or controls that overlap, an
 * element wider than its container, and a page that scrolls sideways.
 */
const GEOMETRY = `((tags) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) problems.push('the page scrolls sideways: ' + root.scrollWidth + ' > ' + root.clientWidth + ' px');
  const shown = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && el.getClientRects().length > 0;
  const children = (node) => node.shadowRoot ? [...node.shadowRoot.childNodes]
    : node.localName === 'slot' ? node.assignedNodes({ flatten: true })
    : [...node.childNodes];
  const flat = (node, out) => { for (const kid of children(node)) { out.push(kid); if (kid.nodeType === 1) flat(kid, out); } return out; };
  const name = (el) => el.localName + (el.getAttribute('part') ? '[part=' + el.getAttribute('part') + ']' : '') + (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '');
  const round = (r) => '[' + [r.left, r.top, r.right, r.bottom].map((v) => Math.round(v)).join(',') + ']';
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const boxed = (el) => { let p = el.parentElement || el.getRootNode().host; while (p && getComputedStyle(p).display === 'contents') p = p.parentElement || p.getRootNode().host; return p; };
  for (const host of document.querySelectorAll(tags.join(','))) {
    if (!shown(host)) continue;
    const label = host.localName + (host.getAttribute('location') === 'sidebar' ? '[sidebar]' : '') + (host.getAttribute('mode') ? '[' + host.getAttribute('mode') + ']' : '');
    const card = (host.shadowRoot.querySelector('[part~="base"]') || host).getBoundingClientRect();
    const container = boxed(host);
    if (container) {
      const c = container.getBoundingClientRect();
      if (host.getBoundingClientRect().right > c.right + 1) problems.push(label + ' is wider than its container ' + container.localName + ': ' + round(host.getBoundingClientRect()) + ' in ' + round(c));
    }
    const nodes = flat(host, []);
    const leaves = [];
    const tiny = (el) => { for (let e = el; e && e !== host; e = e.parentElement || e.getRootNode().host) { const r = e.getBoundingClientRect(); if (r.width <= 1 || r.height <= 1) return true; } return false; };
    for (const el of [host, ...nodes.filter((n) => n.nodeType === 1)]) {
      if (!shown(el) || tiny(el)) continue;
      const style = getComputedStyle(el);
      if (style.display === 'inline' || style.display === 'contents') continue;
      if (!['input', 'textarea', 'select'].includes(el.localName) && el.scrollWidth > el.clientWidth + 1 && !['auto', 'scroll'].includes(style.overflowX))
        problems.push(label + ': ' + name(el) + ' overflows its box (scrollWidth ' + el.scrollWidth + ' > clientWidth ' + el.clientWidth + ')');
      const r = el.getBoundingClientRect();
      if (el !== host && !inside(r, card)) problems.push(label + ': ' + name(el) + ' ' + round(r) + ' is outside the card ' + round(card));
      // A field counts by its content box (where its text goes): a control laid over its padding, like
      // the show-password toggle, is fine; one over its text is not.
      const content = (e, b) => { const s = getComputedStyle(e); const n = (v) => parseFloat(v) || 0;
        return { left: b.left + n(s.borderLeftWidth) + n(s.paddingLeft), right: b.right - n(s.borderRightWidth) - n(s.paddingRight),
                 top: b.top + n(s.borderTopWidth) + n(s.paddingTop), bottom: b.bottom - n(s.borderBottomWidth) - n(s.paddingBottom) }; };
      if (['input', 'select', 'textarea'].includes(el.localName)) leaves.push({ node: el, rect: content(el, r), what: name(el) });
      else if (el.localName === 'button') leaves.push({ node: el, rect: r, what: name(el) });
    }
    for (const text of nodes.filter((n) => n.nodeType === 3 && n.data.trim())) {
      const parent = text.parentElement;
      if (!parent || !shown(parent) || tiny(parent)) continue;
      const range = document.createRange();
      range.selectNodeContents(text);
      for (const r of range.getClientRects()) {
        if (r.width < 1 || r.height < 1) continue;
        if (!inside(r, card)) problems.push(label + ': text "' + text.data.trim().slice(0, 30) + '" ' + round(r) + ' is outside the card ' + round(card));
        leaves.push({ node: text, rect: r, what: '"' + text.data.trim().slice(0, 30) + '"' });
      }
    }
    const contains = (a, b) => { for (let n = b; n; n = n.assignedSlot || n.parentNode || n.host) if (n === a) return true; return false; };
    for (let i = 0; i < leaves.length; i++) {
      for (let j = i + 1; j < leaves.length; j++) {
        const a = leaves[i], b = leaves[j];
        if (a.node === b.node || contains(a.node, b.node) || contains(b.node, a.node)) continue;
        if (overlap(a.rect, b.rect)) problems.push(label + ': ' + a.what + ' ' + round(a.rect) + ' overlaps ' + b.what + ' ' + round(b.rect));
      }
    }
  }
  return problems;
})`;

/** The geometry problems of the auth elements on the page (empty when none). */
export function geometryProblems(page: Page): Promise<string[]> {
  return page.evaluate(`${GEOMETRY}(${JSON.stringify(ELEMENTS)})`);
}
