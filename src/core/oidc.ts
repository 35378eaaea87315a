import { createRemoteJWKSet, customFetch as joseFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import * as oauth from 'oauth4webapi';
import type { AuthBackend, LoginInput, LoginRedirect, OperationContext, Session } from './backend.js';
import { AuthConfigError, AuthError, isAbortError } from './errors.js';
import { CLOCK_SKEW_SECONDS, getPath } from './jwt.js';
import { answerOpener, frameCallback, newState, openPopup, popupCallback } from './oidc-window.js';
import type { Mapping, OrgClaimMapping, OrgPreset, orgsFromClaims } from './org-claims.js';
import { makeUser, type AuthOrg } from './state.js';
import { browserStorage, readJson, safeRemove, writeJson, type KeyValueStorage, type PersistMode } from './storage.js';

/**
 * Options of the OIDC backend (`createBackend({ backend: 'oidc', ... })`, `<auth-provider backend="oidc">`).
 * The names follow Streamlit's `st.login` settings in camelCase; the snake_case ones are accepted too
 * (see {@link normalizeOidcOptions}).
 */
export interface OidcOptions {
  /** The issuer; discovery at `<issuer>/.well-known/openid-configuration`. */
  issuer?: string;
  /** The discovery document's URL (st.login's `server_metadata_url`). One of the two is required. */
  serverMetadataUrl?: string;
  /** The public client's id. A client secret is never accepted in a page. */
  clientId: string;
  /** Where the provider sends the browser back. Default: this page (origin + path). Same origin only. */
  redirectUri?: string;
  /** Default `openid profile email`; must contain `openid`. */
  scope?: string;
  /** Extra authorization request parameters (`prompt`, `login_hint`, `audience`, `resource`, …). */
  authorizationParams?: Record<string, string>;
  /** Where the provider's end-session endpoint sends the browser back after logout. */
  postLogoutRedirectUri?: string;
  /** `auto` (default): `popup` inside an iframe, else `redirect`. */
  display?: 'auto' | 'redirect' | 'popup';
  /**
   * `none` (default): tokens in memory only, a reload restores by silent re-authorization. `session` /
   * `local`: the refresh token is also kept in sessionStorage / localStorage (relaxes SECURITY.md 31).
   */
  persist?: PersistMode;
  /** The name on the "Continue with …" button. Default: the issuer's host. */
  providerName?: string;
  /** Seconds a popup waits for the user (a silent iframe: at most 10). Default 300. */
  popupTimeout?: number;
  /** Claim (dotted path) of the user's roles in the ID token or UserInfo. */
  rolesClaim?: string;
  /** Allowed ID token algorithms. Default: what discovery advertises among the asymmetric ones. */
  algorithms?: string[];
  /** Storage key prefix. Default `auth-elements`. */
  storageKey?: string;
  /** Per-request time limit in ms. Default 30000. */
  timeout?: number;
  fetch?: typeof fetch;
  /** How the page leaves for the provider (redirect display). Default `location.assign`. */
  navigate?: (url: string) => void;
  /**
   * Where the user's organizations are in the claims (ID token, then UserInfo): a preset's name or a
   * mapping. Unset: the session has no organizations. See {@link OrgClaimMapping}.
   */
  orgClaims?: OrgPreset | OrgClaimMapping;
  /** Claim (exact key or dotted path) of the roles the user holds in the token's organization: Auth0's namespaced roles claim, set by an Action. */
  orgRolesClaim?: string;
  /**
   * Organization roles, highest first (an array, or `<auth-provider org-roles>`'s space or comma
   * separated string), to pick the highest role found. Default owner, admin, member.
   */
  orgRoles?: readonly string[] | string;
}

/** Asymmetric algorithms only: never `none`, never HS* (a browser cannot keep a MAC key secret). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** The protocol's own parameters: `authorizationParams` may not override them. */
const RESERVED = ['response_type', 'client_id', 'redirect_uri', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'scope'];
/** Silent re-authorization answers that mean "not signed in there": the reload ends signed out, quietly. */
const QUIET = ['login_required', 'consent_required', 'interaction_required', 'account_selection_required'];

/** What a redirect login keeps for the callback, in this tab's sessionStorage; single-use. */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  returnTo?: string;
  /** The organization asked for (selectOrg, or the remembered one): remembered once granted. */
  org?: string;
}

/** What `persist: session | local` keeps: the refresh token and whose it is. */
interface Stored {
  refresh: string;
  sub: string;
}

type Json = Record<string, unknown>;

/**
 * Streamlit-style settings to our options: snake_case (and kebab-case) keys read as camelCase,
 * `client_kwargs` ({scope, prompt, …}) as `scope` and `authorizationParams`.
 * A client or cookie secret is refused: a page cannot keep it.
 */
export function normalizeOidcOptions(input: Json): OidcOptions {
  if (Object.keys(input).some((key) => /secret/i.test(key))) {
    throw new AuthConfigError('invalid_option', 'Never put a client secret in a page: the OIDC backend is a public client (PKCE).');
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) out[key.replace(/[-_](.)/g, (_, c: string) => c.toUpperCase())] = value;
  // <auth-provider scope="…"> (its `scope` property name is taken by the elements' translations).
  out.scope ??= out.oidcScope;
  const kwargs = out.clientKwargs;
  if (kwargs && typeof kwargs === 'object') {
    const { scope, ...rest } = kwargs as Record<string, string>;
    if (scope !== undefined) out.scope ??= scope;
    out.authorizationParams = { ...rest, ...(out.authorizationParams as object) };
  }
  return out as unknown as OidcOptions;
}

/** `http:` is for loopback hosts only (a local test provider); everything else must be `https:`. */
function checkUrl(value: unknown, name: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new AuthConfigError('invalid_option', `\`${name}\` is not a valid URL.`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AuthConfigError('invalid_option', `\`${name}\` must be https (http only on localhost / 127.0.0.1 / [::1]).`);
  }
  return url;
}

/**
 * An OpenID Connect provider through the authorization code flow with PKCE, as a public client.
 *
 * Every protocol step is oauth4webapi's (discovery with the exact-issuer check, PKCE, the
 * authorization response, the code and refresh grants, UserInfo with the expected subject,
 * revocation): certified protocol code, not ours. The ID token is verified once more with jose
 * against the issuer's JWKS (algorithm allowlist, exact `iss`, `aud`, `azp`, `exp`, `iat`, `sub`,
 * `nonce`), even though it came straight from the token endpoint: a page should not take a
 * signature on trust.
 *
 * Tokens stay in memory. The ID token's claims, merged with UserInfo, make the user; `response()`
 * returns the ID token's claims, never a token.
 */
export class OidcBackend implements AuthBackend {
  readonly kind = 'oidc';
  readonly providerName: string;
  readonly display: 'redirect' | 'popup';
  readonly #o: OidcOptions & { scope: string; redirectUri: string; timeout: number; storageKey: string; popupTimeout: number };
  readonly #issuer: URL;
  readonly #metadataUrl: URL;
  readonly #fetch: typeof fetch;
  readonly #persist: PersistMode;
  readonly #client: oauth.Client;
  #as: Promise<oauth.AuthorizationServer> | null = null;
  #keys: JWTVerifyGetKey | null = null;
  #accountUrl: string | null = null;
  #access: string | null = null;
  #refresh: string | null = null;
  #idToken: string | null = null;
  #claims: Json | null = null;
  /** The org mapping and its reader (their chunk loads now, with `orgClaims`), or the configuration error. */
  readonly #orgMap: Promise<{ map: Mapping; read: typeof orgsFromClaims } | null | AuthError>;
  /** The orgs known in this page (a re-authorizing preset's token names only some: earlier ones are kept). */
  #orgs = new Map<string, AuthOrg>();
  /** The session's active org id (re-authorizing presets); the one asked for is remembered apart (`#wanted`). */
  #org: string | null = null;
  /** A remembered org the provider would not grant silently here: not asked again by every refresh. */
  #declined: string | null = null;
  /** Bumped by forget(): an answer to a request sent before it must not bring the session back. */
  #generation = 0;

  constructor(input: OidcOptions) {
    if (!input || typeof input !== 'object') throw new AuthConfigError('invalid_option', 'OidcBackend needs an options object.');
    const options = normalizeOidcOptions(input as unknown as Json);
    if (typeof options.clientId !== 'string' || options.clientId === '') {
      throw new AuthConfigError('invalid_option', 'OidcBackend needs a `clientId`.');
    }
    if (!options.issuer && !options.serverMetadataUrl) {
      throw new AuthConfigError('invalid_option', 'OidcBackend needs an `issuer` or a `serverMetadataUrl`.');
    }
    this.#metadataUrl = options.serverMetadataUrl
      ? checkUrl(options.serverMetadataUrl, 'serverMetadataUrl')
      : new URL(`${String(options.issuer).replace(/\/$/, '')}/.well-known/openid-configuration`);
    const issuer = options.issuer ?? this.#metadataUrl.href.split('/.well-known/')[0]!;
    this.#issuer = checkUrl(issuer, 'issuer');
    const scope = options.scope ?? 'openid profile email';
    if (!scope.split(/\s+/).includes('openid')) throw new AuthConfigError('invalid_option', '`scope` must contain `openid`.');
    const here = globalThis.location ? `${location.origin}${location.pathname}` : '';
    const redirectUri = options.redirectUri ? new URL(options.redirectUri, here || undefined).href : here;
    if (globalThis.location && new URL(redirectUri).origin !== location.origin) {
      throw new AuthConfigError('invalid_option', '`redirectUri` must be on this page\'s origin (the callback posts to it).');
    }
    for (const key of Object.keys(options.authorizationParams ?? {})) {
      if (RESERVED.includes(key)) throw new AuthConfigError('invalid_option', `\`authorizationParams\` may not set \`${key}\`.`);
    }
    const persist = options.persist ?? 'none';
    if (!['none', 'session', 'local'].includes(persist)) throw new AuthConfigError('invalid_option', '`persist` must be none, session or local.');
    const display = options.display ?? 'auto';
    if (!['auto', 'redirect', 'popup'].includes(display)) throw new AuthConfigError('invalid_option', '`display` must be auto, redirect or popup.');
    const popupTimeout = Number(options.popupTimeout ?? 300);
    if (!(popupTimeout > 0)) throw new AuthConfigError('invalid_option', '`popupTimeout` must be a positive number of seconds.');
    this.#orgMap = options.orgClaims === undefined ? Promise.resolve(null) : import('./org-claims.js')
      .then((m) => ({ map: m.orgMapping(options)!, read: m.orgsFromClaims }))
      .catch(misconfigured);
    this.#o = { timeout: 30_000, storageKey: 'auth-elements', ...options, scope, redirectUri, popupTimeout };
    this.#persist = persist;
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#client = { client_id: options.clientId };
    this.providerName = options.providerName || this.#issuer.host;
    this.display = display === 'auto' ? (globalThis.window && window.top !== window ? 'popup' : 'redirect') : display;
    const orgs = options.orgClaims as { preset?: string; param?: string; scope?: string } | string | undefined;
    if (orgs) this.listOrgs = async () => [...this.#orgs.values()];
    // Only where the provider has an organization parameter: else the client selects among `orgs` itself.
    const { preset, param, scope: prefix } = typeof orgs === 'object' ? orgs : { preset: orgs };
    if (param || prefix || preset === 'auth0' || preset === 'keycloak') {
      this.selectOrg = (orgId, ctx) => {
        // A space would smuggle scopes into Keycloak's `organization:<alias>`.
        if (!orgId || /\s/.test(orgId)) return Promise.reject(new AuthError('invalid_input', 'Not an organization id.'));
        return this.login({ returnTo: globalThis.location?.href }, ctx, orgId);
      };
    }
  }

  /** The organizations the claims named (present with `orgClaims`). */
  declare listOrgs?: (ctx: OperationContext) => Promise<readonly AuthOrg[]>;
  /** Re-authorize for another organization (present when the preset has an organization parameter). */
  declare selectOrg?: (orgId: string, ctx: OperationContext) => Promise<Session | LoginRedirect>;

  /**
   * Set when this page is a popup's or an iframe's callback and has posted it (see `adopt`):
   * `restore()` then resolves null without looking further.
   */
  answered = false;

  /** The provider's account page, when its discovery document advertises one (`account_url`). */
  get accountUrl(): string | null {
    return this.#accountUrl;
  }

  async restore(ctx: OperationContext): Promise<Session | null> {
    // A popup's or an iframe's callback page: hand the callback to the window that waits for it.
    if (this.answered || answerOpener()) return null;
    await this.#mapping(); // a malformed `orgClaims` shows at once, like the other options
    const callback = this.#callbackParams();
    if (callback) return this.#redirectCallback(callback, ctx);
    const stored = this.#readStored();
    if (stored) {
      try {
        return await this.#refreshWith(stored.refresh, stored.sub, ctx);
      } catch (err) {
        if (!isAuthError(err, ['provider_error', 'token_invalid', 'token_expired', 'invalid_response'])) throw err;
        this.forget();
        return null;
      }
    }
    // A new tab where an org was chosen (the remembered id is removed at logout) restores too, on it.
    const org = this.#wanted();
    if (this.#persist === 'none' && (this.#hint() || org)) {
      return this.#silent(ctx, org).catch((err: unknown) => {
        const error = toOidcError(err);
        // The remembered org may be what failed (no longer a member): the next time, the provider's default.
        safeRemove(browserStorage('local'), this.#key('org'));
        if (error.code === 'timeout' || (error.code === 'provider_error' && QUIET.includes(error.error ?? ''))) {
          this.forget();
          return null;
        }
        throw error;
      });
    }
    return null;
  }

  /** Sign in; `org` (selectOrg) asks the provider for that organization. */
  login(input: LoginInput, ctx: OperationContext, org: string | null = null): Promise<Session | LoginRedirect> {
    if ((input.display ?? this.display) === 'popup') {
      // Before any await: browsers allow a popup only in the click's task.
      const win = openPopup();
      return this.#popupLogin(win, ctx, org).finally(() => win.close());
    }
    return this.#redirectLogin(input, ctx, org);
  }

  /**
   * Renew the tokens. When another tab chose an organization (remembered in localStorage) that this
   * session is not on, a refresh would keep the grant's org: re-authorize silently for it instead; if
   * the provider will not (it wants the user), keep this session and its org.
   */
  async refresh(ctx: OperationContext): Promise<Session> {
    const org = this.#wanted();
    if (org && org !== this.#org && org !== this.#declined) {
      const sub = this.#claims?.sub;
      let session: Session | null = null;
      try {
        session = await this.#silent(ctx, org);
      } catch {
        this.#declined = org;
        console.info('[auth-elements] the organization chosen in another tab needs a sign-in here: this tab keeps its own.');
      }
      if (session) {
        // The provider's session may now be another user's: never switch users in a refresh.
        if (this.#claims?.sub !== sub) {
          this.forget();
          throw new AuthError('session_expired', 'The identity provider is signed in as someone else; please log in again.');
        }
        if (this.#org !== org) this.#declined = org; // the provider answered another org: not again
        return session;
      }
    }
    // With `persist: local` another tab may have rotated the token (it refreshes under the same lock).
    const stored = this.#persist === 'local' ? this.#readStored() : null;
    const refresh = stored?.refresh ?? this.#refresh;
    const sub = this.#claims?.sub;
    if (!refresh || typeof sub !== 'string') throw new AuthError('session_expired', 'There is no refresh token; please log in again.');
    return this.#refreshWith(refresh, sub, ctx);
  }

  async logout(ctx: OperationContext): Promise<void> {
    const { end, popup } = this.#endSessionStart();
    const refresh = this.#refresh;
    this.forget();
    let failure: unknown = null;
    if (refresh) {
      try {
        const as = await this.#discover(ctx);
        if (as.revocation_endpoint) {
          await oauth.processRevocationResponse(
            await oauth.revocationRequest(as, this.#client, oauth.None(), refresh, { ...this.#http(ctx), additionalParameters: { token_type_hint: 'refresh_token' } }),
          );
        }
      } catch (err) {
        failure = err;
      }
    }
    try {
      const url = await end(ctx);
      if (url && popup) watchLogoutPopup(popup, url, this.#o.postLogoutRedirectUri, this.#o.popupTimeout * 1000);
      else if (url) this.#navigate(url);
      else popup?.close();
    } catch (err) {
      popup?.close();
      failure ??= err;
    }
    if (failure) throw toOidcError(failure);
  }

  forget(): void {
    this.#generation++;
    this.#access = this.#refresh = this.#idToken = this.#claims = this.#org = this.#declined = null;
    this.#orgs = new Map();
    const session = browserStorage('session');
    safeRemove(session, this.#key('signed-in'));
    safeRemove(browserStorage('local'), this.#key('org'));
    safeRemove(this.#store(), this.#key('refresh'));
  }

  accessToken(): string | null {
    return this.#access;
  }

  /** The ID token's claims (with UserInfo's), never a token. */
  response(): Readonly<Record<string, unknown>> | null {
    return this.#claims ? Object.freeze({ ...this.#claims }) : null;
  }

  // ---------------------------------------------------------------------------------------------

  async #redirectLogin(input: LoginInput, ctx: OperationContext, org: string | null): Promise<LoginRedirect> {
    const pending = this.#newPending('r', input.returnTo);
    const url = await this.#authorizationUrl(pending, ctx, {}, org);
    writeJson(browserStorage('session'), this.#key('pending'), pending);
    this.#navigate(url);
    return { kind: 'redirect' };
  }

  async #popupLogin(win: Window, ctx: OperationContext, org: string | null): Promise<Session> {
    const pending = this.#newPending('p');
    const url = await this.#authorizationUrl(pending, ctx, {}, org);
    const params = await popupCallback(win, url, pending.state, { timeoutMs: this.#o.popupTimeout * 1000, signal: ctx.signal });
    return this.#exchange(params, pending, ctx);
  }

  /** Silent re-authorization (`prompt=none`) in a hidden iframe, for `org` (null: the provider's default). */
  async #silent(ctx: OperationContext, org: string | null): Promise<Session> {
    const pending = this.#newPending('f');
    const url = await this.#authorizationUrl(pending, ctx, { prompt: 'none' }, org);
    const params = await frameCallback(url, pending.state, { timeoutMs: Math.min(this.#o.popupTimeout, 10) * 1000, signal: ctx.signal });
    return this.#exchange(params, pending, ctx);
  }

  async #redirectCallback(params: URLSearchParams, ctx: OperationContext): Promise<Session> {
    const storage = browserStorage('session');
    const pending = readJson(storage, this.#key('pending')) as Pending | null;
    // Single-use, whatever happens next; and the address bar forgets the callback.
    safeRemove(storage, this.#key('pending'));
    cleanAddressBar();
    const state = params.get('state');
    if (!pending || typeof pending.state !== 'string' || !state || state !== pending.state) {
      throw new AuthError('state_mismatch', 'The sign-in response does not belong to a sign-in started in this tab.');
    }
    const session = await this.#exchange(params, pending, ctx);
    if (pending.returnTo) {
      const to = new URL(pending.returnTo, location.href);
      if (to.origin === location.origin) history.replaceState(history.state, '', to.href);
    }
    return session;
  }

  /** The callback's parameters when this page is the redirect URI with `code` or `error` in its URL. */
  #callbackParams(): URLSearchParams | null {
    if (!globalThis.location) return null;
    const url = new URL(location.href);
    const target = new URL(this.#o.redirectUri);
    if (url.origin !== target.origin || url.pathname !== target.pathname) return null;
    return url.searchParams.has('code') || url.searchParams.has('error') ? url.searchParams : null;
  }

  #newPending(flow: 'r' | 'p' | 'f', returnTo?: string): Pending {
    const pending: Pending = { state: newState(flow), nonce: oauth.generateRandomNonce(), verifier: oauth.generateRandomCodeVerifier() };
    if (returnTo) pending.returnTo = returnTo;
    return pending;
  }

  async #authorizationUrl(pending: Pending, ctx: OperationContext, extra: Record<string, string> = {}, org: string | null = null): Promise<string> {
    const as = await this.#discover(ctx);
    if (!as.authorization_endpoint) throw new AuthError('invalid_response', 'The provider advertises no authorization endpoint.');
    const url = new URL(as.authorization_endpoint);
    const { param, scope: prefix } = (await this.#mapping())?.map ?? {};
    let scope = this.#o.scope;
    // The organization: Auth0's parameter, or Keycloak's `organization:<alias>` in place of `organization` / `organization:*`.
    if (org) pending.org = org;
    if (org && param) extra = { ...extra, [param]: org };
    if (org && prefix) scope = [...scope.split(/\s+/).filter((s) => s !== prefix && !s.startsWith(`${prefix}:`)), `${prefix}:${org}`].join(' ');
    const params = {
      ...this.#o.authorizationParams,
      ...extra,
      response_type: 'code',
      client_id: this.#o.clientId,
      redirect_uri: this.#o.redirectUri,
      scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    };
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
    return url.href;
  }

  /** The callback to a session: authorization response, code grant, ID token, UserInfo. */
  async #exchange(params: URLSearchParams, pending: Pending, ctx: OperationContext): Promise<Session> {
    const since = this.#generation;
    try {
      const as = await this.#discover(ctx);
      const checked = oauth.validateAuthResponse(as, this.#client, params, pending.state);
      const response = await oauth.authorizationCodeGrantRequest(as, this.#client, oauth.None(), checked, this.#o.redirectUri, pending.verifier, this.#http(ctx));
      const result = await idTokenStep(oauth.processAuthorizationCodeResponse(as, this.#client, response, { expectedNonce: pending.nonce, requireIdToken: true }));
      const claims = await this.#verifyIdToken(as, result.id_token!, ctx, pending.nonce);
      const session = await this.#accept(as, result, claims, null, ctx, since);
      // Granted (the token names it): every tab's next refresh, and a new tab, ask for it too (an org id, not a secret).
      if (pending.org && pending.org === this.#org) writeJson(browserStorage('local'), this.#key('org'), pending.org);
      return session;
    } catch (err) {
      throw toOidcError(err);
    }
  }

  async #refreshWith(refresh: string, sub: string, ctx: OperationContext): Promise<Session> {
    const since = this.#generation;
    try {
      const as = await this.#discover(ctx);
      const response = await oauth.refreshTokenGrantRequest(as, this.#client, oauth.None(), refresh, this.#http(ctx));
      const result = await idTokenStep(oauth.processRefreshTokenResponse(as, this.#client, response));
      let claims: Json = { ...this.#claims, sub };
      if (result.id_token) {
        claims = await this.#verifyIdToken(as, result.id_token, ctx, null);
        if (claims.sub !== sub) throw new AuthError('token_invalid', 'The renewed ID token names another user.', { description: 'The refreshed ID token\'s "sub" differs.' });
      }
      // Rotation: keep the newest refresh token; a provider that does not rotate sends none.
      return await this.#accept(as, { ...result, refresh_token: result.refresh_token ?? refresh }, claims, result.id_token ? null : this.#idToken, ctx, since);
    } catch (err) {
      const error = toOidcError(err);
      if (error.code === 'provider_error') throw new AuthError('session_expired', 'Your session has ended. Please log in again.', { cause: error, ...(error.error ? { error: error.error } : {}) });
      throw error;
    }
  }

  /** UserInfo (its `sub` must be the ID token's), then the session; the tokens kept in memory. */
  async #accept(as: oauth.AuthorizationServer, result: oauth.TokenEndpointResponse, idClaims: Json, idToken: string | null, ctx: OperationContext, since: number): Promise<Session> {
    const sub = String(idClaims.sub);
    let info: Json = {};
    if (as.userinfo_endpoint) {
      const response = await oauth.userInfoRequest(as, this.#client, result.access_token, this.#http(ctx));
      info = (await oauth.processUserInfoResponse(as, this.#client, sub, response)) as Json;
    }
    const reader = await this.#mapping();
    if (ctx.signal.aborted || since !== this.#generation) throw new AuthError('aborted', 'The operation was cancelled.');
    const { nonce: _n, at_hash: _a, c_hash: _c, ...kept } = idClaims;
    const claims: Json = { ...info, ...kept, sub };
    this.#access = result.access_token;
    this.#refresh = result.refresh_token ?? null;
    this.#idToken = result.id_token ?? idToken;
    // Another user: none of the orgs known so far are theirs.
    if (this.#claims?.sub !== sub) this.#orgs = new Map();
    this.#claims = claims;
    this.#remember(sub);
    const now = ctx.now();
    const expiresAt = typeof result.expires_in === 'number' ? now + result.expires_in * 1000 : typeof idClaims.exp === 'number' ? idClaims.exp * 1000 : null;
    const str = (key: string) => (typeof claims[key] === 'string' ? (claims[key] as string) : undefined);
    const roles = this.#o.rolesClaim ? getPath(claims, this.#o.rolesClaim) : undefined;
    return {
      ...this.#orgsOf(claims, reader),
      user: makeUser({
        id: sub,
        username: str('preferred_username'),
        name: str('name'),
        email: str('email'),
        roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [],
        claims,
      }),
      expiresAt,
      issuedAt: now,
      refreshable: !!this.#refresh,
    };
  }

  /**
   * The session's organizations from the claims (`orgClaims`). A re-authorizing preset's token names
   * only some (Auth0: the active one): the ones named earlier in this page stay listed, with what this
   * token says about them on top.
   */
  #orgsOf(claims: Json, reader: { map: Mapping; read: typeof orgsFromClaims } | null): { orgs?: readonly AuthOrg[]; org?: AuthOrg | null } {
    if (!reader) return {};
    const { orgs, org } = reader.read(claims, reader.map, this.#o.orgRoles);
    const reauthorizes = !!(reader.map.param || reader.map.scope);
    const known = reauthorizes ? this.#orgs : new Map<string, AuthOrg>();
    for (const o of orgs) known.set(o.id, Object.freeze({ ...known.get(o.id), ...o }));
    this.#orgs = known;
    if (reauthorizes) this.#org = org?.id ?? null;
    return { orgs: [...known.values()], org: org ? known.get(org.id)! : null };
  }

  /** The org mapping (null without `orgClaims`); its configuration error, thrown. */
  async #mapping(): Promise<{ map: Mapping; read: typeof orgsFromClaims } | null> {
    const reader = await this.#orgMap;
    if (reader instanceof AuthError) throw reader;
    return reader;
  }

  /** jose's check of the ID token against the issuer's keys; failures say which claim. */
  async #verifyIdToken(as: oauth.AuthorizationServer, token: string, ctx: OperationContext, nonce: string | null): Promise<Json> {
    if (!as.jwks_uri) throw new AuthError('invalid_response', 'The provider advertises no jwks_uri.');
    this.#keys ??= createRemoteJWKSet(new URL(as.jwks_uri), {
      cooldownDuration: 30_000,
      [joseFetch]: (url: string, init: RequestInit) => this.#fetch(url, { ...init, signal: ctx.signal }),
    });
    const advertised = as.id_token_signing_alg_values_supported ?? ['RS256'];
    const algorithms = (this.#o.algorithms ?? advertised).filter((alg) => ALGORITHMS.includes(alg));
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        issuer: as.issuer,
        audience: this.#o.clientId,
        algorithms,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(ctx.now()),
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (err) {
      throw joseError(err);
    }
    const claim = (name: string, message: string) => new AuthError('token_invalid', message, { description: `The ID token's "${name}" claim is not the expected value.` });
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== this.#o.clientId) throw claim('azp', 'The ID token is meant for another client.');
    if (payload.azp !== undefined && payload.azp !== this.#o.clientId) throw claim('azp', 'The ID token is meant for another client.');
    if (nonce !== null && payload.nonce !== nonce) throw claim('nonce', 'The ID token does not answer this sign-in.');
    if (typeof payload.sub !== 'string' || payload.sub === '') throw claim('sub', 'The ID token names no user.');
    return payload as Json;
  }

  /** Discovery, once (a failed one is tried again next time); the issuer must be the configured one exactly. */
  #discover(ctx: OperationContext): Promise<oauth.AuthorizationServer> {
    this.#as ??= (async () => {
      const response = await this.#fetch(this.#metadataUrl.href, { headers: { accept: 'application/json' }, signal: this.#signal(ctx), redirect: 'error', cache: 'no-store' });
      const as = await oauth.processDiscoveryResponse(this.#issuer, response);
      // oauth4webapi compares normalised URLs (`https://id.example` = `https://id.example/`); exactly, here.
      if (as.issuer !== (this.#o.issuer ?? this.#metadataUrl.href.split('/.well-known/')[0])) {
        throw new AuthError('invalid_response', 'The discovery document names another issuer.', { description: 'The discovery "issuer" is not the configured issuer (exact match required).' });
      }
      for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'revocation_endpoint', 'end_session_endpoint'] as const) {
        if (typeof as[key] === 'string') checkUrl(as[key], key);
      }
      const account = (as as Json).account_url;
      if (typeof account === 'string') this.#accountUrl = checkUrl(account, 'account_url').href;
      return as;
    })().catch((err: unknown) => {
      this.#as = null;
      throw err instanceof AuthConfigError ? new AuthError('invalid_response', err.message, { cause: err }) : toOidcError(err);
    });
    return this.#as;
  }

  /** oauth4webapi's request options: our fetch, the time limit, http only on loopback (checked above). */
  #http(ctx: OperationContext): oauth.TokenEndpointRequestOptions & oauth.UserInfoRequestOptions {
    return { signal: this.#signal(ctx), [oauth.customFetch]: this.#fetch as never, [oauth.allowInsecureRequests]: this.#issuer.protocol === 'http:' };
  }

  #signal(ctx: OperationContext): AbortSignal {
    return AbortSignal.any([ctx.signal, AbortSignal.timeout(this.#o.timeout)]);
  }

  /**
   * What logout needs before any await: the end-session URL's builder, and a popup opened now (popup
   * display with an end-session endpoint only known after discovery, so it is opened whenever the
   * display is popup and the session has an ID token).
   */
  #endSessionStart(): { end: (ctx: OperationContext) => Promise<string | null>; popup: Window | null } {
    const idToken = this.#idToken;
    let popup: Window | null = null;
    if (this.display === 'popup' && idToken) {
      try {
        popup = openPopup();
      } catch {
        popup = null; // blocked: the local logout still happens; the provider session lives on
      }
    }
    const end = async (ctx: OperationContext) => {
      if (!idToken) return null;
      const as = await this.#discover(ctx);
      if (!as.end_session_endpoint) return null;
      const url = new URL(as.end_session_endpoint);
      url.searchParams.set('id_token_hint', idToken);
      url.searchParams.set('client_id', this.#o.clientId);
      if (this.#o.postLogoutRedirectUri) url.searchParams.set('post_logout_redirect_uri', this.#o.postLogoutRedirectUri);
      return url.href;
    };
    return { end, popup };
  }

  #navigate(url: string): void {
    (this.#o.navigate ?? ((to: string) => location.assign(to)))(url);
  }

  #key(name: string): string {
    return `${this.#o.storageKey}:oidc:${name}`;
  }

  #store(): KeyValueStorage | null {
    return browserStorage(this.#persist);
  }

  /** The non-secret "this tab was signed in" hint (persist none), or the refresh token (session/local). */
  #remember(sub: string): void {
    if (this.#persist === 'none') {
      try {
        browserStorage('session')?.setItem(this.#key('signed-in'), '1');
      } catch {
        // a blocked storage: a reload shows the form
      }
    } else if (this.#refresh) writeJson(this.#store(), this.#key('refresh'), { refresh: this.#refresh, sub } satisfies Stored);
  }

  /** The org last granted for this user in any tab (localStorage; removed at logout), or null. */
  #wanted(): string | null {
    const org = readJson(browserStorage('local'), this.#key('org'));
    return typeof org === 'string' ? org : null;
  }

  #hint(): boolean {
    try {
      return browserStorage('session')?.getItem(this.#key('signed-in')) === '1';
    } catch {
      return false;
    }
  }

  #readStored(): Stored | null {
    if (this.#persist === 'none') return null;
    const value = readJson(this.#store(), this.#key('refresh')) as Partial<Stored> | null;
    return typeof value?.refresh === 'string' && typeof value.sub === 'string' ? (value as Stored) : null;
  }
}

/**
 * Make `lazy` (createBackend's stand-in, see config.ts) the real backend: its methods and
 * `accountUrl` from now on are an OidcBackend's, called straight through.
 */
export function adopt(lazy: Record<string, unknown>, options: OidcOptions): OidcBackend {
  let real: OidcBackend;
  try {
    real = new OidcBackend(options);
  } catch (err) {
    throw misconfigured(err);
  }
  for (const name of ['restore', 'login', 'logout', 'refresh', 'forget', 'accessToken', 'response', 'listOrgs', 'selectOrg'] as const) {
    // listOrgs and selectOrg only where the options give them (the client checks selectOrg's presence).
    if (real[name]) lazy[name] = real[name].bind(real);
  }
  Object.defineProperty(lazy, 'accountUrl', { get: () => real.accountUrl });
  lazy.display = real.display;
  lazy.providerName = real.providerName;
  real.answered = answerOpener();
  return real;
}

/** Too late to throw at the provider (it is built): say it in the console and in the state. */
function misconfigured(err: unknown): AuthError {
  const message = (err as Error).message;
  console.warn(`[auth-elements] auth-provider: ${message}`);
  return new AuthError('unsupported', 'The sign-in is not configured correctly.', { cause: err, description: message });
}

/** Remove the callback's parameters from the address bar (also after a failure). */
function cleanAddressBar(): void {
  const url = new URL(location.href);
  for (const key of ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state']) url.searchParams.delete(key);
  history.replaceState(history.state, '', url.href);
}

/**
 * The logout popup: sent to the end-session URL, closed when it comes back to our origin (the
 * post-logout redirect URI) or after `timeoutMs`; the user may close it any time.
 */
function watchLogoutPopup(popup: Window, url: string, back: string | undefined, timeoutMs: number): void {
  popup.location.href = url;
  const until = Date.now() + timeoutMs;
  const timer = setInterval(() => {
    let home = false;
    try {
      home = !!back && popup.location.origin === location.origin && popup.location.href !== 'about:blank';
    } catch {
      // still on the provider's origin
    }
    if (popup.closed || home || Date.now() > until) {
      clearInterval(timer);
      popup.close();
    }
  }, 250);
}

/**
 * oauth4webapi's token response check also checks the ID token's claims (iss, aud, exp, iat, nonce,
 * azp) and refuses `alg: none`: what it refuses there is a bad token (`token_invalid`, or
 * `token_expired` for a time claim), not a bad response.
 */
async function idTokenStep<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    if (!(err instanceof oauth.OperationProcessingError || err instanceof oauth.UnsupportedOperationError)) throw err;
    if (err instanceof oauth.OperationProcessingError && err.code === oauth.RESPONSE_IS_NOT_JSON) throw err;
    const expired = err instanceof oauth.OperationProcessingError && err.code === oauth.JWT_TIMESTAMP_CHECK;
    throw new AuthError(expired ? 'token_expired' : 'token_invalid', 'The ID token is not valid.', { cause: err, description: describe(err) });
  }
}

function isAuthError(err: unknown, codes: string[]): boolean {
  return err instanceof AuthError && codes.includes(err.code);
}

/** jose's verdict as an AuthError whose description says which claim or header failed. */
function joseError(err: unknown): AuthError {
  if (err instanceof errors.JWTExpired) return new AuthError('token_expired', 'The ID token has expired.', { cause: err, description: 'The ID token\'s "exp" claim is in the past.' });
  if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && !(err instanceof errors.JOSEError))) {
    return new AuthError('network_error', 'The provider\'s signing keys could not be fetched.', { cause: err });
  }
  let description = 'The ID token\'s signature is not valid for the provider\'s keys.';
  if (err instanceof errors.JWTClaimValidationFailed) {
    description = err.reason === 'missing' ? `The ID token has no "${err.claim}" claim.` : `The ID token's "${err.claim}" claim is not the expected value.`;
  } else if (err instanceof errors.JOSEAlgNotAllowed) description = 'The ID token\'s "alg" is not allowed (none and HS* never are).';
  else if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) description = 'The ID token is not a valid signed JWT.';
  return new AuthError('token_invalid', 'The ID token is not valid.', { cause: err, description });
}

/** Anything oauth4webapi, fetch or the window plumbing threw, as an AuthError with a stable code. */
export function toOidcError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof oauth.AuthorizationResponseError || err instanceof oauth.ResponseBodyError) {
    const options: { cause: unknown; error: string; description?: string; status?: number } = { cause: err, error: err.error };
    if (err.error_description) options.description = err.error_description.slice(0, 500);
    if (err instanceof oauth.ResponseBodyError) options.status = err.status;
    return new AuthError('provider_error', 'The identity provider refused the sign-in.', options);
  }
  if (isAbortError(err)) {
    const timeout = (err as { name?: string }).name === 'TimeoutError';
    return timeout ? new AuthError('timeout', 'The provider took too long to answer.', { cause: err }) : new AuthError('aborted', 'The operation was cancelled.', { cause: err });
  }
  if (err instanceof oauth.OperationProcessingError) {
    const code = err.code ?? '';
    if (code === oauth.JWT_TIMESTAMP_CHECK) return new AuthError('token_expired', 'The ID token has expired.', { cause: err, description: describe(err) });
    if (code === oauth.JWT_CLAIM_COMPARISON || code === oauth.JSON_ATTRIBUTE_COMPARISON) {
      return new AuthError('token_invalid', 'The provider\'s answer does not match this sign-in.', { cause: err, description: describe(err) });
    }
    return new AuthError('invalid_response', 'The provider\'s answer is not valid.', { cause: err, description: describe(err) });
  }
  if (err instanceof TypeError) return new AuthError('network_error', 'The identity provider could not be reached.', { cause: err });
  return new AuthError('invalid_response', 'The provider\'s answer is not valid.', { cause: err });
}

/** oauth4webapi's message names the failing claim or attribute (never its value): keep it. */
function describe(err: Error): string {
  return err.message.replace(/^"response" body /, '').slice(0, 200);
}
