import type { JWTPayload } from 'jose';
import { AuthConfigError, AuthError } from './errors.js';

/** Allowed clock skew for `exp`, `nbf` and `iat`, in seconds (SECURITY.md item 6). */
export const CLOCK_SKEW_SECONDS = 60;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SAFE_KID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Header parameters that would make a verifier fetch or trust a key named by the token itself. */
const KEY_SOURCING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;
export const DEFAULT_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'];

/** A `token_invalid` error; `description` says, for the developer, which claim or header failed. */
export function invalid(message: string, cause?: unknown, description?: string): AuthError {
  return new AuthError('token_invalid', message, { cause, description });
}

/**
 * Read a compact JWS without verifying its signature: checks its form (three base64url segments,
 * a real algorithm, no key-sourcing headers) and returns the claims. Used to learn `exp` and the
 * user of a token that came straight from the configured token URL; the API it is sent to remains the
 * authority. A JWE, `alg: none`, or an empty signature is refused.
 */
export function readJwt(token: unknown): JWTPayload {
  if (typeof token !== 'string' || token.length === 0) throw invalid('The token is missing.');
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid('The token is not a signed JWT (compact JWS with three parts).');
  const [head, body, signature] = parts as [string, string, string];
  if (!SEGMENT.test(head) || !SEGMENT.test(body)) throw invalid('The token has characters outside base64url.');
  checkHeader(decodeSegment(head, 'header'));
  if (!SEGMENT.test(signature)) throw invalid('The token signature is empty or not base64url.');
  return decodeSegment(body, 'claims') as JWTPayload;
}

/** Decode one base64url JSON segment (no jose needed on the decode-only path). */
function decodeSegment(segment: string, what: string): Record<string, unknown> {
  try {
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (err) {
    throw invalid(`The token ${what} cannot be decoded.`, err);
  }
  throw invalid(`The token ${what} is not a JSON object.`);
}

function checkHeader(header: Record<string, unknown>): void {
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') {
    throw invalid('Unsigned tokens are refused.');
  }
  for (const name of KEY_SOURCING_HEADERS) {
    if (name in header) throw invalid(`Tokens naming their own key (${name}) are refused.`);
  }
  if ('kid' in header && (typeof header.kid !== 'string' || !SAFE_KID.test(header.kid))) {
    throw invalid('The token key id is malformed.');
  }
  if ('zip' in header) throw invalid('Compressed tokens are refused.');
}

/**
 * Claim checks shared by both paths: time claims with the allowed skew, and a `token_type` claim
 * that, when present, must be `access` (SimpleJWT marks its refresh tokens `token_type: "refresh"`).
 */
export function checkClaims(claims: JWTPayload, nowMs: number): void {
  if ('token_type' in claims && claims.token_type !== 'access') {
    throw invalid('This is not an access token.', undefined, `The token's "token_type" claim is "${String(claims.token_type)}", not "access".`);
  }
  const now = Math.floor(nowMs / 1000);
  if (typeof claims.exp === 'number' && claims.exp + CLOCK_SKEW_SECONDS < now) {
    throw new AuthError('token_expired', 'The token has expired.');
  }
  if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_SECONDS > now) {
    throw invalid('The token is not valid yet.');
  }
  if (typeof claims.iat === 'number' && claims.iat - CLOCK_SKEW_SECONDS > now) {
    throw invalid('The token was issued in the future.');
  }
}

export interface VerifyOptions {
  /** Where the issuer publishes its public keys. */
  jwksUrl: string;
  /** Exact expected `iss` (no trailing-slash or case tolerance). */
  issuer: string;
  /** Exact expected `aud`; a token whose `aud` array holds another value is refused. */
  audience: string;
  /** Allowed `alg` values. Never HS*: a browser has no business holding a MAC key. */
  algorithms?: string[];
  /**
   * Required `typ` header. Default `at+jwt` (RFC 9068); `false` (or `any`) accepts any `typ`, for
   * APIs that do not set it (SimpleJWT's tokens say `JWT`).
   */
  typ?: string | false;
  /** Claim (dotted path allowed) that must name the user. Default `sub`; SimpleJWT: `user_id`. */
  subjectClaim?: string | undefined;
}

/** Read `a.b.c` from an object. */
export function getPath(object: object, path: string): unknown {
  let value: unknown = object;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export type JwtVerifier = (token: string, nowMs: number) => Promise<JWTPayload>;

/**
 * A verifier bound to one issuer: keys come from the configured JWKS URL only (never from the token);
 * an unknown `kid` triggers at most one refetch per 30 s cool-down (jose's remote key set).
 * Options are checked now; jose itself is loaded on the first verification, so pages that do not
 * verify in the browser never download it.
 */
export function createVerifier(options: VerifyOptions, fetchImpl: typeof fetch): JwtVerifier {
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(options.jwksUrl, globalThis.location?.href);
  } catch {
    throw new AuthConfigError('invalid_option', '`verify.jwksUrl` is not a valid URL.');
  }
  if (!options.issuer || !options.audience) {
    throw new AuthConfigError('invalid_option', '`verify` needs an `issuer` and an `audience`.');
  }
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
  if (algorithms.some((alg) => /^(HS|none)/i.test(alg))) {
    throw new AuthConfigError('invalid_option', '`verify.algorithms` may not contain HS* or none.');
  }
  let verifier: Promise<JwtVerifier> | null = null;
  return async (token, nowMs) => {
    readJwt(token); // form and header checks before any key lookup (or any download)
    verifier ??= import('./jwt-verify.js').then((m) => m.joseVerifier({ ...options, algorithms }, jwksUrl, fetchImpl));
    let verify: JwtVerifier;
    try {
      verify = await verifier;
    } catch (err) {
      verifier = null;
      throw new AuthError('network_error', 'The token verifier could not be loaded.', { cause: err });
    }
    return verify(token, nowMs);
  };
}
