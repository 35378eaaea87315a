import type { AuthErrorCode } from '../../core/index.js';
import type { AccountKey } from './en-account.js';
import type { OrgKey } from './en-org.js';

/** Codes the elements find themselves, before anything is sent. */
export type ClientErrorCode = 'no_client' | 'password_mismatch' | 'password_required_for_email';

/**
 * The user message for each AuthError code, plus codes the elements add themselves. `wrong_password`
 * is `invalid_credentials` on a form that asked for the current password.
 */
type ErrorMessages = {
  readonly [K in `error.${AuthErrorCode | ClientErrorCode | 'wrong_password' | 'unknown' | 'config'}`]: string;
};

/**
 * The rule that refused a request, from the server's machine-readable `reason` (shown after the
 * code's message; `{min}`, `{max}` from the error body). Only the account forms show them: the
 * English ones come with those forms (en-account.ts), not with the first-load bundle, so a table
 * may lack them; a reason without a string shows the code's message alone.
 */
export type ReasonMessages = {
  readonly [K in `reason.${'too_short' | 'too_long' | 'too_many_bytes' | 'common' | 'username' | 'email'}`]?: string;
};

/**
 * `<auth-org-select>`, its members panel and the organization role in `<auth-status>`: `{name}`,
 * `{org}` and `{role}` are filled with text. The English strings come with those elements
 * (en-org.ts), not with the first-load bundle; `org.role.<id>` names the default roles.
 */
type OrgMessages = { readonly [K in Exclude<OrgKey, `error.${string}`>]: string };

/**
 * Every visible string of the kit. Other languages must satisfy this type; `fields` on any element
 * overrides single keys. `{name}`, `{min}` and `{length}` are placeholders filled with text (never HTML).
 *
 * Keys with a prefix (`register.title`, `forgotPassword.success`, …) belong to one form element; in
 * that element's `fields` the bare name (`title`, `submit`, `success`) is enough.
 */
export type Translation = {
  /** BCP 47 code of the table, e.g. `en`. */
  readonly $code: string;
  /** The language's own name, e.g. `English`. */
  readonly $name: string;
  readonly title: string;
  readonly username: string;
  readonly password: string;
  readonly submit: string;
  readonly submitting: string;
  readonly logout: string;
  readonly loggingOut: string;
  readonly signedInAs: string;
  /** Announced by `<auth-provider>` when the user logs out. */
  readonly signedOut: string;
  readonly signingIn: string;
  readonly notSignedIn: string;
  readonly roles: string;
  readonly organization: string;
  /** Account forms: field labels and hints. */
  readonly name: string;
  readonly email: string;
  readonly usernameOrEmail: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly passwordRepeat: string;
  readonly resetCode: string;
  /** The code of the registration mail (`<auth-register>` after the server mailed a link). */
  readonly verifyCode: string;
  /** Under a new password: `{min}` is the policy's minimum length. */
  readonly passwordHint: string;
  /** The strength indicator: `{length}` typed so far, `{min}` needed. */
  readonly passwordShort: string;
  readonly passwordOk: string;
  readonly passwordStrong: string;
  /** The strength meter (levels `common` and `weak`) and its announcement (`{level}` is its text). */
  readonly passwordCommon: string;
  readonly passwordSameUsername: string;
  readonly passwordSameEmail: string;
  readonly passwordWeak: string;
  readonly passwordStrength: string;
  /** The accessible name of the show-password toggle (its state is `aria-pressed`). */
  readonly showPassword: string;
  /** Footer links: `<auth-login>` (`forgot-href`, `register-href`), `<auth-register>` and `<auth-forgot>` (`login-href`). */
  readonly forgotPasswordLink: string;
  readonly registerLink: string;
  readonly haveAccount: string;
  readonly loginLink: string;
  readonly backToLogin: string;
  readonly emailHint: string;
  /** The submit button of the account forms while a request is in flight. */
  readonly working: string;
  readonly 'register.title': string;
  readonly 'register.submit': string;
  readonly 'register.success': string;
  /**
   * `<auth-register>` once the server mailed a link and a code (title, submit, and the message shown
   * when the mail went out: the success of the first step).
   */
  readonly 'verifyRegistration.title': string;
  readonly 'verifyRegistration.submit': string;
  readonly 'verifyRegistration.success': string;
  readonly 'changePassword.title': string;
  readonly 'changePassword.submit': string;
  readonly 'changePassword.success': string;
  readonly 'resetPassword.title': string;
  readonly 'resetPassword.submit': string;
  readonly 'resetPassword.success': string;
  readonly 'forgotPassword.title': string;
  readonly 'forgotPassword.submit': string;
  readonly 'forgotPassword.success': string;
  readonly 'forgotUsername.title': string;
  readonly 'forgotUsername.submit': string;
  readonly 'forgotUsername.success': string;
  readonly 'updateDetails.title': string;
  readonly 'updateDetails.submit': string;
  readonly 'updateDetails.success': string;
  /** `rate_limited` when the server said how long to wait: `{time}` is e.g. "in 30 seconds" (Intl). */
  readonly retryIn: string;
  /** `<auth-login>` under an OIDC backend: its one button; `{provider}` is the provider's name. */
  readonly continueWith: string;
  /** `<auth-status>`: the link to the identity provider's account page (OIDC backends that have one). */
  readonly manageAccount: string;
} & OrgMessages &
  ErrorMessages &
  ReasonMessages;

export type TranslationKey = Exclude<keyof Translation, '$code' | '$name'>;

/**
 * Keys of the account forms only (`<auth-register>`, `<auth-reset-password>`, `<auth-forgot>`,
 * `<auth-update-details>`): their English strings are in en-account.ts and join this table when one
 * of those elements loads (auth-form/fields.ts), so the login's first load carries none of them.
 */
export type { AccountKey, OrgKey };

/**
 * The strength meter's keys. Their English strings ship with the meter (auth-form/strength.ts adds
 * them to this table when it loads, with `<auth-register>` or `<auth-reset-password>`), so the
 * login's first load carries none of them; other languages have them in their own tables.
 */
/**
 * The OIDC keys. Their English strings ship with what shows them (the provider button's chunk,
 * auth-login/provider-button.ts, and `<auth-status>`, itself on demand), so a page that does not use
 * OIDC loads none of them; other languages have them in their own tables.
 */
export type OidcKey = 'continueWith' | 'manageAccount';

export type MeterKey =
  | 'passwordHint'
  | 'passwordShort'
  | 'passwordOk'
  | 'passwordStrong'
  | 'passwordCommon'
  | 'passwordSameUsername'
  | 'passwordSameEmail'
  | 'passwordWeak'
  | 'passwordStrength';

const en = {
  $code: 'en',
  $name: 'English',
  title: 'Login',
  username: 'Username',
  password: 'Password',
  submit: 'Log in',
  submitting: 'Logging in…',
  logout: 'Log out',
  loggingOut: 'Logging out…',
  signedInAs: 'Logged in as {name}',
  signedOut: 'Logged out',
  signingIn: 'Logging in…',
  notSignedIn: 'Not logged in',
  roles: 'Roles',
  organization: 'Organization',
  showPassword: 'Show password',
  forgotPasswordLink: 'Forgot password?',
  registerLink: 'Create an account',
  retryIn: 'Too many attempts. Try again {time}.',
  'error.invalid_credentials': 'Invalid username or password.',
  'error.rate_limited': 'Too many attempts. Please wait a moment and try again.',
  'error.network_error': 'The server could not be reached. Check your connection and try again.',
  'error.server_error': 'The server had a problem. Please try again later.',
  'error.request_rejected': 'The server refused the request.',
  'error.invalid_response': 'The server sent an unexpected answer.',
  'error.token_invalid': 'The login could not be verified.',
  'error.token_expired': 'Your session has expired. Please log in again.',
  'error.session_expired': 'Your session has ended. Please log in again.',
  'error.not_authenticated': 'Please log in first.',
  'error.aborted': 'The operation was cancelled.',
  'error.timeout': 'The server took too long to answer. Please try again.',
  'error.unsupported': 'This operation is not available.',
  'error.logout_incomplete': 'You are logged out here, but the server could not be told.',
  'error.popup_closed': 'The login window was closed before the login finished.',
  'error.popup_blocked': 'The browser blocked the login window. Allow pop-ups and try again.',
  'error.state_mismatch': 'The login response did not match this page. Please try again.',
  'error.provider_error': 'The identity provider refused the login.',
  'error.invalid_input': 'Some of the information is missing or not valid.',
  'error.weak_password': 'This password does not meet the password rules.',
  'error.unknown': 'Something went wrong. Please try again.',
  'error.config': 'Login is not available: the configuration is invalid.',
  'error.no_client': 'Login is not available on this page.',
} satisfies Omit<Translation, MeterKey | AccountKey | OidcKey | OrgKey> as Translation;

export default en;
