import type { AuthMember, AuthOrg, AuthUser } from './state.js';

/**
 * The backend interface: what an adapter behind `AuthClient` must do.
 *
 * One interface serves four very different kinds of backend; the rules below are what lets it:
 *
 * - **JWT API** (`JwtApiBackend`): `login` posts credentials and resolves with a `Session` at once.
 *   `refresh` exchanges a refresh token (body or HttpOnly cookie). `restore` reads a persisted
 *   snapshot or refreshes through the cookie.
 * - **OIDC / PKCE** (redirect): `login` stores `state`/`nonce`/verifier and navigates the window away,
 *   resolving with `{ kind: 'redirect' }`; the page unloads. On return, `restore` sees the callback in
 *   the URL, checks `state`, exchanges the code, verifies the ID token and resolves with the session.
 *   (popup): `login` opens the popup through the injected opener and resolves with the session when
 *   the popup posts back, or rejects with `popup_closed` / `popup_blocked` / `timeout`.
 * - **BFF**: the browser holds no token. `restore` probes the session endpoint (cookie), `login` is a
 *   navigation to the BFF's login route (`{ kind: 'redirect' }`) or a credential POST; every
 *   state-changing call carries the CSRF header. `Session.secrets` stays empty.
 * - **Host** (Streamlit): `login` sends the request to the embedding host and resolves when the host
 *   answers on a later render, possibly much later; in between the client shows `pending`. The host may
 *   also change the session on its own (Python logged the user out): it tells the client through
 *   `watch`. The host, never the browser, decides who is signed in.
 *
 * General rules:
 * - Methods never touch the DOM or navigate, except through seams passed in their options.
 * - Every method honours `ctx.signal` and rejects with `AuthError` (`aborted`, …) — never a bare Error.
 * - A backend keeps its secrets (tokens) to itself; what the client and the elements see is `Session`.
 * - Optional methods that are absent make the client reject with `unsupported`.
 */
export interface AuthBackend {
  /** A short name for logs and the `backend` attribute: 'jwt', 'oidc', 'bff', 'host'. */
  readonly kind: string;

  /**
   * Called once by `AuthClient.start()`: restore a session from a persisted snapshot, a cookie, a
   * redirect callback or the host. Resolve `null` when there is none. Must not prompt the user.
   */
  restore(ctx: OperationContext): Promise<Session | null>;

  /** Sign in. Resolve the new session, or `{ kind: 'redirect' }` when the page is navigating away. */
  login(input: LoginInput, ctx: OperationContext): Promise<Session | LoginRedirect>;

  /**
   * End the session on the server (the authority) and forget local secrets. Local secrets are
   * forgotten even when the server cannot be reached; then reject with `logout_incomplete`.
   */
  logout(ctx: OperationContext): Promise<void>;

  /** Forget local secrets without telling the server (another tab logged out). */
  forget(): void;

  /** Renew credentials. Absent when the backend cannot refresh (the session then ends at expiry). */
  refresh?(ctx: OperationContext): Promise<Session>;

  /** The current access token for calling APIs, or null (BFF and host backends have none). */
  accessToken?(): string | null;

  /** Every key of the last login/refresh response, as the server sent it, minus the refresh token. */
  response?(): Readonly<Record<string, unknown>> | null;

  /**
   * Session changes the backend learns of by itself (host re-render, popup, server push).
   * Returns an unsubscribe function. `null` means signed out.
   */
  watch?(listener: (session: Session | null) => void): () => void;

  // Account operations; each resolves when the server accepted the request.
  /**
   * Resolves the session when registering signs in, null when the account was created without
   * signing in, or `{ kind: 'verify' }` when the server mailed a link and a code to prove the
   * address: the account exists once `verifyRegistration` brings the token back.
   */
  register?(input: RegisterInput, ctx: OperationContext): Promise<Session | null | RegistrationPending>;
  /** Finish a registration with the token of its mail (link or code). */
  verifyRegistration?(input: { token: string }, ctx: OperationContext): Promise<RegistrationDone>;
  changePassword?(input: ChangePasswordInput, ctx: OperationContext): Promise<void>;
  requestPasswordReset?(input: { login: string }, ctx: OperationContext): Promise<void>;
  resetPassword?(input: { token: string; password: string }, ctx: OperationContext): Promise<void>;
  requestUsernameReminder?(input: { email: string }, ctx: OperationContext): Promise<void>;
  updateDetails?(input: UpdateDetailsInput, ctx: OperationContext): Promise<Session>;
  /** The user's organizations, from the server (absent: the client uses `Session.orgs`). */
  listOrgs?(ctx: OperationContext): Promise<readonly AuthOrg[]>;
  /**
   * Make `orgId` the active organization where the authority keeps it (reference server: new tokens
   * with `org_id`/`org_role`/`org_permissions`; OIDC with an organization parameter: re-authorize).
   * Absent: the client only changes the active one among `Session.orgs`.
   */
  selectOrg?(orgId: string, ctx: OperationContext): Promise<Session | LoginRedirect>;
  // Members of an organization (owners and admins; the server enforces every rule).
  listMembers?(orgId: string, ctx: OperationContext): Promise<readonly AuthMember[]>;
  /** Add an existing user (username or email) with a role, or invite an email address. */
  addMember?(input: { orgId: string; login: string; role: string }, ctx: OperationContext): Promise<void>;
  setMemberRole?(input: { orgId: string; userId: string; role: string }, ctx: OperationContext): Promise<void>;
  removeMember?(input: { orgId: string; userId: string }, ctx: OperationContext): Promise<void>;
  leaveOrg?(orgId: string, ctx: OperationContext): Promise<Session | null>;
}

/** What a backend hands the client: who is signed in, until when, and when to refresh. */
export interface Session {
  readonly user: AuthUser;
  /** The active organization, when the authority names one (reference server, Auth0's `org_id`). */
  readonly org?: AuthOrg | null;
  /**
   * Every organization of the user, when the backend learns them with the session (OIDC claims). The
   * client then keeps the active one itself: the remembered choice, else `org`, else the first.
   */
  readonly orgs?: readonly AuthOrg[];
  /** When the credentials expire (ms since the epoch), or null if unknown / not bounded. */
  readonly expiresAt: number | null;
  /**
   * When the credentials were issued (ms; a token's `iat`), if known. The refresh leeway is at most a
   * quarter of `expiresAt - issuedAt`; without it, the lifetime counts from when the session was applied.
   */
  readonly issuedAt?: number | null | undefined;
  /** Whether `refresh()` can renew this session. */
  readonly refreshable: boolean;
}

export interface LoginRedirect {
  readonly kind: 'redirect';
}

export interface LoginInput {
  username?: string;
  password?: string;
  /** Extra form fields a custom login form sends (e.g. a one-time code). */
  fields?: Readonly<Record<string, string>>;
  /** Where to come back after a redirect login (validated against the page's origin). */
  returnTo?: string;
  /** For redirect-capable backends: navigate the page or use a popup. */
  display?: 'redirect' | 'popup';
}

/** `register` mailed a link and a code; `verifyRegistration` finishes it. */
export interface RegistrationPending {
  readonly kind: 'verify';
}

/** What `verifyRegistration` did: the new account's username (null if the server did not say). */
export interface RegistrationDone {
  readonly username: string | null;
  /** The session, for backends that sign in once the registration is complete. */
  readonly session: Session | null;
}

export interface RegisterInput {
  name: string;
  email: string;
  username: string;
  password: string;
}

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

export interface UpdateDetailsInput {
  name?: string;
  email?: string;
  /** Needed when the email changes. */
  currentPassword?: string;
}

/** Passed to every backend call. */
export interface OperationContext {
  readonly signal: AbortSignal;
  /** The client's clock, in ms since the epoch. */
  now(): number;
}

export function isRedirect(value: Session | LoginRedirect): value is LoginRedirect {
  return (value as LoginRedirect).kind === 'redirect';
}

export function isRegistrationPending(value: Session | RegistrationPending): value is RegistrationPending {
  return (value as RegistrationPending).kind === 'verify';
}
