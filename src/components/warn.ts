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
 */
export function warnAuthError(error: unknown): void {
  if (error instanceof AuthError && (error.code === 'token_invalid' || error.code === 'invalid_response')) {
    console.warn(`[auth-elements] ${error.code}: ${error.description ?? error.message}`);
  }
}
