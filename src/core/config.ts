import type { AuthBackend } from './backend.js';
import { AuthConfigError } from './errors.js';
import { JwtApiBackend, type JwtApiOptions } from './jwt-api.js';

/**
 * A backend described by plain data: what `<auth-provider>` reads from its attributes or from a
 * child `<script type="application/json">`. Functions (response handlers, user mappers) need code:
 * create the backend yourself and set `provider.client`.
 */
export type BackendConfig = { backend: 'jwt' } & Omit<JwtApiOptions, 'fetch' | 'storage' | 'responseHandler' | 'user'>;

const BACKENDS = ['jwt'] as const;

export function createBackend(config: unknown): AuthBackend {
  if (typeof config !== 'object' || config === null) {
    throw new AuthConfigError('invalid_option', 'The auth configuration must be an object.');
  }
  const { backend, ...options } = config as { backend?: unknown } & Record<string, unknown>;
  switch (backend ?? 'jwt') {
    case 'jwt':
      return new JwtApiBackend(options as unknown as JwtApiOptions);
    default:
      throw new AuthConfigError(
        'invalid_option',
        `Unknown backend "${String(backend)}"; expected one of: ${BACKENDS.join(', ')}.`,
      );
  }
}
