// Starts the real demo (reference server in demo mode on a temporary SQLite file, serving the built
// files) and a real Chromium. Everything listens on loopback and stops in `close()`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../chromium.mjs';

const root = new URL('../../', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Demo {
  origin: string;
  browser: Browser;
  output(): string;
  close(): Promise<void>;
}

export async function startDemo(env: Record<string, string> = {}): Promise<Demo> {
  if (!existsSync(join(root, 'dist/auth-elements.js'))) {
    throw new Error('dist/auth-elements.js is missing: run `npm run build` (npm test does it) before the e2e tests.');
  }
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-e2e-'));
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, AUTH_DEMO: '1', PORT: String(port), HOST: '127.0.0.1', AUTH_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const origin = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the demo server exited (${child.exitCode}):\n${output}`);
    try {
      // Healthy, and the start-up banner printed (in demo mode it follows the OIDC provider's start).
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok && /reference server listening on/.test(output)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the demo server did not start in 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
  });
  return {
    origin,
    browser,
    output: () => output,
    async close() {
      await browser.close().catch(() => {});
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
