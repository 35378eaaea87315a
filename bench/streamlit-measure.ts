/**
 * What the Streamlit benchmark measures, one iteration at a time (bench/streamlit.ts runs it, prints
 * and keeps the figures; test/e2e/bench-streamlit.test.ts checks that it measures what it says):
 *
 * - login: the login form is shown and the first runs are over; the username and password are typed;
 *   then the time from the click on the login button to the protected text in the page, both taken
 *   in the page (`performance.timeOrigin + performance.now()` in a capturing click listener of the
 *   frame that holds the button, and in a MutationObserver of the top document that sees the text),
 *   and the script runs the click caused (every run prints a line when it starts, bench/apps/runlog.py;
 *   counted once the server stayed quiet for QUIET_MS);
 * - reload: the time from navigation start of the reloaded page (its `performance.now()`) to the
 *   protected text, the script runs, and whether a login form (a visible password field, in the page
 *   or in a same-origin iframe, or an <auth-login> element at all) showed in any animation frame.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { widgetFrame, type StreamlitApp } from '../test/e2e/streamlit-harness.js';

const root = new URL('../', import.meta.url).pathname;

export const PROTECTED = 'this is the protected content';
/** How long the server must stay without a new run before the runs of a step are counted. */
export const QUIET_MS = 2000;
const STEP_TIMEOUT = 60_000;

// ------------------------------------------------------------------------------------------------
// The page's side. A string, not a function: tsx would add helpers the page does not have.

/**
 * With `profile` (--verbose), also a time line of what happens in the page: each websocket message
 * (Streamlit's deltas) and its size, each iframe added and loaded, each long task (> 50 ms) with the
 * frame it is blamed on; all in ms since the epoch, as the click and the content times.
 */
export const instrument = (profile: boolean) => `(() => {
  const PROFILE = ${profile};
  const abs = () => performance.timeOrigin + performance.now();
  // Every frame: the click's time (trusted clicks only, i.e. Playwright's), kept in the top window.
  addEventListener('click', (event) => {
    if (!event.isTrusted) return;
    try { window.top.__bench.clicks.push(abs()); } catch (e) { /* not same-origin: not ours */ }
  }, true);
  if (window.top !== window) return;
  const TEXT = ${JSON.stringify(PROTECTED)};
  const b = window.__bench = { clicks: [], contentAt: null, contentSinceStart: null, paintedAt: null, frames: 0, formSeen: false, loginElement: false, events: [] };
  const event = (what) => b.events.push([abs(), what]);
  if (PROFILE) {
    const Socket = window.WebSocket;
    window.WebSocket = class extends Socket {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', (m) => event('ws message ' + (m.data.byteLength ?? m.data.size ?? m.data.length) + ' B'));
      }
    };
    const name = (iframe) => (iframe.src.match(/component\\/([^/?]+)/) || [null, iframe.title || iframe.src.slice(0, 40)])[1];
    new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        for (const iframe of node.tagName === 'IFRAME' ? [node] : node.querySelectorAll('iframe')) {
          event('iframe added ' + name(iframe));
          iframe.addEventListener('load', () => event('iframe loaded ' + name(iframe)));
        }
      }
    }).observe(document, { subtree: true, childList: true });
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const a = (e.attribution && e.attribution[0]) || {};
          b.events.push([performance.timeOrigin + e.startTime, 'long task ' + e.duration.toFixed(0) + ' ms ' + (a.containerType || '') + ' ' + (a.containerSrc || a.containerName || '').replace(/^.*component\\//, '').slice(0, 40)]);
        }
      }).observe({ type: 'longtask', buffered: true });
    } catch (e) { /* no long-task timing */ }
  }
  const look = () => {
    if (b.contentAt === null && document.body && document.body.textContent.includes(TEXT)) {
      b.contentAt = abs();
      b.contentSinceStart = performance.now();
      event('PROTECTED TEXT');
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
  const shown = (el) => el.checkVisibility() && el.getBoundingClientRect().height > 0;
  const formIn = (doc) => {
    for (const input of doc.querySelectorAll('input[type="password"]')) if (shown(input)) return true;
    return false;
  };
  const frame = () => {
    b.frames++;
    look();
    if (b.contentAt !== null && b.paintedAt === null) b.paintedAt = abs();
    if (formIn(document)) b.formSeen = true;
    for (const iframe of document.querySelectorAll('iframe')) {
      let doc = null;
      try { doc = iframe.contentDocument; } catch (e) { doc = null; }
      if (!doc) continue;
      if (doc.querySelector('auth-login')) b.loginElement = true;
      if (shown(iframe) && formIn(doc)) b.formSeen = true;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;

export interface PageFigures {
  clicks: number[];
  contentAt: number | null;
  contentSinceStart: number | null;
  paintedAt: number | null;
  frames: number;
  formSeen: boolean;
  loginElement: boolean;
  /** [ms since the epoch, what] (only with --verbose). */
  events: [number, string][];
}

const figuresOf = (page: Page) => page.evaluate(() => (window as unknown as { __bench: PageFigures }).__bench);

async function contentShown(page: Page): Promise<PageFigures> {
  await page.waitForFunction(() => (window as unknown as { __bench?: PageFigures }).__bench?.paintedAt != null, undefined, {
    timeout: STEP_TIMEOUT,
    polling: 50,
  });
  return figuresOf(page);
}

async function animationFrames(page: Page, count: number): Promise<void> {
  await page.evaluate(
    `new Promise((resolve) => { let n = 0; const tick = () => (++n >= ${count} ? resolve() : requestAnimationFrame(tick)); requestAnimationFrame(tick); })`,
  );
}

// ------------------------------------------------------------------------------------------------
// The server's side: bench/apps/runlog.py's lines.

export interface RunLine {
  app: string;
  tab: string;
  run: number;
  phase: 'start' | 'content' | 'end';
  /** ms since the epoch, the server's clock (the same machine as the browser's). */
  t: number;
  status: string | undefined;
}

const RUN_LINE = /^bench-run app=(\S+) tab=(\S+) run=(\d+) phase=(start|content|end) t=([\d.]+)(?: authentication_status=(\S+))?$/gm;

export function runLines(text: string): RunLine[] {
  return [...text.matchAll(RUN_LINE)].map((m) => ({ app: m[1]!, tab: m[2]!, run: Number(m[3]), phase: m[4] as RunLine['phase'], t: Number(m[5]), status: m[6] }));
}

/**
 * The runs of a step (and, with --verbose, what the page saw) on one time line: "ms what", in ms
 * after `zero` (the click, or the navigation start).
 */
export function timeline(lines: RunLine[], zero: number, events: [number, string][] = []): string[] {
  const runs: [number, string][] = lines.map((l) => [l.t, `run ${l.tab}#${l.run} ${l.phase}${l.status ? ` (${l.status})` : ''}`]);
  return [...runs, ...events.filter(([t]) => t >= zero)].sort((a, b) => a[0] - b[0]).map(([t, what]) => `${(t - zero).toFixed(0)} ${what}`);
}

/** The runs started since `mark`, once at least one started and none followed for QUIET_MS. */
export async function settledRuns(app: StreamlitApp, mark: number): Promise<{ started: number; ended: number; statuses: string[]; lines: RunLine[] }> {
  const until = Date.now() + STEP_TIMEOUT;
  let text = '';
  let lastChange = Date.now();
  for (;;) {
    const now = app.output().slice(mark);
    if (now !== text) {
      text = now;
      lastChange = Date.now();
    }
    const lines = runLines(text);
    if (lines.some((l) => l.phase === 'start') && Date.now() - lastChange >= QUIET_MS) break;
    if (Date.now() > until) throw new Error(`no script run settled in ${STEP_TIMEOUT} ms:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const lines = runLines(text);
  return {
    started: lines.filter((l) => l.phase === 'start').length,
    ended: lines.filter((l) => l.phase === 'end').length,
    statuses: lines.filter((l) => l.phase === 'end').map((l) => l.status ?? '?'),
    lines,
  };
}

// ------------------------------------------------------------------------------------------------
// The two systems: how to reach the login form and sign in.

export const USER = { username: 'jsmith', password: 'bench-Password-2718' };

export interface System {
  id: 'auth-elements' | 'streamlit-authenticator' | 'baseline';
  label: string;
  app: string;
  /** Wait for the login form and type the credentials; return the click that submits them (none: no login). */
  fill?(page: Page): Promise<() => Promise<void>>;
}

export const SYSTEMS: System[] = [
  {
    id: 'streamlit-authenticator',
    label: 'Streamlit-Authenticator 0.4.2',
    app: join(root, 'bench/apps/authenticator_app.py'),
    async fill(page) {
      const password = page.locator('[data-testid="stForm"] input[type="password"]');
      await password.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      await page.locator('[data-testid="stForm"] input[aria-label="Username"]').fill(USER.username);
      await password.fill(USER.password);
      const button = page.locator('[data-testid="stForm"] [data-testid="stBaseButton-secondaryFormSubmit"], [data-testid="stForm"] [data-testid="stFormSubmitButton"] button').first();
      return () => button.click();
    },
  },
  {
    id: 'auth-elements',
    label: 'streamlit-auth-elements',
    app: join(root, 'bench/apps/auth_elements_app.py'),
    async fill(page) {
      const frame = await widgetFrame(page, 'auth-login', 'main', STEP_TIMEOUT);
      await frame.locator('input[name="password"]').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
      await frame.locator('input[name="username"]').fill(USER.username);
      await frame.locator('input[name="password"]').fill(USER.password);
      const button = frame.locator('[part~="submit-button"]');
      return () => button.click();
    },
  },
  {
    id: 'baseline',
    label: 'no login (Streamlit alone)',
    app: join(root, 'bench/apps/baseline_app.py'),
  },
];

/** One step (a login, or a reload) of one iteration. */
export interface Step {
  /** From the click (login) or the navigation start (reload) to the protected text in the page. */
  ms: number;
  /** ... to the first animation frame after that. */
  paintMs: number;
  /** Script runs started. */
  runs: number;
  /** What the runs that reached their end decided (authentication_status). */
  statuses: string[];
  /**
   * Where the time went: until the first run started (the click's way to the server; for a reload
   * Streamlit's own page load and websocket), from then until a run handed the protected text to
   * Streamlit (the script runs: the app's `content` line), and from there to the text in the page
   * (deltas sent, drawn).
   */
  phases: { untilRun: number; runs: number; afterRun: number };
  /** "ms what": the runs (tab#run; a new tab id is a new session) and, with --verbose, the page's events. */
  timeline: string[];
}

export interface Sample {
  login: Step | null;
  reload: Step & { loginFormSeen: boolean; loginElement: boolean; framesChecked: number };
}

function step(zero: number, contentAt: number, paintedAt: number, runs: Awaited<ReturnType<typeof settledRuns>>, events: [number, string][]): Step {
  const first = runs.lines.find((l) => l.phase === 'start');
  const written = runs.lines.find((l) => l.phase === 'content');
  if (!first || !written) throw new Error(`no run started, or none wrote the protected text:\n${timeline(runs.lines, zero).join('\n')}`);
  return {
    ms: contentAt - zero,
    paintMs: paintedAt - zero,
    runs: runs.started,
    statuses: runs.statuses,
    phases: { untilRun: first.t - zero, runs: written.t - first.t, afterRun: contentAt - written.t },
    timeline: timeline(runs.lines, zero, events),
  };
}

export async function iteration(system: System, app: StreamlitApp, browser: Browser, options: { profile?: boolean } = {}): Promise<Sample> {
  const profile = options.profile ?? false;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  try {
    await context.addInitScript({ content: instrument(profile) });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    // With --verbose: when each websocket frame reached the browser, as seen here (the page's own
    // "ws message" times are when its main thread got to them).
    const network: [number, string][] = [];
    if (profile) {
      page.on('websocket', (ws) => ws.on('framereceived', (frame) => network.push([Date.now(), `ws frame in (network) ${frame.payload.length} B`])));
      const file = (url: string) => url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '').slice(-60);
      page.on('request', (request) => network.push([Date.now(), `request ${file(request.url())}`]));
      page.on('requestfinished', (request) => network.push([Date.now(), `request done ${file(request.url())}`]));
    }

    // The first visit: the login form, and whatever runs the app makes by itself first.
    let mark = app.mark();
    await page.goto(app.origin + '/', { waitUntil: 'commit' });
    let login: Step | null = null;
    if (system.fill) {
      const click = await system.fill(page);
      await settledRuns(app, mark);
      // The detector must see the form it is meant to catch on reload (else "never seen" means nothing).
      if (!(await figuresOf(page)).formSeen) throw new Error(`${system.id}: the login form on screen was not detected`);

      // Login: click -> protected text.
      await page.evaluate(() => {
        (window as unknown as { __bench: PageFigures }).__bench.clicks = [];
      });
      mark = app.mark();
      await click();
      await contentShown(page);
      const runs = await settledRuns(app, mark);
      const shown = await figuresOf(page);
      const clickAt = shown.clicks[0];
      if (shown.clicks.length !== 1) throw new Error(`${system.id}: ${shown.clicks.length} clicks recorded, expected the one on the login button`);
      if (clickAt === undefined || shown.contentAt === null || shown.paintedAt === null) throw new Error(`${system.id}: no click or no content recorded`);
      login = step(clickAt, shown.contentAt, shown.paintedAt, runs, [...shown.events, ...network]);
    } else {
      await contentShown(page);
      await settledRuns(app, mark);
    }

    // Reload: navigation start -> protected text, and a login form in no animation frame.
    mark = app.mark();
    await page.reload({ waitUntil: 'commit' });
    await contentShown(page);
    const runs = await settledRuns(app, mark);
    await animationFrames(page, 30);
    const watch = await figuresOf(page);
    if (errors.length) throw new Error(`${system.id}: errors in the page: ${errors.join('; ')}`);
    const navigationStart = watch.contentAt! - watch.contentSinceStart!;
    return {
      login,
      reload: {
        ...step(navigationStart, watch.contentAt!, watch.paintedAt!, runs, [...watch.events, ...network]),
        loginFormSeen: watch.formSeen,
        loginElement: watch.loginElement,
        framesChecked: watch.frames,
      },
    };
  } finally {
    await context.close().catch(() => {});
  }
}

/**
 * The users of the benchmark in `data` (bench/apps/prepare.py, run by `python`): the same user for
 * both apps; `only: 'auth-elements'` leaves out Streamlit-Authenticator's config.yaml (an environment
 * without that library). Returns what prepare.py printed: the hashes' kinds and verification times.
 */
export function prepareUsers(python: string, data: string, only?: 'auth-elements'): Record<string, unknown> {
  const argv = [join(root, 'bench/apps/prepare.py'), data, ...(only ? ['--only', only] : [])];
  return JSON.parse(execFileSync(python, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Record<string, unknown>;
}

/** What the apps read: the data directory and Streamlit-Authenticator's config.yaml in it. */
export const appEnv = (data: string) => ({ BENCH_DATA: data, BENCH_CONFIG: join(data, 'config.yaml') });
