import type { JWTPayload } from 'jose';
import type { AuthBackend, LoginInput, OperationContext, Session } from './backend.js';
import { AuthConfigError, AuthError } from './errors.js';
import { errorFromResponse, requestJson, type JsonResponse } from './http.js';
import { checkTimes, createVerifier, readJwt, type JwtVerifier, type VerifyOptions } from './jwt.js';
import { makeUser, type AuthUser } from './state.js';
import { browserStorage, readJson, safeRemove, writeJson, type KeyValueStorage, type PersistMode } from './storage.js';

export interface JwtApiOptions {
  /** The token (login) URL. */
  url: string;
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
  /** Key of the refresh token in responses and in the refresh request body. Default `refresh`. */
  refreshKey?: string;
  /**
   * The server keeps the refresh token in an HttpOnly cookie: requests go with credentials and the
   * browser never sees that token. The session survives a reload through this cookie.
   */
  refreshCookie?: boolean;
  /** URL that answers 2xx when a token is valid (WordPress `token/validate`, SimpleJWT `verify`). */
  validateUrl?: string;
  /** How the token reaches the validate URL: `body` (`{"token": …}`, default) or `header` (Bearer). */
  validateTokenIn?: 'body' | 'header';
  /** URL told about the logout (Bearer token, and the refresh token or cookie). */
  logoutUrl?: string;
  /** How long a persisted session may be restored after login, in seconds. Default 900 (15 min). */
  cookieLifetime?: number;
  /**
   * Where the non-refresh part of the session is kept across reloads. `auto` (default) is `none` with
   * `refreshCookie` (the cookie restores it) and `session` (sessionStorage, this tab only) otherwise.
   * `local` shares it between tabs but outlives the tab: choose it knowingly. The refresh token is
   * never persisted, whatever the mode.
   */
  persist?: 'auto' | PersistMode;
  /** Storage key prefix. Default `auth-elements`. */
  storageKey?: string;
  /** Verify the access token's signature against the issuer's JWKS. */
  verify?: VerifyOptions;
  /** Build the user from the token claims and the response, when the defaults do not fit. */
  user?: (claims: JWTPayload, response: Readonly<Record<string, unknown>>) => AuthUser;
  /** Per-request time limit in ms. Default 30000. */
  timeout?: number;
  fetch?: typeof fetch;
  /** Replaces the browser storage chosen by `persist` (unused when the mode is `none`). */
  storage?: KeyValueStorage | null;
}

interface Snapshot {
  v: 1;
  response: Record<string, unknown>;
  expiresAt: number;
}

/**
 * A JSON Web Token API: the reference server, Django REST framework SimpleJWT, the WordPress JWT
 * plugins, or any API that answers a credential POST with a token.
 */
export class JwtApiBackend implements AuthBackend {
  readonly kind = 'jwt';
  readonly #o: Required<Pick<JwtApiOptions, 'method' | 'bodyFormat' | 'usernameField' | 'passwordField' | 'tokenKey' | 'refreshKey' | 'cookieLifetime' | 'timeout' | 'storageKey' | 'validateTokenIn'>> &
    JwtApiOptions;
  readonly #fetch: typeof fetch;
  readonly #verify: JwtVerifier | null;
  #storage: KeyValueStorage | null | undefined;
  #response: Record<string, unknown> | null = null;
  #token: string | null = null;

  constructor(options: JwtApiOptions) {
    if (!options || typeof options.url !== 'string' || options.url === '') {
      throw new AuthConfigError('invalid_option', 'JwtApiBackend needs a `url` (the token endpoint).');
    }
    if (options.refreshCookie && !options.refreshUrl) {
      throw new AuthConfigError('invalid_option', '`refreshCookie` needs a `refreshUrl`.');
    }
    const lifetime = options.cookieLifetime ?? 900;
    if (!Number.isFinite(lifetime) || lifetime <= 0) {
      throw new AuthConfigError('invalid_option', '`cookieLifetime` must be a positive number of seconds.');
    }
    this.#o = {
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
    this.#verify = options.verify ? createVerifier(options.verify, this.#fetch) : null;
  }

  /** The persist mode in force after `auto` is resolved. */
  get persistMode(): PersistMode {
    const mode = this.#o.persist ?? 'auto';
    if (mode !== 'auto') return mode;
    return this.#o.refreshCookie ? 'none' : 'session';
  }

  async restore(ctx: OperationContext): Promise<Session | null> {
    const snapshot = this.#readSnapshot(ctx.now());
    if (snapshot) {
      try {
        return await this.#accept(snapshot.response, ctx, { validate: true, persistUntil: snapshot.expiresAt });
      } catch (err) {
        this.forget();
        if (!(err instanceof AuthError) || !['token_invalid', 'token_expired', 'invalid_response'].includes(err.code)) {
          throw err;
        }
      }
    }
    if (this.#o.refreshCookie) {
      try {
        return await this.#refreshWith(null, ctx);
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
    const response = await this.#request(this.#o.url, this.#o.method, ctx, body);
    if (response.status < 200 || response.status > 299) {
      const code = [400, 401, 403, 404].includes(response.status) ? 'invalid_credentials' : 'request_rejected';
      throw errorFromResponse(response, code, 'Invalid username or password.');
    }
    return this.#accept(this.#body(response), ctx, { validate: false, persistUntil: ctx.now() + this.#o.cookieLifetime * 1000 });
  }

  async refresh(ctx: OperationContext): Promise<Session> {
    const token = this.#response ? getPath(this.#response, this.#o.refreshKey) : undefined;
    return this.#refreshWith(typeof token === 'string' ? token : null, ctx);
  }

  async logout(ctx: OperationContext): Promise<void> {
    const token = this.#token;
    const refresh = this.#response ? getPath(this.#response, this.#o.refreshKey) : undefined;
    this.forget();
    if (!this.#o.logoutUrl) return;
    const headers: Record<string, string> = { ...this.#o.headers };
    if (token) headers.Authorization = `Bearer ${token}`;
    const body: Record<string, string> = typeof refresh === 'string' ? { [this.#o.refreshKey]: refresh } : {};
    const response = await requestJson(this.#fetch, this.#o.logoutUrl, {
      method: 'POST',
      headers,
      body,
      signal: ctx.signal,
      timeoutMs: this.#o.timeout,
      credentials: this.#credentials(),
    });
    // 401: the server had already ended this session, which is what we wanted.
    if ((response.status < 200 || response.status > 299) && response.status !== 401) {
      throw errorFromResponse(response, 'request_rejected', 'The server refused the logout.');
    }
  }

  forget(): void {
    this.#response = null;
    this.#token = null;
    safeRemove(this.#store(), this.#snapshotKey());
  }

  accessToken(): string | null {
    return this.#token;
  }

  response(): Readonly<Record<string, unknown>> | null {
    return this.#response ? Object.freeze({ ...this.#response }) : null;
  }

  // ---------------------------------------------------------------------------------------------

  async #refreshWith(refreshToken: string | null, ctx: OperationContext): Promise<Session> {
    if (!this.#o.refreshUrl) throw new AuthError('unsupported', 'No refresh URL is configured.');
    if (!refreshToken && !this.#o.refreshCookie) {
      throw new AuthError('session_expired', 'There is no refresh token; please log in again.');
    }
    const body = refreshToken ? { [this.#o.refreshKey]: refreshToken } : {};
    const response = await this.#request(this.#o.refreshUrl, 'POST', ctx, body, 'json');
    if (response.status < 200 || response.status > 299) {
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw errorFromResponse(response, 'session_expired', 'Your session has ended. Please log in again.');
      }
      throw errorFromResponse(response, 'request_rejected', 'The session could not be renewed.');
    }
    const next = this.#body(response);
    // Servers that do not rotate (SimpleJWT's default) answer with an access token only: keep ours.
    const previous = refreshToken ? { [this.#o.refreshKey]: refreshToken } : {};
    const merged = { ...this.#response, ...previous, ...next };
    return this.#accept(merged, ctx, { validate: false, persistUntil: ctx.now() + this.#o.cookieLifetime * 1000 });
  }

  async #accept(
    response: Record<string, unknown>,
    ctx: OperationContext,
    options: { validate: boolean; persistUntil: number },
  ): Promise<Session> {
    const token = getPath(response, this.#o.tokenKey);
    if (typeof token !== 'string' || token === '') {
      throw new AuthError('invalid_response', `The response has no token under "${this.#o.tokenKey}".`);
    }
    const now = ctx.now();
    let claims: JWTPayload;
    if (this.#verify) claims = await this.#verify(token, now);
    else {
      claims = readJwt(token);
      checkTimes(claims, now);
    }
    if (options.validate && this.#o.validateUrl) await this.#validate(token, ctx);
    if (ctx.signal.aborted) throw new AuthError('aborted', 'The operation was cancelled.');
    const user = this.#o.user ? this.#o.user(claims, response) : defaultUser(claims, response);
    const tokenExpiry = typeof claims.exp === 'number' ? claims.exp * 1000 : null;
    this.#response = response;
    this.#token = token;
    const persistUntil = Math.min(options.persistUntil, tokenExpiry ?? Infinity);
    this.#writeSnapshot(response, persistUntil);
    const refreshable = !!this.#o.refreshUrl && (this.#o.refreshCookie || typeof getPath(response, this.#o.refreshKey) === 'string');
    return { user, expiresAt: tokenExpiry ?? (refreshable ? null : persistUntil), refreshable };
  }

  async #validate(token: string, ctx: OperationContext): Promise<void> {
    const inHeader = this.#o.validateTokenIn === 'header';
    const headers: Record<string, string> = { ...this.#o.headers };
    if (inHeader) headers.Authorization = `Bearer ${token}`;
    const response = await requestJson(this.#fetch, this.#o.validateUrl!, {
      method: 'POST',
      headers,
      body: inHeader ? {} : { token },
      signal: ctx.signal,
      timeoutMs: this.#o.timeout,
      credentials: this.#credentials(),
    });
    if (response.status >= 200 && response.status < 300) return;
    if (response.status >= 500 || response.status === 429) {
      throw errorFromResponse(response, 'server_error', 'The token could not be checked.');
    }
    throw errorFromResponse(response, 'token_invalid', 'The server no longer accepts this session.');
  }

  #request(url: string, method: string, ctx: OperationContext, body: Record<string, string>, format = this.#o.bodyFormat) {
    return requestJson(this.#fetch, url, {
      method,
      headers: this.#o.headers,
      body,
      format,
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

  #readSnapshot(now: number): Snapshot | null {
    const value = readJson(this.#store(), this.#snapshotKey()) as Partial<Snapshot> | null;
    if (!value || value.v !== 1 || typeof value.expiresAt !== 'number' || typeof value.response !== 'object' || !value.response) {
      if (value) safeRemove(this.#store(), this.#snapshotKey());
      return null;
    }
    if (value.expiresAt <= now) {
      safeRemove(this.#store(), this.#snapshotKey());
      return null;
    }
    return value as Snapshot;
  }

  #writeSnapshot(response: Record<string, unknown>, expiresAt: number): void {
    const storage = this.#store();
    if (!storage) return;
    const { [this.#o.refreshKey]: _refresh, ...rest } = response; // the refresh token is never persisted
    writeJson(storage, this.#snapshotKey(), { v: 1, response: rest, expiresAt } satisfies Snapshot);
  }
}

/** Read `a.b.c` from an object. */
export function getPath(object: Record<string, unknown>, path: string): unknown {
  let value: unknown = object;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function str(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value !== '') return value;
  for (const value of values) if (typeof value === 'number') return String(value);
  return undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/**
 * The user from the usual places: standard claims, a `user` object in the response (reference server,
 * many APIs), WordPress's `user_*` keys, SimpleJWT's `user_id` claim.
 */
export function defaultUser(claims: JWTPayload, response: Readonly<Record<string, unknown>>): AuthUser {
  const u = (typeof response.user === 'object' && response.user !== null ? response.user : {}) as Record<string, unknown>;
  const wp = getPath(claims as Record<string, unknown>, 'data.user.id');
  const id = str(claims.sub, claims.user_id, wp, u.id, response.user_id, response.user_email) ?? 'unknown';
  return makeUser({
    id,
    username: str(claims.username, claims.preferred_username, u.username, response.user_nicename, response.username),
    name: str(claims.name, u.name, response.user_display_name),
    email: str(claims.email, u.email, response.user_email),
    roles: strings(claims.roles) ?? strings(u.roles) ?? [],
    permissions: strings(claims.permissions) ?? strings(u.permissions) ?? [],
    claims: claims as Record<string, unknown>,
  });
}
