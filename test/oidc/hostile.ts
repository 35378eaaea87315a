// A hostile OpenID provider for the negative tests of the OIDC backend (issue 9; SECURITY.md 1-15):
// a real HTTP server on 127.0.0.1 and a free port, with discovery, a JWKS, an authorization endpoint,
// a token endpoint (PKCE S256 checked, codes single-use), UserInfo and end session. It behaves like a
// correct provider in every respect but the one its scenario names: it signs real tokens with jose
// and breaks exactly one rule per scenario (a foreign key, `alg: none`, a wrong `iss`, ...). It has no
// login page: the authorization endpoint redirects straight back with a code (or, when `interactive`,
// shows a page whose link does, so a test can act while the popup is open). Every request is logged
// (method and path, never a query) so tests can assert that no token request was made.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { escapeHtml, readForm } from './provider.js';

/** What the provider does wrong, one rule at a time; `good` breaks none. */
export const SCENARIOS = {
  good: 'a well-behaved provider',
  'foreign-key': 'ID token signed with another key (kid of the published key)',
  'unknown-kid': 'ID token signed with another key under an unknown kid',
  'alg-none': 'ID token with alg "none" and no signature (discovery even lists "none")',
  'hs256-public-key': 'ID token HS256-MACed with the published public key (discovery even lists HS256)',
  'wrong-iss': 'ID token with another iss',
  'iss-trailing-slash': 'ID token iss with a trailing slash',
  'wrong-aud': 'ID token for another client (aud)',
  'several-aud-no-azp': 'ID token with several aud and no azp',
  expired: 'ID token expired 10 minutes ago (beyond a 60 s skew)',
  'iat-missing': 'ID token without iat',
  'sub-missing': 'ID token without sub',
  'nonce-missing': 'ID token without nonce',
  'nonce-wrong': 'ID token with another nonce',
  'userinfo-sub': 'UserInfo sub differs from the ID token sub',
  'discovery-issuer': 'discovery issuer differs from the configured one (another host, same server)',
  'discovery-issuer-slash': 'discovery issuer differs from the configured one by a trailing slash',
  'access-denied': 'authorization error access_denied with HTML in error_description',
} as const;

export type HostileScenario = keyof typeof SCENARIOS;

/** The description the `access-denied` scenario sends: HTML that must be shown as text (SECURITY 15). */
export const HOSTILE_DESCRIPTION = 'Denied <img src=x onerror=alert(1)> by policy';

export interface HostileProviderOptions {
  /** Exact redirect URIs of the client; the browser endpoints answer CORS for their origins. */
  redirectUris: string[];
  /** Client id (default `hostile-client`). */
  clientId?: string;
}

export interface HostileProvider {
  /** The configured issuer, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly issuer: string;
  readonly clientId: string;
  /** The user every good answer names. */
  readonly user: { sub: string; name: string; email: string; email_verified: boolean };
  /** What the next authorization request is answered with (a grant keeps the scenario it began with). */
  scenario: HostileScenario;
  /** Show a page with a "Continue" link at the authorization endpoint instead of redirecting at once. */
  interactive: boolean;
  /** Requests that reached the provider, in order: `GET /authorize`, `POST /token`, … (no query). */
  readonly requests: string[];
  /** Every code, access, refresh and ID token handed out: none may appear in an error, event or log. */
  readonly issued: string[];
  close(): Promise<void>;
}

const USER = { sub: 'hostile-user-7', name: 'Hana Hostile', email: 'hana@hostile.test', email_verified: true };
const ID_TOKEN_TTL = 300;
const ALG = 'ES256';

interface Grant {
  scenario: HostileScenario;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
  used: boolean;
}

interface Keys {
  kid: string;
  privateKey: CryptoKey;
  /** Another private key of the same type, never published. */
  foreignKey: CryptoKey;
  jwks: { keys: Array<Record<string, unknown>> };
  /** The published public key as PEM (SPKI): what the HS256 confusion attack MACs with. */
  publicPem: string;
}

async function makeKeys(): Promise<Keys> {
  const kid = randomUUID();
  const published = await generateKeyPair(ALG, { extractable: true });
  const foreign = await generateKeyPair(ALG);
  const jwk = { ...(await exportJWK(published.publicKey)), kid, alg: ALG, use: 'sig' };
  return {
    kid,
    privateKey: published.privateKey,
    foreignKey: foreign.privateKey,
    jwks: { keys: [jwk] },
    publicPem: await exportSPKI(published.publicKey),
  };
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const random = () => randomBytes(24).toString('base64url');

/** The issuer that discovery advertises, by scenario. */
function advertisedIssuer(issuer: string, scenario: HostileScenario): string {
  if (scenario === 'discovery-issuer') return issuer.replace('127.0.0.1', 'localhost');
  if (scenario === 'discovery-issuer-slash') return `${issuer}/`;
  return issuer;
}

/** Discovery also lists the forbidden algorithm of its scenario: the client's allowlist must not come from here. */
function advertisedAlgs(scenario: HostileScenario): string[] {
  if (scenario === 'alg-none') return [ALG, 'none'];
  if (scenario === 'hs256-public-key') return [ALG, 'HS256'];
  return [ALG];
}

function discovery(issuer: string, scenario: HostileScenario) {
  return {
    issuer: advertisedIssuer(issuer, scenario),
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    end_session_endpoint: `${issuer}/session/end`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: advertisedAlgs(scenario),
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    scopes_supported: ['openid', 'profile', 'email'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'name', 'email', 'email_verified'],
    authorization_response_iss_parameter_supported: true,
  };
}

/** The ID token's claims: right for `good`, with the one fault of the scenario otherwise. */
function idTokenClaims(issuer: string, clientId: string, grant: Grant): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: advertisedIssuer(issuer, grant.scenario),
    sub: USER.sub,
    aud: clientId,
    iat: now,
    exp: now + ID_TOKEN_TTL,
    auth_time: now,
    name: USER.name,
    email: USER.email,
    email_verified: USER.email_verified,
  };
  if (grant.nonce !== null) claims.nonce = grant.nonce;
  switch (grant.scenario) {
    case 'wrong-iss':
      claims.iss = 'https://evil.example';
      break;
    case 'iss-trailing-slash':
      claims.iss = `${issuer}/`;
      break;
    case 'wrong-aud':
      claims.aud = 'another-client';
      break;
    case 'several-aud-no-azp':
      claims.aud = [clientId, 'another-client'];
      break;
    case 'expired':
      claims.iat = now - 900;
      claims.auth_time = now - 900;
      claims.exp = now - 600;
      break;
    case 'iat-missing':
      delete claims.iat;
      break;
    case 'sub-missing':
      delete claims.sub;
      break;
    case 'nonce-missing':
      delete claims.nonce;
      break;
    case 'nonce-wrong':
      claims.nonce = random();
      break;
    default:
      break;
  }
  return claims;
}

/** Signs (or, per scenario, fails to sign properly) an ID token. */
async function signIdToken(keys: Keys, scenario: HostileScenario, claims: Record<string, unknown>): Promise<string> {
  const payload = b64url(JSON.stringify(claims));
  if (scenario === 'alg-none') {
    return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT', kid: keys.kid }))}.${payload}.`;
  }
  if (scenario === 'hs256-public-key') {
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: keys.kid }));
    const mac = createHmac('sha256', keys.publicPem).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${mac}`;
  }
  const foreign = scenario === 'foreign-key' || scenario === 'unknown-kid';
  const kid = scenario === 'unknown-kid' ? randomUUID() : keys.kid;
  return new SignJWT(claims).setProtectedHeader({ alg: ALG, typ: 'JWT', kid }).sign(foreign ? keys.foreignKey : keys.privateKey);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function html(res: ServerResponse, status: number, title: string, body: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`);
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
}


/** CORS for the client's origins only; true when the request was a preflight (answered). */
function cors(req: IncomingMessage, res: ServerResponse, origins: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (origin && origins.has(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'origin');
  }
  if (req.method !== 'OPTIONS') return false;
  if (origin && origins.has(origin)) {
    res.setHeader('access-control-allow-methods', 'GET, POST');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, dpop');
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204).end();
  return true;
}

export async function startHostileProvider(options: HostileProviderOptions): Promise<HostileProvider> {
  const clientId = options.clientId ?? 'hostile-client';
  const keys = await makeKeys();
  const origins = new Set(options.redirectUris.map((uri) => new URL(uri).origin));
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, Grant>();
  const refreshTokens = new Map<string, Grant>();
  const requests: string[] = [];
  const issued: string[] = [];
  const remember = (secret: string) => (issued.push(secret), secret);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    if (cors(req, res, origins)) return;
    route(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: String((error as Error).message) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider: HostileProvider = {
    issuer,
    clientId,
    user: { ...USER },
    scenario: 'good',
    interactive: false,
    requests,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') return send(res, 200, discovery(issuer, provider.scenario));
    if (req.method === 'GET' && path === '/jwks') return send(res, 200, keys.jwks, { 'content-type': 'application/jwk-set+json' });
    if (req.method === 'GET' && path === '/authorize') return authorize(res, url.searchParams);
    if (req.method === 'POST' && path === '/token') return token(res, await readForm(req));
    if ((req.method === 'GET' || req.method === 'POST') && path === '/userinfo') return userinfo(req, res);
    if (req.method === 'GET' && path === '/session/end') return endSession(res, url.searchParams);
    return send(res, 404, { error: 'not_found' });
  }

  /** The authorization endpoint: no login page, straight back to the client (or a Continue link). */
  function authorize(res: ServerResponse, params: URLSearchParams) {
    const redirectUri = params.get('redirect_uri') ?? '';
    // Never an open redirector: an unknown client or redirect URI gets a page, not a redirect.
    if (params.get('client_id') !== clientId || !options.redirectUris.includes(redirectUri)) {
      return html(res, 400, 'Unknown client or redirect URI', '');
    }
    const back = new URL(redirectUri);
    const state = params.get('state');
    if (state !== null) back.searchParams.set('state', state);
    back.searchParams.set('iss', advertisedIssuer(issuer, provider.scenario));
    const fail = (error: string, description: string) => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      return redirect(res, back.href);
    };
    const challenge = params.get('code_challenge');
    if (params.get('response_type') !== 'code') return fail('unsupported_response_type', 'Only the code flow.');
    if (!challenge || params.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE S256 is required.');
    if (!(params.get('scope') ?? '').split(' ').includes('openid')) return fail('invalid_scope', 'openid is required.');
    // It keeps no session: a silent re-authorization always needs a login.
    if (params.get('prompt') === 'none') return fail('login_required', 'No session.');
    if (provider.scenario === 'access-denied') return fail('access_denied', HOSTILE_DESCRIPTION);
    const code = remember(random());
    grants.set(code, { scenario: provider.scenario, redirectUri, challenge, nonce: params.get('nonce'), used: false });
    back.searchParams.set('code', code);
    if (!provider.interactive) return redirect(res, back.href);
    return html(res, 200, 'Hostile provider', `<p><a id="continue" href="${escapeHtml(back.href)}">Continue</a></p>`);
  }

  async function token(res: ServerResponse, form: URLSearchParams) {
    const invalid = (description: string) => send(res, 400, { error: 'invalid_grant', error_description: description });
    if (form.get('client_id') !== clientId) return send(res, 401, { error: 'invalid_client' });
    let grant: Grant | undefined;
    if (form.get('grant_type') === 'authorization_code') {
      grant = grants.get(form.get('code') ?? '');
      if (!grant || grant.used) return invalid('Unknown or used code.');
      grant.used = true;
      if (form.get('redirect_uri') !== grant.redirectUri) return invalid('Wrong redirect_uri.');
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return invalid('Wrong PKCE verifier.');
    } else if (form.get('grant_type') === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      grant = refreshTokens.get(presented);
      if (!grant) return invalid('Unknown refresh token.');
      refreshTokens.delete(presented);
    } else {
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    const accessToken = remember(random());
    const refreshToken = remember(random());
    accessTokens.set(accessToken, grant);
    refreshTokens.set(refreshToken, grant);
    const idToken = remember(await signIdToken(keys, grant.scenario, idTokenClaims(issuer, clientId, grant)));
    send(res, 200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ID_TOKEN_TTL,
      refresh_token: refreshToken,
      id_token: idToken,
      scope: 'openid profile email',
    });
  }

  function userinfo(req: IncomingMessage, res: ServerResponse) {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const grant = accessTokens.get(bearer);
    if (!grant) return send(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    send(res, 200, { ...USER, sub: grant.scenario === 'userinfo-sub' ? 'mallory-1' : USER.sub });
  }

  function endSession(res: ServerResponse, params: URLSearchParams) {
    const back = params.get('post_logout_redirect_uri');
    if (back && options.redirectUris.some((uri) => new URL(uri).origin === new URL(back).origin)) return redirect(res, back);
    return html(res, 200, 'Signed out', '');
  }

  return provider;
}

/** A fixed PKCE challenge (RFC 7636's example) for requests whose code is never meant to be redeemed. */
export const SOME_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/**
 * An authorization request as a client would send it (code flow, PKCE S256, scope openid): `params`
 * adds to or replaces the defaults, and a null value leaves that parameter out (e.g. `{ state: null }`).
 */
export function authorizationUrl(provider: HostileProvider, redirectUri: string, params: Record<string, string | null> = {}): URL {
  const url = new URL(`${provider.issuer}/authorize`);
  const all: Record<string, string | null> = {
    client_id: provider.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    code_challenge: SOME_CHALLENGE,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [key, value] of Object.entries(all)) if (value !== null) url.searchParams.set(key, value);
  return url;
}

/** Sends an authorization request without following the redirect; returns the response and its Location. */
export async function authorize(url: URL): Promise<{ status: number; location: URL | null }> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location === null ? null : new URL(location) };
}
