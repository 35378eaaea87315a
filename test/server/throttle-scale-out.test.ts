/**
 * Issue 6 item 10 across processes: TWO real server processes on ONE real PostgreSQL database,
 * 200 concurrent wrong passwords for one account alternating between them. The attempts are
 * reserved in the database before the password is verified, so the two processes together verify at
 * most the account limit (default 5) — at login and at the current-password check.
 *
 * The processes run test/server/fixtures/fixed-clock-server.ts: the server configured from the
 * environment like server/main.ts, with one fixed clock (blocks never run out during the burst) and
 * every verification logged to a file (counted here).
 */
import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { DEFAULT_RATE_LIMIT } from '../../server/config.js';
import { argon2Hasher } from '../../server/passwords.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { startPostgres, type PgServer } from './pg-harness.js';
import { tempDir } from './helpers.js';
import { repoRoot, spawnServer, type ServerProcess } from './spawn-server.js';

const MAX = DEFAULT_RATE_LIMIT.account.maxFailures;
const USERS = { carol: 'carol password 12345', dave: 'dave password 123456' };

let pgServer: PgServer | undefined;
let servers: ServerProcess[] = [];
let databaseUrl = '';
let daveAccess = '';
const logDir = tempDir('ae-verify-log-');
const logs = ['A', 'B'].map((n) => path.join(logDir, `${n}.log`));

/** Password verifications both processes have run so far. */
const verifications = (): number =>
  logs.reduce((n, f) => n + (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter((l) => l === 'verify').length : 0), 0);

/** Start PostgreSQL, the users and both processes once, on first use inside a test (a failure FAILS the tests). */
let setup: Promise<void> | undefined;
const ready = (): Promise<void> =>
  (setup ??= (async () => {
    pgServer = await startPostgres();
    databaseUrl = pgServer.url;
    const store = await PostgresStore.open(databaseUrl);
    try {
      const hasher = argon2Hasher();
      for (const [username, password] of Object.entries(USERS)) await store.createUser({ username, passwordHash: await hasher.hash(password) }, Date.now());
    } finally {
      await store.close();
    }
    const dataDir = tempDir('ae-throttle-scale-out-');
    const fixedNow = String(Date.now());
    const started = await Promise.allSettled(
      ['A', 'B'].map((name, i) =>
        spawnServer(
          name,
          { AUTH_DATABASE_URL: databaseUrl, AUTH_DATA_DIR: dataDir, AUTH_ISSUER: 'http://auth.throttle.test', AE_FIXED_NOW: fixedNow, AE_VERIFY_LOG: logs[i]! },
          { entry: path.join(repoRoot, 'test', 'server', 'fixtures', 'fixed-clock-server.ts'), ready: /^ready$/m },
        ),
      ),
    );
    servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    // dave signs in before any burst (the bursts use up the address's failures).
    const l = await send(servers[0]!, '/api/auth/login', { username: 'dave', password: USERS.dave, refresh_in_body: true });
    assert.equal(l.status, 200);
    daveAccess = l.body.access;
  })());

after(async () => {
  await Promise.allSettled(servers.map((s) => s.stop()));
  await pgServer?.stop();
});

async function send(server: ServerProcess, urlPath: string, json: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(server.url + urlPath, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

/** 200 concurrent requests alternating between A and B; checks the answers and the verifications against the limit. */
async function boundedBurst(label: string, make: (i: number) => [string, unknown, Record<string, string>?]): Promise<Record<number, number>> {
  const before = verifications();
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(servers[i % 2]!, ...make(i))));
  const verified = verifications() - before;
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  console.log(`# two processes, 200 concurrent ${label}: ${JSON.stringify(counts)}, ${verified} verifications`);
  assert.ok(verified <= MAX, `${verified} verifications in the two processes`);
  assert.ok((counts[401] ?? 0) <= MAX, JSON.stringify(counts));
  assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), 200, JSON.stringify(counts));
  return counts;
}

async function failureCount(key: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ count: number }>('SELECT count FROM login_failures WHERE key = $1', [key])).rows[0]?.count;
  } finally {
    await client.end();
  }
}

describe('two server processes on one PostgreSQL: concurrent wrong passwords stay within the limit', () => {
  beforeEach(ready);

  test(`200 concurrent wrong logins for one account through A and B -> at most ${MAX} verifications in total`, async () => {
    const counts = await boundedBurst('wrong logins', (i) => ['/api/auth/login', { username: 'carol', password: `wrong password ${i}` }]);
    assert.equal(await failureCount('account:carol'), counts[401] ?? 0, 'every verification was counted first');
    for (const server of servers) {
      const r = await send(server, '/api/auth/login', { username: 'carol', password: USERS.carol });
      assert.equal(r.status, 429, `${server.name}: the right password after the burst is still blocked`);
    }
  });

  test(`200 concurrent wrong current passwords (/api/auth/password) through A and B -> at most ${MAX} verifications`, async () => {
    const auth = { authorization: `Bearer ${daveAccess}` };
    await boundedBurst('wrong current passwords', (i) => [
      '/api/auth/password',
      { current_password: `wrong password ${i}`, new_password: 'a brand new passphrase 42' },
      auth,
    ]);
    const r = await send(servers[1]!, '/api/auth/password', { current_password: USERS.dave, new_password: 'a brand new passphrase 42' }, auth);
    assert.equal(r.status, 429);
  });
});
