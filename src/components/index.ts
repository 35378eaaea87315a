/**
 * auth-elements: the custom elements. Importing this module registers every tag
 * (auth-provider first, so it is ready when the other elements ask for the client).
 */
import './auth-provider/auth-provider.js';
import './auth-login/auth-login.js';
import './auth-logout/auth-logout.js';
import './auth-status/auth-status.js';
import './auth-guard/auth-guard.js';
import './auth-register/auth-register.js';
import './auth-reset-password/auth-reset-password.js';
import './auth-forgot/auth-forgot.js';
import './auth-update-details/auth-update-details.js';

export { AuthProvider } from './auth-provider/auth-provider.component.js';
export { AuthLogin } from './auth-login/auth-login.component.js';
export { AuthLogout } from './auth-logout/auth-logout.component.js';
export { AuthStatus } from './auth-status/auth-status.component.js';
export { AuthGuard } from './auth-guard/auth-guard.component.js';
export { AuthRegister } from './auth-register/auth-register.component.js';
export { AuthResetPassword } from './auth-reset-password/auth-reset-password.component.js';
export { AuthForgot } from './auth-forgot/auth-forgot.component.js';
export { AuthUpdateDetails } from './auth-update-details/auth-update-details.component.js';
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
