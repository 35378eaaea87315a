/**
 * auth-elements: the custom elements. Importing this module registers every tag
 * (auth-provider first, so it is ready when the other elements ask for the client).
 */
export * from './base.js';
import './auth-logout/auth-logout.js';
import './auth-status/auth-status.js';
import './auth-register/auth-register.js';
import './auth-reset-password/auth-reset-password.js';
import './auth-forgot/auth-forgot.js';
import './auth-update-details/auth-update-details.js';

export { AuthLogout } from './auth-logout/auth-logout.component.js';
export { AuthStatus } from './auth-status/auth-status.component.js';
export { AuthRegister } from './auth-register/auth-register.component.js';
export { AuthResetPassword } from './auth-reset-password/auth-reset-password.component.js';
export { AuthForgot } from './auth-forgot/auth-forgot.component.js';
export { AuthUpdateDetails } from './auth-update-details/auth-update-details.component.js';
