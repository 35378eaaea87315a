import type { AuthBackend } from './backend.js';
import { AuthConfigError } from './errors.js';
import { JwtApiBackend, type JwtApiOptions } from './jwt-api.js';
import type { OidcOptions } from './oidc.js';

/**
 * A backend described by plain data: what `<auth-provider>` reads from its attributes or from a
 * child `<script type="application/json">`. Functions (response handlers, user mappers) need code:
 * create the backend yourself and set `provider.client`.
 */
export type BackendConfig =
  | ({ backend: 'jwt' } & Omit<JwtApiOptions, 'fetch' | 'storage' | 'responseHandler' | 'user'>)
  | ({ backend: 'oidc' } & Omit<OidcOptions, 'fetch' | 'navigate'>);

export function createBackend(config: unknown): AuthBackend {
  if (typeof config !== 'object' || config === null) {
    throw new AuthConfigError('invalid_option', 'The auth configuration must be an object.');
  }
  const { backend, ...options } = config as { backend?: unknown } & Record<string, unknown>;
  switch (backend ?? 'jwt') {
    case 'jwt':
      return new JwtApiBackend(options as unknown as JwtApiOptions);
    case 'oidc':
      return lazyOidc(options);
    default:
      throw new AuthConfigError('invalid_option', `Unknown backend "${String(backend)}"; expected jwt or oidc.`);
  }
}

/**
 * The OIDC backend's stand-in in the script-tag bundle: its code (oauth4webapi and jose) is a chunk
 * that starts loading now (the provider builds the backend and starts it at once). Only `kind` is
 * known at once; `providerName`, `display` and `accountUrl` come with the chunk, which loads before the
 * session is restored, so before any element shows them. Once loaded, `adopt`
 * answers a popup's or an iframe's callback (before the client takes its refresh lock, which the
 * waiting page may hold) and puts the real backend's methods on this object, so calls go straight
 * through and a popup login reaches `window.open` in the click's task. Keys in kebab-case
 * (attributes) and snake_case (Streamlit's `[auth]`) are read as camelCase; options (a client
 * secret among them) are checked when the chunk has loaded. Kept small on purpose: every byte
 * here is in the bundle every page loads.
 */
function lazyOidc(o: Record<string, any>): AuthBackend {
  const lazy: any = {
    kind: 'oidc',
    forget() {},
  };
  const loading = import('./oidc.js').then((m) => m.adopt(lazy, o as OidcOptions));
  // `refresh` is only called on a session, which only the loaded backend makes.
  for (const name of ['restore', 'login', 'logout']) {
    lazy[name] = (...args: unknown[]) => loading.then(() => lazy[name](...args));
  }
  return lazy as AuthBackend;
}
