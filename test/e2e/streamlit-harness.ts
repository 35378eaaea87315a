// Starts a real Streamlit server (`streamlit run` of an app of python/examples/, from .venv-st/ where
// `scripts/setup.sh --streamlit` installed the package's built wheel) on a free loopback port, and a
// real Chromium. Nothing is written outside a temporary directory (HOME, the working directory and
// the examples' data live there), nothing leaves the machine (headless, no usage statistics, no file
// watcher; the browser contexts made here record every request to a host that is not loopback).
// `close()` stops everything; the server also stops by itself when this process goes away
// (streamlit-launcher.py exits when its standard input closes).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Frame, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';
import { freePort } from './harness.js';

const root = new URL('../../', import.meta.url).pathname;
const venv = process.env.STREAMLIT_VENV || join(root, '.venv-st');
const python = join(venv, 'bin/python');
export const EXAMPLES = join(root, 'python/examples');

export const ALICE = { username: 'alice', password: 'alice-demo-password', name: 'Alice Example' };
export const ADMIN = { username: 'admin', password: 'admin-demo-password', name: 'Ada Admin' };
export const COOKIE = 'ae_demo_session';

/** One line the examples print per script run (demo_setup.log_run). */
export interface Run {
  tab: string;
  run: number;
  page: string;
  status: string;
}

export interface StreamlitApp {
  origin: string;
  browser: Browser;
  /** Everything the server printed so far. */
  output(): string;
  /** A position in the output, for `runs(since)`. */
  mark(): number;
  /** The script runs logged since `mark`. */
  runs(since?: number): Run[];
  /** Wait until `count` runs were logged since `mark` (the script's last line is printed later than its widgets show). */
  waitForRuns(since: number, count: number): Promise<Run[]>;
  /**
   * The runs since `mark`, after `count` came and the app stayed quiet for `quietMs` more (to see an
   * extra run, should one follow; on a slow machine a late extra run is missed, never invented).
   */
  settledRuns(since: number, count: number, quietMs?: number): Promise<Run[]>;
  /** A browser context that records requests leaving the machine (see `external`). */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Requests the contexts of `newContext` made to a host that is not loopback (none expected). */
  external(): string[];
  close(): Promise<void>;
}

export interface StartOptions {
  /** Extra `streamlit run` options, e.g. `['--theme.base', 'dark']`. */
  args?: string[];
  env?: Record<string, string>;
  /** Share a Chromium already running (closed by its owner). */
  browser?: Browser;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const RUN_LINE = /^demo-run tab=(\S+) run=(\d+) page=(\S+) authentication_status=(\S+)$/gm;

function parseRuns(text: string): Run[] {
  return [...text.matchAll(RUN_LINE)].map((m) => ({ tab: m[1]!, run: Number(m[2]), page: m[3]!, status: m[4]! }));
}

/** Start `python/examples/<app>` (or the app at an absolute path) in a real Streamlit server. */
export async function startStreamlit(app: string, options: StartOptions = {}): Promise<StreamlitApp> {
  if (!existsSync(python)) {
    throw new Error(`${python} is missing: run \`npm run build && bash scripts/setup.sh --streamlit\` (npm test does it) first.`);
  }
  const port = await freePort();
  const temp = mkdtempSync(join(tmpdir(), 'auth-streamlit-'));
  const home = join(temp, 'home');
  mkdirSync(home);
  let output = '';
  const child: ChildProcess = spawn(
    python,
    [
      join(root, 'test/e2e/streamlit-launcher.py'),
      'run',
      resolve(EXAMPLES, app),
      '--server.headless', 'true',
      '--server.address', '127.0.0.1',
      '--server.port', String(port),
      '--browser.gatherUsageStats', 'false',
      '--server.fileWatcherType', 'none',
      '--server.runOnSave', 'false',
      '--global.developmentMode', 'false',
      ...(options.args ?? []),
    ],
    {
      cwd: temp,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        XDG_CACHE_HOME: join(home, '.cache'),
        TMPDIR: temp,
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        AUTH_ELEMENTS_DATA_DIR: join(temp, 'data'),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  child.stdin!.on('error', () => {}); // EPIPE once it has exited
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.stdin!.end();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(killer);
    }
    rmSync(temp, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`streamlit exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      if ((await fetch(`${origin}/_stcore/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`streamlit did not answer /_stcore/health in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const ownBrowser = !options.browser;
  const browser = options.browser ?? (await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs }));
  const external: string[] = [];
  const waitForRuns = async (since: number, count: number): Promise<Run[]> => {
    const until = Date.now() + 15_000;
    while (parseRuns(output.slice(since)).length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return parseRuns(output.slice(since));
  };
  return {
    origin,
    browser,
    output: () => output,
    mark: () => output.length,
    runs: (since = 0) => parseRuns(output.slice(since)),
    waitForRuns,
    async settledRuns(since, count, quietMs = 1000) {
      await waitForRuns(since, count);
      let seen = parseRuns(output.slice(since)).length;
      for (;;) {
        await new Promise((r) => setTimeout(r, quietMs));
        const now = parseRuns(output.slice(since)).length;
        if (now === seen) return parseRuns(output.slice(since));
        seen = now;
      }
    },
    async newContext(contextOptions = {}) {
      const context = await browser.newContext(contextOptions);
      context.on('request', (request) => {
        const url = new URL(request.url());
        if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:') && !LOOPBACK.has(url.hostname)) {
          external.push(url.href);
        }
      });
      return context;
    },
    external: () => [...external],
    async close() {
      if (ownBrowser) await browser.close().catch(() => {});
      await stop();
    },
  };
}

/** A test file's app (see `streamlitSuite`). */
export interface StreamlitSuite {
  /** The running app (from the file's `before` on). */
  readonly app: StreamlitApp;
  /** Figures for the report, printed after the last test. */
  readonly figures: Record<string, unknown>;
  /** A new tab: in a new browser context (closed after the test), or in `context`. */
  open(context?: BrowserContext): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
}

/**
 * One app for the tests of a file: started before them, the browser contexts `open()` made closed
 * after each, and after the last: `figures` printed under `label`, nothing sent off the machine, no
 * traceback, DuplicateWidgetID or malformed component value in the server's output; then stopped.
 */
export function streamlitSuite(app: string, label: string, options: StartOptions = {}): StreamlitSuite {
  let running: StreamlitApp | undefined;
  const contexts: BrowserContext[] = [];
  const figures: Record<string, unknown> = {};
  before(async () => {
    running = await startStreamlit(app, options);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => {})));
  });
  after(async () => {
    if (!running) return;
    try {
      console.log(`${label}: ${JSON.stringify(figures)}`);
      assert.deepEqual(running.external(), [], 'nothing leaves the machine');
      assert.doesNotMatch(running.output(), /Traceback|DuplicateWidgetID|malformed/);
    } finally {
      await running.close();
    }
  });
  const current = (): StreamlitApp => {
    if (!running) throw new Error(`${app} is not running (yet)`);
    return running;
  };
  return {
    get app() {
      return current();
    },
    figures,
    async open(context) {
      if (!context) {
        context = await current().newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
        contexts.push(context);
      }
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(String(err)));
      return { context, page, errors };
    },
  };
}

// ------------------------------------------------------------------------------------------------
// The page: Streamlit draws each call of the component as an iframe whose address carries the
// component's name; the kit's element is inside it.

/** The component iframes of the page, in document order (main area and sidebar). */
export function componentFrames(page: Page): Frame[] {
  return page.frames().filter((f) => f.url().includes('/component/streamlit_auth_elements'));
}

/** The frame whose widget is `tag` (e.g. 'auth-login') in `where` ('main' or 'sidebar'). */
export async function widgetFrame(page: Page, tag: string, where: 'main' | 'sidebar' = 'main', timeout = 15_000): Promise<Frame> {
  const until = Date.now() + timeout;
  for (;;) {
    for (const frame of componentFrames(page)) {
      const found = await frame
        .evaluate(
          ([t, w]) => {
            const el = document.querySelector(`auth-provider > ${t}`);
            return el !== null && (el.getAttribute('location') ?? 'main') === w;
          },
          [tag, where] as const,
        )
        .catch(() => false);
      if (found) return frame;
    }
    if (Date.now() > until) throw new Error(`no <${tag}> in the ${where} area after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The iframe of the invisible session carrier (the component whose provider holds no element). */
export async function carrierFrame(page: Page): Promise<Frame> {
  for (const frame of componentFrames(page)) {
    if (await frame.evaluate(() => document.querySelector('auth-provider') !== null && document.querySelector('auth-provider > *') === null).catch(() => false)) return frame;
  }
  throw new Error('no session carrier on the page');
}

/** Sign in through the login widget in `where`. */
export async function login(page: Page, user: { username: string; password: string }, where: 'main' | 'sidebar' = 'main'): Promise<void> {
  const frame = await widgetFrame(page, 'auth-login', where);
  await frame.locator('input[name="username"]').fill(user.username);
  await frame.locator('input[name="password"]').fill(user.password);
  await frame.locator('[part~="submit-button"]').click();
}

/**
 * Records, from the very first frame on, whether a login form was ever shown: in every animation
 * frame of the page, each iframe of Streamlit's is looked into (they are same-origin) for an
 * `<auth-login>` element at all and for a visible form in a visible iframe; `window.__frames` counts
 * the animation frames checked. (A string: the test runner's transpiler would add helpers to a
 * function that the page does not have.)
 */
export async function watchForLoginForm(context: BrowserContext): Promise<void> {
  await context.addInitScript({
    content: `if (window.top === window) {
      window.__frames = 0;
      window.__loginElement = false;
      window.__formSeen = false;
      const look = function () {
        window.__frames++;
        for (const iframe of document.querySelectorAll('iframe')) {
          let doc = null;
          try { doc = iframe.contentDocument; } catch { doc = null; }
          if (!doc) continue;
          for (const el of doc.querySelectorAll('auth-login')) {
            window.__loginElement = true;
            const form = el.querySelector('form');
            if (form && form.checkVisibility() && form.offsetHeight > 0 && iframe.checkVisibility() && iframe.getBoundingClientRect().height > 0) {
              window.__formSeen = true;
            }
          }
        }
        requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    }`,
  });
}

/** Resolves after `count` more animation frames of the page. */
export async function animationFrames(page: Page, count: number): Promise<void> {
  await page.evaluate(
    `new Promise((resolve) => { let n = 0; const tick = function () { if (++n >= ${count}) resolve(); else requestAnimationFrame(tick); }; requestAnimationFrame(tick); })`,
  );
}

export async function loginFormWatch(page: Page): Promise<{ frames: number; loginElement: boolean; formSeen: boolean }> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number; __loginElement: boolean; __formSeen: boolean };
    return { frames: w.__frames, loginElement: w.__loginElement, formSeen: w.__formSeen };
  });
}

/** Streamlit's own error boxes (an exception, DuplicateWidgetID, …) on the page. */
export async function streamlitErrors(page: Page): Promise<string[]> {
  return page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').allInnerTexts();
}
