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
  /**
   * PHC string (argon2id), or an imported bcrypt hash (`$2a$`/`$2b$`/`$2y$`, from a
   * Streamlit-Authenticator file) until the next successful login re-hashes it to argon2id.
   */
  readonly passwordHash: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly createdAt: number;
  /** Changes of the account (details, password, roles, disabled); a login is not one. */
  readonly updatedAt: number;
  /** When the user last logged in (any door: the server's login, the Streamlit package), or null. */
  readonly lastLogin: number | null;
  /** Successful logins so far. */
  readonly loginsCount: number;
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
  /**
   * The session's active organization, or null. Only a pointer: every token issue re-reads the
   * membership (and drops the org when it is gone), so it is not a foreign key.
   */
  readonly orgId: string | null;
}

/** An organization; users belong to it through memberships. */
export interface OrgRecord {
  /** Chosen by whoever creates it (the admin CLI: a random UUID unless `--id`); appears in URLs. */
  readonly id: string;
  /** Display name, kept verbatim (it is user input: render it as text). */
  readonly name: string;
  readonly createdAt: number;
}

/** A user's membership of an organization, with one role (one of the configured orgRoles). */
export interface MembershipRecord {
  readonly orgId: string;
  readonly userId: string;
  readonly role: string;
  readonly createdAt: number;
}

/** One organization of a user (listOrgsOfUser). */
export interface UserOrg {
  readonly org: OrgRecord;
  readonly role: string;
  /** When the membership began. */
  readonly createdAt: number;
}

/** One member of an organization (listMembers). */
export interface OrgMember {
  readonly user: UserRecord;
  readonly role: string;
  /** When the membership began. */
  readonly createdAt: number;
}

/**
 * changeMember's answer: done; the user is not a member (nothing changed); or the change would
 * leave the organization without a member of the owner role (nothing changed).
 */
export type ChangeMemberResult = 'ok' | 'not_member' | 'last_owner';

/** The roles a member operation is decided from, read inside the store's atomic step (null: not a member). */
export interface CurrentRoles {
  /** The acting user's role in the org now. */
  readonly actor: string | null;
  /** The role now of the user being added, changed or removed. */
  readonly target: string | null;
}

/**
 * Who acts, and a pure policy deciding from the roles read in the same atomic step as the write
 * (so a caller demoted at the same instant cannot complete what the old role allowed): a refusal
 * (any non-null value) stops the operation, which then answers `{ refused }` and writes nothing.
 * The policy must not touch the store (it runs inside the transaction, SQLite: synchronously).
 */
export interface MemberActor<R> {
  readonly userId: string;
  readonly decide: (roles: CurrentRoles) => R | null;
}

/** An operation the actor's policy refused; nothing was written. */
export interface Refused<R> {
  readonly refused: R;
}

/** createOrg with an id that exists already. Nothing was written. */
export class DuplicateOrgError extends Error {
  override readonly name = 'DuplicateOrgError';
}

export interface RefreshTokenRecord {
  /** SHA-256 hex of the opaque token. */
  readonly tokenHash: string;
  /** The session (family) it belongs to. */
  readonly sessionId: string;
  readonly userId: string;
  /** Idle expiry: min(issued + idle TTL, session absolute expiry). */
  readonly expiresAt: number;
  /**
   * Set when the token was exchanged (or its family revoked). A used token never rotates again;
   * within the reuse grace after its exchange it only gets its (already issued) successor back.
   */
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

/** One counter of a reserveAttempt call and the policy it is counted under. */
export interface AttemptKey {
  readonly key: string;
  readonly policy: RateLimitPolicy;
}

/**
 * reserveAttempt's answer: the attempt was counted on every key (`reservations`, in the order of
 * the keys: each counter as recordFailure would have left it), or it was refused because a key was
 * blocked (`blockedUntil`: the latest block among the blocked keys) and nothing was counted.
 */
export type AttemptResult =
  | { readonly ok: true; readonly reservations: readonly FailureRecord[] }
  | { readonly ok: false; readonly blockedUntil: number };

/** Which unique user field a createUser / updateUserDetails collided on. */
export type DuplicateField = 'username' | 'email';

/**
 * createUser with a username whose normalized form is taken, or with a non-empty email whose
 * normalized form belongs to another user (also thrown by updateUserDetails). `field` says which.
 */
export class DuplicateUserError extends Error {
  override readonly name = 'DuplicateUserError';
  readonly field: DuplicateField;
  constructor(message: string, field: DuplicateField = 'username') {
    super(message);
    this.field = field;
  }
}

/**
 * The DuplicateUserError of a createUser collision: `taken` (the normalized username or the id
 * exists), `lookalike` (a skeleton of the username belongs to another user), `email`.
 */
export function duplicateUserError(kind: 'taken' | 'lookalike' | 'email', username: string): DuplicateUserError {
  if (kind === 'email') return new DuplicateUserError('this email belongs to another user', 'email');
  const what = kind === 'taken' ? 'is taken' : "looks like another user's (confusable characters)";
  return new DuplicateUserError(`username ${JSON.stringify(username)} ${what}`, 'username');
}

/** Options of both stores. */
export interface StoreOptions {
  /**
   * Where a migration's warnings go (default: console.warn). Migration 3 warns once, in one line,
   * when existing usernames already look alike.
   */
  readonly warn?: (message: string) => void;
}

/**
 * createUser with `consumePreauthorizedEmail` when that email is not (or no longer) on the
 * pre-authorized list. Nothing was written.
 */
export class NotPreauthorizedError extends Error {
  override readonly name = 'NotPreauthorizedError';
}

/** The form usernames are compared in: NFKC, then lower case. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

/**
 * The form emails are compared and kept unique in: trimmed, NFKC (a fullwidth "＠" becomes "@"),
 * then lower case — the whole address, local part included. Validation (one "@", no comma, no
 * whitespace or control characters...) is the caller's job (server/email.ts); stores only compare.
 * An empty email (allowed for users without one) never matches and is never unique-checked.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').trim().toLowerCase();
}

/** A message in the development outbox (demo mode mailer; shared by every server process). */
export interface OutboxMessage {
  /** Unique, assigned by the store (a string whatever the store's column type). */
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly createdAt: number;
}

/** A password reset token as stored: only its SHA-256 hex digest, never the token. */
export interface ResetTokenRecord {
  readonly tokenHash: string;
  readonly userId: string;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly createdAt: number;
}

/**
 * A registration waiting for the proof of its mailbox: the password is already hashed; only the
 * SHA-256 hex digest of the mailed token is kept. At most one per (normalized) email.
 */
export interface PendingRegistration {
  readonly tokenHash: string;
  readonly username: string;
  readonly name: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly createdAt: number;
}

/** prune() deletes outbox messages older than this (7 days). */
export const OUTBOX_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export interface Store {
  // ---- users ----
  /**
   * Insert a user. The store keeps `normalizeEmail(email)` in a column with a unique index over
   * non-empty values, next to the email as given.
   *
   * Throws DuplicateUserError (field 'username') when the normalized username exists or when the
   * username is confusable with an existing one (one of its usernameSkeletons, server/identity.ts,
   * belongs to another user: the store keeps every user's skeletons in a unique index), or (field
   * 'email') when the non-empty normalized email belongs to another user. The username collisions
   * are found before the email one. Of concurrent creations of confusable usernames, at most one
   * succeeds.
   *
   * With `options.consumePreauthorizedEmail`, one transaction first deletes that email (normalized)
   * from the pre-authorized list and inserts the user: when the email was not on the list it throws
   * NotPreauthorizedError; when the insert fails the deletion is rolled back. Two racing
   * registrations with one pre-authorized email: at most one succeeds (row lock / IMMEDIATE
   * transaction), the other gets NotPreauthorizedError. The pre-authorized check comes first, so an
   * email that is not on the list gives NotPreauthorizedError even if the username is taken too.
   */
  createUser(user: NewUser, now: number, options?: { readonly consumePreauthorizedEmail?: string }): Promise<UserRecord>;
  /** Look a user up by username (normalized here, so any case/compatibility form matches). */
  findUserByUsername(username: string): Promise<UserRecord | null>;
  /**
   * The user a new account with this username would be confused with: the oldest user holding one
   * of its skeletons, or with its normalized username; null when the name is free.
   */
  findConfusableUser(username: string): Promise<UserRecord | null>;
  /** Look a user up by email, normalized here with normalizeEmail. An empty email finds nobody. */
  findUserByEmail(email: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  /**
   * Change the name and/or email (fields left undefined are kept; an email of '' removes it).
   * Returns the updated user, or null when there is no such user. Throws DuplicateUserError
   * (field 'email') when the normalized email belongs to another user; changing the case of one's
   * own email is allowed. When the email changes (any difference, removal included), every pending
   * reset token of the user is voided in the same transaction: those links went to the old address.
   */
  updateUserDetails(
    userId: string,
    details: { readonly name?: string; readonly email?: string },
    now: number,
  ): Promise<UserRecord | null>;
  /**
   * Replace the password hash (rehash on login, password change, reset) and, in the same
   * transaction, void every pending reset token of the user: a link mailed before the password
   * changed must not work after it.
   */
  updatePasswordHash(userId: string, passwordHash: string, now: number): Promise<void>;
  /** All users, oldest first. */
  listUsers(): Promise<UserRecord[]>;
  setDisabled(userId: string, disabled: boolean, now: number): Promise<void>;
  setRoles(userId: string, roles: readonly string[], now: number): Promise<void>;
  /**
   * A successful login: set lastLogin to `now` and add one to loginsCount, atomically (concurrent
   * logins are all counted); updatedAt is left alone. An unknown id changes nothing.
   */
  recordLogin(userId: string, now: number): Promise<void>;

  // ---- sessions (refresh-token families) ----
  createSession(session: { id: string; userId: string; absoluteExpiresAt: number }, now: number): Promise<SessionRecord>;
  getSession(id: string): Promise<SessionRecord | null>;
  /** Mark the session revoked (idempotent). Access tokens naming it stop working at once. */
  revokeSession(id: string, now: number): Promise<void>;
  /**
   * Revoke every session of the user and mark their refresh tokens used — in one transaction —
   * except the session `options.except` (and its refresh tokens), when given: a password change
   * keeps the session that made it and ends every other one.
   */
  revokeAllSessionsOfUser(userId: string, now: number, options?: { readonly except?: string }): Promise<void>;

  /**
   * Set (or clear, with null) the session's active organization. An unknown session changes
   * nothing. The caller checks the membership first; token issues check it again.
   */
  setSessionOrg(sessionId: string, orgId: string | null, now: number): Promise<void>;

  // ---- organizations and memberships ----
  /** Insert an organization. Throws DuplicateOrgError when the id exists. Names need not be unique. */
  createOrg(org: { readonly id: string; readonly name: string }, now: number): Promise<OrgRecord>;
  findOrg(id: string): Promise<OrgRecord | null>;
  /** The oldest organization with exactly this name, or null. */
  findOrgByName(name: string): Promise<OrgRecord | null>;
  /** Every organization, oldest first. */
  listOrgs(): Promise<OrgRecord[]>;
  /** The user's organizations with the role in each, oldest membership first. */
  listOrgsOfUser(userId: string): Promise<UserOrg[]>;
  getMembership(orgId: string, userId: string): Promise<MembershipRecord | null>;
  /** The organization's members, oldest membership first (none for an unknown org). */
  listMembers(orgId: string): Promise<OrgMember[]>;
  /**
   * Add a member with `role` (not validated here: the caller checks it against the configured
   * roles). 'exists' when the user is a member already (the role is left as it is). An unknown
   * org or user throws (foreign keys). Deleting the user or the org deletes the membership.
   * With `actor`, its policy decides first from the actor's and the user's roles read in the same
   * atomic step as the insert (a refusal: `{ refused }`, nothing added).
   */
  addMember<R = never>(orgId: string, userId: string, role: string, now: number, actor?: MemberActor<R>): Promise<'added' | 'exists' | Refused<R>>;
  /**
   * Change the member's role, or remove the member (`role` null) — unless that would leave the
   * organization without any member whose role is `ownerRole` (the highest configured role): then
   * 'last_owner' and nothing changes. The check and the write are ONE atomic step (SQLite: one
   * IMMEDIATE transaction; PostgreSQL: a transaction holding the organization row's lock), so of
   * two owners demoting each other at once exactly one succeeds. An org without any owner has no
   * last owner to protect. With `actor`, its policy decides first, in the same atomic step, from
   * the actor's and the member's current roles (a refusal: `{ refused }`, nothing changes); when it
   * lets a non-member target through, the answer is 'not_member'.
   */
  changeMember<R = never>(
    orgId: string,
    userId: string,
    role: string | null,
    ownerRole: string,
    now: number,
    actor?: MemberActor<R>,
  ): Promise<ChangeMemberResult | Refused<R>>;

  // ---- refresh tokens ----
  /**
   * Insert a token; resolves false (and changes nothing) when its hash exists already — idempotent,
   * for the deterministic successor that concurrent refreshes within the reuse grace all insert.
   * Of concurrent inserts of one hash exactly one resolves true.
   */
  insertRefreshToken(token: { tokenHash: string; sessionId: string; userId: string; expiresAt: number }, now: number): Promise<boolean>;
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
  /**
   * Reserve one attempt BEFORE the password is verified (so concurrent attempts cannot all pass
   * the check before any failure is recorded): atomically — one IMMEDIATE transaction (SQLite), one
   * transaction holding the counters' row locks (PostgreSQL, several processes) — either refuse
   * because a key is blocked at `now` (nothing is counted), or count one failure on every key
   * (exactly as recordFailure). A key named twice throws. The caller gives back what a successful
   * attempt should not keep (releaseAttempt) or clears it (clearFailures).
   */
  reserveAttempt(keys: readonly AttemptKey[], now: number): Promise<AttemptResult>;
  /**
   * Give back one reservation (the attempt succeeded): the counter goes down by one if it is still
   * in the window the reservation counted in (else nothing happens; never below 0), and the block
   * that reservation set, if it is still the counter's block, is lifted. A later reservation's
   * block stays.
   */
  releaseAttempt(reservation: FailureRecord): Promise<void>;

  // ---- password reset tokens (SECURITY 21) ----
  /**
   * Store a reset token (its SHA-256 hex digest only). In the same transaction, delete every other
   * reset token of that user: only the newest request works.
   */
  insertResetToken(token: { readonly tokenHash: string; readonly userId: string; readonly expiresAt: number }, now: number): Promise<void>;
  /**
   * Atomically mark the token used and return its user id — only if it exists, was unused and
   * `expiresAt > now`; else null. Of two concurrent calls with one hash at most one gets the id
   * (single conditional UPDATE ... RETURNING).
   */
  consumeResetToken(tokenHash: string, now: number): Promise<string | null>;
  /** The token whatever its state (tests, diagnostics). */
  findResetToken(tokenHash: string): Promise<ResetTokenRecord | null>;

  // ---- pending registrations (registration with proof of the mailbox) ----
  /**
   * Store a pending registration. It replaces any other pending registration of the same
   * normalized email (a newer request voids the older link), in one statement.
   */
  insertPendingRegistration(
    registration: Omit<PendingRegistration, 'usedAt' | 'createdAt'>,
    now: number,
  ): Promise<void>;
  /**
   * Atomically mark the registration used and return it — only if it exists, was unused and
   * `expiresAt > now`; else null. Of concurrent calls with one hash at most one gets it.
   */
  consumePendingRegistration(tokenHash: string, now: number): Promise<PendingRegistration | null>;
  /** The pending registration whatever its state (tests, diagnostics). */
  findPendingRegistration(tokenHash: string): Promise<PendingRegistration | null>;

  // ---- pre-authorized emails (registration mode "preauthorized") ----
  /** Whether the email (compared normalized) is on the list. */
  isPreauthorizedEmail(email: string): Promise<boolean>;
  /**
   * Add emails (kept in normalizeEmail form; duplicates and ones already listed are ignored).
   * Returns how many were new.
   */
  addPreauthorizedEmails(emails: readonly string[], now: number): Promise<number>;
  /** Remove emails (compared normalized). Returns how many were removed. */
  removePreauthorizedEmails(emails: readonly string[]): Promise<number>;
  /** The list, normalized, sorted ascending. */
  listPreauthorizedEmails(): Promise<string[]>;

  // ---- development outbox (demo mode mail; several processes share it) ----
  /** Append a message. */
  addOutboxMessage(message: { readonly to: string; readonly subject: string; readonly text: string; readonly html?: string }, now: number): Promise<void>;
  /** The latest `limit` messages, newest first (createdAt descending, then insertion order descending). */
  listOutbox(limit: number): Promise<OutboxMessage[]>;

  // ---- housekeeping ----
  /**
   * Delete what can no longer matter at `now`: refresh tokens past expiry, sessions past their
   * absolute expiry, failure counters older than `failureMaxAgeMs` and not blocked, reset tokens
   * and pending registrations past expiry or used, outbox messages older than OUTBOX_MAX_AGE_MS.
   */
  prune(now: number, failureMaxAgeMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The actor's policy applied to the roles read inside a store's atomic step: `{ refused }` to stop,
 * or null to go on (also when there is no actor: trusted callers such as the admin CLI).
 */
export function actorRefusal<R>(actor: MemberActor<R> | undefined, roles: CurrentRoles): Refused<R> | null {
  if (actor === undefined) return null;
  const refused = actor.decide(roles);
  return refused === null ? null : { refused };
}
