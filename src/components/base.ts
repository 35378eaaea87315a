/**
 * The elements a page needs before anything shows (provider, login) and the shared API.
 * The script-tag bundle defines these at once and the others on first use (autoload.ts);
 * the npm entry (index.ts) defines them all.
 */
import './auth-provider/auth-provider.js';
import './auth-login/auth-login.js';

export { AuthProvider } from './auth-provider/auth-provider.component.js';
export { AuthLogin } from './auth-login/auth-login.component.js';
export { AuthElement } from './auth-element.js';
export { AuthForm, type FieldSpec, type FormError, type FormValue } from './auth-form/auth-form.js';
export { AuthController, type AuthControllerOptions } from './controller.js';
export { authClientContext } from './context.js';
export { AuthStateChangeEvent } from './events/auth-state-change.js';
export { AuthLoginEvent } from './events/auth-login.js';
export { AuthLogoutEvent } from './events/auth-logout.js';
export { AuthRegisteredEvent } from './events/auth-registered.js';
export { AuthErrorEvent, type AuthErrorDetail, type AuthOperation } from './events/auth-error.js';
export {
  registerTranslation,
  registerTranslationLoader,
  loadTranslation,
  languageOf,
  translationFor,
  type Fields,
  type Translation,
  type TranslationKey,
  type TranslationLoader,
} from './localize.js';
