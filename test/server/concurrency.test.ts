/**
 * Concurrent registrations through the HTTP API (POST /api/auth/register, open registration),
 * against the SQLite store (one server) and the PostgreSQL store (two servers sharing one
 * database, requests alternating between them) — the same test body for both:
 * - 200 concurrent registrations of distinct users all persist (counted in the store afterwards);
 * - 20 concurrent registrations of one username (in different letter cases) give exactly one
 *   account and 19 clear 409 `username_taken` answers; nothing is lost, nothing doubled;
 * - 60 concurrent registrations from one address with a limit of 10, spread over two more servers on
 *   the same database: exactly 10 are hashed and created, 50 answer 429 (the attempt is counted in
 *   the store before the hash).
 */
import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { startPostgres, type PgServer } from './pg-harness.js';
import type { ConfigOverrides } from '../../server/config.js';
import { REGISTER_ADDRESS_PREFIX } from '../../server/routes/account.js';
import { post, startServer, tempDir, type TestServer } from './helpers.js';

const DISTINCT = 200;
const SAME = 20;

/** A password the policy accepts: long, random, not common, not the username. */
const password = (): string => `tall ${randomBytes(9).toString('base64url')} lantern`;

interface Target {
  readonly servers: readonly TestServer[];
  /** Start more servers on the same database with other settings (closed by the suite). */
  more(config: ConfigOverrides): Promise<TestServer[]>;
  /** A store on the same database, opened separately, to count what persisted. */
  readonly store: Store;
}

function concurrencySuite(name: string, setup: () => Promise<Target>, teardown: () => Promise<void>): void {
  describe(`concurrent registrations: ${name}`, () => {
    let target: Target;
    let ready: Promise<void> | undefined;
    // Set up on first use (beforeEach, memoized): when PostgreSQL cannot start the tests FAIL;
    // a failing before() would only cancel them.
    beforeEach(() => (ready ??= setup().then((t) => void (target = t))));
    after(teardown);

    const server = (i: number): TestServer => target.servers[i % target.servers.length]!;
    const register = (i: number, username: string, email: string) =>
      post(server(i), '/api/auth/register', { username, email, password: password(), name: `User ${i}` });

    test(`${DISTINCT} concurrent registrations of distinct users all persist`, async () => {
      const prefix = `u${randomBytes(3).toString('hex')}`;
      const results = await Promise.all(Array.from({ length: DISTINCT }, (_, i) => register(i, `${prefix}-${i}`, `${prefix}-${i}@example.com`)));
      const failed = results.map((r, i) => [i, r.status, r.body] as const).filter(([, status]) => status !== 201);
      assert.deepEqual(failed, [], 'every registration answered 201');
      for (const [i, r] of results.entries()) assert.equal(r.body.user.username, `${prefix}-${i}`);

      const users = (await target.store.listUsers()).filter((u) => u.username.startsWith(`${prefix}-`));
      assert.equal(users.length, DISTINCT, 'every account is in the store');
      assert.equal(new Set(users.map((u) => u.id)).size, DISTINCT);
      for (let i = 0; i < DISTINCT; i++) {
        const u = await target.store.findUserByUsername(`${prefix}-${i}`);
        assert.equal(u?.email, `${prefix}-${i}@example.com`, `user ${i}`);
        assert.match(u?.passwordHash ?? '', /^\$argon2id\$/);
      }
    });

    test(`${SAME} concurrent registrations of one username: exactly one account, ${SAME - 1} username_taken`, async () => {
      const base = `racer${randomBytes(3).toString('hex')}`;
      const forms = [base, base.toUpperCase(), base[0]!.toUpperCase() + base.slice(1)];
      const results = await Promise.all(
        Array.from({ length: SAME }, (_, i) => register(i, forms[i % forms.length]!, `${base}-${i}@example.com`)),
      );
      const created = results.filter((r) => r.status === 201);
      const taken = results.filter((r) => r.status === 409);
      assert.equal(created.length, 1, `one 201, got ${results.map((r) => r.status).join(',')}`);
      assert.equal(taken.length, SAME - 1);
      for (const r of taken) {
        assert.equal(r.body.error, 'username_taken');
        assert.match(r.body.error_description, /taken/i);
      }
      const winner = created[0]!.body.user;
      const stored = (await target.store.listUsers()).filter((u) => u.usernameNormalized === base);
      assert.equal(stored.length, 1, 'exactly one account in the store');
      assert.equal(stored[0]!.id, winner.id);
      assert.equal(stored[0]!.username, winner.username);
    });

    test('60 concurrent registrations from one address over the limit of 10: exactly 10 hashed and created, 50 x 429', async () => {
      const limited = await target.more({ registerRateLimit: { max: 10, windowSeconds: 3600 } });
      await target.store.clearFailures(`${REGISTER_ADDRESS_PREFIX}127.0.0.1`); // the tests above counted too
      const hashes = () => limited.reduce((n, s) => n + s.hasher.hashCalls, 0);
      const before = hashes();
      const prefix = `lim${randomBytes(3).toString('hex')}`;
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          post(limited[i % limited.length]!, '/api/auth/register', { username: `${prefix}-${i}`, email: `${prefix}-${i}@example.com`, password: password() }),
        ),
      );
      const statuses = results.map((r) => r.status);
      assert.deepEqual(
        { hashed: hashes() - before, created: statuses.filter((x) => x === 201).length, limited: statuses.filter((x) => x === 429).length },
        { hashed: 10, created: 10, limited: 50 },
        statuses.join(','),
      );
      assert.equal((await target.store.listUsers()).filter((u) => u.username.startsWith(`${prefix}-`)).length, 10);
    });
  });
}

const openConfig = { registration: 'open' as const };

// ---- SQLite: one server on one file ----
{
  let server: TestServer | undefined;
  let store: Store | undefined;
  const extra: TestServer[] = [];
  concurrencySuite(
    'SQLite (one server)',
    async () => {
      server = await startServer({ config: openConfig });
      store = await openStore(server.config);
      const first = server;
      // More servers on the same SQLite file (separate connections, as separate processes would have).
      const more = async (config: ConfigOverrides) => {
        const started = await Promise.all([1, 2].map(() => startServer({ config: { ...openConfig, ...config }, dataDir: first.dataDir })));
        extra.push(...started);
        return started;
      };
      return { servers: [server], store, more };
    },
    async () => {
      await store?.close();
      await Promise.allSettled(extra.map((s) => s.close()));
      await server?.close();
    },
  );
}

// ---- PostgreSQL: two servers on one database ----
{
  let pgServer: PgServer | undefined;
  const servers: TestServer[] = [];
  let store: Store | undefined;
  concurrencySuite(
    'PostgreSQL (two servers, one database)',
    async () => {
      pgServer = await startPostgres();
      const dataDir = tempDir();
      const config = { ...openConfig, databaseUrl: pgServer.url };
      servers.push(...(await Promise.all([startServer({ config, dataDir }), startServer({ config, dataDir })])));
      store = await openStore({ databaseUrl: pgServer.url, dbPath: '' });
      const more = async (overrides: ConfigOverrides) => {
        const started = await Promise.all([1, 2].map(() => startServer({ config: { ...config, ...overrides }, dataDir })));
        servers.push(...started);
        return started;
      };
      return { servers: [...servers], store, more };
    },
    async () => {
      await store?.close();
      await Promise.allSettled(servers.map((s) => s.close()));
      await pgServer?.stop();
    },
  );
}
