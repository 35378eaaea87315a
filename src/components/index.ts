/**
 * auth-elements: the custom elements. Importing this module registers every tag
 * (auth-provider first, so it is ready when the other elements ask for the client).
 */
export * from './base.js';
import './auth-guard/auth-guard.js';
import './auth-logout/auth-logout.js';
import './auth-status/auth-status.js';
import './auth-register/auth-register.js';
import './auth-reset-password/auth-reset-password.js';
import './auth-forgot/auth-forgot.js';
import './auth-update-details/auth-update-details.js';
import './auth-org-select/auth-org-select.js';

export { AuthGuard } from './auth-guard/auth-guard.component.js';
export { AuthLogout } from './auth-logout/auth-logout.component.js';
export { AuthStatus } from './auth-status/auth-status.component.js';
export { AuthRegister } from './auth-register/auth-register.component.js';
export { AuthResetPassword } from './auth-reset-password/auth-reset-password.component.js';
export { AuthForgot } from './auth-forgot/auth-forgot.component.js';
export { AuthUpdateDetails } from './auth-update-details/auth-update-details.component.js';
export { AuthOrgSelect } from './auth-org-select/auth-org-select.component.js';
// The success events of the account forms (the login, logout and registration ones come from base.js).
export { AuthVerificationSentEvent } from './events/auth-verification-sent.js';
export { AuthPasswordChangedEvent } from './events/auth-password-changed.js';
export { AuthPasswordResetEvent } from './events/auth-password-reset.js';
export { AuthResetRequestedEvent } from './events/auth-reset-requested.js';
export { AuthUsernameRequestedEvent } from './events/auth-username-requested.js';
export { AuthDetailsUpdatedEvent } from './events/auth-details-updated.js';
export { AuthOrgChangeEvent } from './events/auth-org-change.js';
