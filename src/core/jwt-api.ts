import type { JWTPayload } from 'jose';
import type {
  AuthBackend,
  ChangePasswordInput,
  LoginInput,
  OperationContext,
  RegisterInput,
  RegistrationDone,
  RegistrationPending,
  Session,
  UpdateDetailsInput,
} from './backend.js';
import { AuthConfigError, AuthError } from './errors.js';
import { errorFromResponse, requestJson, type JsonResponse } from './http.js';
import { checkTimes, createVerifier, readJwt, type JwtVerifier, type VerifyOptions } from './jwt.js';
import { makeUser, type AuthUser } from './state.js';
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
  readonly #o: Required<Pick<JwtApiOptions, 'url' | 'method' | 'bodyFormat' | 'usernameField' | 'passwordField' | 'tokenKey' | 'refreshKey' | 'cookieLifetime' | 'timeout' | 'storageKey' | 'validateTokenIn'>> &
    JwtApiOptions;
  readonly #fetch: typeof fetch;
  readonly #verify: JwtVerifier | null;
  #storage: KeyValueStorage | null | undefined;
  #response: Record<string, unknown> | null = null;
  #token: string | null = null;

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
    const response = await this.#post(this.#o.url, body, ctx, { method: this.#o.method, format: this.#o.bodyFormat });
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
    const body: Record<string, string> = typeof refresh === 'string' ? { [this.#o.refreshKey]: refresh } : {};
    const response = await this.#post(this.#o.logoutUrl, body, ctx, { bearer: token });
    // 401: the server had already ended this session, which is what we wanted.
    if ((response.status < 200 || response.status > 299) && response.status !== 401) {
      throw errorFromResponse(response, 'request_rejected', 'The server refused the logout.');
    }
  }

  async register(input: RegisterInput, ctx: OperationContext): Promise<RegistrationPending | null> {
    const { name, email, username, password } = input;
    const response = await this.#call(this.#o.registerUrl, 'registration', { name, email, username, password }, ctx, false);
    // 202: the server mailed a link and a code to prove the address; the account exists once the
    // token comes back (verifyRegistration). Registering never signs in: the user logs in next.
    return response.status === 202 ? { kind: 'verify' } : null;
  }

  async verifyRegistration(input: { token: string }, ctx: OperationContext): Promise<RegistrationDone> {
    const response = await this.#call(this.#o.registerVerifyUrl, 'registration', { token: input.token }, ctx, false, verifyCode);
    const user = response.body?.user as { username?: unknown } | undefined;
    return { username: typeof user?.username === 'string' ? user.username : null, session: null };
  }

  async changePassword(input: ChangePasswordInput, ctx: OperationContext): Promise<void> {
    const body = { current_password: input.currentPassword, new_password: input.newPassword };
    await this.#call(this.#o.passwordUrl, 'password change', body, ctx, true);
  }

  async requestPasswordReset(input: { login: string }, ctx: OperationContext): Promise<void> {
    await this.#call(this.#o.forgotPasswordUrl, 'password reset', { login: input.login }, ctx, false);
  }

  async resetPassword(input: { token: string; password: string }, ctx: OperationContext): Promise<void> {
    await this.#call(this.#o.resetPasswordUrl, 'password reset', { token: input.token, password: input.password }, ctx, false);
  }

  async requestUsernameReminder(input: { email: string }, ctx: OperationContext): Promise<void> {
    await this.#call(this.#o.forgotUsernameUrl, 'username reminder', { email: input.email }, ctx, false);
  }

  async updateDetails(input: UpdateDetailsInput, ctx: OperationContext): Promise<Session> {
    const body: Record<string, string> = {};
    if (input.name !== undefined) body.name = input.name;
    if (input.email !== undefined) body.email = input.email;
    if (input.currentPassword !== undefined) body.current_password = input.currentPassword;
    await this.#call(this.#o.detailsUrl, 'details update', body, ctx, true);
    // The access token carries name and email: renew it so the session shows the new details.
    if (this.#o.refreshUrl) return this.refresh(ctx);
    return this.#accept(this.#response ?? {}, ctx, { validate: false, persistUntil: ctx.now() + this.#o.cookieLifetime * 1000 });
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

  async #call(
    url: string | undefined,
    operation: string,
    body: Record<string, string>,
    ctx: OperationContext,
    signedIn: boolean,
    codeOf: (response: JsonResponse) => AuthError['code'] = accountCode,
  ): Promise<JsonResponse> {
    if (!url) throw new AuthError('unsupported', `No URL is configured for the ${operation}.`);
    if (signedIn && !this.#token) throw new AuthError('not_authenticated', 'Please log in first.');
    const response = await this.#post(url, body, ctx, { bearer: signedIn ? this.#token : null });
    if (response.status >= 200 && response.status < 300) return response;
    throw errorFromResponse(response, codeOf(response), `The ${operation} was refused.`);
  }

  async #refreshWith(refreshToken: string | null, ctx: OperationContext): Promise<Session> {
    if (!this.#o.refreshUrl) throw new AuthError('unsupported', 'No refresh URL is configured.');
    if (!refreshToken && !this.#o.refreshCookie) {
      throw new AuthError('session_expired', 'There is no refresh token; please log in again.');
    }
    const body = refreshToken ? { [this.#o.refreshKey]: refreshToken } : {};
    const response = await this.#post(this.#o.refreshUrl, body, ctx);
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
    body: Record<string, string>,
    ctx: OperationContext,
    options: { method?: string; format?: 'json' | 'form'; bearer?: string | null } = {},
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

const ACCOUNT_CODES: Readonly<Record<string, AuthError['code']>> = {
  weak_password: 'weak_password',
  registration_not_allowed: 'registration_not_allowed',
  username_taken: 'username_taken',
  email_taken: 'email_taken',
  invalid_credentials: 'invalid_credentials',
  invalid_token: 'reset_token_invalid',
  invalid_request: 'invalid_input',
  invalid_json: 'invalid_input',
};

/** The code for a refused account operation: the server's own `error` when we know it. */
function accountCode(response: JsonResponse): AuthError['code'] {
  const error = response.body?.error;
  if (typeof error === 'string' && ACCOUNT_CODES[error]) {
    // A Bearer token the server no longer accepts is a session problem, not a bad reset code.
    if (error === 'invalid_token' && response.status === 401) return 'session_expired';
    return ACCOUNT_CODES[error]!;
  }
  if (response.status === 401) return 'session_expired';
  if (response.status === 400 || response.status === 422) return 'invalid_input';
  return 'request_rejected';
}

/** A refused registration token is not a reset token. */
function verifyCode(response: JsonResponse): AuthError['code'] {
  return response.body?.error === 'invalid_token' ? 'verification_token_invalid' : accountCode(response);
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
