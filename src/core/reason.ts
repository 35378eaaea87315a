import type { AuthErrorOptions } from './errors.js';

/**
 * The machine-readable reason of a refusal in an error body (`reason`, with `min`/`max`), as AuthError
 * options. Apart from http.ts so that the Streamlit page, which reads Python's replies with it at
 * once, loads the HTTP exchange (ASGI mode only) on demand.
 */
export function reasonOf(body: { readonly reason?: unknown; readonly min?: unknown; readonly max?: unknown }): Pick<AuthErrorOptions, 'reason' | 'params'> {
  const { reason, min, max } = body;
  return typeof reason === 'string'
    ? { reason, params: { ...(typeof min === 'number' && { min }), ...(typeof max === 'number' && { max }) } }
    : {};
}
