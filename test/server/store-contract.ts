/**
 * The Store contract: one suite that every store (SQLite, PostgreSQL) must pass, so the server
 * behaves the same whichever it runs on. store-sqlite.test.ts and store-postgres.test.ts run it.
 *
 * `makeStore` gives every test a fresh, empty store; `reopen` (optional) opens a SECOND store on
 * the same database — as a second server process would — for the cross-instance races.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { RateLimitPolicy } from '../../server/config.js';
import { nextFailure } from '../../server/rate-limit.js';
import {
  DuplicateOrgError,
  DuplicateUserError,
  NotPreauthorizedError,
  OUTBOX_MAX_AGE_MS,
  type FailureRecord,
  type Store,
  type UserRecord,
} from '../../server/store/types.js';

export interface ContractStore {
  readonly store: Store;
  /** Close what the factory opened and drop the data. */
  cleanup(): Promise<void>;
  /** Another store on the same database (closed by the caller). */
  reopen?(): Promise<Store>;
}

const T0 = 1_700_000_000_000;
const MIN = 60_000;
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

const POLICY: RateLimitPolicy = { maxFailures: 3, windowSeconds: 600, baseDelaySeconds: 2, maxDelaySeconds: 10 };

async function rejectsWith<E extends Error>(p: Promise<unknown>, cls: new (...a: any[]) => E, check?: (e: E) => void): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    check?.(err);
    return true;
  });
}

export function storeContract(name: string, makeStore: () => Promise<ContractStore>): void {
  /** Run `fn` with a fresh store; always clean up. */
  const withStore = (fn: (s: Store, ctx: ContractStore) => Promise<void>) => async (): Promise<void> => {
    const ctx = await makeStore();
    try {
      await fn(ctx.store, ctx);
    } finally {
      await ctx.cleanup();
    }
  };
  const addUser = (s: Store, username: string, extra: { email?: string; name?: string; id?: string } = {}, now = T0): Promise<UserRecord> =>
    s.createUser({ username, passwordHash: HASH, ...extra }, now);
  const addSession = async (s: Store, userId: string, now = T0, ttl = 60 * MIN): Promise<string> => {
    const id = randomUUID();
    await s.createSession({ id, userId, absoluteExpiresAt: now + ttl }, now);
    return id;
  };

  describe(`store contract: ${name}`, () => {
    // ---------------------------------------------------------------- users
    describe('users', () => {
      test('createUser returns the full record with defaults', withStore(async (s) => {
        const u = await s.createUser({ username: 'Alice', passwordHash: HASH }, T0);
        assert.match(u.id, /^[0-9a-f-]{36}$/);
        assert.deepEqual({ ...u, id: '' }, {
          id: '', username: 'Alice', usernameNormalized: 'alice', name: '', email: '', passwordHash: HASH,
          roles: [], disabled: false, createdAt: T0, updatedAt: T0, lastLogin: null, loginsCount: 0,
        });
        const v = await s.createUser(
          { id: 'fixed-id', username: 'bob', name: 'Bob B', email: 'Bob@Example.com', passwordHash: HASH, roles: ['admin', 'member'], disabled: true },
          T0 + 1,
        );
        assert.deepEqual(v, {
          id: 'fixed-id', username: 'bob', usernameNormalized: 'bob', name: 'Bob B', email: 'Bob@Example.com', passwordHash: HASH,
          roles: ['admin', 'member'], disabled: true, createdAt: T0 + 1, updatedAt: T0 + 1, lastLogin: null, loginsCount: 0,
        });
        assert.deepEqual(await s.findUserById('fixed-id'), v);
        assert.equal(await s.findUserById('nobody'), null);
      }));

      test('usernames are found case-insensitively and in NFKC form', withStore(async (s) => {
        const u = await addUser(s, 'Alice');
        for (const form of ['alice', 'ALICE', 'aLiCe', '\uFF21\uFF4C\uFF49\uFF43\uFF45' /* fullwidth Ａｌｉｃｅ */]) {
          assert.equal((await s.findUserByUsername(form))?.id, u.id, form);
        }
        assert.equal((await s.findUserByUsername('alice'))?.username, 'Alice', 'the typed form is kept for display');
        assert.equal(await s.findUserByUsername('alic'), null);
        assert.equal(await s.findUserByUsername('alice '), null);
        // "ﬁ" (U+FB01) is "fi" in NFKC
        const fi = await addUser(s, '\uFB01sh');
        assert.equal(fi.usernameNormalized, 'fish');
        assert.equal((await s.findUserByUsername('FISH'))?.id, fi.id);
      }));

      test('a taken username (any case or compatibility form) throws DuplicateUserError and writes nothing', withStore(async (s) => {
        await addUser(s, 'alice', { email: 'a@example.com' });
        for (const taken of ['alice', 'ALICE', '\uFF41lice']) {
          await rejectsWith(addUser(s, taken, { email: `${randomUUID()}@example.com` }), DuplicateUserError, (e) => assert.equal(e.field, 'username'));
        }
        assert.equal((await s.listUsers()).length, 1);
        assert.equal(await s.findUserByEmail(''), null);
      }));

      test('an id that exists already is a DuplicateUserError too', withStore(async (s) => {
        await addUser(s, 'alice', { id: 'same' });
        await rejectsWith(addUser(s, 'bob', { id: 'same' }), DuplicateUserError);
        assert.equal(await s.findUserByUsername('bob'), null);
      }));

      test('emails are unique when normalized; empty emails are not', withStore(async (s) => {
        await addUser(s, 'alice', { email: 'Alice@Example.com' });
        for (const email of ['alice@example.com', ' ALICE@EXAMPLE.COM ', 'alice\uFF20example.com']) {
          await rejectsWith(addUser(s, `u${randomUUID().slice(0, 8)}`, { email }), DuplicateUserError, (e) => assert.equal(e.field, 'email'));
        }
        await addUser(s, 'nomail1');
        await addUser(s, 'nomail2', { email: '' });
        assert.equal((await s.listUsers()).length, 3);
      }));

      test('findUserByEmail compares normalized; an empty email finds nobody', withStore(async (s) => {
        const a = await addUser(s, 'alice', { email: 'Alice@Example.com' });
        await addUser(s, 'nomail');
        assert.equal((await s.findUserByEmail('alice@example.com'))?.id, a.id);
        assert.equal((await s.findUserByEmail('  ALICE@example.COM'))?.id, a.id);
        assert.equal((await s.findUserByEmail('alice\uFF20example.com'))?.id, a.id);
        assert.equal((await s.findUserByEmail('Alice@Example.com'))?.email, 'Alice@Example.com', 'kept as given');
        assert.equal(await s.findUserByEmail(''), null);
        assert.equal(await s.findUserByEmail('   '), null);
        assert.equal(await s.findUserByEmail('bob@example.com'), null);
      }));

      test('password hash, disabled flag and roles update and bump updatedAt', withStore(async (s) => {
        const u = await addUser(s, 'alice');
        await s.updatePasswordHash(u.id, '$argon2id$new', T0 + 10);
        await s.setDisabled(u.id, true, T0 + 20);
        let r = (await s.findUserById(u.id))!;
        assert.equal(r.passwordHash, '$argon2id$new');
        assert.equal(r.disabled, true);
        assert.equal(r.updatedAt, T0 + 20);
        await s.setRoles(u.id, ['admin', 'editor'], T0 + 30);
        r = (await s.findUserById(u.id))!;
        assert.deepEqual(r.roles, ['admin', 'editor']);
        assert.equal(r.updatedAt, T0 + 30);
        assert.equal(r.createdAt, T0);
        await s.setDisabled(u.id, false, T0 + 40);
        await s.setRoles(u.id, [], T0 + 40);
        r = (await s.findUserById(u.id))!;
        assert.equal(r.disabled, false);
        assert.deepEqual(r.roles, []);
        // unknown ids: no error, nothing created
        await s.updatePasswordHash('nobody', 'x', T0);
        await s.setDisabled('nobody', true, T0);
        await s.setRoles('nobody', ['admin'], T0);
        assert.equal((await s.listUsers()).length, 1);
      }));

      test('recordLogin sets lastLogin and counts logins, without touching updatedAt; unknown ids are ignored', withStore(async (s) => {
        const u = await addUser(s, 'alice');
        const other = await addUser(s, 'bob');
        await s.recordLogin(u.id, T0 + 10);
        await s.recordLogin(u.id, T0 + 20);
        const r = (await s.findUserById(u.id))!;
        assert.deepEqual([r.lastLogin, r.loginsCount, r.updatedAt], [T0 + 20, 2, T0]);
        assert.deepEqual((await s.listUsers()).map((x) => [x.username, x.lastLogin, x.loginsCount]), [['alice', T0 + 20, 2], ['bob', null, 0]]);
        await s.recordLogin('nobody', T0);
        assert.deepEqual(await s.findUserById(other.id), other);
      }));

      test('concurrent recordLogin calls from two store instances are all counted', withStore(async (s, ctx) => {
        const u = await addUser(s, 'alice');
        const second = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? s : second).recordLogin(u.id, T0 + i)));
          const r = (await s.findUserById(u.id))!;
          assert.equal(r.loginsCount, 30);
          assert.ok(r.lastLogin !== null && r.lastLogin >= T0 && r.lastLogin <= T0 + 29);
        } finally {
          if (second !== s) await second.close();
        }
      }));

      test('listUsers lists every user, oldest first', withStore(async (s) => {
        await addUser(s, 'carol', {}, T0 + 2);
        await addUser(s, 'alice', {}, T0 + 1);
        await addUser(s, 'bob', {}, T0 + 2);
        await addUser(s, 'Dave', {}, T0);
        assert.deepEqual((await s.listUsers()).map((u) => u.username), ['Dave', 'alice', 'bob', 'carol']);
      }));

      test('updateUserDetails changes name and/or email, keeps what is undefined', withStore(async (s) => {
        const u = await addUser(s, 'alice', { name: 'Alice', email: 'alice@example.com' });
        let r = await s.updateUserDetails(u.id, { name: 'Alice A' }, T0 + 5);
        assert.equal(r?.name, 'Alice A');
        assert.equal(r?.email, 'alice@example.com');
        assert.equal(r?.updatedAt, T0 + 5);
        r = await s.updateUserDetails(u.id, { email: 'New@Example.com' }, T0 + 6);
        assert.equal(r?.name, 'Alice A');
        assert.equal(r?.email, 'New@Example.com');
        assert.equal((await s.findUserByEmail('new@example.com'))?.id, u.id);
        assert.equal(await s.findUserByEmail('alice@example.com'), null, 'the old email no longer finds the user');
        // own email in another case: allowed
        r = await s.updateUserDetails(u.id, { email: 'NEW@example.com' }, T0 + 7);
        assert.equal(r?.email, 'NEW@example.com');
        // '' removes the email
        r = await s.updateUserDetails(u.id, { email: '' }, T0 + 8);
        assert.equal(r?.email, '');
        assert.equal(await s.findUserByEmail('new@example.com'), null);
        assert.deepEqual(await s.updateUserDetails(u.id, {}, T0 + 9).then((x) => x?.name), 'Alice A');
        assert.equal(await s.updateUserDetails('nobody', { name: 'x' }, T0), null);
      }));

      test("updateUserDetails refuses another user's email (DuplicateUserError 'email') and changes nothing", withStore(async (s) => {
        const a = await addUser(s, 'alice', { name: 'Alice', email: 'alice@example.com' });
        await addUser(s, 'bob', { email: 'bob@example.com' });
        await rejectsWith(s.updateUserDetails(a.id, { name: 'Changed', email: 'BOB@example.com' }, T0 + 1), DuplicateUserError, (e) =>
          assert.equal(e.field, 'email'),
        );
        const r = (await s.findUserById(a.id))!;
        assert.equal(r.name, 'Alice');
        assert.equal(r.email, 'alice@example.com');
        assert.equal(r.updatedAt, T0);
        // two users may both have no email
        await s.updateUserDetails(a.id, { email: '' }, T0 + 2);
        const c = await addUser(s, 'carol');
        assert.equal((await s.updateUserDetails(c.id, { email: '' }, T0 + 3))?.email, '');
      }));
    });

    // ---------------------------------------------------------------- hostile strings
    describe('hostile strings (login input reaches the store unvalidated)', () => {
      test('look-ups with U+0000 find nothing; counters with U+0000 or backslashes stay distinct', withStore(async (s) => {
        await addUser(s, 'alice', { email: 'alice@example.com' });
        assert.equal(await s.findUserByUsername('alice\0'), null);
        assert.equal(await s.findUserByEmail('alice@example.com\0'), null);
        assert.equal(await s.findUserById('x\0'), null);
        assert.equal(await s.getSession('x\0'), null);
        const keys = ['account:a\0b', 'account:a\\0b', 'account:a\\\0b', 'account:a\\b', 'account:ab'];
        for (const [i, key] of keys.entries()) {
          for (let n = 0; n <= i; n++) {
            const r = await s.recordFailure(key, T0, POLICY);
            assert.equal(r.key, key);
          }
        }
        for (const [i, key] of keys.entries()) {
          assert.equal((await s.recordFailure(key, T0, POLICY)).count, i + 2, JSON.stringify(key));
        }
        assert.ok((await s.getBlock('account:a\\0b', T0)) !== null);
        await s.clearFailures('account:a\0b');
        assert.equal((await s.recordFailure('account:a\0b', T0, POLICY)).count, 1);
        assert.equal((await s.recordFailure('account:a\\0b', T0, POLICY)).count, 4);
        assert.equal((await s.findUserByUsername('\uD800alice')), null, 'a lone surrogate matches nobody');
      }));
    });

    // ---------------------------------------------------------------- pre-authorized emails
    describe('pre-authorized emails', () => {
      test('add (normalized, duplicates ignored), list sorted, remove', withStore(async (s) => {
        assert.equal(await s.addPreauthorizedEmails(['Zed@Example.com', 'amy@example.com', 'AMY@example.com', '', '  '], T0), 2);
        assert.equal(await s.addPreauthorizedEmails(['zed@example.com', 'bea@example.com'], T0), 1);
        assert.deepEqual(await s.listPreauthorizedEmails(), ['amy@example.com', 'bea@example.com', 'zed@example.com']);
        assert.equal(await s.removePreauthorizedEmails(['BEA@example.com', 'nobody@example.com']), 1);
        assert.deepEqual(await s.listPreauthorizedEmails(), ['amy@example.com', 'zed@example.com']);
        assert.equal(await s.addPreauthorizedEmails([], T0), 0);
        assert.equal(await s.removePreauthorizedEmails([]), 0);
      }));

      test('createUser consuming a pre-authorized email removes it; a missing one throws NotPreauthorizedError', withStore(async (s) => {
        await s.addPreauthorizedEmails(['amy@example.com', 'bea@example.com'], T0);
        const u = await s.createUser({ username: 'amy', email: 'Amy@Example.com', passwordHash: HASH }, T0, {
          consumePreauthorizedEmail: 'Amy@Example.com',
        });
        assert.equal(u.email, 'Amy@Example.com');
        assert.deepEqual(await s.listPreauthorizedEmails(), ['bea@example.com']);
        // used once: a second registration with that email is refused, nothing written
        await rejectsWith(
          s.createUser({ username: 'amy2', email: 'amy@example.com', passwordHash: HASH }, T0, { consumePreauthorizedEmail: 'amy@example.com' }),
          NotPreauthorizedError,
        );
        // not on the list, and the username is taken too: NotPreauthorizedError comes first
        await rejectsWith(
          s.createUser({ username: 'amy', email: 'cat@example.com', passwordHash: HASH }, T0, { consumePreauthorizedEmail: 'cat@example.com' }),
          NotPreauthorizedError,
        );
        assert.equal(await s.findUserByUsername('amy2'), null);
        assert.equal((await s.listUsers()).length, 1);
      }));

      test('a failing insert gives the pre-authorized email back (rolled back)', withStore(async (s) => {
        await addUser(s, 'taken');
        await s.addPreauthorizedEmails(['bea@example.com'], T0);
        await rejectsWith(
          s.createUser({ username: 'TAKEN', email: 'bea@example.com', passwordHash: HASH }, T0, { consumePreauthorizedEmail: 'bea@example.com' }),
          DuplicateUserError,
        );
        assert.deepEqual(await s.listPreauthorizedEmails(), ['bea@example.com']);
        await s.createUser({ username: 'bea', email: 'bea@example.com', passwordHash: HASH }, T0, { consumePreauthorizedEmail: 'bea@example.com' });
        assert.deepEqual(await s.listPreauthorizedEmails(), []);
      }));

      test('racing registrations with one pre-authorized email: exactly one succeeds', withStore(async (s, ctx) => {
        await s.addPreauthorizedEmails(['race@example.com'], T0);
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          const results = await Promise.allSettled(
            Array.from({ length: 10 }, (_, i) =>
              (i % 2 === 0 ? s : other).createUser({ username: `racer${i}`, passwordHash: HASH }, T0, { consumePreauthorizedEmail: 'race@example.com' }),
            ),
          );
          assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
          for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof NotPreauthorizedError, String(r.reason));
          assert.equal((await s.listUsers()).length, 1);
          assert.deepEqual(await s.listPreauthorizedEmails(), []);
        } finally {
          if (other !== s) await other.close();
        }
      }));
    });

    // ------------------------------------------------- confusable usernames (issue 6 item 15)
    describe('confusable usernames (a unique index of TR39 skeletons)', () => {
      test('a look-alike throws DuplicateUserError (username) and writes nothing; findConfusableUser names the holder', withStore(async (s) => {
        const alice = await addUser(s, 'alice');
        const ivan = await addUser(s, 'Ivan');
        for (const [name, holder] of [['\u0430lice', alice], ['AL\u0406CE', alice], ['a1ice', alice], ['AIice', alice], ['lvan', ivan], ['IVAN', ivan]] as const) {
          await rejectsWith(addUser(s, name), DuplicateUserError, (e) => assert.equal(e.field, 'username', name));
          assert.equal((await s.findConfusableUser(name))?.id, holder.id, name);
        }
        assert.equal((await s.listUsers()).length, 2);
        assert.equal(await s.findConfusableUser('alicia'), null);
        assert.equal(await s.findConfusableUser('ivana'), null);
        assert.equal((await addUser(s, 'alicia')).username, 'alicia');
      }));

      test('a look-alike is found before an email collision, and rolls a pre-authorization back', withStore(async (s) => {
        await addUser(s, 'alice', { email: 'alice@example.com' });
        await rejectsWith(addUser(s, '\u0430lice', { email: 'alice@example.com' }), DuplicateUserError, (e) => assert.equal(e.field, 'username'));
        await s.addPreauthorizedEmails(['bea@example.com'], T0);
        await rejectsWith(
          s.createUser({ username: '\u0430lice', email: 'bea@example.com', passwordHash: HASH }, T0, { consumePreauthorizedEmail: 'bea@example.com' }),
          DuplicateUserError,
          (e) => assert.equal(e.field, 'username'),
        );
        assert.deepEqual(await s.listPreauthorizedEmails(), ['bea@example.com']);
        assert.equal((await s.listUsers()).length, 1);
      }));

      test('concurrent creations of alice and look-alikes from two store instances: exactly one succeeds', withStore(async (s, ctx) => {
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          const names = ['alice', '\u0430lice', 'ALICE', 'a1ice', '\u0251lice', 'AIice', 'alic\u0435', '\u0430l\u0456c\u0435'];
          for (let round = 0; round < 3; round++) {
            const suffix = ['', 'x', 'yz'][round]!;
            const results = await Promise.allSettled(
              names.map((n, i) => (i % 2 === 0 ? s : other).createUser({ username: n + suffix, email: `r${round}-${i}@example.com`, passwordHash: HASH }, T0)),
            );
            const created = results.filter((r) => r.status === 'fulfilled');
            assert.equal(created.length, 1, JSON.stringify(results.map((r) => r.status)));
            for (const r of results) {
              if (r.status === 'rejected') {
                assert.ok(r.reason instanceof DuplicateUserError, String(r.reason));
                assert.equal(r.reason.field, 'username');
              }
            }
          }
          assert.equal((await s.listUsers()).length, 3);
        } finally {
          if (other !== s) await other.close();
        }
      }));
    });

    // ---------------------------------------------------------------- sessions
    describe('sessions and refresh tokens', () => {
      test('createSession / getSession / revokeSession (idempotent)', withStore(async (s) => {
        const u = await addUser(s, 'alice');
        const created = await s.createSession({ id: 'sess-1', userId: u.id, absoluteExpiresAt: T0 + 1000 }, T0);
        assert.deepEqual(created, { id: 'sess-1', userId: u.id, createdAt: T0, absoluteExpiresAt: T0 + 1000, revokedAt: null, orgId: null });
        assert.deepEqual(await s.getSession('sess-1'), created);
        assert.equal(await s.getSession('nope'), null);
        await s.revokeSession('sess-1', T0 + 5);
        await s.revokeSession('sess-1', T0 + 9);
        assert.equal((await s.getSession('sess-1'))?.revokedAt, T0 + 5, 'the first revocation time stays');
        await s.revokeSession('nope', T0);
      }));

      test('a refresh token is consumed once; expired or unknown ones never', withStore(async (s) => {
        const u = await addUser(s, 'alice');
        const sid = await addSession(s, u.id);
        await s.insertRefreshToken({ tokenHash: sha('t1'), sessionId: sid, userId: u.id, expiresAt: T0 + 100 }, T0);
        assert.deepEqual(await s.findRefreshToken(sha('t1')), {
          tokenHash: sha('t1'), sessionId: sid, userId: u.id, expiresAt: T0 + 100, usedAt: null, createdAt: T0,
        });
        const first = await s.consumeRefreshToken(sha('t1'), T0 + 10);
        assert.deepEqual(first, { tokenHash: sha('t1'), sessionId: sid, userId: u.id, expiresAt: T0 + 100, usedAt: T0 + 10, createdAt: T0 });
        assert.equal(await s.consumeRefreshToken(sha('t1'), T0 + 11), null);
        assert.equal((await s.findRefreshToken(sha('t1')))?.usedAt, T0 + 10);

        await s.insertRefreshToken({ tokenHash: sha('t2'), sessionId: sid, userId: u.id, expiresAt: T0 + 100 }, T0);
        assert.equal(await s.consumeRefreshToken(sha('t2'), T0 + 100), null, 'expiresAt is exclusive');
        assert.equal((await s.findRefreshToken(sha('t2')))?.usedAt, null, 'an expired token is not marked used');
        assert.equal(await s.consumeRefreshToken(sha('unknown'), T0), null);
        assert.equal(await s.findRefreshToken(sha('unknown')), null);
      }));

      test('20 concurrent consumes of one token: exactly one gets the record', withStore(async (s, ctx) => {
        const u = await addUser(s, 'alice');
        const sid = await addSession(s, u.id);
        await s.insertRefreshToken({ tokenHash: sha('race'), sessionId: sid, userId: u.id, expiresAt: T0 + MIN }, T0);
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? s : other).consumeRefreshToken(sha('race'), T0 + 1)),
          );
          assert.equal(results.filter((r) => r !== null).length, 1);
        } finally {
          if (other !== s) await other.close();
        }
      }));

      test('insertRefreshToken is idempotent: an existing hash is left as it is (a used one stays used); concurrent inserts: one wins', withStore(async (s, ctx) => {
        const u = await addUser(s, 'alice');
        const sid = await addSession(s, u.id);
        const token = { tokenHash: sha('successor'), sessionId: sid, userId: u.id, expiresAt: T0 + MIN };
        assert.equal(await s.insertRefreshToken(token, T0), true);
        assert.ok(await s.consumeRefreshToken(sha('successor'), T0 + 1));
        assert.equal(await s.insertRefreshToken({ ...token, expiresAt: T0 + 2 * MIN }, T0 + 2), false, 'exists: not inserted');
        assert.deepEqual(await s.findRefreshToken(sha('successor')), { ...token, usedAt: T0 + 1, createdAt: T0 }, 'unchanged, still used');

        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? s : other).insertRefreshToken({ ...token, tokenHash: sha('raced'), expiresAt: T0 + i }, T0 + i)),
          );
          assert.equal(results.filter((r) => r).length, 1, 'exactly one insert');
          const winner = results.indexOf(true);
          assert.equal((await s.findRefreshToken(sha('raced')))?.expiresAt, T0 + winner, "the winner's record");
        } finally {
          if (other !== s) await other.close();
        }
      }));

      test('revokeFamily revokes the session and uses every token of it, nothing else', withStore(async (s) => {
        const u = await addUser(s, 'alice');
        const a = await addSession(s, u.id);
        const b = await addSession(s, u.id);
        for (const [t, sid] of [['a1', a], ['a2', a], ['b1', b]] as const) {
          await s.insertRefreshToken({ tokenHash: sha(t), sessionId: sid, userId: u.id, expiresAt: T0 + MIN }, T0);
        }
        await s.consumeRefreshToken(sha('a1'), T0 + 1);
        await s.revokeFamily(a, T0 + 5);
        assert.equal((await s.getSession(a))?.revokedAt, T0 + 5);
        assert.equal((await s.findRefreshToken(sha('a1')))?.usedAt, T0 + 1, 'already used: unchanged');
        assert.equal((await s.findRefreshToken(sha('a2')))?.usedAt, T0 + 5);
        assert.equal(await s.consumeRefreshToken(sha('a2'), T0 + 6), null);
        assert.equal((await s.getSession(b))?.revokedAt, null);
        assert.ok(await s.consumeRefreshToken(sha('b1'), T0 + 6));
      }));

      test('revokeAllSessionsOfUser ends every session of the user (but `except`), and no other user', withStore(async (s) => {
        const u = await addUser(s, 'alice');
        const v = await addUser(s, 'bob');
        const [s1, s2, s3] = [await addSession(s, u.id), await addSession(s, u.id), await addSession(s, u.id)];
        const sv = await addSession(s, v.id);
        for (const [t, sid, uid] of [['1', s1, u.id], ['2', s2, u.id], ['3', s3, u.id], ['v', sv, v.id]] as const) {
          await s.insertRefreshToken({ tokenHash: sha(t), sessionId: sid, userId: uid, expiresAt: T0 + MIN }, T0);
        }
        await s.revokeAllSessionsOfUser(u.id, T0 + 7, { except: s2 });
        assert.equal((await s.getSession(s1))?.revokedAt, T0 + 7);
        assert.equal((await s.getSession(s3))?.revokedAt, T0 + 7);
        assert.equal((await s.getSession(s2))?.revokedAt, null, 'the excepted session stays');
        assert.equal((await s.findRefreshToken(sha('1')))?.usedAt, T0 + 7);
        assert.equal((await s.findRefreshToken(sha('2')))?.usedAt, null);
        assert.equal((await s.getSession(sv))?.revokedAt, null, 'other users are untouched');
        assert.equal((await s.findRefreshToken(sha('v')))?.usedAt, null);

        await s.revokeAllSessionsOfUser(u.id, T0 + 9);
        assert.equal((await s.getSession(s2))?.revokedAt, T0 + 9);
        assert.equal((await s.getSession(s1))?.revokedAt, T0 + 7, 'already revoked: unchanged');
        assert.equal(await s.consumeRefreshToken(sha('2'), T0 + 10), null);
        assert.ok(await s.consumeRefreshToken(sha('v'), T0 + 10));
      }));
    });

    // ---------------------------------------------------------------- login failures
    describe('login failure counters', () => {
      test('count, block from maxFailures on, doubling, capped; the same as nextFailure', withStore(async (s) => {
        let prev: FailureRecord | null = null;
        const seen: FailureRecord[] = [];
        for (let i = 0; i < 7; i++) {
          const now = T0 + i * 1000;
          const r = await s.recordFailure('account:alice', now, POLICY);
          assert.deepEqual(r, nextFailure(prev, 'account:alice', now, POLICY), `failure ${i + 1}`);
          prev = r;
          seen.push(r);
        }
        assert.deepEqual(seen.map((r) => r.count), [1, 2, 3, 4, 5, 6, 7]);
        assert.deepEqual(seen.map((r) => r.blockedUntil === null ? null : (r.blockedUntil - (T0 + (r.count - 1) * 1000)) / 1000), [null, null, 2, 4, 8, 10, 10]);
        assert.ok(seen.every((r) => r.windowStart === T0));
      }));

      test('getBlock answers blockedUntil while blocked, else null; clearFailures forgets', withStore(async (s) => {
        for (let i = 0; i < 3; i++) await s.recordFailure('k', T0, POLICY);
        assert.equal(await s.getBlock('k', T0), T0 + 2000);
        assert.equal(await s.getBlock('k', T0 + 1999), T0 + 2000);
        assert.equal(await s.getBlock('k', T0 + 2000), null);
        assert.equal(await s.getBlock('other', T0), null);
        await s.clearFailures('k');
        assert.equal(await s.getBlock('k', T0), null);
        assert.equal((await s.recordFailure('k', T0 + 1, POLICY)).count, 1, 'counting starts over');
        await s.clearFailures('never-seen');
      }));

      test('a new window starts once the old one has passed', withStore(async (s) => {
        await s.recordFailure('k', T0, POLICY);
        await s.recordFailure('k', T0 + 1000, POLICY);
        const last = await s.recordFailure('k', T0 + 599_999, POLICY);
        assert.equal(last.count, 3);
        assert.equal(last.blockedUntil, T0 + 599_999 + 2000);
        const fresh = await s.recordFailure('k', T0 + 600_000, POLICY);
        assert.deepEqual(fresh, { key: 'k', count: 1, windowStart: T0 + 600_000, blockedUntil: null });
      }));

      test('maxFailures 1 blocks on the first failure; keys are independent', withStore(async (s) => {
        const strict: RateLimitPolicy = { maxFailures: 1, windowSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 900 };
        assert.deepEqual(await s.recordFailure('a', T0, strict), { key: 'a', count: 1, windowStart: T0, blockedUntil: T0 + 1000 });
        assert.equal((await s.recordFailure('b', T0, POLICY)).blockedUntil, null);
      }));

      test('concurrent failures from two store instances are all counted', withStore(async (s, ctx) => {
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        const policy: RateLimitPolicy = { maxFailures: 1000, windowSeconds: 600, baseDelaySeconds: 1, maxDelaySeconds: 60 };
        try {
          const results = await Promise.all(
            Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? s : other).recordFailure('address:127.0.0.1', T0 + 1, policy)),
          );
          assert.deepEqual(results.map((r) => r.count).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1));
          assert.equal((await s.recordFailure('address:127.0.0.1', T0 + 2, policy)).count, 41);
        } finally {
          if (other !== s) await other.close();
        }
      }));
    });

    // ---------------------------------------------------------------- attempt reservations
    describe('attempt reservations (reserveAttempt / releaseAttempt)', () => {
      const LOOSE: RateLimitPolicy = { maxFailures: 1000, windowSeconds: 600, baseDelaySeconds: 1, maxDelaySeconds: 60 };
      /** The counter of `key` at `now`, read by reserving one more attempt (loose policy) and giving it back. */
      const countOf = async (s: Store, key: string, now: number): Promise<number> => {
        const r = await s.reserveAttempt([{ key, policy: LOOSE }], now);
        assert.ok(r.ok, `${key} is blocked`);
        await s.releaseAttempt(r.reservations[0]!);
        return r.reservations[0]!.count - 1;
      };

      test('counts every key as recordFailure would, until a key is blocked; then refuses and counts nothing', withStore(async (s) => {
        let prevA: FailureRecord | null = null;
        let prevB: FailureRecord | null = null;
        for (let i = 0; i < 3; i++) {
          const now = T0 + i;
          const r = await s.reserveAttempt([{ key: 'account:alice', policy: POLICY }, { key: 'address:1.2.3.4', policy: LOOSE }], now);
          assert.ok(r.ok, `attempt ${i + 1} is let through`);
          const expectA = nextFailure(prevA, 'account:alice', now, POLICY);
          const expectB = nextFailure(prevB, 'address:1.2.3.4', now, LOOSE);
          assert.deepEqual(r.reservations, [expectA, expectB], 'one record per key, in the order given');
          prevA = expectA;
          prevB = expectB;
        }
        assert.equal(prevA?.blockedUntil, T0 + 2 + 2000, 'the 3rd reservation blocks the account (maxFailures 3)');
        const refused = await s.reserveAttempt([{ key: 'account:alice', policy: POLICY }, { key: 'address:1.2.3.4', policy: LOOSE }], T0 + 10);
        assert.deepEqual(refused, { ok: false, blockedUntil: T0 + 2 + 2000 });
        assert.equal(await countOf(s, 'address:1.2.3.4', T0 + 11), 3, 'a refused attempt counts on no key');
        assert.equal(await s.getBlock('account:alice', T0 + 10), T0 + 2002, 'and does not extend the block');
        // Once the block has passed, the next attempt goes through and doubles the block.
        const next = await s.reserveAttempt([{ key: 'account:alice', policy: POLICY }], T0 + 2002);
        assert.ok(next.ok);
        assert.deepEqual(next.reservations[0], { key: 'account:alice', count: 4, windowStart: T0, blockedUntil: T0 + 2002 + 4000 });
      }));

      test('a refusal names the latest block among the blocked keys; unblocked keys stay uncounted', withStore(async (s) => {
        const one: RateLimitPolicy = { maxFailures: 1, windowSeconds: 600, baseDelaySeconds: 5, maxDelaySeconds: 60 };
        await s.reserveAttempt([{ key: 'a', policy: one }], T0);
        await s.reserveAttempt([{ key: 'b', policy: { ...one, baseDelaySeconds: 9 } }], T0);
        const r = await s.reserveAttempt([{ key: 'c', policy: LOOSE }, { key: 'a', policy: one }, { key: 'b', policy: one }], T0 + 1);
        assert.deepEqual(r, { ok: false, blockedUntil: T0 + 9000 });
        assert.equal(await countOf(s, 'c', T0 + 1), 0);
      }));

      test('releaseAttempt gives the count back and lifts the block that reservation set', withStore(async (s) => {
        const keys = [{ key: 'account:bob', policy: POLICY }];
        await s.reserveAttempt(keys, T0);
        await s.reserveAttempt(keys, T0);
        const third = await s.reserveAttempt(keys, T0);
        assert.ok(third.ok);
        assert.equal(await s.getBlock('account:bob', T0), T0 + 2000);
        await s.releaseAttempt(third.reservations[0]!);
        assert.equal(await s.getBlock('account:bob', T0), null, 'its own block is lifted');
        const again = await s.reserveAttempt(keys, T0 + 1);
        assert.ok(again.ok);
        assert.equal(again.reservations[0]!.count, 3, 'the released attempt no longer counts');
        assert.equal(again.reservations[0]!.blockedUntil, T0 + 1 + 2000);
      }));

      test("releaseAttempt leaves a later reservation's block, and does nothing in a later window or after a clear", withStore(async (s) => {
        const one: RateLimitPolicy = { maxFailures: 1, windowSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 60 };
        const first = await s.reserveAttempt([{ key: 'k', policy: one }], T0);
        assert.ok(first.ok);
        const second = await s.reserveAttempt([{ key: 'k', policy: one }], T0 + 1000); // first block has passed
        assert.ok(second.ok);
        assert.equal(second.reservations[0]!.blockedUntil, T0 + 1000 + 2000);
        await s.releaseAttempt(first.reservations[0]!);
        assert.equal(await s.getBlock('k', T0 + 1000), T0 + 3000, "the later reservation's block stays");
        assert.equal(await countOf(s, 'k', T0 + 3000), 1, 'one attempt still counts');

        // A new window: a reservation of the old one is not given back from the new one.
        const old = await s.reserveAttempt([{ key: 'w', policy: LOOSE }], T0);
        assert.ok(old.ok);
        await s.reserveAttempt([{ key: 'w', policy: LOOSE }], T0 + 600_000);
        await s.releaseAttempt(old.reservations[0]!);
        assert.equal(await countOf(s, 'w', T0 + 600_001), 1);

        // Cleared in between: nothing to give back, and no negative count.
        const gone = await s.reserveAttempt([{ key: 'c', policy: LOOSE }], T0);
        assert.ok(gone.ok);
        await s.clearFailures('c');
        await s.releaseAttempt(gone.reservations[0]!);
        await s.releaseAttempt(gone.reservations[0]!);
        assert.equal(await countOf(s, 'c', T0), 0);
      }));

      test('a key named twice in one call is refused', withStore(async (s) => {
        await assert.rejects(s.reserveAttempt([{ key: 'x', policy: LOOSE }, { key: 'x', policy: POLICY }], T0), /more than once/);
        assert.equal(await countOf(s, 'x', T0), 0);
      }));

      test('hostile keys (U+0000, backslashes) reserve and release distinct counters', withStore(async (s) => {
        const keys = ['account:a\0b', 'account:a\\0b', 'account:a\\b'];
        const r = await s.reserveAttempt(keys.map((key) => ({ key, policy: LOOSE })), T0);
        assert.ok(r.ok);
        assert.deepEqual(r.reservations.map((x) => x.key), keys);
        await s.releaseAttempt(r.reservations[0]!);
        assert.deepEqual([await countOf(s, keys[0]!, T0), await countOf(s, keys[1]!, T0), await countOf(s, keys[2]!, T0)], [0, 1, 1]);
      }));

      test('60 concurrent reservations from two store instances: exactly maxFailures get through', withStore(async (s, ctx) => {
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        const account: RateLimitPolicy = { maxFailures: 5, windowSeconds: 900, baseDelaySeconds: 1, maxDelaySeconds: 900 };
        try {
          const results = await Promise.all(
            Array.from({ length: 60 }, (_, i) =>
              (i % 2 === 0 ? s : other).reserveAttempt([{ key: 'account:carol', policy: account }, { key: 'address:10.0.0.1', policy: LOOSE }], T0),
            ),
          );
          const passed = results.filter((r) => r.ok);
          assert.equal(passed.length, 5, 'exactly maxFailures attempts reserved');
          assert.deepEqual(passed.map((r) => (r.ok ? r.reservations[0]!.count : 0)).sort(), [1, 2, 3, 4, 5]);
          for (const r of results) if (!r.ok) assert.equal(r.blockedUntil, T0 + 1000);
          assert.equal(await countOf(s, 'address:10.0.0.1', T0), 5, 'refused attempts did not count on the address');
        } finally {
          if (other !== s) await other.close();
        }
      }));

      test('40 concurrent reservations naming two keys in opposite orders all go through (no deadlock)', withStore(async (s, ctx) => {
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          const a = { key: 'device:n1', policy: LOOSE };
          const b = { key: 'address:10.0.0.2', policy: LOOSE };
          const results = await Promise.all(
            Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? s : other).reserveAttempt(i % 4 < 2 ? [a, b] : [b, a], T0)),
          );
          assert.ok(results.every((r) => r.ok));
          assert.equal(await countOf(s, 'device:n1', T0), 40);
          assert.equal(await countOf(s, 'address:10.0.0.2', T0), 40);
          // ...and 40 concurrent releases give every count back.
          await Promise.all(results.flatMap((r, i) => (r.ok ? r.reservations.map((x) => (i % 2 === 0 ? other : s).releaseAttempt(x)) : [])));
          assert.equal(await countOf(s, 'device:n1', T0), 0);
          assert.equal(await countOf(s, 'address:10.0.0.2', T0), 0);
        } finally {
          if (other !== s) await other.close();
        }
      }));
    });

    // ---------------------------------------------------------------- reset tokens
    describe('password reset tokens', () => {
      test('single use, expiry exclusive, bound to the user', withStore(async (s) => {
        const u = await addUser(s, 'alice');
        await s.insertResetToken({ tokenHash: sha('r1'), userId: u.id, expiresAt: T0 + 30 * MIN }, T0);
        assert.deepEqual(await s.findResetToken(sha('r1')), { tokenHash: sha('r1'), userId: u.id, expiresAt: T0 + 30 * MIN, usedAt: null, createdAt: T0 });
        assert.equal(await s.consumeResetToken(sha('r1'), T0 + 1), u.id);
        assert.equal(await s.consumeResetToken(sha('r1'), T0 + 2), null);
        assert.equal((await s.findResetToken(sha('r1')))?.usedAt, T0 + 1);

        await s.insertResetToken({ tokenHash: sha('r2'), userId: u.id, expiresAt: T0 + 30 * MIN }, T0);
        assert.equal(await s.consumeResetToken(sha('r2'), T0 + 30 * MIN), null, 'expired at expiresAt');
        assert.equal((await s.findResetToken(sha('r2')))?.usedAt, null);
        assert.equal(await s.consumeResetToken(sha('nope'), T0), null);
        assert.equal(await s.findResetToken(sha('nope')), null);
      }));

      test("a newer request voids the user's older tokens, not other users'", withStore(async (s) => {
        const u = await addUser(s, 'alice');
        const v = await addUser(s, 'bob');
        await s.insertResetToken({ tokenHash: sha('old'), userId: u.id, expiresAt: T0 + MIN }, T0);
        await s.insertResetToken({ tokenHash: sha('bob'), userId: v.id, expiresAt: T0 + MIN }, T0);
        await s.insertResetToken({ tokenHash: sha('new'), userId: u.id, expiresAt: T0 + MIN }, T0 + 1);
        assert.equal(await s.consumeResetToken(sha('old'), T0 + 2), null);
        assert.equal(await s.consumeResetToken(sha('new'), T0 + 2), u.id);
        assert.equal(await s.consumeResetToken(sha('bob'), T0 + 2), v.id);
      }));

      test("a password change voids the user's pending reset tokens, not other users'", withStore(async (s) => {
        const u = await addUser(s, 'alice');
        const v = await addUser(s, 'bob');
        await s.insertResetToken({ tokenHash: sha('mailed'), userId: u.id, expiresAt: T0 + MIN }, T0);
        await s.insertResetToken({ tokenHash: sha('bobs'), userId: v.id, expiresAt: T0 + MIN }, T0);
        await s.updatePasswordHash(u.id, HASH, T0 + 1);
        assert.equal(await s.consumeResetToken(sha('mailed'), T0 + 2), null);
        assert.equal(await s.consumeResetToken(sha('bobs'), T0 + 2), v.id);
      }));

      test("an email change voids the user's pending reset tokens (issue 6 item 13); a name change or another user's change does not", withStore(async (s) => {
        const u = await addUser(s, 'alice', { email: 'alice@example.com' });
        const v = await addUser(s, 'bob', { email: 'bob@example.com' });
        await s.insertResetToken({ tokenHash: sha('to-old-address'), userId: u.id, expiresAt: T0 + MIN }, T0);
        await s.insertResetToken({ tokenHash: sha('bobs'), userId: v.id, expiresAt: T0 + MIN }, T0);
        await s.updateUserDetails(u.id, { name: 'Alice A' }, T0 + 1);
        assert.ok(await s.findResetToken(sha('to-old-address')), 'a name change keeps the token');
        await s.updateUserDetails(u.id, { email: 'alice@example.com' }, T0 + 2);
        assert.ok(await s.findResetToken(sha('to-old-address')), 'the same email again is no change');
        await s.updateUserDetails(u.id, { email: 'alice@elsewhere.example' }, T0 + 3);
        assert.equal(await s.consumeResetToken(sha('to-old-address'), T0 + 4), null, 'voided by the email change');
        assert.equal(await s.findResetToken(sha('to-old-address')), null);
        assert.equal(await s.consumeResetToken(sha('bobs'), T0 + 4), v.id, "another user's token is untouched");

        // Removing the email voids too.
        await s.insertResetToken({ tokenHash: sha('before-removal'), userId: u.id, expiresAt: T0 + MIN }, T0 + 5);
        await s.updateUserDetails(u.id, { email: '' }, T0 + 6);
        assert.equal(await s.consumeResetToken(sha('before-removal'), T0 + 7), null);
      }));

      test('a refused email change (taken by another user) voids nothing: one transaction', withStore(async (s) => {
        const u = await addUser(s, 'alice', { email: 'alice@example.com' });
        await addUser(s, 'bob', { email: 'bob@example.com' });
        await s.insertResetToken({ tokenHash: sha('pending'), userId: u.id, expiresAt: T0 + MIN }, T0);
        await rejectsWith(s.updateUserDetails(u.id, { email: 'BOB@example.com' }, T0 + 1), DuplicateUserError);
        assert.equal(await s.consumeResetToken(sha('pending'), T0 + 2), u.id, 'the email did not change, the token still works');
      }));

      test('concurrent requests for one user leave exactly one usable token; concurrent consumes give it once', withStore(async (s, ctx) => {
        const u = await addUser(s, 'alice');
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          await Promise.all(
            Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? s : other).insertResetToken({ tokenHash: sha(`c${i}`), userId: u.id, expiresAt: T0 + MIN }, T0)),
          );
          const live = [];
          for (let i = 0; i < 10; i++) if ((await s.findResetToken(sha(`c${i}`))) !== null) live.push(i);
          assert.equal(live.length, 1, `one token survives, got ${live.join(',')}`);
          const winner = sha(`c${live[0]}`);
          const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? s : other).consumeResetToken(winner, T0 + 1)));
          assert.deepEqual(results.filter((r) => r !== null), [u.id]);
        } finally {
          if (other !== s) await other.close();
        }
      }));
    });

    // ---------------------------------------------------------------- pending registrations
    describe('pending registrations', () => {
      const pending = (token: string, email: string, username = 'newbie', expiresAt = T0 + 30 * MIN) => ({
        tokenHash: sha(token), email, username, name: 'New Bie', passwordHash: HASH, expiresAt,
      });

      test('single use, expiry exclusive, the whole record comes back', withStore(async (s) => {
        await s.insertPendingRegistration(pending('p1', 'New@Example.com'), T0);
        const stored = { ...pending('p1', 'New@Example.com'), usedAt: null, createdAt: T0 };
        assert.deepEqual(await s.findPendingRegistration(sha('p1')), stored);
        assert.deepEqual(await s.consumePendingRegistration(sha('p1'), T0 + 1), { ...stored, usedAt: T0 + 1 });
        assert.equal(await s.consumePendingRegistration(sha('p1'), T0 + 2), null);
        await s.insertPendingRegistration(pending('p2', 'other@example.com', 'other', T0 + MIN), T0);
        assert.equal(await s.consumePendingRegistration(sha('p2'), T0 + MIN), null, 'expired at expiresAt');
        assert.equal(await s.consumePendingRegistration(sha('nope'), T0), null);
        assert.equal(await s.findPendingRegistration(sha('nope')), null);
      }));

      test('a newer registration for the same email (any case) voids the older one, not other emails', withStore(async (s) => {
        await s.insertPendingRegistration(pending('old', 'same@example.com', 'first'), T0);
        await s.insertPendingRegistration(pending('other', 'other@example.com', 'other'), T0);
        await s.insertPendingRegistration(pending('new', 'SAME@example.com', 'second'), T0 + 1);
        assert.equal(await s.findPendingRegistration(sha('old')), null);
        assert.equal(await s.consumePendingRegistration(sha('old'), T0 + 2), null);
        assert.equal((await s.consumePendingRegistration(sha('new'), T0 + 2))?.username, 'second');
        assert.equal((await s.consumePendingRegistration(sha('other'), T0 + 2))?.username, 'other');
      }));

      test('concurrent registrations for one email leave one usable token; concurrent consumes give it once', withStore(async (s, ctx) => {
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? s : other).insertPendingRegistration(pending(`c${i}`, 'race@example.com'), T0)));
          const live: number[] = [];
          for (let i = 0; i < 10; i++) if ((await s.findPendingRegistration(sha(`c${i}`))) !== null) live.push(i);
          assert.equal(live.length, 1, `one registration survives, got ${live.join(',')}`);
          const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? s : other).consumePendingRegistration(sha(`c${live[0]}`), T0 + 1)));
          assert.equal(results.filter((r) => r !== null).length, 1);
        } finally {
          if (other !== s) await other.close();
        }
      }));

      test('isPreauthorizedEmail compares normalized', withStore(async (s) => {
        await s.addPreauthorizedEmails(['Invited@Corp.com'], T0);
        assert.equal(await s.isPreauthorizedEmail('invited@corp.COM'), true);
        assert.equal(await s.isPreauthorizedEmail('other@corp.com'), false);
        assert.equal(await s.isPreauthorizedEmail(''), false);
        assert.equal(await s.isPreauthorizedEmail('invited@corp.com\u0000'), false);
      }));
    });

    // ---------------------------------------------------------------- outbox
    describe('development outbox', () => {
      test('messages come back newest first, limited, with string ids', withStore(async (s, ctx) => {
        await s.addOutboxMessage({ to: 'a@example.com', subject: 'one', text: 'first' }, T0);
        await s.addOutboxMessage({ to: 'b@example.com', subject: 'two', text: 'second', html: '<p>second</p>' }, T0 + 5);
        await s.addOutboxMessage({ to: 'c@example.com', subject: 'three', text: 'third' }, T0 + 5);
        const all = await s.listOutbox(10);
        assert.deepEqual(all.map((m) => m.subject), ['three', 'two', 'one'], 'createdAt desc, then insertion desc');
        assert.ok(all.every((m) => typeof m.id === 'string' && m.id !== ''));
        assert.equal(new Set(all.map((m) => m.id)).size, 3);
        assert.deepEqual({ ...all[1]!, id: '' }, { id: '', to: 'b@example.com', subject: 'two', text: 'second', html: '<p>second</p>', createdAt: T0 + 5 });
        assert.equal(all[0]!.html, null);
        assert.deepEqual((await s.listOutbox(2)).map((m) => m.subject), ['three', 'two']);
        assert.deepEqual(await s.listOutbox(0), []);
        if (ctx.reopen !== undefined) {
          const other = await ctx.reopen();
          try {
            assert.equal((await other.listOutbox(10)).length, 3, 'shared by every instance');
          } finally {
            await other.close();
          }
        }
      }));
    });

    // ---------------------------------------------------------------- housekeeping
    describe('organizations and memberships', () => {
      const OWNER = 'owner';
      const addOrg = (s: Store, id: string, name = id, now = T0) => s.createOrg({ id, name }, now);

      test('createOrg / findOrg / findOrgByName / listOrgs; a taken id throws DuplicateOrgError', withStore(async (s) => {
        const acme = await addOrg(s, 'acme', 'Acme Corp', T0 + 1);
        assert.deepEqual(acme, { id: 'acme', name: 'Acme Corp', createdAt: T0 + 1 });
        const hostile = '<img src=x onerror=alert(1)>';
        const other = await addOrg(s, 'o-2', hostile, T0);
        assert.deepEqual(await s.findOrg('acme'), acme);
        assert.equal(await s.findOrg('ACME'), null, 'ids are exact');
        assert.equal(await s.findOrg('nope'), null);
        assert.equal(await s.findOrg('a\0b'), null, 'a NUL finds nothing (and does not throw)');
        assert.equal(await s.findOrgByName('a\0b'), null);
        assert.equal(await s.getMembership('acme\0', 'x\0'), null);
        assert.equal(await s.changeMember('acme\0', 'x\0', null, OWNER, T0), 'not_member');
        assert.deepEqual(await s.listMembers('acme\0'), []);
        assert.deepEqual(await s.listOrgsOfUser('x\0'), []);
        assert.deepEqual(await s.findOrgByName('Acme Corp'), acme);
        assert.equal(await s.findOrgByName('acme corp'), null, 'names are exact');
        assert.deepEqual(await s.findOrgByName(hostile), other, 'kept verbatim');
        assert.deepEqual((await s.listOrgs()).map((o) => o.id), ['o-2', 'acme'], 'oldest first');
        await rejectsWith(addOrg(s, 'acme', 'Another'), DuplicateOrgError);
        assert.equal((await s.findOrg('acme'))?.name, 'Acme Corp', 'unchanged');
      }));

      test('addMember adds once ("exists" after); getMembership, listMembers, listOrgsOfUser (oldest first)', withStore(async (s) => {
        const alice = await addUser(s, 'alice', { name: 'Alice', email: 'alice@example.com' });
        const bob = await addUser(s, 'bob');
        const acme = await addOrg(s, 'acme', 'Acme Corp');
        const globex = await addOrg(s, 'globex', 'Globex');
        assert.equal(await s.addMember('globex', alice.id, 'member', T0 + 1), 'added');
        assert.equal(await s.addMember('acme', alice.id, 'owner', T0 + 2), 'added');
        assert.equal(await s.addMember('acme', bob.id, 'member', T0 + 3), 'added');
        assert.equal(await s.addMember('acme', alice.id, 'member', T0 + 4), 'exists');
        assert.deepEqual(await s.getMembership('acme', alice.id), { orgId: 'acme', userId: alice.id, role: 'owner', createdAt: T0 + 2 }, 'the existing role stays');
        assert.equal(await s.getMembership('globex', bob.id), null);
        assert.equal(await s.getMembership('nope', bob.id), null);
        assert.deepEqual(await s.listOrgsOfUser(alice.id), [
          { org: globex, role: 'member', createdAt: T0 + 1 },
          { org: acme, role: 'owner', createdAt: T0 + 2 },
        ]);
        assert.deepEqual(await s.listOrgsOfUser('nobody'), []);
        const members = await s.listMembers('acme');
        assert.deepEqual(members.map((m) => [m.user.username, m.role, m.createdAt]), [['alice', 'owner', T0 + 2], ['bob', 'member', T0 + 3]]);
        assert.deepEqual(members[0]!.user, alice, 'the full user record');
        assert.deepEqual(await s.listMembers('nope'), []);
      }));

      test('addMember of an unknown org or user throws and adds nothing', withStore(async (s) => {
        const alice = await addUser(s, 'alice');
        await addOrg(s, 'acme');
        await assert.rejects(s.addMember('nope', alice.id, 'member', T0));
        await assert.rejects(s.addMember('acme', 'nobody', 'member', T0));
        assert.deepEqual(await s.listMembers('acme'), []);
        assert.deepEqual(await s.listOrgsOfUser(alice.id), []);
      }));

      test('changeMember changes a role or removes (null); not_member for strangers', withStore(async (s) => {
        const alice = await addUser(s, 'alice');
        const bob = await addUser(s, 'bob');
        await addOrg(s, 'acme');
        await s.addMember('acme', alice.id, 'owner', T0);
        await s.addMember('acme', bob.id, 'member', T0 + 1);
        assert.equal(await s.changeMember('acme', bob.id, 'admin', OWNER, T0 + 2), 'ok');
        assert.deepEqual(await s.getMembership('acme', bob.id), { orgId: 'acme', userId: bob.id, role: 'admin', createdAt: T0 + 1 }, 'createdAt stays');
        assert.equal(await s.changeMember('acme', bob.id, null, OWNER, T0 + 3), 'ok');
        assert.equal(await s.getMembership('acme', bob.id), null);
        assert.equal(await s.changeMember('acme', bob.id, 'member', OWNER, T0 + 4), 'not_member');
        assert.equal(await s.changeMember('acme', bob.id, null, OWNER, T0 + 4), 'not_member');
        assert.equal(await s.changeMember('nope', alice.id, null, OWNER, T0 + 4), 'not_member');
        assert.equal(await s.getMembership('acme', bob.id), null, 'a change of a stranger adds nobody');
      }));

      test('an actor\'s policy decides from the roles read in the write\'s atomic step; a refusal writes nothing', withStore(async (s) => {
        const alice = await addUser(s, 'alice');
        const bob = await addUser(s, 'bob');
        const carol = await addUser(s, 'carol');
        await addOrg(s, 'acme');
        await s.addMember('acme', alice.id, 'owner', T0);
        await s.addMember('acme', bob.id, 'admin', T0 + 1);
        const seen: unknown[] = [];
        /** Bob acting: refuses unless he is an admin at the write (records what the store read). */
        const bobAsAdmin = { userId: bob.id, decide: (roles: { actor: string | null; target: string | null }) => (seen.push(roles), roles.actor === 'admin' ? null : 'forbidden') };
        assert.equal(await s.addMember('acme', carol.id, 'member', T0 + 2, bobAsAdmin), 'added');
        assert.equal(await s.changeMember('acme', carol.id, 'admin', OWNER, T0 + 3, bobAsAdmin), 'ok');
        assert.equal(await s.changeMember('acme', 'nobody', 'admin', OWNER, T0 + 3, bobAsAdmin), 'not_member', 'let through, a stranger is not_member');
        assert.deepEqual(seen, [{ actor: 'admin', target: null }, { actor: 'admin', target: 'member' }, { actor: 'admin', target: null }]);
        // Bob demoted: the same calls are refused, nothing written.
        assert.equal(await s.changeMember('acme', bob.id, 'member', OWNER, T0 + 4), 'ok');
        assert.deepEqual(await s.changeMember('acme', carol.id, 'member', OWNER, T0 + 5, bobAsAdmin), { refused: 'forbidden' });
        assert.deepEqual(await s.changeMember('acme', carol.id, null, OWNER, T0 + 5, bobAsAdmin), { refused: 'forbidden' });
        assert.equal((await s.getMembership('acme', carol.id))?.role, 'admin', 'unchanged');
        await s.changeMember('acme', carol.id, null, OWNER, T0 + 6);
        assert.deepEqual(await s.addMember('acme', carol.id, 'member', T0 + 7, bobAsAdmin), { refused: 'forbidden' });
        assert.equal(await s.getMembership('acme', carol.id), null, 'not added');
        // An actor who is not a member at all is read as null; the refusal comes before last_owner.
        const carolActs = { userId: carol.id, decide: (roles: { actor: string | null }) => (roles.actor === null ? 'not_a_member' : null) };
        assert.deepEqual(await s.changeMember('acme', alice.id, null, OWNER, T0 + 8, carolActs), { refused: 'not_a_member' });
        assert.equal((await s.getMembership('acme', alice.id))?.role, 'owner');
      }));

      test('the last owner cannot be demoted or removed; with two owners one can go', withStore(async (s) => {
        const alice = await addUser(s, 'alice');
        const bob = await addUser(s, 'bob');
        await addOrg(s, 'acme');
        await s.addMember('acme', alice.id, 'owner', T0);
        await s.addMember('acme', bob.id, 'admin', T0);
        assert.equal(await s.changeMember('acme', alice.id, 'admin', OWNER, T0 + 1), 'last_owner');
        assert.equal(await s.changeMember('acme', alice.id, null, OWNER, T0 + 1), 'last_owner');
        assert.equal(await s.changeMember('acme', alice.id, 'owner', OWNER, T0 + 1), 'ok', 'owner to owner keeps an owner');
        assert.equal((await s.getMembership('acme', alice.id))?.role, 'owner');
        assert.equal(await s.changeMember('acme', bob.id, 'owner', OWNER, T0 + 2), 'ok');
        assert.equal(await s.changeMember('acme', alice.id, null, OWNER, T0 + 3), 'ok');
        assert.equal(await s.changeMember('acme', bob.id, 'member', OWNER, T0 + 4), 'last_owner');
        assert.deepEqual((await s.listMembers('acme')).map((m) => m.role), ['owner']);
        // The owner role is the caller's word: with another order, "boss" is the one that must stay.
        await addOrg(s, 'custom');
        await s.addMember('custom', alice.id, 'boss', T0);
        assert.equal(await s.changeMember('custom', alice.id, 'worker', 'boss', T0 + 1), 'last_owner');
        assert.equal(await s.changeMember('custom', alice.id, 'worker', OWNER, T0 + 1), 'ok');
      }));

      test('an org without an owner: anyone can be changed or removed', withStore(async (s) => {
        const alice = await addUser(s, 'alice');
        await addOrg(s, 'acme');
        await s.addMember('acme', alice.id, 'admin', T0);
        assert.equal(await s.changeMember('acme', alice.id, null, OWNER, T0 + 1), 'ok');
      }));

      test('two owners demoting (or removing) each other at once, from two store instances: exactly one succeeds, one owner stays', withStore(async (s, ctx) => {
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          for (let round = 0; round < 10; round++) {
            const a = await addUser(s, `a${round}`);
            const b = await addUser(s, `b${round}`);
            const org = `org-${round}`;
            await addOrg(s, org);
            await s.addMember(org, a.id, 'owner', T0);
            await s.addMember(org, b.id, 'owner', T0);
            const newRole = round % 2 === 0 ? 'member' : null;
            const results = await Promise.all([
              s.changeMember(org, b.id, newRole, OWNER, T0 + 1),
              other.changeMember(org, a.id, newRole, OWNER, T0 + 1),
            ]);
            assert.deepEqual([...results].sort(), ['last_owner', 'ok'], `round ${round}: ${results.join(',')}`);
            const owners = (await s.listMembers(org)).filter((m) => m.role === OWNER);
            assert.equal(owners.length, 1, `round ${round}: one owner stays`);
          }
        } finally {
          if (other !== s) await other.close();
        }
      }));

      test('five owners all demoting themselves at once: exactly four succeed', withStore(async (s, ctx) => {
        const other = ctx.reopen === undefined ? s : await ctx.reopen();
        try {
          await addOrg(s, 'acme');
          const users = await Promise.all([0, 1, 2, 3, 4].map((i) => addUser(s, `owner${i}`)));
          for (const u of users) await s.addMember('acme', u.id, 'owner', T0);
          const results = await Promise.all(users.map((u, i) => (i % 2 === 0 ? s : other).changeMember('acme', u.id, 'admin', OWNER, T0 + 1)));
          assert.deepEqual(results.filter((r) => r === 'ok').length, 4, results.join(','));
          assert.equal((await s.listMembers('acme')).filter((m) => m.role === OWNER).length, 1);
        } finally {
          if (other !== s) await other.close();
        }
      }));

      test('sessions carry an org: null at creation, setSessionOrg sets and clears it', withStore(async (s) => {
        const alice = await addUser(s, 'alice');
        await addOrg(s, 'acme');
        const sid = await addSession(s, alice.id);
        assert.equal((await s.getSession(sid))?.orgId, null);
        await s.setSessionOrg(sid, 'acme', T0 + 1);
        assert.equal((await s.getSession(sid))?.orgId, 'acme');
        await s.setSessionOrg(sid, null, T0 + 2);
        assert.equal((await s.getSession(sid))?.orgId, null);
        await s.setSessionOrg('nope', 'acme', T0 + 3); // unknown session: nothing happens
        assert.equal(await s.getSession('nope'), null);
      }));
    });

    describe('housekeeping', () => {
      test('prune deletes only what can no longer matter', withStore(async (s) => {
        const now = T0 + 10 * 24 * 3600 * 1000;
        const u = await addUser(s, 'alice');
        const oldSession = await addSession(s, u.id, T0, 1000); // absolute expiry long past
        const liveSession = await addSession(s, u.id, now - 1000, 60 * MIN);
        await s.insertRefreshToken({ tokenHash: sha('expired'), sessionId: liveSession, userId: u.id, expiresAt: now }, T0);
        await s.insertRefreshToken({ tokenHash: sha('live'), sessionId: liveSession, userId: u.id, expiresAt: now + 1 }, T0);
        await s.insertRefreshToken({ tokenHash: sha('in-old'), sessionId: oldSession, userId: u.id, expiresAt: T0 + 500 }, T0);
        const policy: RateLimitPolicy = { maxFailures: 1, windowSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 24 * 3600 };
        await s.recordFailure('old-unblocked', now - 2 * 3600_000, { ...policy, maxFailures: 5 });
        await s.recordFailure('old-blocked', now - 2 * 3600_000, { ...policy, baseDelaySeconds: 4 * 3600, maxDelaySeconds: 4 * 3600 });
        await s.recordFailure('recent', now - 1000, { ...policy, maxFailures: 5 });
        await s.insertResetToken({ tokenHash: sha('reset-used'), userId: u.id, expiresAt: now + MIN }, T0);
        await s.consumeResetToken(sha('reset-used'), T0 + 1);
        const v = await addUser(s, 'bob');
        await s.insertResetToken({ tokenHash: sha('reset-expired'), userId: v.id, expiresAt: now }, T0);
        const w = await addUser(s, 'carol');
        await s.insertResetToken({ tokenHash: sha('reset-live'), userId: w.id, expiresAt: now + 1 }, T0);
        await s.addOutboxMessage({ to: 'x@example.com', subject: 'old', text: '' }, now - OUTBOX_MAX_AGE_MS);
        await s.addOutboxMessage({ to: 'x@example.com', subject: 'new', text: '' }, now - OUTBOX_MAX_AGE_MS + 1);

        const reg = (token: string, email: string, expiresAt: number) =>
          s.insertPendingRegistration({ tokenHash: sha(token), email, username: token, name: '', passwordHash: HASH, expiresAt }, T0);
        await reg('reg-used', 'used@example.com', now + MIN);
        await s.consumePendingRegistration(sha('reg-used'), T0 + 1);
        await reg('reg-expired', 'expired@example.com', now);
        await reg('reg-live', 'live@example.com', now + 1);
        await s.prune(now, 3600_000);

        assert.equal(await s.getSession(oldSession), null);
        assert.ok(await s.getSession(liveSession));
        assert.equal(await s.findRefreshToken(sha('expired')), null);
        assert.equal(await s.findRefreshToken(sha('in-old')), null);
        assert.ok(await s.findRefreshToken(sha('live')));
        assert.equal((await s.recordFailure('old-unblocked', now, { ...policy, maxFailures: 5, windowSeconds: 1e6 })).count, 1, 'old counter deleted');
        assert.ok((await s.getBlock('old-blocked', now)) !== null, 'a blocked counter stays');
        assert.equal((await s.recordFailure('recent', now, { ...policy, maxFailures: 5 })).count, 2, 'recent counter kept');
        assert.equal(await s.findResetToken(sha('reset-used')), null);
        assert.equal(await s.findResetToken(sha('reset-expired')), null);
        assert.ok(await s.findResetToken(sha('reset-live')));
        assert.equal(await s.findPendingRegistration(sha('reg-used')), null);
        assert.equal(await s.findPendingRegistration(sha('reg-expired')), null);
        assert.ok(await s.findPendingRegistration(sha('reg-live')));
        assert.deepEqual((await s.listOutbox(10)).map((m) => m.subject), ['new']);
        assert.equal((await s.listUsers()).length, 3, 'users are never pruned');
      }));

      test('close is idempotent', withStore(async (s, ctx) => {
        if (ctx.reopen === undefined) return;
        const other = await ctx.reopen();
        await other.close();
        await other.close();
      }));
    });
  });
}
