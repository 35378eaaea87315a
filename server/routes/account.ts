/**
 * Account lifecycle: register, change password, forgot/reset password, forgot username, update
 * details (SECURITY 18-24).
 *
 * Two layers, so the BFF mode can reuse the logic:
 * - `accountOperations(ctx)`: the operations. Authenticated ones take a `Principal` (the user and
 *   session, however the transport authenticated them) and plain inputs; they throw HttpError.
 * - `accountRoutes(ctx)`: the JWT API mode transport: parses the body, authenticates the Bearer
 *   access token, answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { deviceCookieName } from '../config.js';
import { HttpError, bearerToken, optionalField, parseCookies, readFields, requireString, sendEmpty, sendJson, type BodyFields } from '../http.js';
import { checkEmail, checkName, checkUsername, domainAllowed } from '../identity.js';
import { mailDelivers } from '../mail/index.js';
import {
  emailChangedMail,
  passwordChangedMail,
  registrationExistsMail,
  registrationMail,
  resetLink,
  resetPasswordMail,
  usernameReminderMail,
  verifyLink,
} from '../mail/templates.js';
import { enforcePasswordPolicy } from '../password-policy.js';
import { verifyStoredPassword } from '../passwords.js';
import { accountKey } from '../rate-limit.js';
import {
  DuplicateUserError,
  NotPreauthorizedError,
  normalizeEmail,
  normalizeUsername,
  type SessionRecord,
  type UserRecord,
} from '../store/types.js';
import { TokenError, publicUser, verifyAccessToken, type VerifiedAccess } from '../tokens.js';
import { MAX_PASSWORD_LENGTH, type AuthContext, type RouteTable } from './auth.js';

/** Who is calling, as established by the transport (Bearer token now, BFF cookie later). */
export interface Principal {
  readonly user: UserRecord;
  readonly session: SessionRecord;
}

/** What the operations need to know about the request besides its inputs. */
export interface ClientInfo {
  /** Rate-limit key of the client address (ctx.clientAddress). */
  readonly address: string;
  /** The device cookie the request carries, if any (exempts a known browser from the account lockout). */
  readonly deviceCookie?: string | undefined;
}

const MAX_LOGIN_FIELD = 320;
const MAX_EMAIL_FIELD = 1024; // validated to 254 after normalization; a longer field is refused as invalid_email
const MAX_NAME_FIELD = 1024;
const MAX_USERNAME_FIELD = 1024;
const RESET_TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** Key prefixes of the forgot/reset/register counters (kept apart from the login counters). */
export const FORGOT_ADDRESS_PREFIX = 'forgot-address:';
export const FORGOT_ACCOUNT_PREFIX = 'forgot-account:';
export const REGISTER_ADDRESS_PREFIX = 'register-address:';

/** The one answer for every registration refusal that must not reveal whether an email exists. */
export const REGISTRATION_REFUSED = 'Registration is not open for this email address.';

const registrationRefused = (): HttpError => new HttpError(403, 'registration_not_allowed', REGISTRATION_REFUSED);
const invalidResetToken = (): HttpError =>
  new HttpError(400, 'invalid_token', 'This reset link or code is invalid, expired or already used. Ask for a new one.');
const invalidRegistrationToken = (): HttpError =>
  new HttpError(400, 'invalid_token', 'This registration link or code is invalid, expired or already used. Register again.');
const usernameTaken = (): HttpError => new HttpError(409, 'username_taken', 'This username is taken. Choose another one.');
const rateLimited = (seconds: number, what: string): HttpError =>
  new HttpError(429, 'rate_limited', `Too many ${what}. Try again later.`, { headers: { 'Retry-After': String(seconds) } });

/** SHA-256 hex of a mailed token (reset links, registration links): stores keep only this. */
export function hashResetToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * What a registration did: created the account (no mail configured: no proof of the mailbox), or
 * answered "check your mail" — the same whatever happened to the email behind it.
 */
export type RegisterOutcome = { readonly user: UserRecord } | { readonly mailed: true };

/** An account about to be created: checked and hashed, not stored yet. */
interface NewAccount {
  readonly username: string;
  readonly name: string;
  readonly email: string;
  readonly passwordHash: string;
}

export interface AccountOperations {
  register(input: { username: string; email: string; password: string; name?: string }, client: ClientInfo): Promise<RegisterOutcome>;
  /** Finish a registration with the token of its mail: creates the account, once. */
  verifyRegistration(input: { token: string }, client: ClientInfo): Promise<UserRecord>;
  changePassword(principal: Principal, input: { currentPassword: string; newPassword: string }, client: ClientInfo): Promise<void>;
  forgotPassword(input: { login: string }, client: ClientInfo): Promise<void>;
  resetPassword(input: { token: string; password: string }, client: ClientInfo): Promise<void>;
  forgotUsername(input: { email: string }, client: ClientInfo): Promise<void>;
  updateDetails(
    principal: Principal,
    input: { name?: string; email?: string; currentPassword?: string },
    client: ClientInfo,
  ): Promise<UserRecord>;
}

export function accountOperations(ctx: AuthContext): AccountOperations {
  const { config, store } = ctx;
  const forgotPolicy = config.forgotRateLimit;

  /** Seconds until `key` is unblocked, or null. */
  async function blockedFor(key: string, now: number): Promise<number | null> {
    const until = await store.getBlock(key, now);
    return until === null ? null : Math.max(1, Math.ceil((until - now) / 1000));
  }

  /** Per-address throttle of forgot/reset requests: every request counts; 429 when blocked. */
  async function countForgotRequest(address: string, now: number): Promise<void> {
    const key = FORGOT_ADDRESS_PREFIX + address;
    const wait = await blockedFor(key, now);
    if (wait !== null) throw rateLimited(wait, 'requests from this address');
    await store.recordFailure(key, now, forgotPolicy.address);
  }

  /**
   * Per-account throttle of mails: counts the request, and says whether a mail may go out. Never
   * visible in the answer (that would tell which accounts exist).
   */
  async function mayMailAccount(accountId: string, now: number): Promise<boolean> {
    const key = FORGOT_ACCOUNT_PREFIX + accountId;
    const blocked = (await store.getBlock(key, now)) !== null;
    await store.recordFailure(key, now, forgotPolicy.account);
    return !blocked;
  }

  /**
   * Guard of the endpoints that take a mailed token (reset, registration): 429 while the address
   * is blocked; the function returned counts a wrong token against the address, then refuses it.
   */
  async function tokenGuard(address: string, now: number, refusal: () => HttpError): Promise<() => Promise<never>> {
    const key = FORGOT_ADDRESS_PREFIX + address;
    const wait = await blockedFor(key, now);
    if (wait !== null) throw rateLimited(wait, 'requests from this address');
    return async () => {
      await store.recordFailure(key, now, forgotPolicy.address);
      throw refusal();
    };
  }

  /**
   * Whether a new account may not take this username: taken in any letter case, or confusable
   * with an existing one (a shared TR39 skeleton: "аlice" with a Cyrillic а next to "alice").
   */
  async function usernameUnavailable(username: string): Promise<boolean> {
    return (await store.findConfusableUser(username)) !== null;
  }

  /**
   * Create the account (the last step of a registration); in "preauthorized" mode the email's
   * pre-authorization is used up in the same transaction. Every email-specific refusal is the one
   * generic 403.
   */
  async function createAccount(account: NewAccount, now: number): Promise<UserRecord> {
    try {
      return await store.createUser(
        { ...account, roles: [] },
        now,
        config.registration === 'preauthorized' ? { consumePreauthorizedEmail: account.email } : undefined,
      );
    } catch (err) {
      if (err instanceof NotPreauthorizedError) throw registrationRefused();
      if (err instanceof DuplicateUserError) throw err.field === 'email' ? registrationRefused() : usernameTaken();
      throw err;
    }
  }

  /**
   * Registration with mail: store the pending registration and mail its link, or mail the owner of
   * an address that has an account, or do nothing (not invited) — the caller answers the same 202.
   * Mails to one address are throttled like the forgot mails (silently).
   */
  async function mailRegistration(account: NewAccount, now: number): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = hashResetToken(token);
    const existing = await store.findUserByEmail(account.email);
    const invited = config.registration !== 'preauthorized' || (await store.isPreauthorizedEmail(account.email));
    if (!(await mayMailAccount(`register:${normalizeEmail(account.email)}`, now))) return;
    if (existing !== null) {
      if (!existing.disabled) {
        ctx.mail.send(registrationExistsMail({ to: existing.email, name: existing.name, username: existing.username }), 'registration notice');
      }
      return;
    }
    if (!invited) return;
    await store.insertPendingRegistration({ tokenHash, ...account, expiresAt: now + config.registerTokenTtl * 1000 }, now);
    // The link comes from configuration (AUTH_APP_URL), never from the request's Host header.
    ctx.mail.send(
      registrationMail({
        to: account.email,
        name: account.name,
        link: verifyLink(config.appUrl, token),
        token,
        ttlMinutes: Math.round(config.registerTokenTtl / 60),
      }),
      'registration',
    );
  }

  /**
   * Count one registration attempt of the address and refuse it (429) over the limit. The count
   * is the one recordFailure returns: a single transaction (SQLite IMMEDIATE) or a single upsert
   * (PostgreSQL), so of N concurrent attempts exactly `max` see a count within the limit.
   */
  async function reserveRegistration(address: string, now: number): Promise<void> {
    const { max, windowSeconds } = config.registerRateLimit;
    // The block fields of the counter are not read here; they only keep it from being pruned early.
    const policy = { maxFailures: max + 1, windowSeconds, baseDelaySeconds: windowSeconds, maxDelaySeconds: windowSeconds };
    const counter = await store.recordFailure(REGISTER_ADDRESS_PREFIX + address, now, policy);
    if (counter.count > max) {
      throw rateLimited(Math.max(1, Math.ceil((counter.windowStart + windowSeconds * 1000 - now) / 1000)), 'registrations from this address');
    }
  }

  /**
   * The current password of an authenticated user, with the login throttle (SECURITY 19): the
   * attempt is reserved (counted) before verifying, as at login, on the same keys.
   */
  async function checkCurrentPassword(user: UserRecord, password: string, client: ClientInfo, now: number): Promise<void> {
    const attempt = await ctx.throttle.reserve(
      { username: user.usernameNormalized, userId: user.id, address: client.address, deviceCookie: client.deviceCookie },
      now,
    );
    if (!attempt.ok) throw rateLimited(attempt.retryAfter, 'wrong passwords');
    if (!(await verifyStoredPassword(ctx.hasher, user.passwordHash, password))) {
      throw new HttpError(401, 'invalid_credentials', 'The current password is wrong.'); // counted by the reservation
    }
    await attempt.succeeded();
  }

  function notifyPasswordChanged(user: UserRecord, how: 'changed' | 'reset'): void {
    if (user.email === '') return;
    ctx.mail.send(passwordChangedMail({ to: user.email, name: user.name, username: user.username, how }), `password-${how} notice`);
  }

  return {
    async register(input, client) {
      // Nobody may register: no need to look at anything (this reveals nothing about accounts).
      if (config.registration === 'closed') throw registrationRefused();
      const username = checkUsername(input.username);
      if (!username.ok) throw new HttpError(400, 'invalid_username', username.reason);
      const email = checkEmail(input.email);
      if (!email.ok) throw new HttpError(400, 'invalid_email', email.reason);
      const name = checkName(input.name ?? '');
      if (!name.ok) throw new HttpError(400, 'invalid_request', name.reason);

      enforcePasswordPolicy(input.password, config.passwordMinLength, { username: username.username, email: email.email });
      const now = ctx.now();
      // Every attempt that got this far counts, before anything is looked up or hashed.
      await reserveRegistration(client.address, now);
      // Usernames are public-ish (they appear in the UI, in mails, next to content): saying one is
      // taken is what users expect. It is checked before anything that depends on the email, and
      // answered the same for every email, so it tells nothing about invitations or accounts.
      if (await usernameUnavailable(username.username)) throw usernameTaken();
      // The allowlist is configuration, not account data: refusing before hashing reveals nothing.
      if (!domainAllowed(email.email, config.allowedEmailDomains)) throw registrationRefused();

      // Hash before anything email-specific, so every email costs the same work (SECURITY 22-23).
      const account: NewAccount = {
        username: username.username,
        name: name.name,
        email: email.email,
        passwordHash: await ctx.hasher.hash(input.password),
      };
      if (mailDelivers(config)) {
        // Proof of the mailbox: the account is created when the mailed token comes back.
        await mailRegistration(account, now);
        return { mailed: true };
      }
      // No mail configured: the account is created at once (the README states the risk).
      return { user: await createAccount(account, now) };
    },

    async verifyRegistration(input, client) {
      const now = ctx.now();
      const invalid = await tokenGuard(client.address, now, invalidRegistrationToken);
      if (config.registration === 'closed') throw registrationRefused();
      const token = input.token.trim();
      if (!RESET_TOKEN_FORMAT.test(token)) return invalid();
      // Used up atomically: of concurrent calls with one token, one gets the registration.
      const pending = await store.consumePendingRegistration(hashResetToken(token), now);
      if (pending === null) return invalid();
      const { username, name, email, passwordHash } = pending;
      return createAccount({ username, name, email, passwordHash }, now);
    },

    async changePassword(principal, input, client) {
      const { user, session } = principal;
      const now = ctx.now();
      // Policy first: a refusal here says nothing about the current password.
      enforcePasswordPolicy(input.newPassword, config.passwordMinLength, { username: user.username, email: user.email });
      await checkCurrentPassword(user, input.currentPassword, client, now);
      await store.updatePasswordHash(user.id, await ctx.hasher.hash(input.newPassword), now);
      // SECURITY 24: every OTHER session and refresh token ends now; this one stays.
      await store.revokeAllSessionsOfUser(user.id, now, { except: session.id });
      notifyPasswordChanged(user, 'changed');
    },

    async forgotPassword(input, client) {
      const now = ctx.now();
      await countForgotRequest(client.address, now);
      const login = input.login.trim();
      const user = login.includes('@') ? await store.findUserByEmail(login) : await store.findUserByUsername(login);
      // Same work whether or not the account exists: a token is made and hashed either way.
      const token = randomBytes(32).toString('base64url');
      const tokenHash = hashResetToken(token);
      const accountId = user === null ? `login:${login.includes('@') ? normalizeEmail(login) : normalizeUsername(login)}` : `user:${user.id}`;
      const allowed = await mayMailAccount(accountId, now);
      if (user === null || user.disabled || user.email === '' || !allowed) return;
      await store.insertResetToken({ tokenHash, userId: user.id, expiresAt: now + config.resetTokenTtl * 1000 }, now);
      // An email change voids reset tokens in its own transaction; one that landed between the look-up
      // and the insert did not see this token: check again, and never mail a live link to an old address.
      const current = await store.findUserById(user.id);
      if (current === null || current.disabled || normalizeEmail(current.email) !== normalizeEmail(user.email)) {
        await store.consumeResetToken(tokenHash, now);
        return;
      }
      // The link comes from configuration (AUTH_APP_URL), never from the request's Host header.
      ctx.mail.send(
        resetPasswordMail({
          to: user.email,
          name: user.name,
          link: resetLink(config.appUrl, token),
          token,
          ttlMinutes: Math.round(config.resetTokenTtl / 60),
        }),
        'password reset',
      );
    },

    async resetPassword(input, client) {
      const now = ctx.now();
      const invalid = await tokenGuard(client.address, now, invalidResetToken);
      const token = input.token.trim();
      if (!RESET_TOKEN_FORMAT.test(token)) return invalid();
      const tokenHash = hashResetToken(token);
      // Look first (without using it up) so a refused password does not burn the token.
      const record = await store.findResetToken(tokenHash);
      if (record === null || record.usedAt !== null || record.expiresAt <= now) return invalid();
      const user = await store.findUserById(record.userId);
      if (user === null) return invalid();
      enforcePasswordPolicy(input.password, config.passwordMinLength, { username: user.username, email: user.email });
      const passwordHash = await ctx.hasher.hash(input.password);
      // Now use it up, atomically: of two concurrent resets with one token, one wins.
      const userId = await store.consumeResetToken(tokenHash, now);
      if (userId !== user.id) return invalid();
      await store.updatePasswordHash(user.id, passwordHash, now);
      await store.revokeAllSessionsOfUser(user.id, now); // SECURITY 24: every session, no exception
      await ctx.throttle.succeed(accountKey(user.usernameNormalized));
      notifyPasswordChanged(user, 'reset');
    },

    async forgotUsername(input, client) {
      const now = ctx.now();
      await countForgotRequest(client.address, now);
      const email = checkEmail(input.email);
      if (!email.ok) throw new HttpError(400, 'invalid_email', email.reason);
      const user = await store.findUserByEmail(email.email);
      const allowed = await mayMailAccount(user === null ? `email:${normalizeEmail(email.email)}` : `user:${user.id}`, now);
      if (user === null || user.disabled || !allowed) return;
      // The username goes by mail only, never into the HTTP answer (SECURITY 22).
      ctx.mail.send(usernameReminderMail({ to: user.email, name: user.name, username: user.username }), 'username reminder');
    },

    async updateDetails(principal, input, client) {
      const { user } = principal;
      const now = ctx.now();
      const details: { name?: string; email?: string } = {};
      if (input.name !== undefined) {
        const name = checkName(input.name);
        if (!name.ok) throw new HttpError(400, 'invalid_request', name.reason);
        details.name = name.name;
      }
      let emailChanged = false;
      if (input.email !== undefined) {
        const email = checkEmail(input.email);
        if (!email.ok) throw new HttpError(400, 'invalid_email', email.reason);
        if (email.email !== user.email) {
          if (!domainAllowed(email.email, config.allowedEmailDomains)) {
            throw new HttpError(400, 'invalid_email', 'Email addresses of this domain are not allowed here.');
          }
          // SECURITY 24: whoever holds only a token (a stolen one) cannot move the account's mail.
          if (input.currentPassword === undefined) {
            throw new HttpError(400, 'invalid_request', 'The field "current_password" is required to change the email address.');
          }
          await checkCurrentPassword(user, input.currentPassword, client, now);
          details.email = email.email;
          emailChanged = true;
        }
      }
      if (details.name === undefined && details.email === undefined) return user;
      let updated: UserRecord | null;
      try {
        updated = await store.updateUserDetails(user.id, details, now);
      } catch (err) {
        if (err instanceof DuplicateUserError) {
          // A signed-in user who knows the current password learns that another account uses
          // this email. Acceptable: it takes a real account per probe and is rate-limited with
          // the password check; hiding it would leave the user unable to understand the refusal.
          throw new HttpError(409, 'email_taken', 'Another account uses this email address.');
        }
        throw err;
      }
      if (updated === null) throw new HttpError(401, 'invalid_token', 'The account no longer exists.');
      if (emailChanged && user.email !== '') {
        // Tell the OLD address, so a hijacked account does not go unnoticed.
        ctx.mail.send(
          emailChangedMail({ to: user.email, name: updated.name, username: user.username, newEmail: updated.email }),
          'email-change notice',
        );
      }
      return updated;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// JWT API mode transport

export function optionalString(fields: BodyFields | null, name: string, maxLength: number): string | undefined {
  const v = optionalField(fields, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, 'invalid_request', `The field "${name}" must be a string.`);
  if (v.length > maxLength) throw new HttpError(400, 'invalid_request', `The field "${name}" is too long (at most ${maxLength} characters).`);
  return v;
}

export async function requireFields(req: IncomingMessage, limit: number, names: string): Promise<BodyFields> {
  const fields = await readFields(req, limit);
  if (fields === null) throw new HttpError(400, 'invalid_request', `The request body is empty; send ${names}.`);
  return fields;
}

/**
 * The request's Bearer access token, fully verified (signature, claims, then session and user in
 * the store), with its claims; or 401 (same answer as /session).
 */
export async function authenticateAccess(ctx: AuthContext, req: IncomingMessage): Promise<VerifiedAccess> {
  const token = bearerToken(req);
  if (token !== null) {
    try {
      return await verifyAccessToken(token, { keys: ctx.keys, config: ctx.config, store: ctx.store, nowMs: ctx.now() });
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
    }
  }
  throw new HttpError(401, 'invalid_token', 'The access token is missing, invalid, expired or revoked.', {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });
}

/** The Bearer access token of the request as a Principal, or 401 (same answer as /session). */
export async function authenticateBearer(ctx: AuthContext, req: IncomingMessage): Promise<Principal> {
  const { user, session } = await authenticateAccess(ctx, req);
  return { user, session };
}

/** The always-identical answer of the forgot endpoints. */
const ACCEPTED = { ok: true } as const;

export function accountRoutes(ctx: AuthContext, ops: AccountOperations = accountOperations(ctx)): RouteTable {
  const limit = ctx.config.bodyLimit;
  const deviceCookie = deviceCookieName(ctx.config);
  const client = (req: IncomingMessage): ClientInfo => ({ address: ctx.clientAddress(req), deviceCookie: parseCookies(req).get(deviceCookie) });

  return {
    '/api/auth/register': {
      POST: async (req, res) => {
        const f = await requireFields(req, limit, '"username", "email" and "password"');
        const name = optionalString(f, 'name', MAX_NAME_FIELD);
        const outcome = await ops.register(
          {
            username: requireString(f, 'username', MAX_USERNAME_FIELD),
            email: requireString(f, 'email', MAX_EMAIL_FIELD),
            password: requireString(f, 'password', MAX_PASSWORD_LENGTH),
            ...(name === undefined ? {} : { name }),
          },
          client(req),
        );
        // Registration does not sign in: the client logs in next (password managers save then).
        if ('user' in outcome) sendJson(res, 201, { user: publicUser(outcome.user) });
        else sendJson(res, 202, ACCEPTED); // the same for every email: see mailRegistration
      },
    },
    '/api/auth/register/verify': {
      POST: async (req, res) => {
        const f = await requireFields(req, limit, '"token"');
        const user = await ops.verifyRegistration({ token: requireString(f, 'token', 512) }, client(req));
        sendJson(res, 201, { user: publicUser(user) });
      },
    },
    '/api/auth/password': {
      POST: async (req, res) => {
        const principal = await authenticateBearer(ctx, req);
        const f = await requireFields(req, limit, '"current_password" and "new_password"');
        await ops.changePassword(
          principal,
          {
            currentPassword: requireString(f, 'current_password', MAX_PASSWORD_LENGTH),
            newPassword: requireString(f, 'new_password', MAX_PASSWORD_LENGTH),
          },
          client(req),
        );
        sendEmpty(res, 204);
      },
    },
    '/api/auth/password/forgot': {
      POST: async (req, res) => {
        const f = await requireFields(req, limit, '"login" (username or email)');
        await ops.forgotPassword({ login: requireString(f, 'login', MAX_LOGIN_FIELD) }, client(req));
        sendJson(res, 202, ACCEPTED);
      },
    },
    '/api/auth/password/reset': {
      POST: async (req, res) => {
        const f = await requireFields(req, limit, '"token" and "password"');
        await ops.resetPassword(
          { token: requireString(f, 'token', 512), password: requireString(f, 'password', MAX_PASSWORD_LENGTH) },
          client(req),
        );
        sendEmpty(res, 204);
      },
    },
    '/api/auth/username/forgot': {
      POST: async (req, res) => {
        const f = await requireFields(req, limit, '"email"');
        await ops.forgotUsername({ email: requireString(f, 'email', MAX_EMAIL_FIELD) }, client(req));
        sendJson(res, 202, ACCEPTED);
      },
    },
    /**
     * Name and email of the signed-in user. The access token in hand still carries the old
     * name/email claims until it is replaced: the client refreshes (POST /api/auth/refresh) after a
     * 200 here to get a token with the new values; /api/auth/session always reads the store.
     */
    '/api/auth/details': {
      POST: async (req, res) => {
        const principal = await authenticateBearer(ctx, req);
        const f = await requireFields(req, limit, '"name" and/or "email"');
        const name = optionalString(f, 'name', MAX_NAME_FIELD);
        const email = optionalString(f, 'email', MAX_EMAIL_FIELD);
        const currentPassword = optionalString(f, 'current_password', MAX_PASSWORD_LENGTH);
        if (name === undefined && email === undefined) {
          throw new HttpError(400, 'invalid_request', 'Send "name" and/or "email".');
        }
        const user = await ops.updateDetails(
          principal,
          {
            ...(name === undefined ? {} : { name }),
            ...(email === undefined ? {} : { email }),
            ...(currentPassword === undefined || currentPassword === '' ? {} : { currentPassword }),
          },
          client(req),
        );
        sendJson(res, 200, { user: publicUser(user) });
      },
    },
  };
}
