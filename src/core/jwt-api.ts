import type { JWTPayload } from 'jose';
import type {
  AuthBackend,
  LoginInput,
  OperationContext,
  Session,
} from './backend.js';
import { AuthConfigError, AuthError } from './errors.js';
import { errorFromResponse, requestJson, type JsonResponse } from './http.js';
import { checkClaims, createVerifier, getPath, readJwt, type JwtVerifier, type VerifyOptions } from './jwt.js';
import { makeUser, type AuthOrg, type AuthUser } from './state.js';
import { browserStorage, readJson, safeRemove, writeJson, type KeyValueStorage, type PersistMode } from './storage.js';

export interface JwtApiOptions {
  /** The token (login) URL. Optional when `baseUrl` is set. */
  url?: string;
  /**
   * The reference server's layout under one path (e.g. `/api/auth`): every URL below that is not
   * given explicitly is derived from it (`/login`, `/refresh`, `/logout`, `/register`, …), and
   * `refreshCookie` defaults to true.
   */
  baseUrl?: string;
  /** Account operations (reference server bodies). Each is unsupported while its URL is unset. */
  registerUrl?: string;
  /** Finishes a registration with the mailed token (`{token}`); `<baseUrl>/register/verify`. */
  registerVerifyUrl?: string;
  /** Password change (signed in: current + new password). */
  passwordUrl?: string;
  forgotPasswordUrl?: string;
  resetPasswordUrl?: string;
  forgotUsernameUrl?: string;
  detailsUrl?: string;
  /**
   * The organizations' routes (reference server: `<baseUrl>/orgs`): the list, `/select`, and per
   * organization `/<org>/members[/<user>]` and `/<org>/leave`, all with the Bearer token.
   */
  orgsUrl?: string;
  /** HTTP method of the login request. Default `POST`. */
  method?: string;
  /** Extra headers on every request (e.g. `X-API-KEY`). Anything here is visible to the page's users. */
  headers?: Record<string, string>;
  /** How credentials are encoded. Default `json`. */
  bodyFormat?: 'json' | 'form';
  /** Field names in the login body. Defaults `username` and `password`. */
  usernameField?: string;
  passwordField?: string;
  /**
   * Sees the parsed login/refresh response first. Return a replacement object (e.g. unwrap `data`),
   * return nothing to keep it, or throw to refuse it.
   */
  responseHandler?: (response: Record<string, unknown>) => Record<string, unknown> | void;
  /** Response key (dotted path allowed) that holds the access token. Default `access`. */
  tokenKey?: string;
  /** URL that renews the access token. */
  refreshUrl?: string;
  /**
   * Key of the refresh token in responses (dotted path allowed) and in the refresh and logout request
   * bodies. Default `refresh`. The token is kept apart: `response()` never contains it.
   */
  refreshKey?: string;
  /**
   * Keep a refresh token that came in the body in memory only: a reload then keeps the access token
   * alone, until its `exp`. By default it is persisted with the session (see `persist`).
   */
  refreshInMemory?: boolean;
  /**
   * The server keeps the refresh token in an HttpOnly cookie: requests go with credentials and the
   * browser never sees that token. The session survives a reload through this cookie.
   */
  refreshCookie?: boolean;
  /** URL that answers 2xx when a token is valid (WordPress `token/validate`, SimpleJWT `verify`). */
  validateUrl?: string;
  /** How the token reaches the validate URL: `body` (`{"token": …}`, default) or `header` (Bearer). */
  validateTokenIn?: 'body' | 'header';
  /**
   * URL told about the logout: `{"<last part of refreshKey>": <refresh token>}` with the Bearer token (SimpleJWT's
   * blacklist view), or the Bearer token and the cookie.
   */
  logoutUrl?: string;
  /**
   * Seconds a persisted session may be restored after the last login or refresh. Default 900 (15 min).
   * Bounds a snapshot without a refresh token (also by the access token's `exp`), and one holding a
   * refresh token that is not a JWT (a JWT refresh token's own `exp` bounds it instead).
   */
  cookieLifetime?: number;
  /**
   * Where the session is kept across reloads. `auto` (default) is `none` with `refreshCookie` (the
   * cookie restores it) and `session` (sessionStorage, this tab only) otherwise. `local` shares it
   * between tabs but outlives the tab: choose it knowingly. A refresh token from the body is stored
   * with it unless `refreshInMemory` is set.
   */
  persist?: 'auto' | PersistMode;
  /** Storage key prefix. Default `auth-elements`. */
  storageKey?: string;
  /** Verify the access token's signature against the issuer's JWKS. */
  verify?: VerifyOptions;
  /**
   * GET with `Authorization: Bearer <access>` after login and on restore; its JSON names the user
   * (e.g. a DRF `/api/me/` view: `id`, `username`, `email`, `first_name` + `last_name` or `name`,
   * `groups` or `roles`). A 401 refuses the session.
   */
  userUrl?: string;
  /**
   * Where the user's id, username, name, email and roles are (dotted paths), looked up in the token
   * claims first, then in the user URL's JSON or the response's `user` object. `subjectClaim`
   * (default `sub`) is also the claim `verify` requires.
   */
  subjectClaim?: string;
  usernameClaim?: string;
  nameClaim?: string;
  emailClaim?: string;
  rolesClaim?: string;
  /** Build the user from the token claims and the response (without the refresh token), when the defaults do not fit. */
  user?: (claims: JWTPayload, response: Readonly<Record<string, unknown>>) => AuthUser;
  /** Per-request time limit in ms. Default 30000. */
  timeout?: number;
  fetch?: typeof fetch;
  /** Replaces the browser storage chosen by `persist` (unused when the mode is `none`). */
  storage?: KeyValueStorage | null;
}

interface Snapshot {
  v: 2;
  /** The response without the refresh token. */
  response: Record<string, unknown>;
  /** Only when persisting it is the configured behaviour. */
  refresh?: string;
  expiresAt: number;
}

type Json = Record<string, unknown>;

/**
 * How the account and organization operations (jwt-account.ts, an on-demand chunk: the forms and the
 * members panel that call them are on-demand chunks too) reach the server: `request` sends `body` to
 * `url` (`unsupported` while it is unset; the Bearer token when `signedIn`), codes a refusal with
 * `codeOf`, and with `session` takes the answer as new tokens on top of the last response (select,
 * leave) and resolves the new session; `renewed` is the session after a details update.
 */
export interface JwtAccess {
  /** A configured URL (`registerUrl`, `orgsUrl`, …). */
  url(key: JwtUrl): string | undefined;
  request<T = JsonResponse>(
    url: string | undefined,
    operation: string,
    ctx: OperationContext,
    signedIn: boolean,
    codeOf: (response: JsonResponse) => AuthError['code'],
    body?: Record<string, string>,
    method?: string,
    session?: boolean,
  ): Promise<T>;
  renewed(ctx: OperationContext): Promise<Session>;
}

type JwtUrl = 'registerUrl' | 'registerVerifyUrl' | 'passwordUrl' | 'forgotPasswordUrl' | 'resetPasswordUrl' | 'forgotUsernameUrl' | 'detailsUrl' | 'orgsUrl';

/** The operations that load jwt-account.ts on first use (set in the constructor). */
const MORE_OPERATIONS = [
  'register',
  'verifyRegistration',
  'changePassword',
  'requestPasswordReset',
  'resetPassword',
  'requestUsernameReminder',
  'updateDetails',
  'listOrgs',
  'selectOrg',
  'listMembers',
  'addMember',
  'setMemberRole',
  'removeMember',
  'leaveOrg',
] as const;
type MoreOperations = Required<Pick<AuthBackend, (typeof MORE_OPERATIONS)[number]>>;

/** The account and organization operations are set in the constructor (see MORE_OPERATIONS). */
export interface JwtApiBackend extends MoreOperations {}

/**
 * A JSON Web Token API: the reference server, Django REST framework SimpleJWT, the WordPress JWT
 * plugins, or any API that answers a credential POST with a token.
 */
export class JwtApiBackend implements AuthBackend {
  readonly kind = 'jwt';
  readonly #o: Required<Pick<JwtApiOptions, 'url' | 'method' | 'bodyFormat' | 'usernameField' | 'passwordField' | 'tokenKey' | 'refreshKey' | 'cookieLifetime' | 'timeout' | 'storageKey' | 'validateTokenIn'>> &
    JwtApiOptions;
  readonly #fetch: typeof fetch;
  readonly #verify: JwtVerifier | null;
  #storage: KeyValueStorage | null | undefined;
  /** The last response, without the refresh token. */
  #response: Json | null = null;
  #refresh: string | null = null;
  #token: string | null = null;
  /** The user URL's last answer. */
  #profile: Json | null = null;
  /** Bumped by forget(): an answer to a request sent before it must not bring the session back. */
  #generation = 0;

  constructor(options: JwtApiOptions) {
    options = withBaseUrl(options);
    if (typeof options.url !== 'string' || options.url === '') {
      throw new AuthConfigError('invalid_option', 'JwtApiBackend needs a `url` (the token endpoint) or a `baseUrl`.');
    }
    if (options.refreshCookie && !options.refreshUrl) {
      throw new AuthConfigError('invalid_option', '`refreshCookie` needs a `refreshUrl`.');
    }
    const lifetime = options.cookieLifetime ?? 900;
    if (!Number.isFinite(lifetime) || lifetime <= 0) {
      throw new AuthConfigError('invalid_option', '`cookieLifetime` must be a positive number of seconds.');
    }
    this.#o = {
      url: options.url,
      method: 'POST',
      bodyFormat: 'json',
      usernameField: 'username',
      passwordField: 'password',
      tokenKey: 'access',
      refreshKey: 'refresh',
      timeout: 30_000,
      storageKey: 'auth-elements',
      validateTokenIn: 'body',
      ...options,
      cookieLifetime: lifetime,
    };
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#verify = options.verify
      ? createVerifier({ subjectClaim: options.subjectClaim, ...options.verify }, this.#fetch)
      : null;
    for (const name of MORE_OPERATIONS) {
      this[name] = (...args: unknown[]) => import('./jwt-account.js').then((m) => (m[name] as (...a: unknown[]) => Promise<any>)(this.#access, ...args));
    }
  }

  /** The persist mode in force after `auto` is resolved. */
  get persistMode(): PersistMode {
    const mode = this.#o.persist ?? 'auto';
    if (mode !== 'auto') return mode;
    return this.#o.refreshCookie ? 'none' : 'session';
  }

  async restore(ctx: OperationContext): Promise<Session | null> {
    const since = this.#generation;
    const snapshot = this.#readSnapshot(ctx.now());
    if (snapshot) {
      const refresh = (this.#keepsRefresh() && snapshot.refresh) || null;
      try {
        return await this.#accept(snapshot.response, refresh, ctx, { validate: true, until: snapshot.expiresAt, profile: true, since });
      } catch (err) {
        // Unreachable server: keep the snapshot for the next try, and say so.
        if (!isTokenError(err)) throw err;
        // An expired or refused access token with a refresh token at hand: renew instead of ending.
        if (refresh && this.#o.refreshUrl) {
          try {
            return await this.#refreshWith(refresh, snapshot.response, ctx, true, since);
          } catch (err) {
            if (!isTokenError(err) && (err as AuthError).code !== 'session_expired') throw err;
          }
        }
        this.forget();
      }
    }
    if (this.#o.refreshCookie) {
      try {
        return await this.#refreshWith(null, {}, ctx, true);
      } catch (err) {
        if (err instanceof AuthError && err.code === 'session_expired') return null;
        throw err;
      }
    }
    return null;
  }

  async login(input: LoginInput, ctx: OperationContext): Promise<Session> {
    const username = input.username ?? '';
    const password = input.password ?? '';
    if (username.trim() === '' || password === '') {
      throw new AuthError('invalid_credentials', 'Enter your username and password.');
    }
    const body: Record<string, string> = {
      ...input.fields,
      [this.#o.usernameField]: username,
      [this.#o.passwordField]: password,
    };
    const since = this.#generation;
    const response = await this.#post(this.#o.url, body, ctx, { method: this.#o.method, format: this.#o.bodyFormat });
    if (response.status < 200 || response.status > 299) {
      const code = [400, 401, 403, 404].includes(response.status) ? 'invalid_credentials' : 'request_rejected';
      throw errorFromResponse(response, code, 'Invalid username or password.');
    }
    return this.#accept(this.#body(response), null, ctx, { validate: false, until: this.#until(ctx), profile: true, since });
  }

  refresh(ctx: OperationContext): Promise<Session> {
    return this.#renew(ctx, false);
  }

  async logout(ctx: OperationContext): Promise<void> {
    const token = this.#token;
    const refresh = this.#refresh;
    this.forget();
    if (!this.#o.logoutUrl) return;
    // SimpleJWT's TokenBlacklistView wants exactly {"refresh": "<token>"}; the reference server, the Bearer token.
    const response = await this.#post(this.#o.logoutUrl, this.#refreshBody(refresh), ctx, { bearer: token });
    // 401: the server had already ended this session, which is what we wanted.
    if ((response.status < 200 || response.status > 299) && response.status !== 401) {
      throw errorFromResponse(response, 'request_rejected', 'The server refused the logout.');
    }
  }

  forget(): void {
    this.#generation++;
    this.#response = this.#refresh = this.#token = this.#profile = null;
    safeRemove(this.#store(), this.#snapshotKey());
  }

  accessToken(): string | null {
    return this.#token;
  }

  /** A deep copy of the last response, without the refresh token. */
  response(): Readonly<Record<string, unknown>> | null {
    return this.#response ? Object.freeze(copy(this.#response)) : null;
  }

  // ---------------------------------------------------------------------------------------------

  /** What jwt-account.ts calls: see JwtAccess. */
  readonly #access: JwtAccess = {
    url: (key) => this.#o[key],
    request: async (url, operation, ctx, signedIn, codeOf, body, method, session) => {
      if (!url) throw new AuthError('unsupported', `No URL is configured for the ${operation}.`);
      if (signedIn && !this.#token) throw new AuthError('not_authenticated', 'Please log in first.');
      const since = this.#generation;
      const response = await this.#post(url, body, ctx, { method, bearer: signedIn ? this.#token : null });
      if (response.status < 200 || response.status > 299) {
        throw errorFromResponse(response, codeOf(response), `The ${operation} was refused.`);
      }
      // Select and leave answer like a refresh: a new access token on top of the last response.
      return (session ? this.#next(response, this.#refresh, this.#response ?? {}, ctx, false, since) : response) as any;
    },
    // The access token (and the user URL) carry name and email: renew so the session shows the new details.
    renewed: (ctx) =>
      this.#o.refreshUrl
        ? this.#renew(ctx, true)
        : this.#accept(this.#response ?? {}, this.#refresh, ctx, { validate: false, until: this.#until(ctx), profile: true, since: this.#generation }),
  };

  /** `{"refresh": token}`: named by the last part of `refreshKey` (`data.refresh` is sent as `refresh`). */
  #refreshBody(token: string | null): Record<string, string> {
    return token ? { [this.#o.refreshKey.split('.').pop()!]: token } : {};
  }

  #renew(ctx: OperationContext, profile: boolean): Promise<Session> {
    // With `persist: local` another tab may have rotated the token (it refreshes under the same lock).
    const stored = this.persistMode === 'local' && this.#keepsRefresh() ? this.#readSnapshot(ctx.now())?.refresh : null;
    return this.#refreshWith(stored || this.#refresh, this.#response ?? {}, ctx, profile);
  }

  async #refreshWith(
    refreshToken: string | null,
    base: Json,
    ctx: OperationContext,
    profile: boolean,
    since = this.#generation,
  ): Promise<Session> {
    if (!this.#o.refreshUrl) throw new AuthError('unsupported', 'No refresh URL is configured.');
    if (!refreshToken && !this.#o.refreshCookie) {
      throw new AuthError('session_expired', 'There is no refresh token; please log in again.');
    }
    const response = await this.#post(this.#o.refreshUrl, this.#refreshBody(refreshToken), ctx);
    if (response.status < 200 || response.status > 299) {
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw errorFromResponse(response, 'session_expired', 'Your session has ended. Please log in again.');
      }
      throw errorFromResponse(response, 'request_rejected', 'The session could not be renewed.');
    }
    // Servers that do not rotate (SimpleJWT's default) answer with an access token only: #accept keeps ours.
    return this.#next(response, refreshToken, base, ctx, profile, since);
  }

  /** A renewed session: `base` (the last response) updated with this answer. */
  #next(response: JsonResponse, refresh: string | null, base: Json, ctx: OperationContext, profile: boolean, since: number): Promise<Session> {
    return this.#accept({ ...base, ...this.#body(response) }, refresh, ctx, { validate: false, until: this.#until(ctx), profile, since });
  }

  /**
   * Check a login/refresh/restored response and make it the session. `refresh` is the refresh token
   * to keep when the response carries none; `until` bounds the snapshot (see `cookieLifetime`);
   * `profile` fetches the user URL again.
   */
  async #accept(
    raw: Json,
    refresh: string | null,
    ctx: OperationContext,
    options: { validate: boolean; until: number; profile: boolean; since: number },
  ): Promise<Session> {
    const o = this.#o;
    const token = getPath(raw, o.tokenKey);
    if (typeof token !== 'string' || token === '') {
      throw new AuthError('invalid_response', `The response has no token under "${o.tokenKey}".`);
    }
    const [response, found] = without(raw, o.refreshKey);
    if (typeof found === 'string' && found !== '') refresh = found;
    const now = ctx.now();
    let claims: JWTPayload;
    if (this.#verify) claims = await this.#verify(token, now);
    else {
      claims = readJwt(token);
      checkClaims(claims, now);
    }
    if (options.validate && o.validateUrl) await this.#validate(token, ctx);
    const profile = o.userUrl && (options.profile || !this.#profile) ? await this.#fetchProfile(token, ctx) : this.#profile;
    // Cancelled, or the session was ended (logout, another tab) while this answer was on its way.
    if (ctx.signal.aborted || options.since !== this.#generation) throw new AuthError('aborted', 'The operation was cancelled.');
    const user = o.user ? o.user(claims, response) : this.#user(claims, response, profile);
    const tokenExpiry = typeof claims.exp === 'number' ? claims.exp * 1000 : null;
    this.#response = response;
    this.#refresh = refresh;
    this.#token = token;
    this.#profile = profile;
    const kept = this.#keepsRefresh() && refresh ? refresh : undefined;
    // A stored refresh token bounds the snapshot by its own exp when it is a JWT.
    const until = kept ? (expiryOf(kept) ?? options.until) : Math.min(options.until, tokenExpiry ?? Infinity);
    const storage = this.#store();
    if (storage) writeJson(storage, this.#snapshotKey(), { v: 2, response, expiresAt: until, ...(kept ? { refresh: kept } : {}) } satisfies Snapshot);
    const refreshable = !!o.refreshUrl && (!!o.refreshCookie || !!refresh);
    return {
      user,
      // The active organization: the token's `org_*` claims, else the response's `org`.
      org: toOrg(claims, 'org_') ?? toOrg(response.org),
      expiresAt: tokenExpiry ?? (refreshable ? null : until),
      issuedAt: typeof claims.iat === 'number' ? claims.iat * 1000 : null,
      refreshable,
    };
  }

  /** The user from the claims, then the user URL's JSON (or the response's `user`), per the claim options. */
  #user(claims: JWTPayload, response: Json, profile: Json | null): AuthUser {
    const o = this.#o;
    const base = defaultUser(claims, profile ? { ...response, user: profile } : response);
    const source = profile ?? response.user ?? {};
    const pick = (path: string | undefined) => (path ? (getPath(claims, path) ?? getPath(source, path)) : undefined);
    return makeUser({
      ...base,
      id: str(pick(o.subjectClaim)) ?? base.id,
      username: str(pick(o.usernameClaim)) ?? base.username,
      name: str(pick(o.nameClaim)) ?? base.name,
      email: str(pick(o.emailClaim)) ?? base.email,
      roles: strings(pick(o.rolesClaim)) ?? base.roles,
    });
  }

  async #fetchProfile(token: string, ctx: OperationContext): Promise<Json> {
    const response = await this.#post(this.#o.userUrl!, undefined, ctx, { method: 'GET', bearer: token });
    if (response.status === 401) {
      throw errorFromResponse(response, 'token_invalid', 'The server no longer accepts this session.');
    }
    if (response.status < 200 || response.status > 299 || !response.body) {
      throw errorFromResponse(response, 'invalid_response', 'The user details could not be loaded.');
    }
    return response.body;
  }

  async #validate(token: string, ctx: OperationContext): Promise<void> {
    const inHeader = this.#o.validateTokenIn === 'header';
    const response = await this.#post(this.#o.validateUrl!, inHeader ? {} : { token }, ctx, { bearer: inHeader ? token : null });
    if (response.status >= 200 && response.status < 300) return;
    if (response.status >= 500 || response.status === 429) {
      throw errorFromResponse(response, 'server_error', 'The token could not be checked.');
    }
    throw errorFromResponse(response, 'token_invalid', 'The server no longer accepts this session.');
  }

  /** Every request of this backend: configured headers, optional Bearer token, time limit. */
  #post(
    url: string,
    body: Record<string, string> | undefined,
    ctx: OperationContext,
    options: { method?: string | undefined; format?: 'json' | 'form'; bearer?: string | null } = {},
  ): Promise<JsonResponse> {
    const headers: Record<string, string> = { ...this.#o.headers };
    if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
    return requestJson(this.#fetch, url, {
      method: options.method ?? 'POST',
      headers,
      body,
      format: options.format ?? 'json',
      signal: ctx.signal,
      timeoutMs: this.#o.timeout,
      credentials: this.#credentials(),
    });
  }

  #body(response: JsonResponse): Record<string, unknown> {
    if (!response.body) throw new AuthError('invalid_response', 'The server did not answer with JSON.', { status: response.status });
    let body = response.body;
    if (this.#o.responseHandler) {
      let handled: Record<string, unknown> | void;
      try {
        handled = this.#o.responseHandler(body);
      } catch (err) {
        throw new AuthError('invalid_response', 'The response was refused by the response handler.', { cause: err });
      }
      if (handled) body = handled;
    }
    return body;
  }

  #credentials(): RequestCredentials {
    return this.#o.refreshCookie ? 'include' : 'same-origin';
  }

  #store(): KeyValueStorage | null {
    if (this.#storage === undefined) {
      const mode = this.persistMode;
      this.#storage = mode === 'none' ? null : this.#o.storage !== undefined ? this.#o.storage : browserStorage(mode);
    }
    return this.#storage;
  }

  #snapshotKey(): string {
    return `${this.#o.storageKey}:session`;
  }

  /** Whether a refresh token from the body is persisted with the snapshot. */
  #keepsRefresh(): boolean {
    return !this.#o.refreshInMemory && !this.#o.refreshCookie;
  }

  #until(ctx: OperationContext): number {
    return ctx.now() + this.#o.cookieLifetime * 1000;
  }

  /** The stored snapshot, or null; an expired, malformed or older-version one is removed. */
  #readSnapshot(now: number): Snapshot | null {
    const value = readJson(this.#store(), this.#snapshotKey()) as Partial<Snapshot> | null;
    if (
      value?.v === 2 &&
      typeof value.expiresAt === 'number' &&
      value.expiresAt > now &&
      typeof value.response === 'object' &&
      value.response &&
      ['undefined', 'string'].includes(typeof value.refresh)
    ) {
      return value as Snapshot;
    }
    if (value) safeRemove(this.#store(), this.#snapshotKey());
    return null;
  }
}

function isTokenError(err: unknown): boolean {
  return err instanceof AuthError && ['token_invalid', 'token_expired', 'invalid_response'].includes(err.code);
}

function copy(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

/** A deep copy of `object` without the value at `path` (dotted), and that value. */
function without(object: Json, path: string): [Json, unknown] {
  const result = copy(object);
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.length ? getPath(result, keys.join('.')) : result;
  if (typeof parent !== 'object' || parent === null || !Object.prototype.hasOwnProperty.call(parent, last)) return [result, undefined];
  const value = (parent as Json)[last];
  delete (parent as Json)[last];
  return [result, value];
}

/** A JWT's `exp` in ms, or null when the token is not a readable JWT with one. */
function expiryOf(token: string): number | null {
  try {
    const exp = readJwt(token).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

const BASE_PATHS = {
  url: '/login',
  refreshUrl: '/refresh',
  logoutUrl: '/logout',
  registerUrl: '/register',
  registerVerifyUrl: '/register/verify',
  passwordUrl: '/password',
  forgotPasswordUrl: '/password/forgot',
  resetPasswordUrl: '/password/reset',
  forgotUsernameUrl: '/username/forgot',
  detailsUrl: '/details',
  orgsUrl: '/orgs',
} as const;

function withBaseUrl(options: JwtApiOptions): JwtApiOptions {
  if (!options || typeof options !== 'object') {
    throw new AuthConfigError('invalid_option', 'JwtApiBackend needs an options object.');
  }
  if (!options.baseUrl) return options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const derived: JwtApiOptions = { refreshCookie: true };
  for (const [key, path] of Object.entries(BASE_PATHS)) {
    (derived as Record<string, string>)[key] = base + path;
  }
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as JwtApiOptions;
  return { ...derived, ...given };
}

function str(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value !== '') return value;
  for (const value of values) if (typeof value === 'number') return String(value);
  return undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** An organization from `{id, name, role, permissions}`, or from `org_id`, `org_name`, … claims (prefix `org_`); null without an id. */
export function toOrg(source: unknown, prefix = ''): AuthOrg | null {
  const o = (source ?? {}) as Json;
  const id = str(o[prefix + 'id']);
  const role = str(o[prefix + 'role']);
  return id ? { id, name: str(o[prefix + 'name']) ?? id, ...(role ? { role } : {}), permissions: strings(o[prefix + 'permissions']) ?? [] } : null;
}

/**
 * The user from the usual places: standard claims, a `user` object in the response (reference server,
 * many APIs; the user URL's JSON goes there, with Django's `first_name`/`last_name` and `groups`),
 * WordPress's `user_*` keys, SimpleJWT's `user_id` claim.
 */
export function defaultUser(claims: JWTPayload, response: Readonly<Record<string, unknown>>): AuthUser {
  const u = (typeof response.user === 'object' && response.user !== null ? response.user : {}) as Record<string, unknown>;
  const wp = getPath(claims, 'data.user.id');
  const id = str(claims.sub, claims.user_id, wp, u.id, response.user_id, response.user_email) ?? 'unknown';
  const fullName = [u.first_name, u.last_name].filter((part) => typeof part === 'string' && part).join(' ');
  return makeUser({
    id,
    username: str(claims.username, claims.preferred_username, u.username, response.user_nicename, response.username),
    name: str(claims.name, u.name, fullName, response.user_display_name),
    email: str(claims.email, u.email, response.user_email),
    roles: strings(claims.roles) ?? strings(u.roles) ?? strings(u.groups) ?? [],
    permissions: strings(claims.permissions) ?? strings(u.permissions) ?? [],
    claims: claims as Record<string, unknown>,
  });
}
