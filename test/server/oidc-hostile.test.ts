// The hostile OpenID provider (test/oidc/hostile.ts) proven in Node before the browser tests rely on
// it: a public client written the way the OIDC backend must be (oauth4webapi for the protocol steps,
// jose for the ID token's signature against the JWKS with an ES256-only allowlist, UserInfo `sub`
// compared, discovery `issuer` compared exactly) completes the `good` scenario and refuses every other,
// each at the step that should catch it. Also: the provider itself is no accept-all (PKCE checked,
// codes single-use, CORS only for the client's origin), so "no POST /token" in the e2e tests means
// something.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import {
  authorizationUrl,
  authorize,
  HOSTILE_DESCRIPTION,
  SCENARIOS,
  startHostileProvider,
  type HostileProvider,
  type HostileScenario,
} from '../oidc/hostile.js';

const REDIRECT = 'http://localhost:9/callback';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

let hp: HostileProvider;

before(async () => {
  hp = await startHostileProvider({ redirectUris: [REDIRECT] });
});
after(() => hp.close());

/** What a correct public client finds, step by step; throws at the first check that fails. */
async function signIn(scenario: HostileScenario) {
  hp.scenario = scenario;
  const client: oauth.Client = { client_id: hp.clientId };
  const issuer = new URL(hp.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
  // oauth4webapi compares URLs (a trailing slash passes); the configuration wants the exact string.
  if (as.issuer !== hp.issuer) throw new Error(`discovery issuer ${as.issuer} is not ${hp.issuer}`);
  assert.equal(as.authorization_endpoint, `${hp.issuer}/authorize`);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const { status, location: callback } = await authorize(authorizationUrl(hp, REDIRECT, {
    scope: 'openid profile email', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), state, nonce,
  }));
  assert.equal(status, 302);
  assert.ok(callback && callback.href.startsWith(REDIRECT), callback?.href);
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
  await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(as.jwks_uri!)), {
    issuer: hp.issuer,
    audience: hp.clientId,
    algorithms: ['ES256'],
    clockTolerance: 60,
    requiredClaims: ['iat', 'sub', 'nonce'],
  });
  const claims = oauth.getValidatedIdTokenClaims(tokens)!;
  const userinfo = await oauth.processUserInfoResponse(as, client, claims.sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
  return { claims, userinfo, tokens };
}

/** Which check refuses each scenario: the error's class name and a piece of its message. */
const REFUSED_BY: Record<Exclude<HostileScenario, 'good'>, [string, RegExp]> = {
  'foreign-key': ['JWSSignatureVerificationFailed', /signature verification failed/],
  'unknown-kid': ['JWKSNoMatchingKey', /no applicable key found in the JSON Web Key Set/],
  // oauth4webapi takes the algorithms from discovery (which lists "none" here): jose's allowlist refuses.
  'alg-none': ['JOSEAlgNotAllowed', /"alg" \(Algorithm\) Header Parameter value not allowed/],
  'hs256-public-key': ['JOSEAlgNotAllowed', /"alg" \(Algorithm\) Header Parameter value not allowed/],
  'wrong-iss': ['OperationProcessingError', /unexpected JWT "iss"/],
  'iss-trailing-slash': ['OperationProcessingError', /unexpected JWT "iss"/],
  'wrong-aud': ['OperationProcessingError', /unexpected JWT "aud"/],
  'several-aud-no-azp': ['OperationProcessingError', /additional untrusted audiences/],
  expired: ['OperationProcessingError', /expiration is past current timestamp/],
  'iat-missing': ['OperationProcessingError', /"iat" \(issued at\) claim missing/],
  'sub-missing': ['OperationProcessingError', /"sub" \(subject\) claim missing/],
  'nonce-missing': ['OperationProcessingError', /"nonce" \(nonce\) claim missing/],
  'nonce-wrong': ['OperationProcessingError', /"nonce" claim value/],
  'userinfo-sub': ['OperationProcessingError', /unexpected "response" body "sub"/],
  'discovery-issuer': ['OperationProcessingError', /"issuer" property does not match/],
  'discovery-issuer-slash': ['Error', /discovery issuer .*\/ is not/],
  'access-denied': ['AuthorizationResponseError', /authorization response from the server is an error/],
};

describe('the hostile provider, driven by a correct client in Node', () => {
  test('the good scenario completes: code, PKCE, ID token signed with the published key, UserInfo', async () => {
    const { claims, userinfo, tokens } = await signIn('good');
    assert.equal(claims.sub, hp.user.sub);
    assert.equal(claims.iss, hp.issuer);
    assert.equal(userinfo.sub, hp.user.sub);
    assert.ok(tokens.refresh_token);
    assert.ok(hp.issued.includes(tokens.access_token) && hp.issued.includes(tokens.id_token!));
  });

  for (const [scenario, [name, message]] of Object.entries(REFUSED_BY)) {
    test(`refused: ${SCENARIOS[scenario as HostileScenario]}`, async () => {
      const seen = hp.requests.length;
      await assert.rejects(signIn(scenario as HostileScenario), (error: Error) => {
        assert.equal(error.constructor.name, name, `${error.constructor.name}: ${error.message}`);
        assert.match(error.message, message);
        return true;
      });
      const requests = hp.requests.slice(seen);
      if (scenario.startsWith('discovery-')) assert.ok(!requests.includes('GET /authorize'), requests.join(', '));
      if (scenario === 'access-denied') assert.ok(!requests.includes('POST /token'), requests.join(', '));
    });
  }

  test('access_denied carries the HTML description verbatim and the request state', async () => {
    hp.scenario = 'access-denied';
    const { location } = await authorize(authorizationUrl(hp, REDIRECT, { state: 's1' }));
    assert.ok(location);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('error_description'), HOSTILE_DESCRIPTION);
    assert.equal(location.searchParams.get('state'), 's1');
    assert.equal(location.searchParams.get('code'), null);
  });
});

describe('the hostile provider is no accept-all', () => {
  async function code(challenge: string) {
    hp.scenario = 'good';
    const { location } = await authorize(authorizationUrl(hp, REDIRECT, { code_challenge: challenge, state: 's', nonce: 'n' }));
    return location!.searchParams.get('code')!;
  }
  const exchange = (code: string, verifier: string) =>
    fetch(`${hp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: hp.clientId, redirect_uri: REDIRECT, code, code_verifier: verifier }),
    });

  test('a wrong PKCE verifier and a used code are refused with invalid_grant', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const wrong = await exchange(await code(await oauth.calculatePKCECodeChallenge(verifier)), oauth.generateRandomCodeVerifier());
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_grant');
    const once = await code(await oauth.calculatePKCECodeChallenge(verifier));
    assert.equal((await exchange(once, verifier)).status, 200);
    const again = await exchange(once, verifier);
    assert.equal(again.status, 400);
  });

  test('an unknown redirect URI gets a page, not a redirect; prompt=none gets login_required', async () => {
    const evil = await authorize(authorizationUrl(hp, 'https://evil.example/cb', { state: 's' }));
    assert.equal(evil.status, 400);
    assert.equal(evil.location, null);
    const silent = await authorize(authorizationUrl(hp, REDIRECT, { state: 's', prompt: 'none' }));
    assert.equal(silent.location?.searchParams.get('error'), 'login_required');
  });

  test('CORS answers the redirect URI origin only', async () => {
    const ok = await fetch(`${hp.issuer}/token`, { method: 'OPTIONS', headers: { origin: 'http://localhost:9', 'access-control-request-method': 'POST' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:9');
    const evil = await fetch(`${hp.issuer}/.well-known/openid-configuration`, { headers: { origin: 'https://evil.example' } });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });
});
