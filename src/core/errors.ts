/**
 * Every outcome a user or an integrator can meet has its own stable `code`, so UIs can translate
 * it and code can `switch` on it. Messages are English, short, and never contain a password,
 * token, authorization code or verifier.
 */
export type AuthErrorCode =
  /** Username or password wrong, or the account cannot log in (deliberately not told apart). */
  | 'invalid_credentials'
  /** Too many attempts; try again later. `retryAfter` (seconds) is set when the server said. */
  | 'rate_limited'
  /** The network request failed (offline, DNS, CORS refused, connection reset). */
  | 'network_error'
  /** The server answered 5xx. */
  | 'server_error'
  /** The server answered 4xx that no more specific code covers. */
  | 'request_rejected'
  /** The server answered 2xx but not with what the configuration says it should. */
  | 'invalid_response'
  /** A token failed verification: signature, algorithm, issuer, audience, type or form. */
  | 'token_invalid'
  /** A token is past its `exp` (beyond the allowed clock skew). */
  | 'token_expired'
  /** The session ended on the server or could not be refreshed; the user must log in again. */
  | 'session_expired'
  /** The operation needs a signed-in user. */
  | 'not_authenticated'
  /** The operation was cancelled through its AbortSignal. */
  | 'aborted'
  /** The operation did not finish in time. */
  | 'timeout'
  /** The configured backend does not offer this operation. */
  | 'unsupported'
  /** Logout was done locally but the server could not be told; the server session may live on. */
  | 'logout_incomplete'
  /** Redirect and popup flows (OIDC): the user closed the popup, or the browser blocked it. */
  | 'popup_closed'
  | 'popup_blocked'
  /** Redirect flows: the callback did not match a request this tab made. */
  | 'state_mismatch'
  /** The identity provider or host refused the request (`error`/`error_description` kept). */
  | 'provider_error'
  /** A field is missing or malformed (`description` says which). */
  | 'invalid_input'
  /** The new password does not meet the policy (`reason` says which rule, `description` in English). */
  | 'weak_password'
  /** Registration is closed, or not open to this email address (deliberately not more precise). */
  | 'registration_not_allowed'
  /** The username belongs to another account. */
  | 'username_taken'
  /** The email address belongs to another account. */
  | 'email_taken'
  /** A password-reset code or link is wrong, used or expired. */
  | 'reset_token_invalid'
  /** A registration code or link is wrong, used, expired or superseded by a newer one. */
  | 'verification_token_invalid'
  /** The server refused: the role in this organization does not allow it (now, whatever a token says). */
  | 'forbidden'
  /** The organization would be left without an owner. */
  | 'last_owner'
  /** No such user, member or organization. */
  | 'not_found'
  /** The user is already a member of the organization. */
  | 'already_member';

export interface AuthErrorOptions {
  cause?: unknown;
  /** HTTP status, when the error came from a response. */
  status?: number;
  /** The server's `error` string, when it sent one (OAuth style). */
  error?: string;
  /** The server's `error_description`, or what a token check found; plain text, never HTML. */
  description?: string | undefined;
  /** Seconds to wait before retrying (from `Retry-After`). */
  retryAfter?: number;
  /** Which rule refused the request, machine-readable (the server's `reason`, e.g. `too_short`). */
  reason?: string;
  /** The numbers that rule names (the server's `min`, `max`), e.g. `{ min: 15 }`. */
  params?: Readonly<Record<string, number>>;
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly status?: number;
  readonly error?: string;
  readonly description?: string;
  readonly retryAfter?: number;
  readonly reason?: string;
  readonly params?: Readonly<Record<string, number>>;

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    // Only the options given: an absent one stays absent (not an own `undefined`).
    for (const key of ['status', 'error', 'description', 'retryAfter', 'reason', 'params'] as const) {
      if (options[key] !== undefined) Object.assign(this, { [key]: options[key] });
    }
  }

  /** A plain, serialisable view (for events and logs): code, message, status, no cause chain. */
  toJSON(): { code: AuthErrorCode; message: string; status?: number; description?: string } {
    const out: { code: AuthErrorCode; message: string; status?: number; description?: string } = {
      code: this.code,
      message: this.message,
    };
    if (this.status !== undefined) out.status = this.status;
    if (this.description !== undefined) out.description = this.description;
    return out;
  }
}

export type ConfigErrorCode = 'invalid_option' | 'invalid_argument';

/** A programming mistake (bad option or argument), thrown synchronously where possible. */
export class AuthConfigError extends TypeError {
  override readonly name = 'AuthConfigError';
  readonly code: ConfigErrorCode;
  constructor(code: ConfigErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}

/** Turn anything thrown into an AuthError, keeping AuthErrors as they are. */
export function toAuthError(value: unknown, fallback: AuthErrorCode = 'network_error'): AuthError {
  if (value instanceof AuthError) return value;
  if (isAbortError(value)) return new AuthError('aborted', 'The operation was cancelled.', { cause: value });
  const message = fallback === 'network_error' ? 'The server could not be reached.' : 'Something went wrong.';
  return new AuthError(fallback, message, { cause: value });
}

export function isAbortError(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as { name?: unknown }).name === 'AbortError' || (value as { name?: unknown }).name === 'TimeoutError')
  );
}

/** Throw `aborted` if the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AuthError('aborted', 'The operation was cancelled.', { cause: signal.reason });
}
