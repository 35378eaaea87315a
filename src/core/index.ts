/**
 * auth-elements/core: the AuthClient and its backends. No Lit, no DOM rendering, no side effects
 * on import.
 */
export { AuthClient, type AuthClientOptions, type OperationOptions, type RegistrationResult } from './client.js';
export type {
  AuthBackend,
  ChangePasswordInput,
  LoginInput,
  LoginRedirect,
  OperationContext,
  RegisterInput,
  RegistrationDone,
  RegistrationPending,
  Session,
  UpdateDetailsInput,
} from './backend.js';
export { isRedirect, isRegistrationPending } from './backend.js';
export { AuthConfigError, AuthError, isAuthError, type AuthErrorCode, type ConfigErrorCode } from './errors.js';
export { displayName, hasRole, makeUser, type AuthOrg, type AuthState, type AuthStateStatus, type AuthUser } from './state.js';
export { JwtApiBackend, defaultUser, type JwtApiOptions } from './jwt-api.js';
export { createVerifier, readJwt, type JwtVerifier, type VerifyOptions } from './jwt.js';
export { systemClock, type Clock } from './clock.js';
export { browserTabSync, noTabSync, type TabMessage, type TabSync } from './tabs.js';
export type { KeyValueStorage, PersistMode } from './storage.js';
export { createBackend, type BackendConfig } from './config.js';
