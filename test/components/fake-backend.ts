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
} from '../../src/core/backend.js';
import { AuthClient } from '../../src/core/client.js';
import { AuthError, type AuthErrorCode, type AuthErrorOptions } from '../../src/core/errors.js';
import { makeUser, type AuthOrg, type AuthUser } from '../../src/core/state.js';
import { noTabSync } from '../../src/core/tabs.js';

/** A value now, or one the test hands over later with `resolve`/`reject`. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface FakeBackendOptions {
  /** What `restore` gives: a session, null (signed out, the default), an error code, or 'manual'. */
  restore?: Session | null | AuthErrorCode | 'manual';
  /** The only password `login` accepts; any other answers `invalid_credentials`. Default `secret`. */
  password?: string;
  /** Make every login fail with this code (or code and options, e.g. `retryAfter`). */
  loginError?: AccountFailure;
  /** Milliseconds before login answers, or 'never' (until aborted). Default 0. */
  loginDelay?: number | 'never';
  /** The user a successful login signs in. Default: built from the username. */
  user?: AuthUser;
  org?: AuthOrg | null;
  /** Make logout fail with this code (the client turns it into `logout_incomplete`). */
  logoutError?: AuthErrorCode;
  /** Make account operations fail: a code, or a code with the server's description. Mutable. */
  accountError?: AccountFailure | null;
  /** Milliseconds before account operations answer, or 'never' (until aborted). Default 0. */
  accountDelay?: number | 'never';
  /** `register` answers that a link and a code were mailed (the server proves the address). */
  registerVerify?: boolean;
  /** The username `verifyRegistration` reports. Default `newbie`. */
  verifiedUsername?: string | null;
  /**
   * Behave as the OIDC backend does towards the elements (issue 9's contract): `kind` is `oidc`,
   * with this provider name and account page; `login` needs no credentials (it signs `user` in).
   */
  oidc?: { providerName: string; accountUrl?: string | null };
}

export type AccountFailure = AuthErrorCode | ({ code: AuthErrorCode } & AuthErrorOptions);

function failure(f: AccountFailure, operation: string): AuthError {
  const { code, ...options } = typeof f === 'string' ? { code: f } : f;
  return new AuthError(code, `${operation} failed: ${code}`, options);
}

export interface LoginCall {
  input: LoginInput;
  signal: AbortSignal;
  /** `navigator.userActivation.isActive` when `login` was called (a popup may open only then). */
  activation: boolean;
}

export type AccountOperation =
  | 'register'
  | 'verifyRegistration'
  | 'changePassword'
  | 'requestPasswordReset'
  | 'resetPassword'
  | 'requestUsernameReminder'
  | 'updateDetails';

export interface AccountCall {
  operation: AccountOperation;
  input: unknown;
  signal: AbortSignal;
}

/** An in-memory AuthBackend: no network, no storage; the test decides every answer. */
export class FakeBackend implements AuthBackend {
  readonly kind: 'fake' | 'oidc';
  /** With `oidc`: the name on the "Continue with …" button, and the provider's account page. */
  readonly providerName: string | undefined;
  readonly accountUrl: string | null | undefined;
  readonly options: FakeBackendOptions;
  readonly loginCalls: LoginCall[] = [];
  /** Every account operation, in order, with its input and signal. */
  readonly accountCalls: AccountCall[] = [];
  /** The signed-in user as this backend knows it (restore, login, updateDetails). */
  user: AuthUser | null = null;
  logoutCalls = 0;
  forgetCalls = 0;
  /** Settles a `restore: 'manual'` restore. */
  readonly restoreControl = deferred<Session | null>();

  constructor(options: FakeBackendOptions = {}) {
    this.options = options;
    this.kind = options.oidc ? 'oidc' : 'fake';
    this.providerName = options.oidc?.providerName;
    this.accountUrl = options.oidc ? (options.oidc.accountUrl ?? null) : undefined;
  }

  restore(_ctx: OperationContext): Promise<Session | null> {
    const value = this.options.restore ?? null;
    if (value === 'manual') return this.restoreControl.promise;
    if (typeof value === 'string') return Promise.reject(new AuthError(value, `restore failed: ${value}`));
    this.user = value?.user ?? null;
    return Promise.resolve(value);
  }

  async login(input: LoginInput, ctx: OperationContext): Promise<Session> {
    this.loginCalls.push({ input, signal: ctx.signal, activation: navigator.userActivation.isActive });
    await wait(this.options.loginDelay ?? 0, ctx.signal);
    if (this.options.loginError) throw failure(this.options.loginError, 'login');
    if (this.options.oidc) {
      if (input.username !== undefined || input.password !== undefined) throw new AuthError('invalid_input', 'OIDC takes no credentials.');
      const user = (this.user = this.options.user ?? ada);
      return { user, org: this.options.org ?? null, expiresAt: null, refreshable: false };
    }
    if (input.password !== (this.options.password ?? 'secret')) {
      throw new AuthError('invalid_credentials', 'Invalid username or password.', { status: 401 });
    }
    const user = this.options.user ?? makeUser({ id: `id-${input.username ?? ''}`, username: input.username });
    this.user = user;
    return { user, org: this.options.org ?? null, expiresAt: null, refreshable: false };
  }

  async logout(ctx: OperationContext): Promise<void> {
    this.logoutCalls++;
    await wait(0, ctx.signal);
    if (this.options.logoutError) throw new AuthError(this.options.logoutError, `logout failed: ${this.options.logoutError}`);
  }

  forget(): void {
    this.forgetCalls++;
  }

  async register(input: RegisterInput, ctx: OperationContext): Promise<RegistrationPending | null> {
    await this.#account('register', input, ctx);
    return this.options.registerVerify ? { kind: 'verify' } : null;
  }

  async verifyRegistration(input: { token: string }, ctx: OperationContext): Promise<RegistrationDone> {
    await this.#account('verifyRegistration', input, ctx);
    const username = this.options.verifiedUsername;
    return { username: username === undefined ? 'newbie' : username, session: null };
  }

  async changePassword(input: ChangePasswordInput, ctx: OperationContext): Promise<void> {
    await this.#account('changePassword', input, ctx);
  }

  async requestPasswordReset(input: { login: string }, ctx: OperationContext): Promise<void> {
    await this.#account('requestPasswordReset', input, ctx);
  }

  async resetPassword(input: { token: string; password: string }, ctx: OperationContext): Promise<void> {
    await this.#account('resetPassword', input, ctx);
  }

  async requestUsernameReminder(input: { email: string }, ctx: OperationContext): Promise<void> {
    await this.#account('requestUsernameReminder', input, ctx);
  }

  async updateDetails(input: UpdateDetailsInput, ctx: OperationContext): Promise<Session> {
    await this.#account('updateDetails', input, ctx);
    const before = this.user ?? makeUser({ id: 'nobody' });
    const user = makeUser({
      ...before,
      name: input.name ?? before.name,
      email: input.email ?? before.email,
      claims: { ...before.claims },
    });
    this.user = user;
    return { user, org: this.options.org ?? null, expiresAt: null, refreshable: false };
  }

  /** The last call of one operation. */
  lastCall(operation: AccountOperation): AccountCall | undefined {
    return this.accountCalls.filter((call) => call.operation === operation).pop();
  }

  async #account(operation: AccountOperation, input: unknown, ctx: OperationContext): Promise<void> {
    this.accountCalls.push({ operation, input, signal: ctx.signal });
    await wait(this.options.accountDelay ?? 0, ctx.signal);
    if (this.options.accountError) throw failure(this.options.accountError, operation);
  }
}

function wait(delay: number | 'never', signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(new AuthError('aborted', 'The operation was cancelled.'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    if (delay !== 'never') setTimeout(resolve, delay);
  });
}

/** A client on a fake backend, without cross-tab effects. */
export function fakeClient(options: FakeBackendOptions = {}): { client: AuthClient; backend: FakeBackend } {
  const backend = new FakeBackend(options);
  return { client: new AuthClient({ backend, tabs: noTabSync }), backend };
}

export function session(user: AuthUser, org: AuthOrg | null = null): Session {
  return { user, org, expiresAt: null, refreshable: false };
}

export const ada = makeUser({
  id: 'u-ada',
  username: 'ada',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles: ['admin', 'editor'],
  permissions: ['reports:read'],
});

export const bob = makeUser({ id: 'u-bob', username: 'bob', roles: [], permissions: [] });
