/**
 * The reference server's store, driven from the Python tests (python/tests/test_cross_language.py):
 * reads a JSON list of commands on stdin, runs them in order, prints one JSON line with their
 * results. Lets Python check that it and the server share one database (schema, hashes, sessions,
 * counters, identity rules) without re-implementing the server in the test.
 */
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { normalizeEmail, normalizeUsername, type Store } from '../../server/store/types.js';
import { openSqliteStore } from '../../server/store/sqlite.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { argon2Hasher, needsRehash, verifyStoredPassword } from '../../server/passwords.js';
import { checkEmail, checkName, checkUsername, usernameSkeletons } from '../../server/identity.js';
import { commonPasswordSet, passwordProblem } from '../../server/password-policy.js';
import { createHash } from 'node:crypto';

type Command = Record<string, unknown> & { op: string; db?: string };

const stores = new Map<string, Store>();
async function store(db: string): Promise<Store> {
  let s = stores.get(db);
  if (s === undefined) {
    s = /^postgres(ql)?:\/\//.test(db) ? await PostgresStore.open(db) : openSqliteStore(db);
    stores.set(db, s);
  }
  return s;
}

const hasher = argon2Hasher();

async function run(c: Command): Promise<unknown> {
  const db = String(c.db ?? '');
  switch (c.op) {
    case 'open':
      await store(db);
      return null;
    case 'hash':
      return { argon2: await hasher.hash(String(c.password)), bcrypt: await bcrypt.hash(String(c.password), 4) };
    case 'create_user': {
      const password = String(c.password);
      const passwordHash = c.bcrypt === true ? await bcrypt.hash(password, 4) : await hasher.hash(password);
      return (await store(db)).createUser(
        { username: String(c.username), name: String(c.name ?? ''), email: String(c.email ?? ''), passwordHash, roles: (c.roles as string[]) ?? [] },
        Number(c.now ?? Date.now()),
      );
    }
    case 'user':
      return (await store(db)).findUserByUsername(String(c.username));
    case 'verify': {
      const user = await (await store(db)).findUserByUsername(String(c.username));
      if (user === null) return null;
      return { ok: await verifyStoredPassword(hasher, user.passwordHash, String(c.password)), needsRehash: needsRehash(user.passwordHash) };
    }
    case 'record_login':
      await (await store(db)).recordLogin(String(c.user_id), Number(c.now));
      return null;
    case 'get_session':
      return (await store(db)).getSession(String(c.id));
    case 'revoke_user':
      await (await store(db)).revokeAllSessionsOfUser(String(c.user_id), Number(c.now));
      return null;
    case 'reserve': {
      const policy = c.policy as { maxFailures: number; windowSeconds: number; baseDelaySeconds: number; maxDelaySeconds: number };
      return (await store(db)).reserveAttempt([{ key: String(c.key), policy }], Number(c.now));
    }
    case 'identity': {
      const names = c.names as string[];
      return names.map((n) => ({ name: n, normalized: normalizeUsername(n), skeletons: usernameSkeletons(n), email: normalizeEmail(n) }));
    }
    case 'checks': {
      // The server's validation of what a form sends: username, email, name, password policy.
      const values = c.values as string[];
      const min = Number(c.min ?? 15);
      return values.map((v) => ({
        value: v,
        username: checkUsername(v),
        email: checkEmail(v),
        name: checkName(v),
        password: passwordProblem(v, min, { username: String(c.username ?? ''), email: String(c.email ?? '') }),
      }));
    }
    case 'common_passwords': {
      // The server's common-password set: its size and the SHA-256 of its sorted JSON.
      const sorted = [...commonPasswordSet()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { size: sorted.length, sha256: createHash('sha256').update(JSON.stringify(sorted), 'utf8').digest('hex') };
    }
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

const commands = JSON.parse(readFileSync(0, 'utf8')) as Command[];
const results: unknown[] = [];
try {
  for (const c of commands) results.push(await run(c));
} finally {
  for (const s of stores.values()) await s.close();
}
process.stdout.write(`${JSON.stringify(results)}\n`);
