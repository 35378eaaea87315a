/**
 * The Store interface: everything the server keeps. Every method is async so that a PostgreSQL
 * store can implement it; nothing that matters lives only in one process's memory.
 *
 * Times are milliseconds since the Unix epoch (the server's injectable clock). Stores never see a
 * refresh token, only its SHA-256 hex digest.
 */
import type { RateLimitPolicy } from '../config.js';

export interface UserRecord {
  /** Random UUID; the `sub` of tokens. */
  readonly id: string;
  /** The username as the user typed it at creation (for display). */
  readonly username: string;
  /** NFKC + lower-case form; unique. Look-ups always use this. */
  readonly usernameNormalized: string;
  readonly name: string;
  readonly email: string;
  /** PHC string (argon2id). */
  readonly passwordHash: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUser {
  /** Defaults to a random UUID. */
  readonly id?: string;
  readonly username: string;
  readonly name?: string;
  readonly email?: string;
  readonly passwordHash: string;
  readonly roles?: readonly string[];
  readonly disabled?: boolean;
}

/** A login session; also the family of its refresh tokens (`sid` claim). */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  /** No refresh beyond this instant, however often the token rotates. */
  readonly absoluteExpiresAt: number;
  readonly revokedAt: number | null;
}

export interface RefreshTokenRecord {
  /** SHA-256 hex of the opaque token. */
  readonly tokenHash: string;
  /** The session (family) it belongs to. */
  readonly sessionId: string;
  readonly userId: string;
  /** Idle expiry: min(issued + idle TTL, session absolute expiry). */
  readonly expiresAt: number;
  /** Set when the token was exchanged (or its family revoked); a used token never works again. */
  readonly usedAt: number | null;
  readonly createdAt: number;
}

/** Login-failure counter of one key (`account:<name>` or `address:<ip>`). */
export interface FailureRecord {
  readonly key: string;
  readonly count: number;
  readonly windowStart: number;
  readonly blockedUntil: number | null;
}

/** createUser with a username whose normalized form is taken. */
export class DuplicateUserError extends Error {
  override readonly name = 'DuplicateUserError';
}

/** The form usernames are compared in: NFKC, then lower case. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

export interface Store {
  // ---- users ----
  /** Insert a user; throws DuplicateUserError when the normalized username exists. */
  createUser(user: NewUser, now: number): Promise<UserRecord>;
  /** Look a user up by username (normalized here, so any case/compatibility form matches). */
  findUserByUsername(username: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  /** Replace the password hash (rehash on login, password change). */
  updatePasswordHash(userId: string, passwordHash: string, now: number): Promise<void>;
  /** All users, oldest first. */
  listUsers(): Promise<UserRecord[]>;
  setDisabled(userId: string, disabled: boolean, now: number): Promise<void>;
  setRoles(userId: string, roles: readonly string[], now: number): Promise<void>;

  // ---- sessions (refresh-token families) ----
  createSession(session: { id: string; userId: string; absoluteExpiresAt: number }, now: number): Promise<SessionRecord>;
  getSession(id: string): Promise<SessionRecord | null>;
  /** Mark the session revoked (idempotent). Access tokens naming it stop working at once. */
  revokeSession(id: string, now: number): Promise<void>;
  /** Revoke every session of the user and mark their refresh tokens used. */
  revokeAllSessionsOfUser(userId: string, now: number): Promise<void>;

  // ---- refresh tokens ----
  insertRefreshToken(token: { tokenHash: string; sessionId: string; userId: string; expiresAt: number }, now: number): Promise<void>;
  /**
   * Atomically mark the token used and return it — only if it was unused and unexpired at `now`.
   * Of two concurrent calls with one hash, at most one gets the record (single conditional UPDATE).
   */
  consumeRefreshToken(tokenHash: string, now: number): Promise<RefreshTokenRecord | null>;
  /** The token whatever its state (reuse detection, logout). */
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /** Revoke the session and mark every token of the family used. */
  revokeFamily(sessionId: string, now: number): Promise<void>;

  // ---- login throttling ----
  /** Count one failure for `key` (new window when the old one has passed) and return the counter. */
  recordFailure(key: string, now: number, policy: RateLimitPolicy): Promise<FailureRecord>;
  clearFailures(key: string): Promise<void>;
  /** `blockedUntil` when `key` is blocked at `now`, else null. */
  getBlock(key: string, now: number): Promise<number | null>;

  // ---- housekeeping ----
  /**
   * Delete what can no longer matter at `now`: refresh tokens past expiry, sessions past their
   * absolute expiry, failure counters older than `failureMaxAgeMs` and not blocked.
   */
  prune(now: number, failureMaxAgeMs: number): Promise<void>;
  close(): Promise<void>;
}
