/**
 * JWT API mode: /api/auth/login, refresh, logout, session, verify.
 *
 * The access token goes in the response body (the browser keeps it in memory); the refresh token
 * goes in an HttpOnly cookie, or in the body for API clients that ask (`refresh_in_body`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEVICE_COOKIE_MAX_AGE, deviceCookieName, refreshCookieName, type ServerConfig } from '../config.js';
import {
  HttpError,
  appendSetCookie,
  bearerToken,
  isJsonType,
  mediaType,
  optionalField,
  parseCookies,
  readFields,
  requireString,
  sendEmpty,
  sendJson,
  serializeCookie,
  type BodyFields,
} from '../http.js';
import type { KeyRing } from '../keys.js';
import type { ServerSecret } from '../secret.js';
import type { MailMessage } from '../mail/types.js';
import { needsRehash, verifyPasswordOrDummy, type PasswordHasher } from '../passwords.js';
import type { LoginThrottle } from '../rate-limit.js';
import { activeOrg, adoptOldestOrg } from '../org-session.js';
import type { RouteParams } from '../router.js';
import { normalizeUsername, type SessionRecord, type Store, type UserRecord } from '../store/types.js';
import {
  TokenError,
  hashRefreshToken,
  issueAccessToken,
  looksLikeRefreshToken,
  newRefreshToken,
  publicUser,
  verifyAccessToken,
  type PublicOrg,
  type VerifiedAccess,
} from '../tokens.js';

export const MAX_USERNAME_LENGTH = 256;
/** The ServerSecret label of refresh-token successors (see the refresh handler). */
export const REFRESH_SUCCESSOR_LABEL = 'refresh-successor';
export const MAX_PASSWORD_LENGTH = 1024;
const MAX_TOKEN_FIELD_LENGTH = 16384;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

export interface AuthContext {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly keys: KeyRing;
  /** HMACs only this server (and its siblings sharing AUTH_DATA_DIR) can compute. */
  readonly secret: ServerSecret;
  readonly hasher: PasswordHasher;
  readonly dummyHash: string;
  readonly throttle: LoginThrottle;
  readonly logger: Logger;
  /** Outgoing mail, sent in the background (the HTTP answer never waits for or depends on it). */
  readonly mail: MailQueue;
  /** Milliseconds since the epoch (injectable clock). */
  now(): number;
  /**
   * The rate-limit key of the client: the socket address, or behind a trusted proxy
   * (config.trustProxy) the address it forwarded; IPv6 grouped by /64.
   */
  clientAddress(req: IncomingMessage): string;
}

export interface MailQueue {
  /** Start sending; a failure is logged (with `label`, never the message body), not thrown. */
  send(message: MailMessage, label: string): void;
  /** Resolves when every mail started so far has been sent or has failed. */
  idle(): Promise<void>;
}

/** A route's handler; `params` holds the decoded `:name` segments of its path (server/router.ts). */
export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, params: RouteParams) => Promise<void>;
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** Paths (exact, or with `:name` segments) -> method -> handler. */
export type RouteTable = Readonly<Record<string, Readonly<Partial<Record<HttpMethod, Handler>>>>>;

/**
 * The JSON answer carrying a new access token (login, refresh, select, leave): the token, its
 * lifetime, the user and the active org (null when none). The caller adds the refresh token.
 */
export async function accessAnswer(
  ctx: Pick<AuthContext, 'keys' | 'config'>,
  user: UserRecord,
  session: SessionRecord,
  org: PublicOrg | null,
  now: number,
): Promise<Record<string, unknown>> {
  const access = await issueAccessToken(ctx.keys, ctx.config, user, session.id, now, org);
  return { access: access.token, token_type: 'Bearer', expires_in: ctx.config.accessTtl, user: publicUser(user), org };
}

const invalidCredentials = (): HttpError =>
  new HttpError(401, 'invalid_credentials', 'Invalid username or password.');

const invalidToken = (): HttpError =>
  new HttpError(401, 'invalid_token', 'The access token is missing, invalid, expired or revoked.', {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

/**
 * Cookie-authenticated requests must carry something a cross-site HTML form cannot send without a
 * CORS preflight: a JSON content type or the X-Auth-CSRF header. (The Origin check is in app.ts.)
 */
function requireCsrfProof(req: IncomingMessage): void {
  if (isJsonType(mediaType(req)) || req.headers['x-auth-csrf'] === '1') return;
  throw new HttpError(
    403,
    'csrf_required',
    'Requests authenticated by cookie need Content-Type: application/json or the header X-Auth-CSRF: 1.',
  );
}

function wantsRefreshInBody(fields: BodyFields | null, url: URL): boolean {
  const q = url.searchParams.get('refresh_in_body');
  if (q === '1' || q === 'true') return true;
  const v = optionalField(fields, 'refresh_in_body');
  if (v === undefined || v === false || v === '0' || v === 'false' || v === '') return false;
  if (v === true || v === '1' || v === 'true') return true;
  throw new HttpError(400, 'invalid_request', 'The field "refresh_in_body" must be a boolean.');
}

/** The optional "refresh" body field: a string, or 400. */
function refreshField(fields: BodyFields | null): string | null {
  const v = optionalField(fields, 'refresh');
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v === '' || v.length > MAX_TOKEN_FIELD_LENGTH) {
    throw new HttpError(400, 'invalid_request', 'The field "refresh" must be a non-empty string.');
  }
  return v;
}

export function authRoutes(ctx: AuthContext): RouteTable {
  const { config, store } = ctx;
  const cookieName = refreshCookieName(config);
  const deviceCookie = deviceCookieName(config);

  const setRefreshCookie = (res: ServerResponse, token: string, maxAgeSeconds: number): void =>
    appendSetCookie(res, serializeCookie(cookieName, token, { secure: config.cookieSecure, maxAge: maxAgeSeconds }));
  const clearRefreshCookie = (res: ServerResponse): void => setRefreshCookie(res, '', 0);

  const invalidGrant = (res: ServerResponse, description = 'The refresh token is invalid, expired or revoked.'): HttpError => {
    clearRefreshCookie(res);
    return new HttpError(401, 'invalid_grant', description);
  };

  /**
   * Store `refresh` in the session's family. Rotation never extends the session: the token dies at
   * the absolute expiry at the latest. Resolves false when the hash was there already (see refresh).
   */
  const storeRefreshToken = (refresh: string, user: UserRecord, session: SessionRecord, now: number): Promise<boolean> =>
    store.insertRefreshToken(
      {
        tokenHash: hashRefreshToken(refresh),
        sessionId: session.id,
        userId: user.id,
        expiresAt: Math.min(now + config.refreshIdleTtl * 1000, session.absoluteExpiresAt),
      },
      now,
    );

  /** Answer 200 with a new access token (for `org`) and the refresh token `refresh` (stored already). */
  async function issueTokens(
    res: ServerResponse,
    user: UserRecord,
    session: SessionRecord,
    org: PublicOrg | null,
    refresh: string,
    now: number,
    refreshInBody: boolean,
  ): Promise<void> {
    const body = await accessAnswer(ctx, user, session, org, now);
    if (refreshInBody) body['refresh'] = refresh;
    else setRefreshCookie(res, refresh, Math.ceil((session.absoluteExpiresAt - now) / 1000));
    sendJson(res, 200, body);
  }

  async function verifyBearer(token: string): Promise<VerifiedAccess | null> {
    try {
      return await verifyAccessToken(token, { keys: ctx.keys, config, store, nowMs: ctx.now() });
    } catch (err) {
      if (err instanceof TokenError) return null;
      throw err;
    }
  }

  const login: Handler = async (req, res, url) => {
    const fields = await readFields(req, config.bodyLimit);
    if (fields === null) {
      throw new HttpError(400, 'invalid_request', 'The request body is empty; send "username" and "password".');
    }
    const username = requireString(fields, 'username', MAX_USERNAME_LENGTH);
    const password = requireString(fields, 'password', MAX_PASSWORD_LENGTH);
    const refreshInBody = wantsRefreshInBody(fields, url);

    const now = ctx.now();
    let user = await store.findUserByUsername(username);
    // Counted as a failure BEFORE verifying, so concurrent guesses cannot all pass the check.
    const attempt = await ctx.throttle.reserve(
      {
        username: normalizeUsername(username),
        userId: user?.id ?? null,
        address: ctx.clientAddress(req),
        deviceCookie: parseCookies(req).get(deviceCookie),
      },
      now,
    );
    if (!attempt.ok) {
      throw new HttpError(429, 'rate_limited', 'Too many failed login attempts. Try again later.', {
        headers: { 'Retry-After': String(attempt.retryAfter) },
      });
    }
    // Exactly one verification whatever the case (unknown user -> dummy hash): same work, same answer.
    const passwordOk = await verifyPasswordOrDummy(ctx.hasher, ctx.dummyHash, user?.passwordHash ?? null, password);
    if (!passwordOk || user === null || user.disabled) throw invalidCredentials(); // counted by the reservation
    await attempt.succeeded();
    await store.recordLogin(user.id, now);
    // This browser is known now: later logins from it skip the account lockout (see rate-limit.ts).
    appendSetCookie(
      res,
      serializeCookie(deviceCookie, ctx.throttle.newDeviceCookie(user.id), { secure: config.cookieSecure, maxAge: DEVICE_COOKIE_MAX_AGE }),
    );
    if (needsRehash(user.passwordHash)) {
      // An imported bcrypt hash (or a weaker argon2 one) verified: replace it now (SECURITY 26).
      try {
        await store.updatePasswordHash(user.id, await ctx.hasher.hash(password), now);
        user = (await store.findUserById(user.id)) ?? user;
      } catch (err) {
        ctx.logger.error(`re-hashing the password of user ${user.id} failed`, err);
      }
    }
    const session = await store.createSession(
      { id: randomUUID(), userId: user.id, absoluteExpiresAt: now + config.refreshAbsoluteTtl * 1000 },
      now,
    );
    const refresh = newRefreshToken();
    await storeRefreshToken(refresh, user, session, now);
    const org = await adoptOldestOrg(store, config, session, now);
    await issueTokens(res, user, session, org, refresh, now, refreshInBody);
  };

  /**
   * Rotation with a reuse grace (issue 6 item 19). The successor of a token is not random but
   * derived: HMAC(server secret, token) — only the server (and its siblings sharing AUTH_DATA_DIR)
   * can compute it, so no plaintext token is ever stored, and every request presenting one token
   * gets the SAME successor:
   * - the first request consumes the token (one conditional UPDATE: at most one rotation) and
   *   inserts the successor's hash;
   * - a request presenting it again within `refreshReuseGrace` seconds of that (a retry, a second
   *   tab, a duplicated request), for a session still alive, recomputes the successor, inserts it
   *   if the first request has not yet (idempotent), and answers with it and a fresh access token;
   *   if the successor was used already (the client moved on), 401 without revoking and without
   *   touching the cookie, which may hold a newer token;
   * - after the grace, presenting a rotated token revokes the whole family (reuse detection).
   */
  const refresh: Handler = async (req, res) => {
    const fields = await readFields(req, config.bodyLimit);
    let token = refreshField(fields);
    const fromBody = token !== null;
    if (token === null) {
      token = parseCookies(req).get(cookieName) ?? null;
      if (token === null || token === '') throw invalidGrant(res, 'No refresh token was presented.');
      requireCsrfProof(req);
    }
    if (!looksLikeRefreshToken(token)) throw invalidGrant(res);

    const now = ctx.now();
    const hash = hashRefreshToken(token);
    let record = await store.consumeRefreshToken(hash, now);
    if (record === null) {
      const known = await store.findRefreshToken(hash);
      // Unknown, or unused but expired: nothing to detect.
      if (known === null || known.usedAt === null) throw invalidGrant(res);
      if (now >= known.usedAt + config.refreshReuseGrace * 1000) {
        // A rotated-out token came back: whoever holds the family may be an attacker. End it.
        await store.revokeFamily(known.sessionId, now);
        ctx.logger.warn(`refresh token reuse detected; session ${known.sessionId} revoked`);
        throw invalidGrant(res);
      }
      record = known; // within the grace: answer with its successor (a revoked session fails below)
    }
    const session = await store.getSession(record.sessionId);
    if (session === null || session.revokedAt !== null || session.absoluteExpiresAt <= now) throw invalidGrant(res);
    const user = await store.findUserById(record.userId);
    if (user === null || user.disabled || session.userId !== user.id) throw invalidGrant(res);

    const successor = ctx.secret.mac(REFRESH_SUCCESSOR_LABEL, token);
    if (!(await storeRefreshToken(successor, user, session, now))) {
      // Inserted already, by a concurrent request with the same token: usable unless used since.
      const existing = await store.findRefreshToken(hashRefreshToken(successor));
      if (existing === null || existing.usedAt !== null || existing.expiresAt <= now || existing.sessionId !== session.id) {
        throw new HttpError(401, 'invalid_grant', 'This refresh token was replaced by a newer one, which was used already; use the newest token.');
      }
    }
    // The session keeps its org, if the user is still a member (else it is dropped here).
    const org = await activeOrg(store, config, session, now, { forget: true });
    await issueTokens(res, user, session, org, successor, now, fromBody);
  };

  const logout: Handler = async (req, res) => {
    const fields = await readFields(req, config.bodyLimit);
    let token = refreshField(fields);
    if (token === null) {
      const cookie = parseCookies(req).get(cookieName);
      if (cookie !== undefined && cookie !== '') {
        requireCsrfProof(req);
        token = cookie;
      }
    }
    const now = ctx.now();
    const bearer = bearerToken(req);
    if (bearer !== null) {
      const verified = await verifyBearer(bearer);
      if (verified !== null) await store.revokeFamily(verified.session.id, now);
    }
    if (token !== null && looksLikeRefreshToken(token)) {
      const record = await store.findRefreshToken(hashRefreshToken(token));
      if (record !== null) await store.revokeFamily(record.sessionId, now);
    }
    clearRefreshCookie(res);
    sendEmpty(res, 204);
  };

  const session: Handler = async (req, res) => {
    const token = bearerToken(req);
    const verified = token === null ? null : await verifyBearer(token);
    if (verified === null) throw invalidToken();
    // The org from the store (a removed member's token still names it; this answer does not).
    const org = await activeOrg(store, config, verified.session, ctx.now(), { forget: false });
    sendJson(res, 200, { user: publicUser(verified.user), org, expires_at: verified.claims.exp });
  };

  const verify: Handler = async (req, res) => {
    const fields = await readFields(req, config.bodyLimit);
    const token = requireString(fields, 'token', MAX_TOKEN_FIELD_LENGTH);
    if ((await verifyBearer(token)) === null) throw invalidToken();
    sendJson(res, 200, {});
  };

  return {
    '/api/auth/login': { POST: login },
    '/api/auth/refresh': { POST: refresh },
    '/api/auth/logout': { POST: logout },
    '/api/auth/session': { GET: session },
    '/api/auth/verify': { POST: verify },
  };
}
