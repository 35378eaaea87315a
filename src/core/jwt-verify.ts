import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './errors.js';
import { checkTimes, CLOCK_SKEW_SECONDS, invalid, type JwtVerifier, type VerifyOptions } from './jwt.js';

/**
 * The jose half of `createVerifier`, loaded on first use. Signature, algorithm allowlist, exact
 * issuer and audience, `typ`, required `exp` and `sub`, time claims with the allowed skew.
 */
export function joseVerifier(
  options: VerifyOptions & { algorithms: string[] },
  jwksUrl: URL,
  fetchImpl: typeof fetch,
): JwtVerifier {
  const keys: JWTVerifyGetKey = createRemoteJWKSet(jwksUrl, {
    cooldownDuration: 30_000,
    [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init),
  });
  return async (token, nowMs) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'sub'],
        ...(options.typ ? { typ: options.typ } : {}),
      });
      const aud = payload.aud;
      if (Array.isArray(aud) && aud.some((value) => value !== options.audience)) {
        throw invalid('The token is meant for other audiences too.');
      }
      checkTimes(payload, nowMs);
      return payload;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthError('token_expired', 'The token has expired.', { cause: err });
      if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && !(err instanceof errors.JOSEError))) {
        throw new AuthError('network_error', 'The signing keys could not be fetched.', { cause: err });
      }
      throw invalid('The token signature or claims are not valid.', err);
    }
  };
}
