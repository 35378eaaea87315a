/**
 * The Streamlit benchmark (`npm run bench:streamlit`, see scripts/bench-streamlit.sh): this package
 * against Streamlit-Authenticator 0.4.2, one run, the same user, the same Chromium.
 *
 *   node --import tsx bench/streamlit.ts [--runs N] [--warmup N] [--json] [--verbose]
 *
 * The apps of bench/apps/ run in real Streamlit servers (`streamlit run`, headless, 127.0.0.1, a
 * free port: test/e2e/streamlit-harness.ts) from the environment named by STREAMLIT_VENV (the script
 * makes .venv-bench/); bench/streamlit-measure.ts says what one iteration measures. Each iteration
 * runs every system in turn, each in a fresh browser context (the order alternates).
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
import type { Sample, Step, System } from './streamlit-measure.js';

const root = new URL('../', import.meta.url).pathname;
process.env.STREAMLIT_VENV ||= join(root, '.venv-bench');
const venv = process.env.STREAMLIT_VENV;
const python = join(venv, 'bin/python');
// After STREAMLIT_VENV is set: the harness reads it when it loads.
const { startStreamlit } = await import('../test/e2e/streamlit-harness.js');
type StreamlitApp = Awaited<ReturnType<typeof startStreamlit>>;
const { SYSTEMS, USER, QUIET_MS, appEnv, iteration, prepareUsers } = await import('./streamlit-measure.js');
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

const GOAL = { ratio: 0.5, runsPerLogin: 1, runsPerReload: 1 };

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
    const hashes = prepareUsers(python, data);
    const env = appEnv(data);
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
        const sample = await iteration(system, apps[k]!, browser, { profile: args.verbose });
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
