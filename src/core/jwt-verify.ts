import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './errors.js';
import { checkClaims, CLOCK_SKEW_SECONDS, getPath, invalid, type JwtVerifier, type VerifyOptions } from './jwt.js';

/**
 * The jose half of `createVerifier`, loaded on first use. Signature, algorithm allowlist, exact
 * issuer and audience, `typ` (`at+jwt` unless configured otherwise), required `exp` and subject
 * claim, `token_type`, time claims with the allowed skew. Failures say in `description` which
 * claim or header was wrong.
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
  const typ = options.typ === false || options.typ === 'any' ? undefined : (options.typ ?? 'at+jwt');
  const subject = options.subjectClaim ?? 'sub';
  return async (token, nowMs) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp'],
        ...(typ ? { typ } : {}),
      });
      const aud = payload.aud;
      if (Array.isArray(aud) && aud.some((value) => value !== options.audience)) {
        throw invalid('The token is meant for other audiences too.', undefined, 'The token\'s "aud" claim names other audiences too.');
      }
      const id = getPath(payload, subject);
      if (id === undefined || id === null || id === '') {
        throw invalid(
          'The token names no user.',
          undefined,
          `The token has no "${subject}" claim (set subject-claim if your API names the user differently, e.g. user_id).`,
        );
      }
      checkClaims(payload, nowMs);
      return payload;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      if (err instanceof errors.JWTExpired) throw new AuthError('token_expired', 'The token has expired.', { cause: err });
      if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && !(err instanceof errors.JOSEError))) {
        throw new AuthError('network_error', 'The signing keys could not be fetched.', { cause: err });
      }
      let description: string | undefined;
      if (err instanceof errors.JWTClaimValidationFailed) {
        description =
          err.claim === 'typ'
            ? `The token's "typ" header is not "${typ}" (set typ="any" if your API does not set it).`
            : err.reason === 'missing'
              ? `The token has no "${err.claim}" claim.`
              : `The token's "${err.claim}" claim is not the expected value.`;
      }
      throw invalid('The token signature or claims are not valid.', err, description);
    }
  };
}
