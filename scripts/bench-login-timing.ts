/**
 * Timing evidence for SECURITY 18: an unknown user, a wrong password and a disabled account should
 * take the same time to be refused (each runs exactly one argon2id verification).
 *
 *   npx tsx scripts/bench-login-timing.ts [rounds]
 *
 * Starts the real app on 127.0.0.1 with a temporary SQLite database, raises the rate limits so no
 * attempt is throttled, and prints median and p90 latency per case. Not a test: timings depend on
 * the machine; compare the rows with each other.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../server/app.js';
import { makeConfig } from '../server/config.js';
import { argon2Hasher } from '../server/passwords.js';

const rounds = Number(process.argv[2] ?? 30);
const unlimited = { maxFailures: 1_000_000, windowSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 1 };

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ae-bench-'));
  const config = makeConfig({ port: 0, dataDir, staticRoots: [], rateLimit: { account: unlimited, address: unlimited } });
  const app = await createApp(config, { logger: { info() {}, warn() {}, error: (m) => console.error(m) } });
  try {
    const url = await app.listen(0, '127.0.0.1');
    const hasher = argon2Hasher();
    await app.store.createUser({ username: 'alice', passwordHash: await hasher.hash('alice password 123') }, Date.now());
    await app.store.createUser({ username: 'dora', passwordHash: await hasher.hash('dora password 123'), disabled: true }, Date.now());

    const cases: { name: string; username: string; password: string; expect: number }[] = [
      { name: 'unknown user', username: 'nobody-here', password: 'some password 1', expect: 401 },
      { name: 'wrong password', username: 'alice', password: 'wrong password 1', expect: 401 },
      { name: 'disabled account', username: 'dora', password: 'dora password 123', expect: 401 },
      { name: 'success (reference)', username: 'alice', password: 'alice password 123', expect: 200 },
    ];
    const once = async (c: (typeof cases)[number]): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: c.username, password: c.password, refresh_in_body: true }),
      });
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (res.status !== c.expect) throw new Error(`${c.name}: expected ${c.expect}, got ${res.status}`);
      return ms;
    };

    for (const c of cases) for (let i = 0; i < 3; i++) await once(c); // warm-up
    const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    // Interleave the cases so drift (CPU frequency, GC) hits all of them alike.
    for (let i = 0; i < rounds; i++) for (const c of cases) samples.get(c.name)!.push(await once(c));

    console.log(`login latency over ${rounds} attempts each (argon2id m=19456 t=2 p=1), milliseconds\n`);
    console.log(`${'case'.padEnd(22)}${'median'.padStart(9)}${'p90'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}`);
    const medians: number[] = [];
    for (const c of cases) {
      const s = [...(samples.get(c.name) ?? [])].sort((a, b) => a - b);
      const med = percentile(s, 50);
      if (c.expect !== 200) medians.push(med);
      const f = (n: number) => n.toFixed(2).padStart(9);
      console.log(`${c.name.padEnd(22)}${f(med)}${f(percentile(s, 90))}${f(s[0] ?? NaN)}${f(s[s.length - 1] ?? NaN)}`);
    }
    const spread = Math.max(...medians) - Math.min(...medians);
    console.log(`\nspread of the failure medians: ${spread.toFixed(2)} ms (SECURITY 18 asks for "within a few milliseconds")`);
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
