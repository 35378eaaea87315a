/**
 * Confusable usernames (issue 6 item 15): a new username that shares a Unicode TR39 skeleton with an
 * existing user's is refused — at registration (the same 409 as a taken name, also at the verify
 * step), by `auth-admin create-superuser` and by the YAML import. A username has two skeletons:
 * of its lower-case form and of its form as typed (where a capital I is still the table's l).
 * Migration 3 back-fills the skeletons of existing users (SQLite and PostgreSQL); when two of them
 * already collide, the oldest keeps the skeleton and one warning line names the pairs.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { confusableSkeleton, usernameSkeletons } from '../../server/identity.js';
import { importStreamlitAuthenticator } from '../../server/import-yaml.js';
import { argon2Hasher } from '../../server/passwords.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { openSqliteStore } from '../../server/store/sqlite.js';
import { DuplicateUserError, type Store } from '../../server/store/types.js';
import { STRONG, register, runAdminCli } from './account-helpers.js';
import { startPostgres, type PgServer } from './pg-harness.js';
import { startServer, tempDir } from './helpers.js';

/** Whether two usernames share a skeleton (what the stores refuse). */
const lookAlike = (a: string, b: string): boolean => usernameSkeletons(a).some((s) => usernameSkeletons(b).includes(s));

/** [new name, existing name, why] triples that must collide. */
const CONFUSABLE: ReadonlyArray<readonly [string, string, string]> = [
  ['\u0430lice', 'alice', 'Cyrillic а (U+0430) for Latin a'],
  ['\u0391DMIN', 'admin', 'Greek capital Alpha (U+0391) for A'],
  ['adm\u0131n', 'admin', 'dotless ı (U+0131) for i'],
  ['p\u0430yp\u0430l', 'paypal', 'mixed script: two Cyrillic а in a Latin name'],
  ['\u0455\u0441\u043e\u0440\u0435', 'scope', 'all Cyrillic ѕсоре for Latin scope'],
  ['\uff41\uff4c\uff49\uff43\uff45', 'alice', 'fullwidth ａｌｉｃｅ'],
  ['a1ice', 'alice', 'digit 1 for l (the table maps 1 to l)'],
  ['b0b', 'bob', 'digit 0 for o (the table maps 0 to O; compared lower-cased)'],
  ['B0B', 'Bob', 'digit 0 for O'],
  ['rnallory', 'mallory', 'rn for m'],
  ['\u0251lice', 'alice', 'Latin alpha ɑ (U+0251)'],
  ['a\u01c0ice', 'alice', 'dental click ǀ (U+01C0) for l'],
  ['alic\u0435', 'ALICE', 'Cyrillic е at the end, against another letter case'],
  ['AIice', 'alice', 'capital I for l: seen in the form as typed (the lower-case form is aiice)'],
  ['lvan', 'Ivan', 'l for the capital I of an existing name as typed'],
  ['\u039cALLORY', 'mallory', 'Greek capital Mu: M, whose lower case m maps on to rn'],
];

const DISTINCT = ['alice', 'alicia', 'bob', 'carol', 'dave', 'eve', 'mallory', 'trent', 'j.doe', 'j_doe2', 'zo\u00eb', 'п\u0451тр', 'μαρ\u03afα', 'Ivan'];

describe('the TR39 skeletons of a username', () => {
  for (const [name, existing, why] of CONFUSABLE) {
    test(`${JSON.stringify(name)} ~ ${JSON.stringify(existing)}: ${why}`, () => {
      assert.ok(lookAlike(name, existing), `${JSON.stringify(usernameSkeletons(name))} vs ${JSON.stringify(usernameSkeletons(existing))}`);
      assert.ok(lookAlike(existing, name), 'symmetric');
    });
  }

  test('ordinary distinct names share no skeleton', () => {
    for (const a of DISTINCT) {
      for (const b of DISTINCT) if (a !== b) assert.ok(!lookAlike(a, b), `${a} ~ ${b}`);
    }
  });

  test('letter case and Unicode normalization do not matter; the form as typed adds a skeleton only when it differs', () => {
    assert.deepEqual(usernameSkeletons('alice'), ['alice']);
    assert.deepEqual(usernameSkeletons('Alice'), ['alice']);
    assert.deepEqual(usernameSkeletons('AIice'), ['aiice', 'alice']);
    assert.deepEqual(usernameSkeletons('ALICE'), ['alice', 'allce']);
    assert.ok(lookAlike('ALICE', 'ALlCE'), 'l for I, both as typed');
    assert.deepEqual(usernameSkeletons('Zo\u00eb'), usernameSkeletons('zo\u0065\u0308'), 'composed and decomposed ë');
    for (const name of DISTINCT) for (const sk of usernameSkeletons(name)) assert.equal(sk, sk.normalize('NFD'));
  });

  test('every code point of the table, in either case, settles: the skeleton of a skeleton is itself', () => {
    const table = createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>;
    const keys = Object.keys(table);
    assert.equal(keys.length, 6311);
    for (const key of keys) {
      for (const text of [key, key.toLowerCase(), key.toUpperCase(), `x${key}y`]) {
        const sk = confusableSkeleton(text);
        assert.equal(confusableSkeleton(sk), sk, JSON.stringify(text));
      }
    }
  });
});

describe('registration refuses a confusable username like a taken one', () => {
  test('each confusable name -> the same 409 username_taken as the existing name itself; distinct names are accepted', async () => {
    const s = await startServer({ config: { registration: 'open' } });
    try {
      let i = 0;
      const attempt = async (username: string) => {
        i++;
        const res = await fetch(`${s.url}/api/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, email: `u${i}@corp.com`, password: STRONG }),
        });
        return { status: res.status, text: await res.text() };
      };
      for (const name of DISTINCT) assert.equal((await attempt(name)).status, 201, name);
      for (const existing of ['paypal', 'scope', 'admin']) assert.equal((await attempt(existing)).status, 201, existing);
      const taken = await attempt('alice');
      assert.equal(taken.status, 409);
      assert.equal(JSON.parse(taken.text).error, 'username_taken');
      for (const [name] of CONFUSABLE) assert.deepEqual(await attempt(name), taken, name);
      assert.equal((await s.app.store.listUsers()).length, DISTINCT.length + 3);
    } finally {
      await s.close();
    }
  });

  test('12 concurrent registrations of confusable forms of one name: exactly one account', async () => {
    const s = await startServer({ config: { registration: 'open' } });
    try {
      const forms = ['oscar', '\u043escar', 'OSCAR', '0scar', 'osc\u0430r', '\uff4fscar', '\u03bfscar', 'Oscar', 'osca\u0433', '\u03bf\u0455car', 'oscar', '0SCAR'];
      const results = await Promise.all(forms.map((username, i) => register(s, { username, email: `o${i}@corp.com`, password: STRONG })));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((x) => x === 201).length, 1, statuses.join(','));
      assert.equal(statuses.filter((x) => x === 409).length, forms.length - 1, statuses.join(','));
      assert.equal((await s.app.store.listUsers()).length, 1);
    } finally {
      await s.close();
    }
  });
});

describe('the store refuses a confusable username (unique skeleton index)', () => {
  test('createUser throws DuplicateUserError (username); findConfusableUser finds the existing user', async () => {
    const dir = tempDir();
    const store = openSqliteStore(path.join(dir, 'auth.db'));
    try {
      const alice = await store.createUser({ username: 'alice', passwordHash: 'x' }, 1);
      await assert.rejects(store.createUser({ username: '\u0430lice', passwordHash: 'x' }, 2), (err: unknown) => {
        assert.ok(err instanceof DuplicateUserError);
        assert.equal(err.field, 'username');
        return true;
      });
      assert.equal((await store.findConfusableUser('\u0430LICE'))?.id, alice.id);
      assert.equal((await store.findConfusableUser('ALICE'))?.id, alice.id);
      assert.equal(await store.findConfusableUser('alicia'), null);
    } finally {
      await store.close();
    }
  });
});

describe('auth-admin create-superuser and import-yaml refuse confusable usernames', () => {
  test('create-superuser: a confusable of an existing user fails with a clear message; nothing is created', async () => {
    const db = path.join(tempDir('ae-admin-'), 'auth.db');
    const store = openSqliteStore(db);
    await store.createUser({ username: 'admin', passwordHash: 'x' }, 1);
    await store.close();
    const r = await runAdminCli(['--db', db, 'create-superuser', '--username', '\u0391DMIN', '--email', 'root@corp.com'], { stdin: `${STRONG}\n` });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /looks like the existing user admin/);
    const again = openSqliteStore(db);
    try {
      assert.equal((await again.listUsers()).length, 1);
    } finally {
      await again.close();
    }
  });

  test('import-yaml: an entry confusable with an existing user, or with an earlier entry, is reported and skipped', async () => {
    const store = openSqliteStore(path.join(tempDir(), 'auth.db'));
    try {
      await store.createUser({ username: 'alice', passwordHash: 'x' }, 1);
      const yaml = [
        'credentials:',
        '  usernames:',
        '    \u0430lice:',
        '      email: a1@corp.com',
        '      password: a long enough password',
        '    bob:',
        '      email: bob@corp.com',
        '      password: a long enough password',
        '    b0b:',
        '      email: bob2@corp.com',
        '      password: a long enough password',
        '    alice:',
        '      email: a2@corp.com',
        '      password: a long enough password',
        '',
      ].join('\n');
      const report = await importStreamlitAuthenticator(yaml, 'c.yaml', store, argon2Hasher(), 2);
      assert.deepEqual(report.created, ['bob']);
      assert.deepEqual(report.existing, ['alice'], 'the same name again is "already exists" (re-running stays harmless)');
      assert.deepEqual(
        report.invalid.map((i) => [i.username, i.reason]),
        [
          ['\u0430lice', 'looks like the existing user alice (confusable characters)'],
          ['b0b', 'looks like the existing user bob (confusable characters)'],
        ],
      );
    } finally {
      await store.close();
    }
  });
});

// ---- migration 3: back-fill of existing users ------------------------------------------------

/** Users of a version-2 database: two pairs that collide (the older first), and an ordinary one. */
const OLD_USERS = [
  { id: 'u-old', username: 'alice', created_at: 1000 },
  { id: 'u-young', username: '\u0430lice', created_at: 2000 },
  { id: 'u-bob', username: 'bob', created_at: 3000 },
  { id: 'u-ian', username: 'Ian', created_at: 4000 },
  { id: 'u-lan', username: 'lan', created_at: 5000 },
];

/** Turn a fresh database back into a version-2 one (SQLite: 2; PostgreSQL counts 1 for it): what later migrations added goes. */
const DOWNGRADE = (version: number): string =>
  `DROP TABLE memberships; DROP TABLE orgs; ALTER TABLE sessions DROP COLUMN org_id;
   DROP TABLE username_skeletons; DROP TABLE pending_registrations; ALTER TABLE users DROP COLUMN last_login;
   ALTER TABLE users DROP COLUMN logins_count; UPDATE schema_version SET version = ${version}`;

describe('migration 3 back-fills the skeletons of existing users', () => {
  test('SQLite: the oldest of two colliding users keeps the skeleton, one warning line names the pairs', async () => {
    const file = path.join(tempDir(), 'auth.db');
    await openSqliteStore(file).close();
    // Make it a version-2 database holding users that were accepted before this version.
    const db = new Database(file);
    db.exec(DOWNGRADE(2));
    const insert = db.prepare(
      "INSERT INTO users (id, username, username_normalized, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', ?, ?)",
    );
    for (const u of OLD_USERS) insert.run(u.id, u.username, u.username.toLowerCase(), u.created_at, u.created_at);
    db.close();
    const warnings: string[] = [];
    const store = openSqliteStore(file, { warn: (m) => warnings.push(m) });
    try {
      await checkBackfill(store, warnings);
    } finally {
      await store.close();
    }
    // Opening it again migrates nothing and warns no more.
    const again = openSqliteStore(file, { warn: (m) => warnings.push(m) });
    await again.close();
    assert.equal(warnings.length, 1);
  });

  let pgServer: PgServer | undefined;
  after(() => pgServer?.stop());
  test('PostgreSQL: the same', async () => {
    pgServer = await startPostgres();
    const url = await pgServer.createDatabase();
    await (await PostgresStore.open(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(DOWNGRADE(1));
      for (const u of OLD_USERS) {
        await client.query(
          "INSERT INTO users (id, username, username_normalized, password_hash, created_at, updated_at) VALUES ($1, $2, $3, 'x', $4, $4)",
          [u.id, u.username, u.username.toLowerCase(), u.created_at],
        );
      }
    } finally {
      await client.end();
    }
    const warnings: string[] = [];
    const store = await PostgresStore.open(url, { warn: (m) => warnings.push(m) });
    try {
      await checkBackfill(store, warnings);
    } finally {
      await store.close();
    }
    await (await PostgresStore.open(url, { warn: (m) => warnings.push(m) })).close();
    assert.equal(warnings.length, 1);
  });
});

async function checkBackfill(store: Store, warnings: string[]): Promise<void> {
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /"\u0430lice" looks like "alice"/);
  assert.match(warnings[0]!, /"lan" looks like "Ian"/);
  assert.match(warnings[0]!, /oldest/);
  // The old users still log in by their own names; a new confusable name is refused.
  assert.equal((await store.findUserByUsername('\u0430lice'))?.id, 'u-young');
  assert.equal((await store.findUserByUsername('LAN'))?.id, 'u-lan');
  assert.equal((await store.findConfusableUser('\u0430lice'))?.id, 'u-old');
  assert.equal((await store.findConfusableUser('B0B'))?.id, 'u-bob');
  assert.equal((await store.findConfusableUser('lan'))?.id, 'u-ian');
  await assert.rejects(store.createUser({ username: 'a1ice', passwordHash: 'x' }, 5000), DuplicateUserError);
  await assert.rejects(store.createUser({ username: 'b\u03bfb', passwordHash: 'x' }, 5000), DuplicateUserError);
  await assert.rejects(store.createUser({ username: '1an', passwordHash: 'x' }, 5000), DuplicateUserError);
  assert.equal((await store.createUser({ username: 'alicia', passwordHash: 'x' }, 5000)).username, 'alicia');
}
