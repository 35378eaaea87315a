/**
 * PostgreSQL store (node-postgres `pg.Pool`): several server processes share one database, and
 * nothing that matters lives in one process's memory.
 *
 * Same semantics as the SQLite store (server/store/sqlite.ts); the shared contract suite
 * (test/server/store-contract.ts) runs against both. How each decision stays correct when several
 * processes race:
 * - Migrations run on open, in one transaction holding `pg_advisory_xact_lock`: two processes
 *   starting together migrate once; the version lives in `schema_version`.
 * - Unique usernames (normalized), username skeletons (confusable usernames, one table row per
 *   skeleton) and non-empty emails (normalized) are unique indexes; a violation (SQLSTATE 23505)
 *   becomes DuplicateUserError.
 * - consumeRefreshToken / consumeResetToken are ONE conditional `UPDATE ... WHERE used_at IS NULL
 *   AND expires_at > now RETURNING`: of concurrent callers, the row lock lets exactly one win.
 * - Login-failure counters are one `INSERT ... ON CONFLICT DO UPDATE` computing the new count,
 *   window and block in SQL (the same arithmetic as `nextFailure`): no count is ever lost. An
 *   attempt reservation (reserveAttempt) runs that statement per key, refusing on a blocked row, in
 *   one transaction that takes the rows' locks in key order and rolls back when a key is blocked.
 * - Multi-row changes (revoke a family, revoke a user's sessions, prune) are single statements with
 *   data-modifying CTEs, or short transactions with a row lock where a read decides a write.
 *
 * Times are BIGINT milliseconds since the epoch (parsed back to numbers; they fit in 2^53).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { RateLimitPolicy } from '../config.js';
import { planSkeletonBackfill, usernameSkeletons } from '../identity.js';
import { assertDistinctKeys } from '../rate-limit.js';
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
  type OrgMember,
  type OrgRecord,
  type OutboxMessage,
  type PendingRegistration,
  type RefreshTokenRecord,
  type Refused,
  type ResetTokenRecord,
  type SessionRecord,
  type Store,
  type StoreOptions,
  type UserOrg,
  type UserRecord,
} from './types.js';

/** A migration: SQL, or a function for what SQL cannot do alone (back-fills computed in JS). */
type Migration = string | ((client: pg.PoolClient, warn: (message: string) => void) => Promise<void>);

/**
 * Numbered migrations; index + 1 is the version recorded in `schema_version`. Version 1 holds what
 * SQLite's versions 1 and 2 hold, so this store's version N is SQLite's version N + 1.
 */
const MIGRATIONS: readonly Migration[] = [
  // 1: users (normalized unique username and email), sessions, refresh tokens, login failures,
  //    reset tokens, pre-authorized emails, development outbox
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_normalized TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    email_normalized TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    roles TEXT[] NOT NULL DEFAULT '{}',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT users_username_normalized_key UNIQUE (username_normalized)
  );
  CREATE UNIQUE INDEX users_email_normalized ON users (email_normalized) WHERE email_normalized <> '';
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    revoked_at BIGINT
  );
  CREATE INDEX sessions_user_id ON sessions (user_id);
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
  CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
  CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    blocked_until BIGINT
  );
  CREATE TABLE reset_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX reset_tokens_user_id ON reset_tokens (user_id);
  CREATE TABLE preauthorized_emails (
    email TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX outbox_created_at ON outbox (created_at);
  `,
  // 2: pending registrations (proof of the mailbox before the account exists); the skeletons of
  //    usernames (confusable usernames are refused), back-filled
  async (client, warn) => {
    await client.query(`
  CREATE TABLE pending_registrations (
    token_hash TEXT PRIMARY KEY,
    email_normalized TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    username TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
  );
  -- Deferred: createUser inserts the skeletons before the user, so a look-alike is found first.
  CREATE TABLE username_skeletons (
    skeleton TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
  );
  CREATE INDEX username_skeletons_user_id ON username_skeletons (user_id);
  `);
    const users = await client.query<{ id: string; username: string }>('SELECT id, username FROM users ORDER BY created_at, id COLLATE "C"');
    const plan = planSkeletonBackfill(users.rows);
    await client.query('INSERT INTO username_skeletons (skeleton, user_id) SELECT * FROM unnest($1::text[], $2::text[])', [
      plan.rows.map((r) => r.skeleton),
      plan.rows.map((r) => r.userId),
    ]);
    if (plan.warning !== null) warn(plan.warning);
  },
  // 3 (SQLite's 4): when each user last logged in and how often
  `
  ALTER TABLE users ADD COLUMN last_login BIGINT;
  ALTER TABLE users ADD COLUMN logins_count INTEGER NOT NULL DEFAULT 0;
  `,
  // 4 (SQLite's 5): organizations, memberships (one role each), the active organization of each session
  `
  CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX orgs_name ON orgs (name);
  CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
  );
  CREATE INDEX memberships_user_id ON memberships (user_id);
  -- Not a foreign key: a pointer that every token issue checks against memberships.
  ALTER TABLE sessions ADD COLUMN org_id TEXT;
  `,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** Key of the advisory lock that serializes migrations across processes. */
const MIGRATION_LOCK_KEY = 0x61655f6d; // "ae_m"

type Int8 = string | number;
interface UserRow {
  id: string;
  username: string;
  username_normalized: string;
  name: string;
  email: string;
  email_normalized: string;
  password_hash: string;
  roles: string[];
  disabled: boolean;
  created_at: Int8;
  updated_at: Int8;
  last_login: Int8 | null;
  logins_count: number;
}
interface SessionRow {
  id: string;
  user_id: string;
  created_at: Int8;
  absolute_expires_at: Int8;
  revoked_at: Int8 | null;
  org_id: string | null;
}
interface OrgRow {
  id: string;
  name: string;
  created_at: Int8;
}
/** A membership joined with its org (listOrgsOfUser) or its user (listMembers). */
interface MembershipColumns {
  member_role: string;
  member_since: Int8;
}
interface MembershipRow {
  org_id: string;
  user_id: string;
  role: string;
  created_at: Int8;
}
interface RefreshRow {
  token_hash: string;
  session_id: string;
  user_id: string;
  expires_at: Int8;
  used_at: Int8 | null;
  created_at: Int8;
}
interface ResetRow {
  token_hash: string;
  user_id: string;
  expires_at: Int8;
  used_at: Int8 | null;
  created_at: Int8;
}
interface PendingRow {
  token_hash: string;
  email_normalized: string;
  email: string;
  username: string;
  name: string;
  password_hash: string;
  expires_at: Int8;
  used_at: Int8 | null;
  created_at: Int8;
}
interface OutboxRow {
  id: Int8;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: Int8;
}
interface FailureRow {
  key: string;
  count: number;
  window_start: Int8;
  blocked_until: Int8 | null;
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite can). Stored values never contain it (usernames and
 * emails are validated first), so a look-up with one finds nothing; counter keys, which embed
 * whatever username was typed at login, are escaped so that they stay distinct.
 */
const hasNul = (s: string): boolean => s.includes('\0');
const failureKey = (key: string): string => (/[\\\0]/.test(key) ? key.replace(/[\\\0]/g, (c) => (c === '\0' ? '\\0' : '\\\\')) : key);

const num = (v: Int8): number => Number(v);
const numOrNull = (v: Int8 | null): number | null => (v === null ? null : Number(v));

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  usernameNormalized: r.username_normalized,
  name: r.name,
  email: r.email,
  passwordHash: r.password_hash,
  roles: [...r.roles],
  disabled: r.disabled,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
  lastLogin: numOrNull(r.last_login),
  loginsCount: r.logins_count,
});
const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  createdAt: num(r.created_at),
  absoluteExpiresAt: num(r.absolute_expires_at),
  revokedAt: numOrNull(r.revoked_at),
  orgId: r.org_id,
});
const toOrg = (r: OrgRow): OrgRecord => ({ id: r.id, name: r.name, createdAt: num(r.created_at) });
const toMembership = (r: MembershipRow): MembershipRecord => ({ orgId: r.org_id, userId: r.user_id, role: r.role, createdAt: num(r.created_at) });
const toRefresh = (r: RefreshRow): RefreshTokenRecord => ({
  tokenHash: r.token_hash,
  sessionId: r.session_id,
  userId: r.user_id,
  expiresAt: num(r.expires_at),
  usedAt: numOrNull(r.used_at),
  createdAt: num(r.created_at),
});
const toReset = (r: ResetRow): ResetTokenRecord => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  expiresAt: num(r.expires_at),
  usedAt: numOrNull(r.used_at),
  createdAt: num(r.created_at),
});
const toPending = (r: PendingRow): PendingRegistration => ({
  tokenHash: r.token_hash,
  username: r.username,
  name: r.name,
  email: r.email,
  passwordHash: r.password_hash,
  expiresAt: num(r.expires_at),
  usedAt: numOrNull(r.used_at),
  createdAt: num(r.created_at),
});
const toOutbox = (r: OutboxRow): OutboxMessage => ({
  id: String(r.id),
  to: r.recipient,
  subject: r.subject,
  text: r.text_body,
  html: r.html_body,
  createdAt: num(r.created_at),
});
const toFailure = (r: FailureRow): FailureRecord => ({
  key: r.key,
  count: r.count,
  windowStart: num(r.window_start),
  blockedUntil: numOrNull(r.blocked_until),
});

/** A unique violation (SQLSTATE 23505) of a new user: which collision it is. */
function duplicateKind(err: unknown): 'taken' | 'lookalike' | 'email' | null {
  const e = err as { code?: string; table?: string; constraint?: string };
  if (e.code !== '23505') return null;
  if (e.table === 'username_skeletons') return 'lookalike';
  if (e.table !== 'users') return null;
  return e.constraint === 'users_email_normalized' ? 'email' : 'taken';
}

/**
 * New failure count at $2 (now): 1 when there is no counter or its window has passed, else +1.
 * `f` is the existing row inside ON CONFLICT DO UPDATE. Parameters: $2 now, $3 window (ms),
 * $4 maxFailures, $5 base delay (ms), $6 max delay (ms).
 */
const NEW_COUNT = `(CASE WHEN $2::bigint >= f.window_start + $3::bigint THEN 1 ELSE f.count + 1 END)`;
/** blockedUntil for a new count `c`, as rate-limit.ts `blockDurationMs` computes it. */
const blockedUntil = (c: string): string =>
  `(CASE WHEN ${c} < $4::integer THEN NULL ELSE $2::bigint + round(LEAST($5::float8 * power(2::float8, LEAST(${c} - $4::integer, 40)), $6::float8))::bigint END)`;

/** Count one failure on $1 (see NEW_COUNT for the parameters), only `where` the existing row allows it. */
const countFailureSql = (where: string): string => `
  INSERT INTO login_failures AS f (key, count, window_start, blocked_until)
  VALUES ($1, 1, $2::bigint, ${blockedUntil('1')})
  ON CONFLICT (key) DO UPDATE SET
    count = ${NEW_COUNT},
    window_start = CASE WHEN $2::bigint >= f.window_start + $3::bigint THEN $2::bigint ELSE f.window_start END,
    blocked_until = ${blockedUntil(NEW_COUNT)}
  ${where}
  RETURNING *`;
const RECORD_FAILURE_SQL = countFailureSql('');
/**
 * A reservation: the same count, unless the key is blocked at $2 (then no row comes back). ON
 * CONFLICT DO UPDATE locks the row and evaluates the WHERE on its latest version, so of concurrent
 * callers, none passes a block another one has just set.
 */
const RESERVE_ATTEMPT_SQL = countFailureSql('WHERE f.blocked_until IS NULL OR f.blocked_until <= $2::bigint');
const RELEASE_ATTEMPT_SQL = `
  UPDATE login_failures SET count = count - 1,
    blocked_until = CASE WHEN blocked_until = $3::bigint THEN NULL ELSE blocked_until END
  WHERE key = $1 AND window_start = $2::bigint AND count > 0`;

/** How often reserveAttempt retries after PostgreSQL broke a deadlock (40P01) by aborting it. */
const DEADLOCK_RETRIES = 3;

/** Thrown inside the reserveAttempt transaction to roll it back: a key is blocked. */
class Blocked {
  constructor(readonly until: number) {}
}

const policyParams = (p: RateLimitPolicy): number[] => [
  p.windowSeconds * 1000,
  p.maxFailures,
  p.baseDelaySeconds * 1000,
  p.maxDelaySeconds * 1000,
];

export interface PostgresStoreOptions extends StoreOptions {
  /** Largest number of connections this process opens (default 10). */
  readonly maxConnections?: number;
  /** Called with errors of idle connections (e.g. the server restarted); default: ignored. */
  readonly onIdleError?: (err: Error) => void;
}

export class PostgresStore implements Store {
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /** Connect to `connectionString`, run the migrations that are missing, and return the store. */
  static async open(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10, application_name: 'auth-elements' });
    pool.on('error', (err) => options.onIdleError?.(err));
    try {
      await migrate(pool, options.warn ?? ((m) => console.warn(`warning: ${m}`)));
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return new PostgresStore(pool);
  }

  private async one<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<R | undefined> {
    const r = await this.pool.query<R>(sql, params);
    return r.rows[0];
  }

  /** The first row mapped, or null; a parameter holding U+0000 finds nothing (see hasNul). */
  private async findOne<R extends pg.QueryResultRow, T>(sql: string, params: string[], map: (row: R) => T): Promise<T | null> {
    if (params.some(hasNul)) return null;
    const row = await this.one<R>(sql, params);
    return row === undefined ? null : map(row);
  }

  /** Run `fn` in a transaction on one connection (READ COMMITTED). */
  private async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A connection that cannot even roll back is not given back to the pool.
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  // ---- users ----

  async createUser(user: NewUser, now: number, options?: { readonly consumePreauthorizedEmail?: string }): Promise<UserRecord> {
    const params = [
      user.id ?? randomUUID(),
      user.username,
      normalizeUsername(user.username),
      user.name ?? '',
      user.email ?? '',
      normalizeEmail(user.email ?? ''),
      user.passwordHash,
      [...(user.roles ?? [])],
      user.disabled === true,
      now,
    ];
    const insert = `INSERT INTO users (id, username, username_normalized, name, email, email_normalized, password_hash, roles, disabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $10) RETURNING *`;
    // Sorted: two creations sharing skeletons take their index entries in one order (no deadlock).
    const skeletons = usernameSkeletons(user.username).sort();
    const preauthorized = options?.consumePreauthorizedEmail;
    try {
      return await this.tx(async (client) => {
        if (preauthorized !== undefined) {
          // The row lock of this DELETE makes a racing registration with the same email wait, then
          // find the email gone. A failing insert rolls the deletion back.
          const removed = await client.query('DELETE FROM preauthorized_emails WHERE email = $1', [normalizeEmail(preauthorized)]);
          if (removed.rowCount === 0) throw new NotPreauthorizedError('this email is not pre-authorized');
        }
        // Skeletons first (their foreign key is checked at commit): a look-alike, like a taken name,
        // is found before an email collision. A concurrent creation of a look-alike waits on the
        // unique index until this transaction ends, then fails.
        await client.query('INSERT INTO username_skeletons (skeleton, user_id) SELECT unnest($1::text[]), $2', [skeletons, params[0]]);
        return toUser((await client.query<UserRow>(insert, params)).rows[0]!);
      });
    } catch (err) {
      const kind = duplicateKind(err);
      if (kind !== null) throw duplicateUserError(kind, user.username);
      throw err;
    }
  }

  async findUserByUsername(username: string): Promise<UserRecord | null> {
    if (hasNul(username)) return null;
    const row = await this.one<UserRow>('SELECT * FROM users WHERE username_normalized = $1', [normalizeUsername(username)]);
    return row === undefined ? null : toUser(row);
  }

  async findConfusableUser(username: string): Promise<UserRecord | null> {
    if (hasNul(username)) return null;
    const row = await this.one<UserRow>(
      `SELECT * FROM users WHERE username_normalized = $1
         OR id IN (SELECT user_id FROM username_skeletons WHERE skeleton = ANY($2::text[]))
       ORDER BY created_at, id COLLATE "C" LIMIT 1`,
      [normalizeUsername(username), usernameSkeletons(username)],
    );
    return row === undefined ? null : toUser(row);
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const n = normalizeEmail(email);
    if (n === '' || hasNul(n)) return null;
    const row = await this.one<UserRow>("SELECT * FROM users WHERE email_normalized = $1 AND email_normalized <> ''", [n]);
    return row === undefined ? null : toUser(row);
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    if (hasNul(id)) return null;
    const row = await this.one<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return row === undefined ? null : toUser(row);
  }

  async updateUserDetails(
    userId: string,
    details: { readonly name?: string; readonly email?: string },
    now: number,
  ): Promise<UserRecord | null> {
    try {
      return await this.tx(async (client) => {
        // Lock the user row first: a concurrent insertResetToken (which locks it too) either
        // commits before (and its token is deleted below, in a statement with a fresh snapshot)
        // or waits and comes after the change.
        const old = await client.query<{ email: string }>('SELECT email FROM users WHERE id = $1 FOR UPDATE', [userId]);
        if (old.rows[0] === undefined) return null;
        // The unique index decides an email collision (own email in another case is the same row).
        const row = (
          await client.query<UserRow>(
            `UPDATE users SET name = COALESCE($2, name), email = COALESCE($3, email),
               email_normalized = COALESCE($4, email_normalized), updated_at = $5
             WHERE id = $1 RETURNING *`,
            [userId, details.name ?? null, details.email ?? null, details.email === undefined ? null : normalizeEmail(details.email), now],
          )
        ).rows[0]!;
        // Reset links went to the old address: they die with it (same transaction).
        if (row.email !== old.rows[0].email) await client.query('DELETE FROM reset_tokens WHERE user_id = $1', [userId]);
        return toUser(row);
      });
    } catch (err) {
      if (duplicateKind(err) !== null) throw new DuplicateUserError('this email belongs to another user', 'email');
      throw err;
    }
  }

  async updatePasswordHash(userId: string, passwordHash: string, now: number): Promise<void> {
    await this.tx(async (client) => {
      await client.query('UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3', [passwordHash, now, userId]);
      await client.query('DELETE FROM reset_tokens WHERE user_id = $1', [userId]);
    });
  }

  async listUsers(): Promise<UserRecord[]> {
    const r = await this.pool.query<UserRow>('SELECT * FROM users ORDER BY created_at, username_normalized COLLATE "C"');
    return r.rows.map(toUser);
  }

  async setDisabled(userId: string, disabled: boolean, now: number): Promise<void> {
    await this.pool.query('UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3', [disabled, now, userId]);
  }

  async setRoles(userId: string, roles: readonly string[], now: number): Promise<void> {
    await this.pool.query('UPDATE users SET roles = $1::text[], updated_at = $2 WHERE id = $3', [[...roles], now, userId]);
  }

  async recordLogin(userId: string, now: number): Promise<void> {
    if (hasNul(userId)) return;
    await this.pool.query('UPDATE users SET last_login = $1, logins_count = logins_count + 1 WHERE id = $2', [now, userId]);
  }

  // ---- sessions ----

  async createSession(session: { id: string; userId: string; absoluteExpiresAt: number }, now: number): Promise<SessionRecord> {
    const row = await this.one<SessionRow>(
      'INSERT INTO sessions (id, user_id, created_at, absolute_expires_at, revoked_at, org_id) VALUES ($1, $2, $3, $4, NULL, NULL) RETURNING *',
      [session.id, session.userId, now, session.absoluteExpiresAt],
    );
    return toSession(row!);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    if (hasNul(id)) return null;
    const row = await this.one<SessionRow>('SELECT * FROM sessions WHERE id = $1', [id]);
    return row === undefined ? null : toSession(row);
  }

  async revokeSession(id: string, now: number): Promise<void> {
    await this.pool.query('UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id]);
  }

  async revokeAllSessionsOfUser(userId: string, now: number, options?: { readonly except?: string }): Promise<void> {
    // '' is never a session id: without `except`, every session matches `id <> ''`. One statement.
    await this.pool.query(
      `WITH s AS (
         UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3
       )
       UPDATE refresh_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL AND session_id <> $3`,
      [userId, now, options?.except ?? ''],
    );
  }

  async setSessionOrg(sessionId: string, orgId: string | null, _now: number): Promise<void> {
    if (hasNul(sessionId)) return;
    await this.pool.query('UPDATE sessions SET org_id = $1 WHERE id = $2', [orgId, sessionId]);
  }

  // ---- organizations and memberships ----

  async createOrg(org: { readonly id: string; readonly name: string }, now: number): Promise<OrgRecord> {
    try {
      const row = await this.one<OrgRow>('INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3) RETURNING *', [org.id, org.name, now]);
      return toOrg(row!);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new DuplicateOrgError(`an organization with the id ${JSON.stringify(org.id)} exists already`);
      }
      throw err;
    }
  }

  findOrg(id: string): Promise<OrgRecord | null> {
    return this.findOne('SELECT * FROM orgs WHERE id = $1', [id], toOrg);
  }

  findOrgByName(name: string): Promise<OrgRecord | null> {
    return this.findOne('SELECT * FROM orgs WHERE name = $1 ORDER BY created_at, id COLLATE "C" LIMIT 1', [name], toOrg);
  }

  async listOrgs(): Promise<OrgRecord[]> {
    const r = await this.pool.query<OrgRow>('SELECT * FROM orgs ORDER BY created_at, id COLLATE "C"');
    return r.rows.map(toOrg);
  }

  async listOrgsOfUser(userId: string): Promise<UserOrg[]> {
    if (hasNul(userId)) return [];
    const r = await this.pool.query<OrgRow & MembershipColumns>(
      `SELECT o.*, m.role AS member_role, m.created_at AS member_since FROM memberships m JOIN orgs o ON o.id = m.org_id
       WHERE m.user_id = $1 ORDER BY m.created_at, o.created_at, o.id COLLATE "C"`,
      [userId],
    );
    return r.rows.map((row) => ({ org: toOrg(row), role: row.member_role, createdAt: num(row.member_since) }));
  }

  getMembership(orgId: string, userId: string): Promise<MembershipRecord | null> {
    return this.findOne('SELECT * FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId], toMembership);
  }

  async listMembers(orgId: string): Promise<OrgMember[]> {
    if (hasNul(orgId)) return [];
    const r = await this.pool.query<UserRow & MembershipColumns>(
      `SELECT u.*, m.role AS member_role, m.created_at AS member_since FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = $1 ORDER BY m.created_at, u.created_at, u.id COLLATE "C"`,
      [orgId],
    );
    return r.rows.map((row) => ({ user: toUser(row), role: row.member_role, createdAt: num(row.member_since) }));
  }

  async addMember<R = never>(
    orgId: string,
    userId: string,
    role: string,
    now: number,
    actor?: MemberActor<R>,
  ): Promise<'added' | 'exists' | Refused<R>> {
    return this.tx(async (client) => {
      // The org row's lock (as in changeMember): the actor's role read here is the one at the write.
      await this.lockOrg(client, orgId);
      const refused = actorRefusal(actor, {
        actor: actor === undefined ? null : await this.roleIn(client, orgId, actor.userId),
        target: actor === undefined ? null : await this.roleIn(client, orgId, userId),
      });
      if (refused !== null) return refused;
      const r = await client.query(
        'INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, user_id) DO NOTHING',
        [orgId, userId, role, now],
      );
      return r.rowCount === 1 ? 'added' : 'exists';
    });
  }

  async changeMember<R = never>(
    orgId: string,
    userId: string,
    role: string | null,
    ownerRole: string,
    _now: number,
    actor?: MemberActor<R>,
  ): Promise<ChangeMemberResult | Refused<R>> {
    if (hasNul(orgId) || hasNul(userId) || (actor !== undefined && hasNul(actor.userId))) return 'not_member';
    return this.tx(async (client) => {
      await this.lockOrg(client, orgId);
      const current = await this.roleIn(client, orgId, userId);
      const refused = actorRefusal(actor, { actor: actor === undefined ? null : await this.roleIn(client, orgId, actor.userId), target: current });
      if (refused !== null) return refused;
      if (current === null) return 'not_member';
      if (current === ownerRole && role !== ownerRole) {
        const c = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM memberships WHERE org_id = $1 AND role = $2', [orgId, ownerRole]);
        if (c.rows[0]!.n <= 1) return 'last_owner';
      }
      if (role === null) await client.query('DELETE FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
      else await client.query('UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3', [role, orgId, userId]);
      return 'ok';
    });
  }

  /**
   * Take the org row's lock for the transaction: it serializes every change of this org's members,
   * in every process; each later statement (READ COMMITTED) sees what the previous holder committed.
   */
  private async lockOrg(client: pg.PoolClient, orgId: string): Promise<void> {
    await client.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
  }

  /** The user's role in the org as this transaction sees it, or null. */
  private async roleIn(client: pg.PoolClient, orgId: string, userId: string): Promise<string | null> {
    const m = await client.query<{ role: string }>('SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
    return m.rows[0]?.role ?? null;
  }

  // ---- refresh tokens ----

  async insertRefreshToken(token: { tokenHash: string; sessionId: string; userId: string; expiresAt: number }, now: number): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO refresh_tokens (token_hash, session_id, user_id, expires_at, used_at, created_at) VALUES ($1, $2, $3, $4, NULL, $5)
       ON CONFLICT (token_hash) DO NOTHING`,
      [token.tokenHash, token.sessionId, token.userId, token.expiresAt, now],
    );
    return r.rowCount === 1;
  }

  async consumeRefreshToken(tokenHash: string, now: number): Promise<RefreshTokenRecord | null> {
    const row = await this.one<RefreshRow>(
      'UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING *',
      [now, tokenHash],
    );
    return row === undefined ? null : toRefresh(row);
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const row = await this.one<RefreshRow>('SELECT * FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
    return row === undefined ? null : toRefresh(row);
  }

  async revokeFamily(sessionId: string, now: number): Promise<void> {
    await this.pool.query(
      `WITH s AS (UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL)
       UPDATE refresh_tokens SET used_at = $1 WHERE session_id = $2 AND used_at IS NULL`,
      [now, sessionId],
    );
  }

  // ---- login throttling ----

  async recordFailure(key: string, now: number, policy: RateLimitPolicy): Promise<FailureRecord> {
    const row = await this.one<FailureRow>(RECORD_FAILURE_SQL, [failureKey(key), now, ...policyParams(policy)]);
    return { ...toFailure(row!), key };
  }

  async reserveAttempt(keys: readonly AttemptKey[], now: number): Promise<AttemptResult> {
    assertDistinctKeys(keys);
    const stored = keys.map((k) => failureKey(k.key));
    // Rows are locked in one order (by stored key) in every process: two attempts naming the same
    // keys cannot wait for each other crosswise.
    const order = stored.map((_, i) => i).sort((a, b) => (stored[a]! < stored[b]! ? -1 : stored[a]! > stored[b]! ? 1 : 0));
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.tx(async (client) => {
          const reservations: FailureRecord[] = new Array<FailureRecord>(keys.length);
          for (const [n, i] of order.entries()) {
            const row = (await client.query<FailureRow>(RESERVE_ATTEMPT_SQL, [stored[i], now, ...policyParams(keys[i]!.policy)])).rows[0];
            if (row === undefined) {
              // Blocked: the latest block among this key and the ones not reserved yet (the earlier
              // ones were not blocked, and their new counts are rolled back).
              const rest = order.slice(n).map((j) => stored[j]);
              const r = await client.query<{ until: Int8 }>(
                'SELECT max(blocked_until) AS until FROM login_failures WHERE key = ANY($1::text[]) AND blocked_until > $2',
                [rest, now],
              );
              throw new Blocked(num(r.rows[0]!.until));
            }
            reservations[i] = { ...toFailure(row), key: keys[i]!.key };
          }
          return { ok: true, reservations } as const;
        });
      } catch (err) {
        if (err instanceof Blocked) return { ok: false, blockedUntil: err.until };
        if ((err as { code?: string }).code === '40P01' && attempt < DEADLOCK_RETRIES) continue;
        throw err;
      }
    }
  }

  async releaseAttempt(reservation: FailureRecord): Promise<void> {
    await this.pool.query(RELEASE_ATTEMPT_SQL, [failureKey(reservation.key), reservation.windowStart, reservation.blockedUntil]);
  }

  async clearFailures(key: string): Promise<void> {
    await this.pool.query('DELETE FROM login_failures WHERE key = $1', [failureKey(key)]);
  }

  async getBlock(key: string, now: number): Promise<number | null> {
    const row = await this.one<{ blocked_until: Int8 }>(
      'SELECT blocked_until FROM login_failures WHERE key = $1 AND blocked_until IS NOT NULL AND blocked_until > $2',
      [failureKey(key), now],
    );
    return row === undefined ? null : num(row.blocked_until);
  }

  // ---- password reset tokens ----

  async insertResetToken(token: { readonly tokenHash: string; readonly userId: string; readonly expiresAt: number }, now: number): Promise<void> {
    await this.tx(async (client) => {
      // Lock the user row: two racing requests for one user serialize, and the later one's DELETE
      // sees (and voids) the earlier one's token.
      await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [token.userId]);
      await client.query('DELETE FROM reset_tokens WHERE user_id = $1', [token.userId]);
      await client.query(
        'INSERT INTO reset_tokens (token_hash, user_id, expires_at, used_at, created_at) VALUES ($1, $2, $3, NULL, $4)',
        [token.tokenHash, token.userId, token.expiresAt, now],
      );
    });
  }

  async consumeResetToken(tokenHash: string, now: number): Promise<string | null> {
    const row = await this.one<{ user_id: string }>(
      'UPDATE reset_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id',
      [now, tokenHash],
    );
    return row === undefined ? null : row.user_id;
  }

  async findResetToken(tokenHash: string): Promise<ResetTokenRecord | null> {
    const row = await this.one<ResetRow>('SELECT * FROM reset_tokens WHERE token_hash = $1', [tokenHash]);
    return row === undefined ? null : toReset(row);
  }

  // ---- pending registrations ----

  async insertPendingRegistration(r: Omit<PendingRegistration, 'usedAt' | 'createdAt'>, now: number): Promise<void> {
    // One statement: a newer registration for the same email replaces (voids) the older one; two
    // racing ones serialize on the unique index and the later one wins.
    await this.pool.query(
      `INSERT INTO pending_registrations (token_hash, email_normalized, email, username, name, password_hash, expires_at, used_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)
       ON CONFLICT (email_normalized) DO UPDATE SET token_hash = EXCLUDED.token_hash, email = EXCLUDED.email,
         username = EXCLUDED.username, name = EXCLUDED.name, password_hash = EXCLUDED.password_hash,
         expires_at = EXCLUDED.expires_at, used_at = NULL, created_at = EXCLUDED.created_at`,
      [r.tokenHash, normalizeEmail(r.email), r.email, r.username, r.name, r.passwordHash, r.expiresAt, now],
    );
  }

  async consumePendingRegistration(tokenHash: string, now: number): Promise<PendingRegistration | null> {
    const row = await this.one<PendingRow>(
      'UPDATE pending_registrations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING *',
      [now, tokenHash],
    );
    return row === undefined ? null : toPending(row);
  }

  async findPendingRegistration(tokenHash: string): Promise<PendingRegistration | null> {
    const row = await this.one<PendingRow>('SELECT * FROM pending_registrations WHERE token_hash = $1', [tokenHash]);
    return row === undefined ? null : toPending(row);
  }

  // ---- pre-authorized emails ----

  async isPreauthorizedEmail(email: string): Promise<boolean> {
    const n = normalizeEmail(email);
    if (n === '' || hasNul(n)) return false;
    return (await this.one('SELECT 1 FROM preauthorized_emails WHERE email = $1', [n])) !== undefined;
  }

  async addPreauthorizedEmails(emails: readonly string[], now: number): Promise<number> {
    const list = [...new Set(emails.map(normalizeEmail).filter((e) => e !== ''))];
    if (list.length === 0) return 0;
    const r = await this.pool.query(
      'INSERT INTO preauthorized_emails (email, created_at) SELECT e, $2 FROM unnest($1::text[]) AS e ON CONFLICT (email) DO NOTHING',
      [list, now],
    );
    return r.rowCount ?? 0;
  }

  async removePreauthorizedEmails(emails: readonly string[]): Promise<number> {
    const list = [...new Set(emails.map(normalizeEmail))];
    if (list.length === 0) return 0;
    const r = await this.pool.query('DELETE FROM preauthorized_emails WHERE email = ANY($1::text[])', [list]);
    return r.rowCount ?? 0;
  }

  async listPreauthorizedEmails(): Promise<string[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's collation.
    const r = await this.pool.query<{ email: string }>('SELECT email FROM preauthorized_emails ORDER BY email COLLATE "C"');
    return r.rows.map((row) => row.email);
  }

  // ---- development outbox ----

  async addOutboxMessage(
    message: { readonly to: string; readonly subject: string; readonly text: string; readonly html?: string },
    now: number,
  ): Promise<void> {
    await this.pool.query(
      'INSERT INTO outbox (recipient, subject, text_body, html_body, created_at) VALUES ($1, $2, $3, $4, $5)',
      [message.to, message.subject, message.text, message.html ?? null, now],
    );
  }

  async listOutbox(limit: number): Promise<OutboxMessage[]> {
    const n = Math.max(0, Math.min(Math.floor(limit), 1000));
    const r = await this.pool.query<OutboxRow>('SELECT * FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1', [n]);
    return r.rows.map(toOutbox);
  }

  // ---- housekeeping ----

  async prune(now: number, failureMaxAgeMs: number): Promise<void> {
    await this.pool.query(
      `WITH t AS (DELETE FROM refresh_tokens WHERE expires_at <= $1),
            s AS (DELETE FROM sessions WHERE absolute_expires_at <= $1),
            f AS (DELETE FROM login_failures WHERE window_start <= $2 AND (blocked_until IS NULL OR blocked_until <= $1)),
            r AS (DELETE FROM reset_tokens WHERE expires_at <= $1 OR used_at IS NOT NULL),
            p AS (DELETE FROM pending_registrations WHERE expires_at <= $1 OR used_at IS NOT NULL)
       DELETE FROM outbox WHERE created_at <= $3`,
      [now, now - failureMaxAgeMs, now - OUTBOX_MAX_AGE_MS],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

async function migrate(pool: pg.Pool, warn: (message: string) => void): Promise<void> {
  const client = await pool.connect();
  let broken = false;
  // Said once the migration is committed (a rolled-back one has nothing to warn about).
  const warnings: string[] = [];
  try {
    await client.query('BEGIN');
    // Held until COMMIT/ROLLBACK: a second process opening at the same time waits here, then sees
    // the migrated schema and does nothing.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const r = await client.query<{ version: number }>('SELECT version FROM schema_version');
    const current = r.rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(`database schema version ${current} is newer than this server (${MIGRATIONS.length})`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      const m = MIGRATIONS[v];
      if (typeof m === 'function') await m(client, (w) => warnings.push(w));
      else if (m !== undefined) await client.query(m);
    }
    if (r.rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES ($1)', [MIGRATIONS.length]);
    else if (current !== MIGRATIONS.length) await client.query('UPDATE schema_version SET version = $1', [MIGRATIONS.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    client.release(broken);
  }
  for (const w of warnings) warn(w);
}

/** Open the PostgreSQL store at `connectionString` (migrating it). */
export function openPostgresStore(connectionString: string, options?: PostgresStoreOptions): Promise<Store> {
  return PostgresStore.open(connectionString, options);
}
