// A real OpenID provider for the OIDC tests and the demo (server/demo-oidc.ts): panva's oidc-provider (OpenID
// Certified) on 127.0.0.1 and a free port, configured here. One public client (no client secret,
// PKCE S256 required), two accounts (alice, the demo's, and bob: another user for the tests where the
// provider's session changes hands), our own login and consent pages (real HTML forms that a
// browser or a cookie-keeping fetch can fill in), refresh tokens with rotation, RP-initiated logout,
// and a signing key generated at start. With `orgClaims`, both are in two organizations and the tokens
// say so the way PropelAuth, Auth0 and Keycloak do (see ORGS).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';

export interface TestProviderOptions {
  /** Exact redirect URIs of the public client. */
  redirectUris: string[];
  /** Exact post-logout redirect URIs of the client (default: none). */
  postLogoutRedirectUris?: string[];
  /** Client id (default `auth-elements-test`). */
  clientId?: string;
  /** Access-token lifetime in seconds (default 60: short so tests can see it expire). */
  accessTokenTtl?: number;
  /** ID-token signing algorithm of the generated key (default ES256). */
  signingAlg?: 'ES256' | 'RS256';
  /** Port to listen on, always on 127.0.0.1 (default 0: a free one). Rejects when it is taken. */
  port?: number;
  /**
   * Host name in the issuer URL (default `127.0.0.1`). `localhost` puts the provider on the same site
   * as a page served from `http://localhost:<another port>` (ports do not separate sites), so its
   * SameSite=Lax session cookie reaches a hidden iframe of that page: the demo's choice.
   */
  issuerHost?: 'localhost' | '127.0.0.1';
  /** An account page to advertise in discovery as `account_url` (non-standard, as some providers do). */
  accountUrl?: string;
  /**
   * Both accounts' organizations (ORGS) in the ID token, in every preset's claims at once: PropelAuth's
   * `org_id_to_org_member_info`; Auth0's `org_id`, `org_name` and namespaced roles (and orgs, as an
   * Action would add) for the org of the `organization` authorization parameter (default the first);
   * Keycloak's `organization` claim for the scope `organization` / `organization:*` (every org) or
   * `organization:<alias>` (that one), and `realm_access` / `resource_access` roles. An org they are not
   * in is refused with access_denied. `keycloak: 'object'` gives the claim's object form (alias -> {id}).
   */
  orgClaims?: { keycloak?: 'array' | 'object' };
}

/** Alice's (and bob's) organizations: Acme (owner) and Globex (member), with PropelAuth-style permissions. */
export const ORGS = [
  { id: 'org_acme', alias: 'acme', name: 'Acme Corp', role: 'Owner', permissions: ['reports:read', 'members:write', 'reports:write', 'billing:write'] },
  { id: 'org_globex', alias: 'globex', name: 'Globex', role: 'Member', permissions: ['reports:read'] },
] as const;
/** An org that exists but neither account is in: asking for it is refused. */
export const OTHER_ORG = { id: 'org_initech', alias: 'initech' } as const;
/** Auth0's namespaced claims (set by an Action): the active org's roles, and the user's orgs. */
export const AUTH0_ROLES_CLAIM = 'https://auth-elements.test/roles';
export const AUTH0_ORGS_CLAIM = 'https://auth-elements.test/orgs';
/** Keycloak's roles for alice (and bob): realm-wide and for the client; the highest ordered one is `admin`. */
export const KEYCLOAK_ROLES = { realm: ['offline_access', 'default-roles-test', 'member'], client: ['admin'] };

export interface TestAccount {
  username: string;
  password: string;
  claims: { sub: string; name: string; email: string; email_verified: boolean; preferred_username: string };
}

export interface TestProvider {
  /** The issuer, e.g. `http://127.0.0.1:41234` (no trailing slash); discovery is under it. */
  issuer: string;
  clientId: string;
  /** The demo account (alice): what the login page accepts and the claims it releases. */
  account: TestAccount;
  /** Another user (bob), in the same orgs as alice: for a provider session that changes hands. */
  otherAccount: TestAccount;
  /** Requests that reached the provider, in order (method and path, no query): for assertions. */
  requests: string[];
  /** The authorization requests' parameters, in order (with `orgClaims`): for assertions. */
  authorizations: URLSearchParams[];
  close(): Promise<void>;
}

const ALICE: TestAccount = {
  username: 'alice',
  password: 'correct horse battery staple',
  claims: {
    sub: 'a1b2c3d4-alice',
    name: 'Alice Example',
    email: 'alice@example.test',
    email_verified: true,
    preferred_username: 'alice',
  },
};

const BOB: TestAccount = {
  username: 'bob',
  password: 'bob keeps another long passphrase',
  claims: {
    sub: 'e5f6a7b8-bob',
    name: 'Bob Example',
    email: 'bob@example.test',
    email_verified: true,
    preferred_username: 'bob',
  },
};

const ACCOUNTS = [ALICE, BOB];

interface Stored {
  payload: Record<string, unknown>;
  expiresAt: number;
}

/**
 * A storage adapter per provider instance (oidc-provider's own memory adapter is one global store).
 * `consume` is atomic: the second consumption of a code or refresh token fails with invalid_grant and
 * revokes everything issued under that grant, so two concurrent uses of one token cannot both win
 * (oidc-provider reads `consumed` and consumes in two steps with awaits in between).
 */
function adapterFor(store: Map<string, Stored>) {
  const live = (key: string): Stored | undefined => {
    const entry = store.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry;
  };
  return class Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
      store.set(this.key(id), { payload: { ...payload }, expiresAt });
    }
    async find(id: string) {
      const entry = live(this.key(id));
      return entry ? { ...entry.payload } : undefined;
    }
    async findByUid(uid: string) {
      for (const [key, entry] of store) {
        if (key.startsWith(`${this.model}:`) && entry.payload.uid === uid && live(key)) return { ...entry.payload };
      }
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const entry = live(this.key(id));
      if (!entry) return;
      if (entry.payload.consumed) {
        if (typeof entry.payload.grantId === 'string') revokeGrant(store, entry.payload.grantId);
        throw new errors.InvalidGrant(`${this.model} already used`);
      }
      entry.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      revokeGrant(store, grantId);
    }
  };
}

/**
 * The grant and what was issued under it (codes, tokens); not a sign-in in progress that names it: when
 * another user signs in over a session, oidc-provider logs the first one out (revoking their grants) and
 * then resumes that interaction.
 */
function revokeGrant(store: Map<string, Stored>, grantId: string) {
  for (const [key, entry] of store) {
    if (key.startsWith('Interaction:')) continue;
    if (entry.payload.grantId === grantId || key === `Grant:${grantId}`) store.delete(key);
  }
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The provider's pages' look (the demo shows them in its popup): readable, light or dark, no script. */
const HEAD = '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><style>' +
  ':root{color-scheme:light dark;font:16px/1.5 system-ui,sans-serif}main{max-width:24rem;margin:3rem auto;padding:0 1rem}' +
  'h1{font-size:1.3rem}form{display:flex;flex-direction:column;gap:.75rem}label{display:flex;flex-direction:column;gap:.25rem}' +
  'input,button{font:inherit;padding:.45rem .6rem}button{cursor:pointer}[role=alert]{color:#c62828}</style>';

function page(res: ServerResponse, status: number, title: string, body: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head>${HEAD}<title>${escapeHtml(title)}</title></head>` +
    `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

function loginPage(res: ServerResponse, uid: string, error?: string) {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  page(res, error ? 401 : 200, 'Sign in to the test provider',
    (error ? `<p role="alert" id="error">${escapeHtml(error)}</p>` : '') +
    `<form method="post" action="${action}/login" id="login">` +
    '<label>Username <input name="username" id="username" autocomplete="username" required></label>' +
    '<label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>' +
    '<button type="submit" id="sign-in">Sign in</button>' +
    `<button type="submit" id="cancel" formaction="${action}/abort" formnovalidate>Cancel</button>` +
    '</form>');
}

function consentPage(res: ServerResponse, uid: string, clientId: string, scopes: string[]) {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  page(res, 200, 'Allow access',
    `<p>${escapeHtml(clientId)} asks for: ${escapeHtml(scopes.join(' '))}</p>` +
    `<form method="post" action="${action}/confirm" id="consent">` +
    '<button type="submit" id="allow">Allow</button>' +
    `<button type="submit" id="deny" formaction="${action}/abort">Deny</button>` +
    '</form>');
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string, action: string) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, 'Wrong interaction', '<p>This page belongs to another sign-in.</p>');
  if (req.method === 'GET' && action === '') {
    if (details.prompt.name === 'login') return loginPage(res, uid);
    const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    return consentPage(res, uid, String(details.params.client_id), missing);
  }
  if (req.method !== 'POST') return page(res, 405, 'Method not allowed', '');
  if (action === 'abort') {
    return provider.interactionFinished(req, res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false });
  }
  if (action === 'login') {
    const form = await readForm(req);
    const account = ACCOUNTS.find((a) => a.username === form.get('username') && a.password === form.get('password'));
    if (!account) return loginPage(res, uid, 'Wrong username or password.');
    return provider.interactionFinished(req, res, { login: { accountId: account.claims.sub } },
      { mergeWithLastSubmission: false });
  }
  if (action === 'confirm' && details.prompt.name === 'consent' && details.session) {
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined)
      ?? new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
    const d = details.prompt.details;
    if (Array.isArray(d.missingOIDCScope)) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (Array.isArray(d.missingOIDCClaims)) grant.addOIDCClaims(d.missingOIDCClaims as string[]);
    if (d.missingResourceScopes && typeof d.missingResourceScopes === 'object') {
      for (const [resource, scopes] of Object.entries(d.missingResourceScopes as Record<string, string[]>)) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return page(res, 400, 'Unexpected step', '<p>This sign-in step does not exist.</p>');
}

/**
 * The org claims for one token: Auth0's for `auth0Org` (the `organization` parameter of the authorization
 * the token comes from), Keycloak's for the granted `scope`, PropelAuth's always.
 */
function orgClaimsFor(auth0Org: string | undefined, scope: string, clientId: string, keycloakForm: 'array' | 'object'): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    org_id_to_org_member_info: Object.fromEntries(ORGS.map((o) => [o.id, {
      org_id: o.id, org_name: o.name, url_safe_org_name: o.alias, user_role: o.role,
      inherited_user_roles_plus_current_role: [o.role], user_permissions: [...o.permissions],
    }])),
    realm_access: { roles: KEYCLOAK_ROLES.realm },
    resource_access: { [clientId]: { roles: KEYCLOAK_ROLES.client }, account: { roles: ['owner'] } },
  };
  const active = ORGS.find((o) => o.id === auth0Org);
  if (active) {
    Object.assign(claims, {
      org_id: active.id,
      org_name: active.name,
      [AUTH0_ROLES_CLAIM]: [active.role.toLowerCase()],
      [AUTH0_ORGS_CLAIM]: ORGS.map((o) => ({ id: o.id, name: o.name })),
    });
  }
  const scopes = scope.split(' ');
  const asked = scopes.find((s) => s.startsWith('organization:') && s !== 'organization:*')?.slice('organization:'.length);
  const named = asked ? ORGS.filter((o) => o.alias === asked) : scopes.some((s) => s === 'organization' || s === 'organization:*') ? ORGS : [];
  if (named.length) {
    claims.organization = keycloakForm === 'object' ? Object.fromEntries(named.map((o) => [o.alias, { id: o.id }])) : named.map((o) => o.alias);
  }
  return claims;
}

/** The `organization` parameter (Auth0) and `organization:<alias>` scope (Keycloak): the accounts' orgs only. */
function checkOrgRequest(organization: unknown, scope: unknown): void {
  const alias = String(scope ?? '').split(' ').find((s) => s.startsWith('organization:') && s !== 'organization:*')?.slice('organization:'.length);
  if (organization !== undefined && !ORGS.some((o) => o.id === organization)) {
    throw new errors.AccessDenied('the user is not a member of this organization');
  }
  if (alias !== undefined && !ORGS.some((o) => o.alias === alias)) throw new errors.AccessDenied('the user is not a member of this organization');
}

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const clientId = options.clientId ?? 'auth-elements-test';
  const alg = options.signingAlg ?? 'ES256';
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg, use: 'sig' };

  const requests: string[] = [];
  const authorizations: URLSearchParams[] = [];
  /** Auth0's requested org per authorization, by its nonce (codes and refresh tokens carry the nonce). */
  const orgByNonce = new Map<string, string>();
  const orgs = options.orgClaims;
  const orgScopes = ['organization', 'organization:*', ...[...ORGS, OTHER_ORG].map((o) => `organization:${o.alias}`)];
  let provider: Provider | undefined;
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(`${req.method} ${path}`);
    if (orgs && path === '/auth') authorizations.push(new URL(req.url ?? '/', 'http://x').searchParams);
    const match = /^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/.exec(path);
    if (!provider || !handle) return page(res, 503, 'Starting', '');
    if (!match) return handle(req, res);
    interaction(provider, req, res, decodeURIComponent(match[1] ?? ''), match[2] ?? '').catch((error: unknown) => {
      // An expired or unknown interaction (no cookie, wrong uid) lands here: say so, never a stack.
      if (!res.headersSent) page(res, 400, 'Sign-in expired', `<p>${escapeHtml(String((error as Error).message))}</p>`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const issuer = `http://${options.issuerHost ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;

  provider = new Provider(issuer, {
    adapter: adapterFor(new Map()),
    clients: [{
      client_id: clientId,
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: options.redirectUris,
      post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
      id_token_signed_response_alg: alg,
    }],
    jwks: { keys: [jwk] },
    ...(options.accountUrl ? { discovery: { claim_types_supported: ['normal'], account_url: options.accountUrl } } : {}),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    claims: {
      openid: ['sub', ...(orgs ? ['org_id_to_org_member_info', 'org_id', 'org_name', AUTH0_ROLES_CLAIM, AUTH0_ORGS_CLAIM, 'realm_access', 'resource_access'] : [])],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      ...(orgs ? Object.fromEntries(orgScopes.map((scope) => [scope, ['organization']])) : {}),
    },
    // The org claims go into the ID token, as these providers put them (not only into UserInfo).
    ...(orgs ? {
      conformIdTokenClaims: false,
      extraParams: {
        organization(ctx: { oidc: { params: Record<string, unknown> } }, value: unknown) {
          const { nonce, scope } = ctx.oidc.params;
          checkOrgRequest(value, scope);
          if (typeof nonce === 'string') orgByNonce.set(nonce, typeof value === 'string' ? value : ORGS[0].id);
        },
      },
    } : {}),
    async findAccount(_ctx: unknown, sub: string, token?: { nonce?: string }) {
      const account = ACCOUNTS.find((a) => a.claims.sub === sub);
      if (!account) return undefined;
      const auth0Org = token?.nonce ? orgByNonce.get(token.nonce) : undefined;
      return {
        accountId: sub,
        claims: async (_use: string, scope: string) => ({
          ...account.claims,
          ...(orgs ? orgClaimsFor(auth0Org, scope, clientId, orgs.keycloak ?? 'array') : {}),
        }),
      };
    },
    interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: { body: string }, form: string) {
          ctx.body = `<!doctype html><html lang="en"><head>${HEAD}<title>Sign out</title></head><body><main>` +
            `<h1>Sign out of the test provider?</h1>${form}` +
            '<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout-confirm">Sign out</button>' +
            '<button type="submit" form="op.logoutForm" id="logout-cancel">Stay signed in</button></main></body></html>';
        },
      },
      revocation: { enabled: true },
    },
    // Refresh tokens for every code grant of a client allowed to refresh (no offline_access needed),
    // rotated on every use.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: options.accessTokenTtl ?? 60,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 24 * 3600,
    },
  });

  handle = provider.callback();

  return {
    issuer,
    clientId,
    account: { ...ALICE, claims: { ...ALICE.claims } },
    otherAccount: { ...BOB, claims: { ...BOB.claims } },
    requests,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
