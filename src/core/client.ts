import {
  isRedirect,
  isRegistrationPending,
  type AuthBackend,
  type ChangePasswordInput,
  type LoginInput,
  type OperationContext,
  type RegisterInput,
  type Session,
  type UpdateDetailsInput,
} from './backend.js';
import { systemClock, type Clock } from './clock.js';
import { AuthConfigError, AuthError, throwIfAborted, toAuthError } from './errors.js';
import { DEFAULT_ORG_ROLES, makeState, orgHasPermission, orgRoleAtLeast, UNKNOWN_STATE, type AuthMember, type AuthOrg, type AuthState } from './state.js';
import { browserTabSync, type TabMessage, type TabSync } from './tabs.js';

export interface AuthClientOptions {
  backend: AuthBackend;
  /** Defaults to the real clock. */
  clock?: Clock;
  /** Cross-tab news and locks. Defaults to BroadcastChannel + Web Locks; `null` for none. */
  tabs?: TabSync | null;
  /** Separates several clients on one origin (channel and lock names). Default `default`. */
  name?: string;
  /** Refresh this many seconds before expiry (at most a quarter of the lifetime). Default 60. */
  refreshLeeway?: number;
  /** Organization roles, highest first; a higher one includes the lower. Default owner, admin, member. */
  orgRoles?: readonly string[];
}

export interface OperationOptions {
  signal?: AbortSignal;
}

/** What `register` and `verifyRegistration` resolve: the client's state, and what happened. */
export interface RegistrationResult extends AuthState {
  /** True when the server mailed a link and a code: the account exists after `verifyRegistration`. */
  readonly verificationSent: boolean;
  /** The account's username, when known. */
  readonly username: string | null;
}

type Listener = (state: AuthState) => void;

const RETRY_AFTER_NETWORK_ERROR_MS = 15_000;
const LOGOUT_WAITS_FOR_REFRESH_MS = 5_000;

/**
 * The one object every element shares. Construct it (no side effects), `start()` it once, then read
 * `state` and `subscribe()` to changes. Every operation takes an AbortSignal and rejects with an
 * `AuthError` whose `code` is stable.
 */
export class AuthClient {
  readonly backend: AuthBackend;
  readonly #clock: Clock;
  readonly #tabsOption: TabSync | null | undefined;
  readonly #name: string;
  readonly #leewayMs: number;
  readonly #orgRoles: readonly string[];
  /** The user's organizations as last known (listOrgs, or the session's), for `hasRole(role, orgId)`. */
  #orgs: readonly AuthOrg[] = [];
  readonly #id = Math.random().toString(36).slice(2);
  readonly #listeners = new Set<Listener>();
  #state: AuthState = UNKNOWN_STATE;
  #tabs: TabSync | null = null;
  #cleanup: Array<() => void> = [];
  #started: Promise<AuthState> | null = null;
  #refreshing: Promise<AuthState> | null = null;
  #timer: unknown = null;
  /** Whether the current session can refresh, and when its lifetime began (for the leeway). */
  #refreshable = false;
  #issuedAt = 0;
  /** Bumped whenever the session is replaced or ended, so late results of older work are dropped. */
  #epoch = 0;
  #disposed = false;

  constructor(options: AuthClientOptions) {
    if (!options || typeof options !== 'object' || !options.backend) {
      throw new AuthConfigError('invalid_option', 'AuthClient needs a `backend`.');
    }
    const leeway = options.refreshLeeway ?? 60;
    if (!Number.isFinite(leeway) || leeway < 0) {
      throw new AuthConfigError('invalid_option', '`refreshLeeway` must be a non-negative number of seconds.');
    }
    this.backend = options.backend;
    this.#clock = options.clock ?? systemClock;
    this.#tabsOption = options.tabs;
    this.#name = options.name ?? 'default';
    this.#leewayMs = leeway * 1000;
    this.#orgRoles = options.orgRoles?.length ? [...options.orgRoles] : DEFAULT_ORG_ROLES;
  }

  /** The role order, highest first. */
  get orgRoles(): readonly string[] {
    return this.#orgRoles;
  }

  /**
   * Whether the user has at least `role` in the organization `orgId` (default: the active one),
   * respecting the role order: an owner has `admin` and `member` too.
   */
  hasRole(role: string, orgId?: string): boolean {
    return orgRoleAtLeast(this.#org(orgId), role, this.#orgRoles);
  }

  /** Whether the user's role in the organization `orgId` (default: the active one) grants `permission`. */
  hasPermission(permission: string, orgId?: string): boolean {
    return orgHasPermission(this.#org(orgId), permission);
  }

  #org(orgId?: string): AuthOrg | null {
    if (this.#state.status !== 'authenticated') return null;
    const active = this.#state.org;
    if (orgId === undefined || orgId === active?.id) return active;
    return this.#orgs.find((org) => org.id === orgId) ?? null;
  }

  /** The current snapshot. A new object on every change. */
  get state(): AuthState {
    return this.#state;
  }

  /** Call `fn` on every change; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Restore the session (cookie, persisted snapshot, redirect callback, host). Idempotent. */
  start(): Promise<AuthState> {
    if (this.#started) return this.#started;
    this.#tabs = this.#tabsOption === undefined ? browserTabSync(this.#name) : this.#tabsOption;
    if (this.#tabs) {
      const tabs = this.#tabs;
      this.#cleanup.push(tabs.listen((message) => this.#onTabMessage(message)));
    }
    if (this.backend.watch) {
      this.#cleanup.push(this.backend.watch((session) => this.#onBackendChange(session)));
    }
    this.#started = this.#restore();
    return this.#started;
  }

  async login(input: LoginInput = {}, options: OperationOptions = {}): Promise<AuthState> {
    const ctx = this.#context(options.signal);
    throwIfAborted(ctx.signal);
    const before = this.#state;
    const epoch = ++this.#epoch;
    this.#set({ status: 'pending', user: null, org: null, expiresAt: null, error: null });
    try {
      const result = await this.backend.login(input, ctx);
      if (epoch !== this.#epoch) return this.#state;
      if (isRedirect(result)) return this.#state; // the page is navigating away; stay pending
      this.#applySession(result);
      this.#tabs?.post({ type: 'login', from: this.#id });
      return this.#state;
    } catch (err) {
      const error = toAuthError(err);
      if (epoch === this.#epoch) {
        // A failed login is the form's error, not the session's: back to where we were.
        this.#set(before.status === 'authenticated' ? { ...before } : { ...before, status: 'anonymous', error: null });
      }
      throw error;
    }
  }

  async logout(options: OperationOptions = {}): Promise<AuthState> {
    const ctx = this.#context(options.signal);
    throwIfAborted(ctx.signal);
    const refreshing = this.#refreshing;
    this.#epoch++;
    this.#clearTimer();
    let failure: AuthError | null = null;
    try {
      // A refresh on its way rotates the refresh token: let it land (a few seconds at most), so the
      // server hears of the newest one and nothing it sets survives the logout.
      if (refreshing) await new Promise<void>((done) => (this.#clock.setTimeout(done, LOGOUT_WAITS_FOR_REFRESH_MS), refreshing.then(() => done(), () => done())));
      await this.backend.logout(ctx);
    } catch (err) {
      failure = toAuthError(err);
      this.backend.forget();
    }
    const error =
      failure && failure.code !== 'aborted'
        ? new AuthError('logout_incomplete', 'You are logged out here, but the server could not be told.', {
            cause: failure,
          })
        : null;
    this.#set({ status: 'anonymous', user: null, org: null, expiresAt: null, error });
    this.#tabs?.post({ type: 'logout', from: this.#id });
    if (error) throw error;
    return this.#state;
  }

  /** Renew the credentials now. Single-flight within the tab and, through Web Locks, across tabs. */
  refresh(options: OperationOptions = {}): Promise<AuthState> {
    if (!this.#refreshing) {
      const epoch = this.#epoch;
      const run = this.#refreshOnce(epoch, options.signal).finally(() => {
        this.#refreshing = null;
      });
      this.#refreshing = run;
    }
    return this.#refreshing;
  }

  /**
   * The access token for calling your APIs, refreshed first when it is within the leeway of its
   * expiry (concurrent calls share one refresh). Null when signed out or when the backend holds no
   * token in the browser (BFF, host). A session that cannot refresh hands out its token until `exp`.
   * Rejects with an `AuthError` when the refresh fails (`network_error`, `session_expired`, …).
   */
  async getAccessToken(options: OperationOptions = {}): Promise<string | null> {
    if (this.#state.status !== 'authenticated') return null;
    const left = (this.#state.expiresAt ?? Infinity) - this.#clock.now();
    if (!this.#refreshable || !this.backend.refresh) {
      // A timer can run late (a throttled background tab): past exp, the session is over.
      if (left <= 0) this.#expire();
    } else if (left < this.#leeway(this.#state.expiresAt!)) {
      await this.refresh(options);
    }
    return this.#state.status === 'authenticated' ? (this.backend.accessToken?.() ?? null) : null;
  }

  /** Every key of the last login or refresh response (JWT API backends) but the refresh token; null otherwise. */
  getResponse(): Readonly<Record<string, unknown>> | null {
    return this.backend.response?.() ?? null;
  }

  /**
   * Register. Resolves the client's state plus `verificationSent` (true: the server mailed a link and
   * a code; the account exists after `verifyRegistration`) and the `username`.
   */
  async register(input: RegisterInput, options: OperationOptions = {}): Promise<RegistrationResult> {
    let verificationSent = false;
    const state = await this.#account('register', async (backend, ctx) => {
      const result = await backend.register!(input, ctx);
      if (result && isRegistrationPending(result)) verificationSent = true;
      else if (result) this.#signedUp(result);
    }, options);
    return { ...state, verificationSent, username: input.username };
  }

  /** Finish a registration with the token from its mail (the link's `verify_token`, or the code). */
  async verifyRegistration(input: { token: string }, options: OperationOptions = {}): Promise<RegistrationResult> {
    let username: string | null = null;
    const state = await this.#account('verifyRegistration', async (backend, ctx) => {
      const done = await backend.verifyRegistration!(input, ctx);
      username = done.username;
      if (done.session) this.#signedUp(done.session);
    }, options);
    return { ...state, verificationSent: false, username };
  }

  /** A registration that signed in (backends that do). */
  #signedUp(session: Session): void {
    this.#epoch++;
    this.#applySession(session);
    this.#tabs?.post({ type: 'login', from: this.#id });
  }

  changePassword(input: ChangePasswordInput, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('changePassword', (backend, ctx) => backend.changePassword!(input, ctx), options);
  }

  requestPasswordReset(input: { login: string }, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('requestPasswordReset', (backend, ctx) => backend.requestPasswordReset!(input, ctx), options);
  }

  resetPassword(input: { token: string; password: string }, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('resetPassword', (backend, ctx) => backend.resetPassword!(input, ctx), options);
  }

  requestUsernameReminder(input: { email: string }, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account(
      'requestUsernameReminder',
      (backend, ctx) => backend.requestUsernameReminder!(input, ctx),
      options,
    );
  }

  updateDetails(input: UpdateDetailsInput, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('updateDetails', async (backend, ctx) => {
      this.#applySession(await backend.updateDetails!(input, ctx));
    }, options);
  }

  /**
   * The user's organizations, with the role and permissions in each: from the server when the
   * backend lists them (reference server), else the session's (OIDC claims); empty when signed out.
   * Kept for `hasRole(role, orgId)` and `hasPermission(permission, orgId)`.
   */
  async listOrgs(options: OperationOptions = {}): Promise<readonly AuthOrg[]> {
    if (this.backend.listOrgs) {
      const epoch = this.#epoch;
      await this.#account('listOrgs', async (backend, ctx) => {
        const orgs = await backend.listOrgs!(ctx);
        // A list asked for before a logout or another login belongs to nobody now.
        if (epoch === this.#epoch) this.#orgs = orgs;
      }, options);
      return this.#orgs;
    }
    // Claims name no list (or the backend knows only the active one): that one.
    const org = this.#state.org;
    return this.#orgs.length || !org ? this.#orgs : [org];
  }

  /**
   * Make `orgId` the active organization, in every tab. Where the authority keeps it (reference
   * server: new tokens; OIDC with an organization parameter: a re-authorization), the backend does,
   * and the other tabs refresh to get it. Otherwise (organizations from claims) the client keeps it:
   * it must be one of the user's (else `not_found`), and it is remembered in localStorage
   * (`auth-elements:<name>:org`, an org id), so a reload starts on it too.
   */
  async selectOrg(orgId: string, options: OperationOptions = {}): Promise<AuthState> {
    if (this.backend.selectOrg) {
      return this.#account('selectOrg', async (backend, ctx) => {
        const result = await backend.selectOrg!(orgId, ctx);
        if (!isRedirect(result)) this.#orgChanged(result); // a redirect: the page is navigating away
      }, options);
    }
    const org = this.#org(orgId);
    if (!org) throw new AuthError('not_found', 'Unknown organization.');
    this.#remembered(org.id);
    this.#orgChanged(org);
    return this.#state;
  }

  /** The members of an organization (owners and admins; the server decides). */
  async listMembers(orgId: string, options: OperationOptions = {}): Promise<readonly AuthMember[]> {
    let members: readonly AuthMember[] = [];
    await this.#account('listMembers', async (backend, ctx) => {
      members = await backend.listMembers!(orgId, ctx);
    }, options);
    return members;
  }

  /** Add an existing user (username or email) to an organization with a role. */
  addMember(input: { orgId: string; login: string; role: string }, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('addMember', (backend, ctx) => backend.addMember!(input, ctx), options);
  }

  setMemberRole(input: { orgId: string; userId: string; role: string }, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('setMemberRole', (backend, ctx) => backend.setMemberRole!(input, ctx), options);
  }

  removeMember(input: { orgId: string; userId: string }, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('removeMember', (backend, ctx) => backend.removeMember!(input, ctx), options);
  }

  /** Leave an organization; the session goes on without it (or with the next one). */
  leaveOrg(orgId: string, options: OperationOptions = {}): Promise<AuthState> {
    return this.#account('leaveOrg', async (backend, ctx) => {
      const session = await backend.leaveOrg!(orgId, ctx);
      this.#orgs = this.#orgs.filter((org) => org.id !== orgId);
      if (session) this.#orgChanged(session);
    }, options);
  }

  /** Stop timers and listeners. The client can not be started again. */
  dispose(): void {
    this.#disposed = true;
    this.#clearTimer();
    for (const fn of this.#cleanup.splice(0)) fn();
    this.#tabs?.close();
    this.#listeners.clear();
  }

  // ---------------------------------------------------------------------------------------------

  async #restore(): Promise<AuthState> {
    const epoch = this.#epoch;
    try {
      const session = await this.#withRefreshLock(() => this.backend.restore(this.#context()));
      if (epoch !== this.#epoch) return this.#state;
      if (session) this.#applySession(session);
      else this.#set({ status: 'anonymous', user: null, org: null, expiresAt: null, error: null });
    } catch (err) {
      if (epoch !== this.#epoch) return this.#state;
      const error = toAuthError(err);
      // We could not tell whether a session exists: say so; the login form shows the reason.
      this.#set({ status: error.code === 'network_error' || error.code === 'server_error' ? 'error' : 'anonymous', user: null, org: null, expiresAt: null, error });
    }
    return this.#state;
  }

  async #refreshOnce(epoch: number, signal?: AbortSignal): Promise<AuthState> {
    const backend = this.backend;
    if (!backend.refresh) throw new AuthError('unsupported', 'This backend cannot refresh a session.');
    if (this.#state.status !== 'authenticated') {
      throw new AuthError('not_authenticated', 'There is no session to refresh.');
    }
    try {
      const session = await this.#withRefreshLock(() => backend.refresh!(this.#context(signal)));
      if (epoch === this.#epoch) this.#applySession(session);
      return this.#state;
    } catch (err) {
      const error = toAuthError(err);
      if (epoch !== this.#epoch || error.code === 'aborted') throw error;
      if (error.code === 'network_error' || error.code === 'server_error' || error.code === 'timeout') {
        // Transient: keep the session while it is valid and try again a little later.
        this.#schedule(Math.min(RETRY_AFTER_NETWORK_ERROR_MS, this.#untilExpiry()));
        throw error;
      }
      this.#epoch++;
      backend.forget();
      const ended = new AuthError('session_expired', 'Your session has ended. Please log in again.', { cause: error });
      this.#set({ status: 'anonymous', user: null, org: null, expiresAt: null, error: ended });
      throw ended;
    }
  }

  #withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.#tabs ? this.#tabs.withLock('refresh', fn) : fn();
  }

  async #account(
    name: keyof AuthBackend,
    fn: (backend: AuthBackend, ctx: OperationContext) => Promise<unknown>,
    options: OperationOptions,
  ): Promise<AuthState> {
    if (typeof this.backend[name] !== 'function') {
      throw new AuthError('unsupported', `The ${this.backend.kind} backend does not support ${String(name)}.`);
    }
    const ctx = this.#context(options.signal);
    throwIfAborted(ctx.signal);
    try {
      await fn(this.backend, ctx);
    } catch (err) {
      throw toAuthError(err);
    }
    return this.#state;
  }

  /** A new active organization here (a session from the backend, or one of the claims' orgs): tell the other tabs. */
  #orgChanged(next: Session | AuthOrg): void {
    if ('user' in next) this.#applySession(next);
    else this.#set({ ...this.#state, org: next });
    this.#tabs?.post({ type: 'org', from: this.#id });
  }

  /** Organizations from claims: the remembered one if the user is still in it, else `fallback`, else the first. */
  #active(fallback: AuthOrg | null | undefined): AuthOrg | null {
    const id = this.#remembered();
    return this.#orgs.find((org) => org.id === id) ?? fallback ?? this.#orgs[0] ?? null;
  }

  /** Remember the active org's id in localStorage (`auth-elements:<name>:org`), or read it; none where storage is blocked. */
  #remembered(id?: string): string | null | void {
    try {
      const key = `auth-elements:${this.#name}:org`;
      return id ? localStorage.setItem(key, id) : localStorage.getItem(key);
    } catch {
      // A sandboxed frame or blocked storage: the choice lasts until the reload.
    }
  }

  #applySession(session: Session): void {
    const orgs = session.orgs;
    if (orgs) this.#orgs = orgs;
    this.#set({
      status: 'authenticated',
      user: session.user,
      // Organizations from claims (no backend.selectOrg): the client keeps the active one.
      org: orgs && !this.backend.selectOrg ? this.#active(session.org) : (session.org ?? null),
      expiresAt: session.expiresAt,
      error: null,
    });
    this.#clearTimer();
    this.#refreshable = session.refreshable;
    this.#issuedAt = session.issuedAt ?? this.#clock.now();
    if (session.expiresAt === null) return;
    const left = session.expiresAt - this.#clock.now();
    if (session.refreshable && this.backend.refresh) {
      this.#schedule(left - this.#leeway(session.expiresAt));
    } else {
      this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, left));
    }
  }

  /** `refreshLeeway`, but at most a quarter of the token's lifetime (exp - iat, else since applied). */
  #leeway(expiresAt: number): number {
    return Math.min(this.#leewayMs, Math.max(0, (expiresAt - this.#issuedAt) / 4));
  }

  #schedule(ms: number): void {
    this.#clearTimer();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.refresh().catch(() => {
        /* the state already says what happened */
      });
    }, Math.max(0, ms));
  }

  #untilExpiry(): number {
    const expiresAt = this.#state.expiresAt;
    return expiresAt === null ? RETRY_AFTER_NETWORK_ERROR_MS : Math.max(0, expiresAt - this.#clock.now());
  }

  #expire(): void {
    this.#timer = null;
    if (this.#state.status !== 'authenticated') return;
    this.#epoch++;
    this.backend.forget();
    const error = new AuthError('session_expired', 'Your session has ended. Please log in again.');
    this.#set({ status: 'anonymous', user: null, org: null, expiresAt: null, error });
  }

  #clearTimer(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #onTabMessage(message: TabMessage): void {
    if (this.#disposed || message.from === this.#id) return;
    if (message.type === 'logout' && this.#state.status !== 'anonymous') {
      this.#epoch++;
      this.#clearTimer();
      this.backend.forget();
      this.#set({ status: 'anonymous', user: null, org: null, expiresAt: null, error: null });
    } else if (message.type === 'login' && this.#state.status !== 'authenticated' && this.#state.status !== 'pending') {
      void this.#restore();
    } else if (message.type === 'org' && this.#state.status === 'authenticated') {
      // Another tab chose an organization: the server has it (refresh), or localStorage does.
      if (this.backend.selectOrg) this.refresh().catch(() => {});
      else this.#set({ ...this.#state, org: this.#active(this.#state.org) });
    }
  }

  #onBackendChange(session: Session | null): void {
    if (this.#disposed) return;
    this.#epoch++;
    if (session) this.#applySession(session);
    else {
      this.#clearTimer();
      this.#set({ status: 'anonymous', user: null, org: null, expiresAt: null, error: null });
    }
  }

  #context(signal?: AbortSignal): OperationContext {
    const clock = this.#clock;
    return { signal: signal ?? new AbortController().signal, now: () => clock.now() };
  }

  #set(partial: Partial<AuthState>): void {
    if (this.#disposed) return;
    // Signed out or signing in: the last user's organizations are nobody's.
    if (!partial.user) this.#orgs = [];
    this.#state = makeState(partial);
    for (const fn of [...this.#listeners]) {
      try {
        fn(this.#state);
      } catch (err) {
        // A listener's bug must not break the client or the other listeners.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
