import type { AuthBackend } from '../core/backend.js';
import { AuthConfigError } from '../core/errors.js';

/**
 * What the component page's build puts in place of core/config.ts (vite.streamlit.config.ts): the
 * page gives `<auth-provider>` its client before it connects, so the provider never builds a backend
 * from attributes, and the JWT API backend it would build stays out of the page's script.
 */
export function createBackend(): AuthBackend {
  throw new AuthConfigError('invalid_option', 'The Streamlit component page sets the provider\'s client itself.');
}
