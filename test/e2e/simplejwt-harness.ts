// Starts a real Django REST framework + SimpleJWT server (test/simplejwt, from PyPI in .venv/) on a
// throw-away SQLite database, serving the built bundle and the test pages on the same origin, and a
// real Chromium. Everything listens on loopback; `close()` stops it, and the Django process also
// exits by itself when this process goes away (its standard input closes).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';
import { freePort } from './harness.js';

const root = new URL('../../', import.meta.url).pathname;
const python = process.env.SIMPLEJWT_PYTHON || join(root, '.venv/bin/python');

export const ALICE = { username: 'alice', password: 'alice-simplejwt-password' };

export interface SimpleJwt {
  origin: string;
  browser: Browser;
  /** How many requests each `METHOD /path` got, counted by the Django server. */
  requests(): Promise<Record<string, number>>;
  output(): string;
  close(): Promise<void>;
}

export async function startSimpleJwt(options: { accessSeconds?: number; extraPages?: string } = {}): Promise<SimpleJwt> {
  if (!existsSync(join(root, 'dist/auth-elements.js'))) {
    throw new Error('dist/auth-elements.js is missing: run `npm run build` (npm test does it) first.');
  }
  if (!existsSync(python)) {
    throw new Error(`${python} is missing: run \`bash scripts/setup.sh --python\` (npm test does it) first.`);
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-simplejwt-'));
  let output = '';
  const child: ChildProcess = spawn(python, ['manage.py', 'serve_e2e', String(port)], {
    cwd: join(root, 'test/simplejwt'),
    env: {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      SIMPLEJWT_DATA_DIR: dataDir,
      SIMPLEJWT_ACCESS_SECONDS: String(options.accessSeconds ?? 5),
      SIMPLEJWT_EXTRA_PAGES: options.extraPages ?? '',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.stdin!.end();
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the Django server exited (${child.exitCode}):\n${output}`);
    }
    try {
      if ((await fetch(`${origin}/_test/health/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the Django server did not start in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
  return {
    origin,
    browser,
    output: () => output,
    async requests() {
      return (await (await fetch(`${origin}/_test/requests/`)).json()) as Record<string, number>;
    },
    async close() {
      await browser.close().catch(() => {});
      await stop();
    },
  };
}
