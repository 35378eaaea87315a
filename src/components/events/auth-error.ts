import { AuthError, type AuthErrorCode, type ConfigErrorCode } from '../../core/index.js';
import type { ClientErrorCode } from '../translations/en.js';
import { eventInit } from './init.js';

/** What failed: the provider's configuration, a session-level change, or an element's operation. */
export type AuthOperation =
  | 'configure'
  | 'session'
  | 'login'
  | 'logout'
  | 'register'
  | 'verify-registration'
  | 'change-password'
  | 'reset-password'
  | 'forgot-password'
  | 'forgot-username'
  | 'update-details'
  | 'list-orgs'
  | 'select-org'
  | 'list-members'
  | 'add-member'
  | 'set-member-role'
  | 'remove-member'
  | 'leave-org';

export interface AuthErrorDetail {
  /**
   * Stable code: an AuthError code, a configuration code, `no_client` (no provider found), or a
   * check a form made before sending (`password_mismatch`, `password_required_for_email`).
   */
  readonly code: AuthErrorCode | ConfigErrorCode | ClientErrorCode;
  /** The English developer message (never a password or token). */
  readonly message: string;
  readonly operation: AuthOperation;
  /** HTTP status, when the error came from a response. */
  readonly status?: number;
  /** The server's `error_description`, as text. */
  readonly description?: string;
}

/**
 * Dispatched when an operation or the configuration fails. The detail is plain data in the shape
 * of `AuthError.toJSON()` plus the operation; no cause chain, no credentials.
 */
export class AuthErrorEvent extends CustomEvent<AuthErrorDetail> {
  static readonly eventName = 'auth-error';
  constructor(error: unknown, operation: AuthOperation) {
    super(AuthErrorEvent.eventName, eventInit(toDetail(error, operation)));
  }
}

/** Codes of errors that are not AuthErrors but keep their code in the event. */
const PLAIN_CODES: readonly unknown[] = [
  'invalid_option',
  'invalid_argument',
  'no_client',
  'password_mismatch',
  'password_required_for_email',
];

function toDetail(error: unknown, operation: AuthOperation): AuthErrorDetail {
  if (error instanceof AuthError) return { ...error.toJSON(), operation };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : 'Something went wrong.';
  if (PLAIN_CODES.includes(code)) return { code: code as AuthErrorDetail['code'], message, operation };
  return { code: operation === 'configure' ? 'invalid_option' : 'network_error', message, operation };
}

declare global {
  interface GlobalEventHandlersEventMap {
    'auth-error': AuthErrorEvent;
  }
}
