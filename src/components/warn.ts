import { AuthError } from '../core/errors.js';

const issued = new Set<string>();

/**
 * A console warning for integrators, issued once per `code` per page (lit's `issueWarning` habit):
 * a misconfigured page gets one clear line, not one per element or per render.
 */
export function warnOnce(code: string, message: string): void {
  if (issued.has(code)) return;
  issued.add(code);
  console.warn(`[auth-elements] ${message}`);
}

/**
 * Token and response problems are integration problems the page cannot explain to its user: tell the
 * developer which claim, header or key was wrong (the page shows the generic translated message).
 * The cause chain is followed: a refresh that got a bad token ends the session as `session_expired`.
 */
export function warnAuthError(error: unknown): void {
  for (let e = error; e instanceof AuthError; e = e.cause) {
    if (e.code === 'token_invalid' || e.code === 'invalid_response') {
      console.warn(`[auth-elements] ${e.code}: ${e.description ?? e.message}`);
      return;
    }
  }
}
