/**
 * SQLite store (better-sqlite3): one file, zero set-up. WAL mode, busy_timeout and foreign keys;
 * the schema comes from numbered migrations recorded in `schema_version`. Several processes may
 * share the file: every decision that matters is one SQL statement or one IMMEDIATE transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { RateLimitPolicy } from '../config.js';
import { planSkeletonBackfill, usernameSkeletons } from '../identity.js';
import { assertDistinctKeys, latestBlock, nextFailure } from '../rate-limit.js';
import {
  actorRefusal,
  DuplicateOrgError,
  DuplicateUserError,
  NotPreauthorizedError,
  duplicateUserError,
  OUTBOX_MAX_AGE_MS,
  normalizeEmail,
  normalizeUsername,
  type AttemptKey,
  type AttemptResult,
  type ChangeMemberResult,
  type FailureRecord,
  type MemberActor,
  type MembershipRecord,
  type NewUser,
  type OrgRecord,
  type OutboxMessage,
  type PendingRegistration,
  type RefreshTokenRecord,
  type Refused,
  type ResetTokenRecord,
  type SessionRecord,
  type Store,
  type StoreOptions,
  type UserRecord,
} from './types.js';

/** A migration: SQL, or a function for what SQL cannot do alone (NFKC back-fills). */
type Migration = string | ((db: Database.Database, warn: (message: string) => void) => void);

const MIGRATIONS: readonly Migration[] = [
  // 1: users, sessions, refresh tokens, login failures
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_normalized TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX sessions_user_id ON sessions(user_id);
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX refresh_tokens_session_id ON refresh_tokens(session_id);
  CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    blocked_until INTEGER
  );
  `,
  // 2: normalized unique emails, reset tokens, pre-authorized emails, development outbox
  (db) => {
    db.exec(`
    ALTER TABLE users ADD COLUMN email_normalized TEXT NOT NULL DEFAULT '';
    CREATE TABLE reset_tokens (
      token_hash TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      expires_at INTEGER NOT NULL,
      used_at INTEGER,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX reset_tokens_user_id ON reset_tokens(user_id);
    CREATE TABLE preauthorized_emails (
      email TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY,
      recipient TEXT NOT NULL,
      subject TEXT NOT NULL,
      text_body TEXT NOT NULL,
      html_body TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_created_at ON outbox(created_at);
    `);
    // Back-fill in NFKC (SQLite has no Unicode normalization). Emails were not unique before this
    // version: when two users share one, only the oldest keeps it for look-ups and uniqueness.
    const rows = db.prepare("SELECT id, email FROM users WHERE email <> '' ORDER BY created_at, id").all() as { id: string; email: string }[];
    const seen = new Set<string>();
    const set = db.prepare('UPDATE users SET email_normalized = ? WHERE id = ?');
    for (const row of rows) {
      const n = normalizeEmail(row.email);
      if (n === '' || seen.has(n)) continue;
      seen.add(n);
      set.run(n, row.id);
    }
    db.exec("CREATE UNIQUE INDEX users_email_normalized ON users(email_normalized) WHERE email_normalized <> ''");
  },
  // 3: pending registrations (proof of the mailbox before the account exists); the skeletons of
  //    usernames (confusable usernames are refused), back-filled
  (db, warn) => {
    db.exec(`
  CREATE TABLE pending_registrations (
    token_hash TEXT PRIMARY KEY,
    email_normalized TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
  );
  -- Deferred: createUser inserts the skeletons before the user, so a look-alike is found first.
  CREATE TABLE username_skeletons (
    skeleton TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
  );
  CREATE INDEX username_skeletons_user_id ON username_skeletons(user_id);
  `);
    const users = db.prepare('SELECT id, username FROM users ORDER BY created_at, id').all() as { id: string; username: string }[];
    const plan = planSkeletonBackfill(users);
    const insert = db.prepare('INSERT INTO username_skeletons (skeleton, user_id) VALUES (?, ?)');
    for (const row of plan.rows) insert.run(row.skeleton, row.userId);
    if (plan.warning !== null) warn(plan.warning);
  },
  // 4: when each user last logged in and how often (the Streamlit package's users database shows them)
  `
  ALTER TABLE users ADD COLUMN last_login INTEGER;
  ALTER TABLE users ADD COLUMN logins_count INTEGER NOT NULL DEFAULT 0;
  `,
  // 5: organizations, memberships (one role each), the active organization of each session
  `
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX orgs_name ON orgs(name);
  CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
  );
  CREATE INDEX memberships_user_id ON memberships(user_id);
  -- Not a foreign key: a pointer that every token issue checks against memberships.
  ALTER TABLE sessions ADD COLUMN org_id TEXT;
  `,
];

interface UserRow {
  id: string;
  username: string;
  username_normalized: string;
  name: string;
  email: string;
  email_normalized: string;
  password_hash: string;
  roles: string;
  disabled: number;
  created_at: number;
  updated_at: number;
  last_login: number | null;
  logins_count: number;
}
interface SessionRow {
  id: string;
  user_id: string;
  created_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  org_id: string | null;
}
interface OrgRow {
  id: string;
  name: string;
  created_at: number;
}
/** A membership joined with its org (listOrgsOfUser) or its user (listMembers). */
interface MembershipColumns {
  member_role: string;
  member_since: number;
}
interface MembershipRow {
  org_id: string;
  user_id: string;
  role: string;
  created_at: number;
}
interface RefreshRow {
  token_hash: string;
  session_id: string;
  user_id: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}
interface ResetRow {
  token_hash: string;
  user_id: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}
interface PendingRow {
  token_hash: string;
  email_normalized: string;
  email: string;
  username: string;
  name: string;
  password_hash: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}
interface OutboxRow {
  id: number;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: number;
}
interface FailureRow {
  key: string;
  count: number;
  window_start: number;
  blocked_until: number | null;
}

function parseRoles(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string') : [];
}

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  usernameNormalized: r.username_normalized,
  name: r.name,
  email: r.email,
  passwordHash: r.password_hash,
  roles: parseRoles(r.roles),
  disabled: r.disabled !== 0,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastLogin: r.last_login,
  loginsCount: r.logins_count,
});
const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  absoluteExpiresAt: r.absolute_expires_at,
  revokedAt: r.revoked_at,
  orgId: r.org_id,
});
const toOrg = (r: OrgRow): OrgRecord => ({ id: r.id, name: r.name, createdAt: r.created_at });
const toMembership = (r: MembershipRow): MembershipRecord => ({ orgId: r.org_id, userId: r.user_id, role: r.role, createdAt: r.created_at });
const toRefresh = (r: RefreshRow): RefreshTokenRecord => ({
  tokenHash: r.token_hash,
  sessionId: r.session_id,
  userId: r.user_id,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  createdAt: r.created_at,
});
const toReset = (r: ResetRow): ResetTokenRecord => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  createdAt: r.created_at,
});
const toPending = (r: PendingRow): PendingRegistration => ({
  tokenHash: r.token_hash,
  username: r.username,
  name: r.name,
  email: r.email,
  passwordHash: r.password_hash,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  createdAt: r.created_at,
});
const toOutbox = (r: OutboxRow): OutboxMessage => ({
  id: String(r.id),
  to: r.recipient,
  subject: r.subject,
  text: r.text_body,
  html: r.html_body,
  createdAt: r.created_at,
});
const toFailure = (r: FailureRow): FailureRecord => ({
  key: r.key,
  count: r.count,
  windowStart: r.window_start,
  blockedUntil: r.blocked_until,
});

function migrate(db: Database.Database, warn: (message: string) => void): void {
  // Said once the migration is committed (a rolled-back one has nothing to warn about).
  const warnings: string[] = [];
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  // IMMEDIATE: two processes opening a fresh file do not both migrate.
  db.transaction(() => {
    const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(`database schema version ${current} is newer than this server (${MIGRATIONS.length})`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      const m = MIGRATIONS[v];
      if (typeof m === 'function') m(db, (w) => warnings.push(w));
      else if (m !== undefined) db.exec(m);
    }
    if (row === undefined) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
    else db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length);
  }).immediate();
  for (const w of warnings) warn(w);
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Open (creating if needed) the SQLite store at `file`. */
export function openSqliteStore(file: string, options: StoreOptions = {}): Store {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Create the file 0600 ourselves; SQLite gives the -wal/-shm files the same mode.
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  migrate(db, options.warn ?? ((m) => console.warn(`warning: ${m}`)));

  const q = {
    insertUser: db.prepare(
      `INSERT INTO users (id, username, username_normalized, name, email, email_normalized, password_hash, roles, disabled, created_at, updated_at)
       VALUES (@id, @username, @username_normalized, @name, @email, @email_normalized, @password_hash, @roles, @disabled, @now, @now)`,
    ),
    userByName: db.prepare('SELECT * FROM users WHERE username_normalized = ?'),
    insertSkeleton: db.prepare('INSERT INTO username_skeletons (skeleton, user_id) VALUES (?, ?)'),
    // The skeletons are bound twice when there is one (a username has one or two).
    confusableUser: db.prepare(
      `SELECT * FROM users WHERE username_normalized = ?
         OR id IN (SELECT user_id FROM username_skeletons WHERE skeleton IN (?, ?))
       ORDER BY created_at, id LIMIT 1`,
    ),
    userByEmail: db.prepare("SELECT * FROM users WHERE email_normalized = ? AND email_normalized <> ''"),
    otherUserWithEmail: db.prepare("SELECT 1 FROM users WHERE email_normalized = ? AND email_normalized <> '' AND id <> ?"),
    setDetails: db.prepare('UPDATE users SET name = @name, email = @email, email_normalized = @email_normalized, updated_at = @now WHERE id = @id'),
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    listUsers: db.prepare('SELECT * FROM users ORDER BY created_at, username_normalized'),
    setHash: db.prepare('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?'),
    setDisabled: db.prepare('UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?'),
    setRoles: db.prepare('UPDATE users SET roles = ?, updated_at = ? WHERE id = ?'),
    recordLogin: db.prepare('UPDATE users SET last_login = ?, logins_count = logins_count + 1 WHERE id = ?'),
    insertSession: db.prepare(
      'INSERT INTO sessions (id, user_id, created_at, absolute_expires_at, revoked_at, org_id) VALUES (?, ?, ?, ?, NULL, NULL)',
    ),
    setSessionOrg: db.prepare('UPDATE sessions SET org_id = ? WHERE id = ?'),
    insertOrg: db.prepare('INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)'),
    org: db.prepare('SELECT * FROM orgs WHERE id = ?'),
    orgByName: db.prepare('SELECT * FROM orgs WHERE name = ? ORDER BY created_at, id LIMIT 1'),
    listOrgs: db.prepare('SELECT * FROM orgs ORDER BY created_at, id'),
    orgsOfUser: db.prepare(
      `SELECT o.*, m.role AS member_role, m.created_at AS member_since FROM memberships m JOIN orgs o ON o.id = m.org_id
       WHERE m.user_id = ? ORDER BY m.created_at, o.created_at, o.id`,
    ),
    membersOfOrg: db.prepare(
      `SELECT u.*, m.role AS member_role, m.created_at AS member_since FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = ? ORDER BY m.created_at, u.created_at, u.id`,
    ),
    membership: db.prepare('SELECT * FROM memberships WHERE org_id = ? AND user_id = ?'),
    insertMember: db.prepare(
      'INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(org_id, user_id) DO NOTHING',
    ),
    countRole: db.prepare('SELECT count(*) AS n FROM memberships WHERE org_id = ? AND role = ?'),
    setMemberRole: db.prepare('UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?'),
    deleteMember: db.prepare('DELETE FROM memberships WHERE org_id = ? AND user_id = ?'),
    session: db.prepare('SELECT * FROM sessions WHERE id = ?'),
    revokeSession: db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    useFamily: db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE session_id = ? AND used_at IS NULL'),
    revokeUserSessions: db.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id <> ?'),
    useUserTokens: db.prepare('UPDATE refresh_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL AND session_id <> ?'),
    deleteUserResets: db.prepare('DELETE FROM reset_tokens WHERE user_id = ?'),
    insertReset: db.prepare('INSERT INTO reset_tokens (token_hash, user_id, expires_at, used_at, created_at) VALUES (?, ?, ?, NULL, ?)'),
    consumeReset: db.prepare(
      'UPDATE reset_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id',
    ),
    reset: db.prepare('SELECT * FROM reset_tokens WHERE token_hash = ?'),
    // One statement: a newer registration for the same email replaces (voids) the older one.
    upsertPending: db.prepare(
      `INSERT INTO pending_registrations (token_hash, email_normalized, email, username, name, password_hash, expires_at, used_at, created_at)
       VALUES (@token_hash, @email_normalized, @email, @username, @name, @password_hash, @expires_at, NULL, @now)
       ON CONFLICT(email_normalized) DO UPDATE SET token_hash = excluded.token_hash, email = excluded.email,
         username = excluded.username, name = excluded.name, password_hash = excluded.password_hash,
         expires_at = excluded.expires_at, used_at = NULL, created_at = excluded.created_at`,
    ),
    consumePending: db.prepare(
      'UPDATE pending_registrations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING *',
    ),
    pending: db.prepare('SELECT * FROM pending_registrations WHERE token_hash = ?'),
    prunePending: db.prepare('DELETE FROM pending_registrations WHERE expires_at <= ? OR used_at IS NOT NULL'),
    isPreauth: db.prepare('SELECT 1 FROM preauthorized_emails WHERE email = ?'),
    addPreauth: db.prepare('INSERT INTO preauthorized_emails (email, created_at) VALUES (?, ?) ON CONFLICT(email) DO NOTHING'),
    removePreauth: db.prepare('DELETE FROM preauthorized_emails WHERE email = ?'),
    listPreauth: db.prepare('SELECT email FROM preauthorized_emails ORDER BY email'),
    insertOutbox: db.prepare(
      'INSERT INTO outbox (recipient, subject, text_body, html_body, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    listOutbox: db.prepare('SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT ?'),
    pruneResets: db.prepare('DELETE FROM reset_tokens WHERE expires_at <= ? OR used_at IS NOT NULL'),
    pruneOutbox: db.prepare('DELETE FROM outbox WHERE created_at <= ?'),
    insertRefresh: db.prepare(
      `INSERT INTO refresh_tokens (token_hash, session_id, user_id, expires_at, used_at, created_at) VALUES (?, ?, ?, ?, NULL, ?)
       ON CONFLICT(token_hash) DO NOTHING`,
    ),
    consumeRefresh: db.prepare(
      'UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING *',
    ),
    refresh: db.prepare('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
    failure: db.prepare('SELECT * FROM login_failures WHERE key = ?'),
    upsertFailure: db.prepare(
      `INSERT INTO login_failures (key, count, window_start, blocked_until) VALUES (@key, @count, @windowStart, @blockedUntil)
       ON CONFLICT(key) DO UPDATE SET count = excluded.count, window_start = excluded.window_start, blocked_until = excluded.blocked_until`,
    ),
    clearFailure: db.prepare('DELETE FROM login_failures WHERE key = ?'),
    releaseFailure: db.prepare(
      `UPDATE login_failures SET count = count - 1,
         blocked_until = CASE WHEN blocked_until = @blockedUntil THEN NULL ELSE blocked_until END
       WHERE key = @key AND window_start = @windowStart AND count > 0`,
    ),
    pruneTokens: db.prepare('DELETE FROM refresh_tokens WHERE expires_at <= ?'),
    pruneSessions: db.prepare('DELETE FROM sessions WHERE absolute_expires_at <= ?'),
    pruneFailures: db.prepare(
      'DELETE FROM login_failures WHERE window_start <= ? AND (blocked_until IS NULL OR blocked_until <= ?)',
    ),
  };

  const recordFailure = db.transaction((key: string, now: number, policy: RateLimitPolicy): FailureRecord => {
    const row = q.failure.get(key) as FailureRow | undefined;
    const next = nextFailure(row === undefined ? null : toFailure(row), key, now, policy);
    q.upsertFailure.run(next);
    return next;
  });
  const reserveAttempt = db.transaction((keys: readonly AttemptKey[], now: number): AttemptResult => {
    const rows = keys.map((k) => q.failure.get(k.key) as FailureRow | undefined);
    const blockedUntil = latestBlock(rows.map((r) => r?.blocked_until ?? null), now);
    if (blockedUntil !== null) return { ok: false, blockedUntil };
    const reservations = keys.map((k, i) => {
      const row = rows[i];
      const next = nextFailure(row === undefined ? null : toFailure(row), k.key, now, k.policy);
      q.upsertFailure.run(next);
      return next;
    });
    return { ok: true, reservations };
  });
  const setPassword = db.transaction((userId: string, passwordHash: string, now: number) => {
    q.setHash.run(passwordHash, now, userId);
    q.deleteUserResets.run(userId);
  });
  const revokeFamily = db.transaction((sessionId: string, now: number) => {
    q.revokeSession.run(now, sessionId);
    q.useFamily.run(now, sessionId);
  });
  // '' is never a session id: without `except`, every session matches `id <> ''`.
  const revokeUser = db.transaction((userId: string, now: number, except: string) => {
    q.revokeUserSessions.run(now, userId, except);
    q.useUserTokens.run(now, userId, except);
  });
  const insertUser = db.transaction((row: Record<string, unknown>, skeletons: readonly string[], preauthorized: string | null) => {
    if (preauthorized !== null && q.removePreauth.run(preauthorized).changes === 0) {
      throw new NotPreauthorizedError('this email is not pre-authorized');
    }
    // Skeletons first (their foreign key is checked at commit): a look-alike, like a taken name,
    // is found before an email collision. A constraint error rolls everything back.
    for (const skeleton of skeletons) q.insertSkeleton.run(skeleton, row['id']);
    q.insertUser.run(row);
  });
  const roleIn = (orgId: string, userId: string): string | null =>
    (q.membership.get(orgId, userId) as MembershipRow | undefined)?.role ?? null;
  // Read (the actor's role too) and write in one IMMEDIATE transaction: no other change of the org slips in between.
  const changeMember = db.transaction(
    (orgId: string, userId: string, role: string | null, ownerRole: string, actor?: MemberActor<unknown>): ChangeMemberResult | Refused<unknown> => {
      const row = q.membership.get(orgId, userId) as MembershipRow | undefined;
      const refused = actorRefusal(actor, { actor: actor === undefined ? null : roleIn(orgId, actor.userId), target: row?.role ?? null });
      if (refused !== null) return refused;
      if (row === undefined) return 'not_member';
      if (row.role === ownerRole && role !== ownerRole) {
        const { n } = q.countRole.get(orgId, ownerRole) as { n: number };
        if (n <= 1) return 'last_owner';
      }
      if (role === null) q.deleteMember.run(orgId, userId);
      else q.setMemberRole.run(role, orgId, userId);
      return 'ok';
    },
  );
  const addMember = db.transaction(
    (orgId: string, userId: string, role: string, now: number, actor?: MemberActor<unknown>): 'added' | 'exists' | Refused<unknown> => {
      const refused = actorRefusal(actor, { actor: actor === undefined ? null : roleIn(orgId, actor.userId), target: roleIn(orgId, userId) });
      if (refused !== null) return refused;
      return q.insertMember.run(orgId, userId, role, now).changes === 1 ? 'added' : 'exists';
    },
  );
  const insertReset = db.transaction((tokenHash: string, userId: string, expiresAt: number, now: number) => {
    q.deleteUserResets.run(userId);
    q.insertReset.run(tokenHash, userId, expiresAt, now);
  });
  const addPreauth = db.transaction((emails: readonly string[], now: number): number => {
    let added = 0;
    for (const e of emails) {
      const n = normalizeEmail(e);
      if (n !== '') added += q.addPreauth.run(n, now).changes;
    }
    return added;
  });
  const removePreauth = db.transaction((emails: readonly string[]): number => {
    let removed = 0;
    for (const e of emails) removed += q.removePreauth.run(normalizeEmail(e)).changes;
    return removed;
  });
  const updateDetails = db.transaction(
    (userId: string, details: { name?: string; email?: string }, now: number): UserRecord | null => {
      const row = q.userById.get(userId) as UserRow | undefined;
      if (row === undefined) return null;
      const email = details.email ?? row.email;
      const emailNormalized = details.email === undefined ? row.email_normalized : normalizeEmail(details.email);
      if (emailNormalized !== '' && q.otherUserWithEmail.get(emailNormalized, userId) !== undefined) {
        throw new DuplicateUserError('this email belongs to another user', 'email');
      }
      q.setDetails.run({ id: userId, name: details.name ?? row.name, email, email_normalized: emailNormalized, now });
      // Reset links went to the old address: they die with it (same transaction).
      if (email !== row.email) q.deleteUserResets.run(userId);
      return toUser(q.userById.get(userId) as UserRow);
    },
  );

  /** Which collision a unique or primary-key constraint error of createUser is. */
  const duplicateKind = (err: unknown): 'taken' | 'lookalike' | 'email' => {
    const message = String((err as Error).message);
    return message.includes('email_normalized') ? 'email' : message.includes('username_skeletons') ? 'lookalike' : 'taken';
  };

  let closed = false;
  return {
    async createUser(user: NewUser, now: number, options?: { readonly consumePreauthorizedEmail?: string }): Promise<UserRecord> {
      const id = user.id ?? randomUUID();
      const preauthorized = options?.consumePreauthorizedEmail;
      try {
        insertUser.immediate(
          {
            id,
            username: user.username,
            username_normalized: normalizeUsername(user.username),
            name: user.name ?? '',
            email: user.email ?? '',
            email_normalized: normalizeEmail(user.email ?? ''),
            password_hash: user.passwordHash,
            roles: JSON.stringify(user.roles ?? []),
            disabled: user.disabled === true ? 1 : 0,
            now,
          },
          usernameSkeletons(user.username),
          preauthorized === undefined ? null : normalizeEmail(preauthorized),
        );
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw duplicateUserError(duplicateKind(err), user.username);
        }
        throw err;
      }
      return toUser(q.userById.get(id) as UserRow);
    },
    async findUserByUsername(username) {
      const row = q.userByName.get(normalizeUsername(username)) as UserRow | undefined;
      return row === undefined ? null : toUser(row);
    },
    async findConfusableUser(username) {
      const [first = '', second = first] = usernameSkeletons(username);
      const row = q.confusableUser.get(normalizeUsername(username), first, second) as UserRow | undefined;
      return row === undefined ? null : toUser(row);
    },
    async findUserByEmail(email) {
      const n = normalizeEmail(email);
      if (n === '') return null;
      const row = q.userByEmail.get(n) as UserRow | undefined;
      return row === undefined ? null : toUser(row);
    },
    async updateUserDetails(userId, details, now) {
      return updateDetails.immediate(userId, details, now);
    },
    async findUserById(id) {
      const row = q.userById.get(id) as UserRow | undefined;
      return row === undefined ? null : toUser(row);
    },
    async updatePasswordHash(userId, passwordHash, now) {
      setPassword(userId, passwordHash, now);
    },
    async listUsers() {
      return (q.listUsers.all() as UserRow[]).map(toUser);
    },
    async setDisabled(userId, disabled, now) {
      q.setDisabled.run(disabled ? 1 : 0, now, userId);
    },
    async setRoles(userId, roles, now) {
      q.setRoles.run(JSON.stringify([...roles]), now, userId);
    },
    async recordLogin(userId, now) {
      q.recordLogin.run(now, userId);
    },
    async createSession(session, now) {
      q.insertSession.run(session.id, session.userId, now, session.absoluteExpiresAt);
      return toSession(q.session.get(session.id) as SessionRow);
    },
    async getSession(id) {
      const row = q.session.get(id) as SessionRow | undefined;
      return row === undefined ? null : toSession(row);
    },
    async revokeSession(id, now) {
      q.revokeSession.run(now, id);
    },
    async setSessionOrg(sessionId, orgId) {
      q.setSessionOrg.run(orgId, sessionId);
    },
    async createOrg(org, now) {
      try {
        q.insertOrg.run(org.id, org.name, now);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new DuplicateOrgError(`an organization with the id ${JSON.stringify(org.id)} exists already`);
        }
        throw err;
      }
      return toOrg(q.org.get(org.id) as OrgRow);
    },
    async findOrg(id) {
      const row = q.org.get(id) as OrgRow | undefined;
      return row === undefined ? null : toOrg(row);
    },
    async findOrgByName(name) {
      const row = q.orgByName.get(name) as OrgRow | undefined;
      return row === undefined ? null : toOrg(row);
    },
    async listOrgs() {
      return (q.listOrgs.all() as OrgRow[]).map(toOrg);
    },
    async listOrgsOfUser(userId) {
      return (q.orgsOfUser.all(userId) as (OrgRow & MembershipColumns)[]).map((r) => ({
        org: toOrg(r),
        role: r.member_role,
        createdAt: r.member_since,
      }));
    },
    async getMembership(orgId, userId) {
      const row = q.membership.get(orgId, userId) as MembershipRow | undefined;
      return row === undefined ? null : toMembership(row);
    },
    async listMembers(orgId) {
      return (q.membersOfOrg.all(orgId) as (UserRow & MembershipColumns)[]).map((r) => ({
        user: toUser(r),
        role: r.member_role,
        createdAt: r.member_since,
      }));
    },
    async addMember<R>(orgId: string, userId: string, role: string, now: number, actor?: MemberActor<R>) {
      return addMember.immediate(orgId, userId, role, now, actor) as 'added' | 'exists' | Refused<R>;
    },
    async changeMember<R>(orgId: string, userId: string, role: string | null, ownerRole: string, _now: number, actor?: MemberActor<R>) {
      return changeMember.immediate(orgId, userId, role, ownerRole, actor) as ChangeMemberResult | Refused<R>;
    },
    async revokeAllSessionsOfUser(userId, now, options) {
      revokeUser.immediate(userId, now, options?.except ?? '');
    },
    async insertResetToken(token, now) {
      insertReset.immediate(token.tokenHash, token.userId, token.expiresAt, now);
    },
    async consumeResetToken(tokenHash, now) {
      const row = q.consumeReset.get(now, tokenHash, now) as { user_id: string } | undefined;
      return row === undefined ? null : row.user_id;
    },
    async findResetToken(tokenHash) {
      const row = q.reset.get(tokenHash) as ResetRow | undefined;
      return row === undefined ? null : toReset(row);
    },
    async insertPendingRegistration(r, now) {
      q.upsertPending.run({
        token_hash: r.tokenHash,
        email_normalized: normalizeEmail(r.email),
        email: r.email,
        username: r.username,
        name: r.name,
        password_hash: r.passwordHash,
        expires_at: r.expiresAt,
        now,
      });
    },
    async consumePendingRegistration(tokenHash, now) {
      const row = q.consumePending.get(now, tokenHash, now) as PendingRow | undefined;
      return row === undefined ? null : toPending(row);
    },
    async findPendingRegistration(tokenHash) {
      const row = q.pending.get(tokenHash) as PendingRow | undefined;
      return row === undefined ? null : toPending(row);
    },
    async isPreauthorizedEmail(email) {
      const n = normalizeEmail(email);
      return n !== '' && q.isPreauth.get(n) !== undefined;
    },
    async addPreauthorizedEmails(emails, now) {
      return addPreauth.immediate(emails, now);
    },
    async removePreauthorizedEmails(emails) {
      return removePreauth.immediate(emails);
    },
    async listPreauthorizedEmails() {
      return (q.listPreauth.all() as { email: string }[]).map((r) => r.email);
    },
    async addOutboxMessage(message, now) {
      q.insertOutbox.run(message.to, message.subject, message.text, message.html ?? null, now);
    },
    async listOutbox(limit) {
      const n = Math.max(0, Math.min(Math.floor(limit), 1000));
      return (q.listOutbox.all(n) as OutboxRow[]).map(toOutbox);
    },
    async insertRefreshToken(token, now) {
      return q.insertRefresh.run(token.tokenHash, token.sessionId, token.userId, token.expiresAt, now).changes === 1;
    },
    async consumeRefreshToken(tokenHash, now) {
      const row = q.consumeRefresh.get(now, tokenHash, now) as RefreshRow | undefined;
      return row === undefined ? null : toRefresh(row);
    },
    async findRefreshToken(tokenHash) {
      const row = q.refresh.get(tokenHash) as RefreshRow | undefined;
      return row === undefined ? null : toRefresh(row);
    },
    async revokeFamily(sessionId, now) {
      revokeFamily.immediate(sessionId, now);
    },
    async recordFailure(key, now, policy) {
      return recordFailure.immediate(key, now, policy);
    },
    async clearFailures(key) {
      q.clearFailure.run(key);
    },
    async reserveAttempt(keys, now) {
      assertDistinctKeys(keys);
      return reserveAttempt.immediate(keys, now);
    },
    async releaseAttempt(reservation) {
      q.releaseFailure.run({ key: reservation.key, windowStart: reservation.windowStart, blockedUntil: reservation.blockedUntil });
    },
    async getBlock(key, now) {
      const row = q.failure.get(key) as FailureRow | undefined;
      return row !== undefined && row.blocked_until !== null && row.blocked_until > now ? row.blocked_until : null;
    },
    async prune(now, failureMaxAgeMs) {
      db.transaction(() => {
        q.pruneTokens.run(now);
        q.pruneSessions.run(now);
        q.pruneFailures.run(now - failureMaxAgeMs, now);
        q.pruneResets.run(now);
        q.prunePending.run(now);
        q.pruneOutbox.run(now - OUTBOX_MAX_AGE_MS);
      }).immediate();
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
