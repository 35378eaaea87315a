/**
 * Access tokens (ES256 JWS, `typ: at+jwt`) and opaque refresh tokens.
 *
 * Verification trusts nothing in the token to pick a key or an algorithm: a fixed algorithm, the
 * server's own public keys looked up by a syntactically checked `kid`, exact issuer and audience,
 * then the session and the user in the store (logout and disabling take effect at once, in every
 * process sharing the store).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { ServerConfig } from './config.js';
import { SIGNING_ALG, type KeyRing } from './keys.js';
import type { SessionRecord, Store, UserRecord } from './store/types.js';

export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Allowed clock skew (seconds) for exp / nbf / iat. */
export const CLOCK_TOLERANCE = 60;
/** Longest token string we even look at. */
const MAX_TOKEN_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const KID = /^[A-Za-z0-9_-]{1,128}$/;
/** Header parameters that would let the token choose its own key, or change how it is read. */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'x5c', 'jwk', 'crit', 'zip', 'b64', 'enc'] as const;

export interface PublicUser {
  id: string;
  username: string;
  name: string;
  email: string;
  roles: string[];
}

export function publicUser(user: UserRecord): PublicUser {
  return { id: user.id, username: user.username, name: user.name, email: user.email, roles: [...user.roles] };
}

/**
 * The active organization as answered to clients (login/refresh/select JSON `org`, GET /orgs) and
 * put in access tokens. `permissions` are the effective ones (the lower roles' included).
 */
export interface PublicOrg {
  id: string;
  name: string;
  role: string;
  permissions: string[];
}

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  sid: string;
  exp: number;
  iat: number;
  jti: string;
  username: string;
  name: string;
  email: string;
  roles: string[];
  /**
   * The active organization when there is one (none of the four otherwise). For clients only: the
   * server reads roles and memberships from the store at every request, never from these.
   */
  org_id?: string;
  org_name?: string;
  org_role?: string;
  org_permissions?: string[];
}

/** The org_* claims of `org` (none for null). */
function orgClaims(org: PublicOrg | null): Partial<AccessTokenClaims> {
  if (org === null) return {};
  return { org_id: org.id, org_name: org.name, org_role: org.role, org_permissions: [...org.permissions] };
}

export async function issueAccessToken(
  keys: KeyRing,
  config: Pick<ServerConfig, 'issuer' | 'audience' | 'accessTtl'>,
  user: UserRecord,
  sessionId: string,
  nowMs: number,
  org: PublicOrg | null = null,
): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + config.accessTtl;
  const token = await new SignJWT({
    sid: sessionId,
    username: user.username,
    name: user.name,
    email: user.email,
    roles: [...user.roles],
    ...orgClaims(org),
  })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: keys.signing.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setSubject(user.id)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(keys.signing.privateKey);
  return { token, expiresAt: exp };
}

/** Why a token was refused (for logs and tests; clients get one generic message). */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly expired: boolean;
  constructor(message: string, expired = false) {
    super(message);
    this.expired = expired;
  }
}

function decodeHeader(segment: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('header is not base64url JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new TokenError('header is not an object');
  return header as Record<string, unknown>;
}

export interface VerifyContext {
  readonly keys: KeyRing;
  readonly config: Pick<ServerConfig, 'issuer' | 'audience'>;
  readonly store: Store;
  readonly nowMs: number;
}

export interface VerifiedAccess {
  readonly claims: AccessTokenClaims;
  readonly user: UserRecord;
  readonly session: SessionRecord;
}

/** Signature and claims only (no store look-up). Throws TokenError. */
export async function verifyAccessTokenSignature(
  token: unknown,
  ctx: Pick<VerifyContext, 'keys' | 'config' | 'nowMs'>,
): Promise<AccessTokenClaims> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    throw new TokenError('not a compact JWS (three base64url segments)');
  }
  const header = decodeHeader(token.slice(0, token.indexOf('.')));
  for (const name of FORBIDDEN_HEADERS) {
    if (Object.hasOwn(header, name)) throw new TokenError(`header parameter "${name}" is not accepted`);
  }
  if (header['alg'] !== SIGNING_ALG) throw new TokenError('alg is not ES256');
  if (header['typ'] !== ACCESS_TOKEN_TYP) throw new TokenError('typ is not at+jwt');
  const kid = header['kid'];
  if (typeof kid !== 'string' || !KID.test(kid)) throw new TokenError('kid is missing or malformed');
  const key = ctx.keys.verification.get(kid);
  if (key === undefined) throw new TokenError('unknown kid');

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [SIGNING_ALG],
      issuer: ctx.config.issuer,
      audience: ctx.config.audience,
      typ: ACCESS_TOKEN_TYP,
      clockTolerance: CLOCK_TOLERANCE,
      requiredClaims: ['exp', 'iat', 'sub', 'sid', 'jti'],
      currentDate: new Date(ctx.nowMs),
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('expired', true);
    if (err instanceof joseErrors.JOSEError) throw new TokenError(err.code);
    throw err;
  }
  const nowSec = Math.floor(ctx.nowMs / 1000);
  const { aud, iat, sub, sid } = payload;
  // jose accepts an audience array containing ours among others; we accept only ours.
  const audOk = aud === ctx.config.audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === ctx.config.audience);
  if (!audOk) throw new TokenError('audience is not exactly ours');
  if (typeof iat !== 'number' || iat > nowSec + CLOCK_TOLERANCE) throw new TokenError('iat is in the future');
  if (typeof sub !== 'string' || sub === '' || typeof sid !== 'string' || sid === '') throw new TokenError('sub or sid malformed');
  return payload as AccessTokenClaims;
}

/** Full verification: signature, claims, then session and user in the store. Throws TokenError. */
export async function verifyAccessToken(token: unknown, ctx: VerifyContext): Promise<VerifiedAccess> {
  const claims = await verifyAccessTokenSignature(token, ctx);
  const session = await ctx.store.getSession(claims.sid);
  if (session === null || session.userId !== claims.sub) throw new TokenError('unknown session');
  if (session.revokedAt !== null) throw new TokenError('session revoked');
  if (session.absoluteExpiresAt <= ctx.nowMs) throw new TokenError('session expired', true);
  const user = await ctx.store.findUserById(claims.sub);
  if (user === null || user.disabled) throw new TokenError('user unknown or disabled');
  return { claims, user, session };
}

// ---- refresh tokens ----

const REFRESH_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** 32 random bytes, base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the store keeps instead of the token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function looksLikeRefreshToken(token: string): boolean {
  return REFRESH_FORMAT.test(token);
}
