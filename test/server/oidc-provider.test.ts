// The OIDC test provider (test/oidc/provider.ts) driven the way a public client drives it: oauth4webapi
// for the protocol steps, plain fetch with a cookie jar for the login and consent pages, jose for the
// ID token's signature. Nothing here is simulated: a real oidc-provider on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { startTestProvider, type TestProvider } from '../oidc/provider.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';
const insecure = { [oauth.allowInsecureRequests]: true } as const;

let op: TestProvider;
let as: oauth.AuthorizationServer;
let client: oauth.Client;

before(async () => {
  op = await startTestProvider({ redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT], accessTokenTtl: 30 });
  const issuer = new URL(op.issuer);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
  client = { client_id: op.clientId };
});
after(() => op.close());

/** A browser's cookie jar, enough for one origin. */
class Jar {
  private cookies = new Map<string, string>();
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
}

async function go(jar: Jar, url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers as Record<string, string>, cookie: jar.header() } });
  jar.take(res);
  return res;
}

/** The one form of an HTML page: its action and its hidden fields. */
function formOf(html: string, base: string) {
  const form = /<form\b[^>]*\baction="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  assert.ok(form, `a form in:\n${html.slice(0, 500)}`);
  const fields = new URLSearchParams();
  for (const input of (form[2] ?? '').matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name) fields.set(name, value);
  }
  return { action: new URL((form[1] ?? '').replaceAll('&amp;', '&'), base).href, fields };
}

const post = (jar: Jar, url: string, body: URLSearchParams) =>
  go(jar, url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

/** Follows redirects (cookies kept) until the client's redirect URI or a page. */
async function follow(jar: Jar, res: Response): Promise<{ page?: Response; callback?: URL }> {
  for (let hops = 0; hops < 10; hops++) {
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { page: res };
    const next = new URL(location, op.issuer);
    if (next.href.startsWith(REDIRECT) || next.href.startsWith(AFTER_LOGOUT)) return { callback: next };
    res = await go(jar, next.href);
  }
  throw new Error('too many redirects');
}

interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

async function authorizationRequest(): Promise<Started> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: op.clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid profile email',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }).toString();
  return { url, verifier, state, nonce };
}

/** Logs in as the demo account through the login and consent pages; returns the callback URL. */
async function signIn(jar: Jar, started: Started): Promise<URL> {
  let { page, callback } = await follow(jar, await go(jar, started.url.href));
  if (callback) return callback;
  for (let step = 0; step < 3 && page; step++) {
    const html = await page.text();
    const { action, fields } = formOf(html, op.issuer);
    if (action.endsWith('/login')) {
      fields.set('username', op.account.username);
      fields.set('password', op.account.password);
    }
    ({ page, callback } = await follow(jar, await post(jar, action, fields)));
    if (callback) return callback;
  }
  throw new Error('no callback after login and consent');
}

async function exchange(started: Started, callback: URL) {
  const params = oauth.validateAuthResponse(as, client, callback, started.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, started.verifier, insecure);
  return oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: started.nonce, requireIdToken: true });
}

async function loggedIn() {
  const jar = new Jar();
  const started = await authorizationRequest();
  const tokens = await exchange(started, await signIn(jar, started));
  return { jar, tokens };
}

const refresh = (token: string) => oauth.refreshTokenGrantRequest(as, client, oauth.None(), token, insecure);

test('discovery names the issuer, S256 PKCE, ES256 ID tokens, end session and a JWKS with one ES256 key', async () => {
  assert.equal(as.issuer, op.issuer);
  assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
  assert.ok(as.id_token_signing_alg_values_supported?.includes('ES256'));
  assert.equal(as.end_session_endpoint, `${op.issuer}/session/end`);
  const jwks = (await (await fetch(as.jwks_uri!)).json()) as { keys: Array<Record<string, unknown>> };
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0]?.alg, 'ES256');
  assert.equal(jwks.keys[0]?.d, undefined, 'no private part published');
});

test('a wrong password shows the login page again with an error; no code is issued', async () => {
  const jar = new Jar();
  const started = await authorizationRequest();
  const { page } = await follow(jar, await go(jar, started.url.href));
  assert.ok(page);
  const { action, fields } = formOf(await page.text(), op.issuer);
  assert.match(action, /\/interaction\/[^/]+\/login$/);
  fields.set('username', op.account.username);
  fields.set('password', 'not the password');
  const res = await post(jar, action, fields);
  assert.equal(res.status, 401);
  assert.match(await res.text(), /Wrong username or password/);
});

test('Cancel on the login page returns access_denied with the state to the client; no token request', async () => {
  const jar = new Jar();
  const started = await authorizationRequest();
  const seen = op.requests.length;
  const { page } = await follow(jar, await go(jar, started.url.href));
  assert.ok(page);
  const { action } = formOf(await page.text(), op.issuer);
  const { callback } = await follow(jar, await post(jar, action.replace(/\/login$/, '/abort'), new URLSearchParams()));
  assert.equal(callback?.searchParams.get('error'), 'access_denied');
  assert.equal(callback?.searchParams.get('state'), started.state);
  assert.throws(() => oauth.validateAuthResponse(as, client, callback!, started.state), oauth.AuthorizationResponseError);
  assert.deepEqual(op.requests.slice(seen).filter((r) => r.startsWith('POST /token')), []);
});

test('an authorization request without PKCE is refused by the provider', async () => {
  const started = await authorizationRequest();
  started.url.searchParams.delete('code_challenge');
  started.url.searchParams.delete('code_challenge_method');
  const { callback } = await follow(new Jar(), await go(new Jar(), started.url.href));
  assert.equal(callback?.searchParams.get('error'), 'invalid_request');
  assert.match(callback?.searchParams.get('error_description') ?? '', /PKCE/);
});

test('login with PKCE, state and nonce; code exchange; ID token verified; UserInfo; the code is single-use', async () => {
  const jar = new Jar();
  const started = await authorizationRequest();
  const callback = await signIn(jar, started);
  assert.equal(callback.searchParams.get('state'), started.state);
  assert.equal(callback.searchParams.get('iss'), op.issuer);
  const tokens = await exchange(started, callback);
  const claims = oauth.getValidatedIdTokenClaims(tokens)!;
  assert.equal(claims.sub, op.account.claims.sub);
  assert.equal(claims.nonce, started.nonce);
  assert.equal(claims.aud, op.clientId);
  assert.ok(tokens.refresh_token, 'a refresh token without offline_access');
  assert.ok(tokens.expires_in! <= 30, `short access token: ${tokens.expires_in}`);

  // oauth4webapi checks the claims; the signature is checked here against the provider's JWKS.
  const verified = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(as.jwks_uri!)), {
    issuer: op.issuer, audience: op.clientId, algorithms: ['ES256'],
  });
  assert.equal(verified.protectedHeader.alg, 'ES256');

  const info = await oauth.processUserInfoResponse(as, client, claims.sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
  assert.deepEqual(
    { sub: info.sub, name: info.name, email: info.email, preferred_username: info.preferred_username },
    { sub: op.account.claims.sub, name: 'Alice Example', email: 'alice@example.test', preferred_username: 'alice' },
  );

  // A second login in the same provider session (cookie kept) goes straight to a code.
  const again = await authorizationRequest();
  const other = await exchange(again, await signIn(jar, again)).catch((e: unknown) => e);
  assert.ok(!(other instanceof Error), 'a second login in the same provider session needs no password');
  const replay = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(),
    oauth.validateAuthResponse(as, client, callback, started.state), REDIRECT, started.verifier, insecure);
  assert.equal(replay.status, 400, 'a used code is refused');
  assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
  // RFC 6749 4.1.2: a replayed code revokes what it issued; the access token no longer opens UserInfo.
  const revoked = await oauth.userInfoRequest(as, client, tokens.access_token, insecure);
  assert.equal(revoked.status, 401);

});

test('the nonce check fails when the expected nonce differs', async () => {
  const jar = new Jar();
  const started = await authorizationRequest();
  const callback = await signIn(jar, started);
  const error = await exchange({ ...started, nonce: oauth.generateRandomNonce() }, callback).catch((e: unknown) => e);
  assert.ok(error instanceof oauth.OperationProcessingError, String(error));
  assert.match(error.message, /nonce/);
});

test('refresh rotates the refresh token; the old one is refused afterwards', async () => {
  const { tokens } = await loggedIn();
  const first = await oauth.processRefreshTokenResponse(as, client, await refresh(tokens.refresh_token!));
  assert.ok(first.access_token);
  assert.ok(first.refresh_token);
  assert.notEqual(first.refresh_token, tokens.refresh_token, 'rotated');
  const old = await refresh(tokens.refresh_token!);
  assert.equal(old.status, 400);
  assert.equal(((await old.json()) as { error: string }).error, 'invalid_grant');
});

for (const n of [2, 10]) {
  test(`${n} concurrent refreshes with one refresh token: exactly one succeeds`, async () => {
    const { tokens } = await loggedIn();
    const responses = await Promise.all(Array.from({ length: n }, () => refresh(tokens.refresh_token!)));
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses ${statuses.join(', ')}`);
    assert.equal(statuses.filter((s) => s === 400).length, n - 1, `statuses ${statuses.join(', ')}`);
    for (const refused of responses.filter((r) => r.status === 400)) {
      assert.equal(((await refused.json()) as { error: string }).error, 'invalid_grant');
    }
  });
}

test('end session with id_token_hint signs out at the provider: the next login asks for the password', async () => {
  const { jar, tokens } = await loggedIn();
  const url = new URL(as.end_session_endpoint!);
  url.search = new URLSearchParams({
    id_token_hint: tokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT, state: 'bye',
  }).toString();
  const confirm = await go(jar, url.href);
  assert.equal(confirm.status, 200);
  const { action, fields } = formOf(await confirm.text(), op.issuer);
  fields.set('logout', 'yes');
  const { callback } = await follow(jar, await post(jar, action, fields));
  assert.equal(callback?.origin + callback!.pathname, AFTER_LOGOUT);
  assert.equal(callback?.searchParams.get('state'), 'bye');

  const next = await authorizationRequest();
  const { page } = await follow(jar, await go(jar, next.url.href));
  assert.ok(page, 'a page, not a code');
  assert.match(formOf(await page.text(), op.issuer).action, /\/login$/, 'the login page again');

  const stale = await refresh(tokens.refresh_token!);
  assert.equal(stale.status, 400, 'the refresh token ended with the session');
});

test('CORS: the token endpoint answers the redirect URI origin (what a browser client needs), not another', async () => {
  const ask = (origin: string) => fetch(as.token_endpoint!, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: op.clientId }),
  });
  const ours = await ask(new URL(REDIRECT).origin);
  assert.equal(ours.headers.get('access-control-allow-origin'), new URL(REDIRECT).origin);
  const theirs = await ask('https://evil.example');
  assert.equal(theirs.headers.get('access-control-allow-origin'), null);
});
