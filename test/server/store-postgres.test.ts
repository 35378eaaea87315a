/**
 * The Store contract (store-contract.ts) against the PostgreSQL store: one real PostgreSQL for the
 * file (test/server/pg-harness.ts), a fresh database per test. Fails (does not skip) when
 * PostgreSQL cannot start.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PG_SCHEMA_VERSION, PostgresStore } from '../../server/store/postgres.js';
import { openStore } from '../../server/store/open.js';
import { makeConfig } from '../../server/config.js';
import { startPostgres, type PgServer } from './pg-harness.js';
import { storeContract } from './store-contract.js';
import { tempDir } from './helpers.js';

let server: PgServer | undefined;
let starting: Promise<PgServer> | undefined;
/**
 * The server, started on first use inside a test (not in a before() hook: a failing hook only
 * cancels the tests, while this way every test FAILS with the harness's error).
 */
const pgServer = (): Promise<PgServer> => (starting ??= startPostgres().then((s) => (server = s)));

after(async () => {
  await server?.stop();
});

storeContract('PostgreSQL', async () => {
  const url = await (await pgServer()).createDatabase();
  const store = await PostgresStore.open(url);
  const extra: PostgresStore[] = [];
  return {
    store,
    reopen: async () => {
      const s = await PostgresStore.open(url);
      extra.push(s);
      return s;
    },
    cleanup: async () => {
      await store.close();
      for (const s of extra) await s.close();
    },
  };
});

describe('PostgreSQL store specifics', () => {
  test('two stores opening a fresh database at once migrate it once (advisory lock)', async () => {
    const url = await (await pgServer()).createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(url)));
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const r = await client.query<{ version: number }>('SELECT version FROM schema_version');
        assert.deepEqual(r.rows, [{ version: PG_SCHEMA_VERSION }]);
      } finally {
        await client.end();
      }
      await stores[0]!.createUser({ username: 'alice', passwordHash: 'x' }, 1);
      assert.equal((await stores[3]!.findUserByUsername('ALICE'))?.username, 'alice');
    } finally {
      for (const s of stores) await s.close();
    }
  });

  test('reopening a migrated database keeps the data', async () => {
    const url = await (await pgServer()).createDatabase();
    const a = await PostgresStore.open(url);
    await a.createUser({ username: 'alice', passwordHash: 'x', roles: ['admin'] }, 1);
    await a.close();
    const b = await PostgresStore.open(url);
    try {
      assert.deepEqual((await b.findUserByUsername('alice'))?.roles, ['admin']);
    } finally {
      await b.close();
    }
  });

  test('a database from before organizations (version 3) upgrades: its sessions get no org, orgs work', async () => {
    const url = await (await pgServer()).createDatabase();
    const fresh = await PostgresStore.open(url);
    const user = await fresh.createUser({ username: 'alice', passwordHash: 'x' }, 1);
    await fresh.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('DROP TABLE memberships; DROP TABLE orgs; ALTER TABLE sessions DROP COLUMN org_id; UPDATE schema_version SET version = 3');
      await client.query("INSERT INTO sessions (id, user_id, created_at, absolute_expires_at, revoked_at) VALUES ('old-session', $1, 1, 99, NULL)", [user.id]);
    } finally {
      await client.end();
    }
    const store = await PostgresStore.open(url);
    try {
      assert.deepEqual(await store.getSession('old-session'), { id: 'old-session', userId: user.id, createdAt: 1, absoluteExpiresAt: 99, revokedAt: null, orgId: null });
      await store.createOrg({ id: 'acme', name: 'Acme' }, 2);
      assert.equal(await store.addMember('acme', user.id, 'owner', 2), 'added');
      await store.setSessionOrg('old-session', 'acme', 3);
      assert.equal((await store.getSession('old-session'))?.orgId, 'acme');
    } finally {
      await store.close();
    }
  });

  test('a database from a newer server version is refused', async () => {
    const url = await (await pgServer()).createDatabase();
    const a = await PostgresStore.open(url);
    await a.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE schema_version SET version = version + 1');
    await client.end();
    await assert.rejects(PostgresStore.open(url), /newer than this server/);
  });

  test('openStore picks PostgreSQL when databaseUrl is set', async () => {
    const url = await (await pgServer()).createDatabase();
    const store = await openStore(makeConfig({ dataDir: tempDir(), databaseUrl: url }));
    try {
      assert.ok(store instanceof PostgresStore);
    } finally {
      await store.close();
    }
  });

  test('an unreachable database fails loudly', async () => {
    const port = (await pgServer()).port;
    await assert.rejects(PostgresStore.open(`postgres://postgres@127.0.0.1:${port}/no_such_db`), /does not exist/);
  });
});
