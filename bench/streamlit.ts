/**
 * The Streamlit benchmark (`npm run bench:streamlit`, see scripts/bench-streamlit.sh): this package
 * against Streamlit-Authenticator 0.4.2, one run, the same user, the same Chromium.
 *
 *   node --import tsx bench/streamlit.ts [--runs N] [--warmup N] [--json] [--verbose]
 *
 * Both apps of bench/apps/ run in real Streamlit servers (`streamlit run`, headless, 127.0.0.1, a
 * free port: test/e2e/streamlit-harness.ts) from the environment named by STREAMLIT_VENV (the script
 * makes .venv-bench/). Each iteration, for each system in turn, in a fresh browser context:
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
 *
 * Prints a table (medians, min-max, runs, ours/theirs against the goal: at most 0.5, one run per
 * login and per reload) and writes every figure as JSON to bench/results/ (or to stdout with --json,
 * the table then goes to stderr). Not a test: the figures depend on the machine and its load.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';

const root = new URL('../', import.meta.url).pathname;
process.env.STREAMLIT_VENV ||= join(root, '.venv-bench');
const venv = process.env.STREAMLIT_VENV;
const python = join(venv, 'bin/python');
// After STREAMLIT_VENV is set: the harness reads it when it loads.
const { startStreamlit, widgetFrame } = await import('../test/e2e/streamlit-harness.js');
type StreamlitApp = Awaited<ReturnType<typeof startStreamlit>>;
const { chromium } = await import('playwright-core');
const { chromiumArgs, chromiumPath } = await import('../test/chromium.mjs');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
if (!Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(WARMUP) || WARMUP < 0) {
  throw new Error('--runs takes a whole number of at least 1, --warmup one of at least 0');
}
const out = args.json ? (line: string) => process.stderr.write(line + '\n') : (line: string) => process.stdout.write(line + '\n');

const PROTECTED = 'this is the protected content';
/** How long the server must stay without a new run before the runs of a step are counted. */
const QUIET_MS = 2000;
const STEP_TIMEOUT = 60_000;
const GOAL = { ratio: 0.5, runsPerLogin: 1, runsPerReload: 1 };

// ------------------------------------------------------------------------------------------------
// The page's side. A string, not a function: tsx would add helpers the page does not have.

/**
 * With `profile` (--verbose), also a time line of what happens in the page: each websocket message
 * (Streamlit's deltas) and its size, each iframe added and loaded, each long task (> 50 ms) with the
 * frame it is blamed on; all in ms since the epoch, as the click and the content times.
 */
const instrument = (profile: boolean) => `(() => {
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

interface PageFigures {
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

interface RunLine {
  app: string;
  tab: string;
  run: number;
  phase: 'start' | 'content' | 'end';
  /** ms since the epoch, the server's clock (the same machine as the browser's). */
  t: number;
  status: string | undefined;
}

const RUN_LINE = /^bench-run app=(\S+) tab=(\S+) run=(\d+) phase=(start|content|end) t=([\d.]+)(?: authentication_status=(\S+))?$/gm;

function runLines(text: string): RunLine[] {
  return [...text.matchAll(RUN_LINE)].map((m) => ({ app: m[1]!, tab: m[2]!, run: Number(m[3]), phase: m[4] as RunLine['phase'], t: Number(m[5]), status: m[6] }));
}

/**
 * The runs of a step (and, with --verbose, what the page saw) on one time line: "ms what", in ms
 * after `zero` (the click, or the navigation start).
 */
function timeline(lines: RunLine[], zero: number, events: [number, string][] = []): string[] {
  const runs: [number, string][] = lines.map((l) => [l.t, `run ${l.tab}#${l.run} ${l.phase}${l.status ? ` (${l.status})` : ''}`]);
  return [...runs, ...events.filter(([t]) => t >= zero)].sort((a, b) => a[0] - b[0]).map(([t, what]) => `${(t - zero).toFixed(0)} ${what}`);
}

/** The runs started since `mark`, once at least one started and none followed for QUIET_MS. */
async function settledRuns(app: StreamlitApp, mark: number): Promise<{ started: number; ended: number; statuses: string[]; lines: RunLine[] }> {
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

const USER = { username: 'jsmith', password: 'bench-Password-2718' };

interface System {
  id: 'auth-elements' | 'streamlit-authenticator' | 'baseline';
  label: string;
  app: string;
  /** Wait for the login form and type the credentials; return the click that submits them (none: no login). */
  fill?(page: Page): Promise<() => Promise<void>>;
}

const SYSTEMS: System[] = [
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
interface Step {
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

interface Sample {
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

async function iteration(system: System, app: StreamlitApp, browser: Browser): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  try {
    await context.addInitScript({ content: instrument(args.verbose) });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    // With --verbose: when each websocket frame reached the browser, as seen here (the page's own
    // "ws message" times are when its main thread got to them).
    const network: [number, string][] = [];
    if (args.verbose) {
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

// ------------------------------------------------------------------------------------------------
// Figures.

interface Stats {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max; null when there is nothing to count (no login in the baseline). */
function stats(values: (number | null)[]): Stats | null {
  const s = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

function summary(samples: Sample[]) {
  const of = (pick: (s: Sample) => Step | null) => {
    const steps = samples.map(pick);
    return {
      ms: stats(steps.map((t) => t?.ms ?? null)),
      runs: stats(steps.map((t) => t?.runs ?? null)),
      until_run_ms: stats(steps.map((t) => t?.phases.untilRun ?? null)),
      runs_ms: stats(steps.map((t) => t?.phases.runs ?? null)),
      after_run_ms: stats(steps.map((t) => t?.phases.afterRun ?? null)),
    };
  };
  return {
    login: of((s) => s.login),
    reload: { ...of((s) => s.reload), login_form_seen: samples.filter((s) => s.reload.loginFormSeen).length },
  };
}

function versions(): Record<string, string> {
  const code = `import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in ("streamlit", "streamlit-authenticator", "streamlit-auth-elements")}))`;
  return JSON.parse(execFileSync(python, ['-c', code], { encoding: 'utf8' })) as Record<string, string>;
}

type Summary = ReturnType<typeof summary>;

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

const msCell = (s: Stats | null) => (s ? `${s.median.toFixed(0)} (${s.min.toFixed(0)}-${s.max.toFixed(0)})` : '-');
const runsCell = (s: Stats | null) => (!s ? '-' : s.min === s.max ? `${s.min}` : `${s.median} (${s.min}-${s.max})`);

function table(result: Record<string, Summary>, labels: Record<string, string>): string[] {
  const rows = [['system', 'login ms median (min-max)', 'runs/login', 'reload ms median (min-max)', 'runs/reload', 'login form on reload']];
  for (const [id, r] of Object.entries(result)) {
    rows.push([labels[id]!, msCell(r.login.ms), runsCell(r.login.runs), msCell(r.reload.ms), runsCell(r.reload.runs), `${r.reload.login_form_seen}/${RUNS}`]);
  }
  return columns(rows);
}

/** Where the time goes, medians: until the first run, the runs until the text is written, from there until it shows. */
function phaseTable(result: Record<string, Summary>, labels: Record<string, string>): string[] {
  const cell = (s: Stats | null) => (s ? s.median.toFixed(0) : '-');
  const rows = [['medians, ms', 'login: click->run', 'runs', 'written->shown', 'reload: nav->run', 'runs', 'written->shown']];
  for (const [id, r] of Object.entries(result)) {
    rows.push([labels[id]!, cell(r.login.until_run_ms), cell(r.login.runs_ms), cell(r.login.after_run_ms), cell(r.reload.until_run_ms), cell(r.reload.runs_ms), cell(r.reload.after_run_ms)]);
  }
  return columns(rows);
}

async function main(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const apps: StreamlitApp[] = [];
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  try {
    // The same user for both (bench/apps/prepare.py), and the cost of checking each one's hash here.
    const hashes = JSON.parse(execFileSync(python, [join(root, 'bench/apps/prepare.py'), data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Record<string, unknown>;
    const env = { BENCH_DATA: data, BENCH_CONFIG: join(data, 'config.yaml') };
    for (const system of SYSTEMS) apps.push(await startStreamlit(system.app, { env, browser }));
    const started = new Date();
    const load = { start: loadavg().map((x) => +x.toFixed(2)), end: [] as number[] };
    out(`benchmark: ${RUNS} iteration(s) per system after ${WARMUP} warm-up(s); user ${USER.username}; ${cpus().length} CPU(s), load ${load.start.join(' ')}`);
    const samples: Record<string, Sample[]> = Object.fromEntries(SYSTEMS.map((s) => [s.id, []]));
    for (let i = -WARMUP; i < RUNS; i++) {
      // Alternate which system goes first, so drift in the machine's load hits both alike.
      const order = i % 2 === 0 ? SYSTEMS.map((_, k) => k) : SYSTEMS.map((_, k) => k).reverse();
      for (const k of order) {
        const system = SYSTEMS[k]!;
        const sample = await iteration(system, apps[k]!, browser);
        const tag = i < 0 ? 'warm-up' : `#${i + 1}`;
        const brief = (t: Step | null) => (t === null ? '-'.padStart(5) : `${t.ms.toFixed(0).padStart(5)} ms ${t.runs} run(s) [${t.statuses.join(',')}]`);
        out(
          `  ${tag.padEnd(7)} ${system.id.padEnd(24)} login ${brief(sample.login).padEnd(33)} reload ${brief(sample.reload)}` +
            (sample.reload.loginFormSeen ? ' LOGIN FORM SHOWN' : ''),
        );
        if (args.verbose) {
          if (sample.login) out(`    login, ms after the click:\n${sample.login.timeline.map((l) => `      ${l}`).join('\n')}`);
          out(`    reload, ms after navigation start:\n${sample.reload.timeline.map((l) => `      ${l}`).join('\n')}`);
        }
        if (i >= 0) samples[system.id]!.push(sample);
      }
    }
    load.end = loadavg().map((x) => +x.toFixed(2));
    const result = Object.fromEntries(SYSTEMS.map((s) => [s.id, summary(samples[s.id]!)]));
    const figures = (id: System['id']) => {
      const r = result[id]!;
      if (!r.login.ms || !r.login.runs || !r.reload.ms || !r.reload.runs) throw new Error(`${id}: no figures`);
      return { login_ms: r.login.ms, login_runs: r.login.runs, reload_ms: r.reload.ms, reload_runs: r.reload.runs, reload_login_form_seen: r.reload.login_form_seen };
    };
    const ours = figures('auth-elements');
    const theirs = figures('streamlit-authenticator');
    const baseline = result.baseline!.reload.ms!;
    const ratio = {
      login: ours.login_ms.median / theirs.login_ms.median,
      reload: ours.reload_ms.median / theirs.reload_ms.median,
      /** The best any login library can do on reload here: Streamlit alone, over theirs. */
      reload_floor: baseline.median / theirs.reload_ms.median,
    };
    const exactly = (s: Stats, n: number) => s.min === n && s.max === n;
    const goal = {
      login_ratio: ratio.login <= GOAL.ratio,
      reload_ratio: ratio.reload <= GOAL.ratio,
      runs_per_login: exactly(ours.login_runs, GOAL.runsPerLogin),
      runs_per_reload: exactly(ours.reload_runs, GOAL.runsPerReload),
      no_login_form_on_reload: ours.reload_login_form_seen === 0,
    };
    const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    out('');
    const labels = Object.fromEntries(SYSTEMS.map((s) => [s.id, s.label]));
    for (const line of table(result, labels)) out(line);
    out('');
    for (const line of phaseTable(result, labels)) out(line);
    out('');
    out(`ours/theirs login  ${ratio.login.toFixed(2)}  (goal <= ${GOAL.ratio}: ${met(goal.login_ratio)})`);
    out(`ours/theirs reload ${ratio.reload.toFixed(2)}  (goal <= ${GOAL.ratio}: ${met(goal.reload_ratio)}; Streamlit alone/theirs: ${ratio.reload_floor.toFixed(2)})`);
    out(`ours runs per login ${ours.login_runs.min}-${ours.login_runs.max}  (goal ${GOAL.runsPerLogin}: ${met(goal.runs_per_login)})`);
    out(`ours runs per reload ${ours.reload_runs.min}-${ours.reload_runs.max}  (goal ${GOAL.runsPerReload}: ${met(goal.runs_per_reload)})`);
    out(`ours login form shown on reload: ${ours.reload_login_form_seen}/${RUNS}  (goal 0: ${met(goal.no_login_form_on_reload)})`);
    out(`password hash check here: bcrypt (theirs) ${(hashes.bcrypt as { verify_ms: number }).verify_ms} ms, argon2id (ours) ${(hashes.argon2id as { verify_ms: number }).verify_ms} ms`);
    out(`load average ${load.start.join(' ')} -> ${load.end.join(' ')} (${cpus().length} CPUs)`);

    const report = {
      date: started.toISOString(),
      versions: versions(),
      chromium: browser.version(),
      cpus: cpus().length,
      load,
      runs: RUNS,
      warmup: WARMUP,
      method: {
        login_ms: 'page-side: performance.timeOrigin+performance.now() in a capturing click listener of the frame holding the button, to a MutationObserver of the top document seeing the protected text',
        reload_ms: "page-side: the reloaded document's performance.now() (ms since its navigation start) when a MutationObserver sees the protected text",
        runs: `script runs started (a line at the top of the script), counted after the server stayed quiet ${QUIET_MS} ms`,
        phases: "until_run: to the first run's start (the server's clock, the same machine's); runs: from there to the app's line right after its st.write of the protected text; after_run: from that line to the text in the page",
        login_form_seen: 'a visible password field in the page or a visible same-origin iframe, checked every animation frame of the reloaded page',
      },
      hashes,
      result,
      ratio,
      goal: { ...GOAL, ...goal },
      samples,
    };
    if (args.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      const dir = join(root, 'bench/results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `streamlit-${report.date.replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
      out(`figures: ${file.slice(root.length)}`);
    }
  } finally {
    await browser.close().catch(() => {});
    for (const app of apps) await app.close();
    rmSync(data, { recursive: true, force: true });
  }
}

await main();
