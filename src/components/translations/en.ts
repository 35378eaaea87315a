import type { AuthErrorCode } from '../../core/index.js';

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
} & ErrorMessages &
  ReasonMessages;

export type TranslationKey = Exclude<keyof Translation, '$code' | '$name'>;

const en: Translation = {
  $code: 'en',
  $name: 'English',
  title: 'Login',
  username: 'Username',
  password: 'Password',
  submit: 'Log in',
  submitting: 'Logging in…',
  logout: 'Logout',
  loggingOut: 'Logging out…',
  signedInAs: 'Signed in as {name}',
  signingIn: 'Signing in…',
  notSignedIn: 'Not signed in',
  roles: 'Roles',
  organization: 'Organization',
  name: 'Name',
  email: 'Email',
  usernameOrEmail: 'Username or email',
  currentPassword: 'Current password',
  newPassword: 'New password',
  passwordRepeat: 'Repeat password',
  resetCode: 'Reset code',
  verifyCode: 'Code from the email',
  passwordHint: 'Use at least {min} characters. Length matters more than symbols.',
  passwordShort: 'Too short ({length}/{min})',
  passwordOk: 'OK',
  passwordStrong: 'Strong',
  emailHint: 'Needed to change your email address.',
  working: 'Please wait…',
  'register.title': 'Register',
  'register.submit': 'Register',
  'register.success': 'Your account was created. You can now log in.',
  'verifyRegistration.title': 'Confirm your email',
  'verifyRegistration.submit': 'Create account',
  'verifyRegistration.success': 'Check your email: we sent a link and a code to finish creating your account.',
  'changePassword.title': 'Change password',
  'changePassword.submit': 'Change password',
  'changePassword.success': 'Your password was changed.',
  'resetPassword.title': 'Reset password',
  'resetPassword.submit': 'Reset password',
  'resetPassword.success': 'Your password was reset. You can now log in with the new password.',
  'forgotPassword.title': 'Forgot password',
  'forgotPassword.submit': 'Send',
  'forgotPassword.success': 'If an account matches, we have sent an email with the next steps.',
  'forgotUsername.title': 'Forgot username',
  'forgotUsername.submit': 'Send',
  'forgotUsername.success': 'If an account matches, we have sent an email with the next steps.',
  'updateDetails.title': 'Update details',
  'updateDetails.submit': 'Save',
  'updateDetails.success': 'Your details were saved.',
  retryIn: 'Too many attempts. Try again {time}.',
  'error.invalid_credentials': 'Invalid username or password.',
  'error.rate_limited': 'Too many attempts. Please wait a moment and try again.',
  'error.network_error': 'The server could not be reached. Check your connection and try again.',
  'error.server_error': 'The server had a problem. Please try again later.',
  'error.request_rejected': 'The server refused the request.',
  'error.invalid_response': 'The server sent an unexpected answer.',
  'error.token_invalid': 'The sign-in could not be verified.',
  'error.token_expired': 'Your session has expired. Please log in again.',
  'error.session_expired': 'Your session has ended. Please log in again.',
  'error.not_authenticated': 'Please log in first.',
  'error.aborted': 'The operation was cancelled.',
  'error.timeout': 'The server took too long to answer. Please try again.',
  'error.unsupported': 'This operation is not available.',
  'error.logout_incomplete': 'You are signed out here, but the server could not be told.',
  'error.popup_closed': 'The sign-in window was closed before sign-in finished.',
  'error.popup_blocked': 'The browser blocked the sign-in window. Allow pop-ups and try again.',
  'error.state_mismatch': 'The sign-in response did not match this page. Please try again.',
  'error.provider_error': 'The identity provider refused the sign-in.',
  'error.invalid_input': 'Some of the information is missing or not valid.',
  'error.weak_password': 'This password does not meet the password rules.',
  'error.registration_not_allowed': 'Registration is not open for this email address.',
  'error.username_taken': 'This username is already taken.',
  'error.email_taken': 'This email address is already used by another account.',
  'error.reset_token_invalid': 'This reset code is wrong, already used or expired. Request a new one.',
  'error.verification_token_invalid': 'This code is wrong, already used or expired. Register again to get a new one.',
  'error.password_mismatch': 'The passwords do not match.',
  'error.password_required_for_email': 'Enter your current password to change your email address.',
  'error.wrong_password': 'The current password is wrong.',
  'error.unknown': 'Something went wrong. Please try again.',
  'error.config': 'Sign-in is not available: the configuration is invalid.',
  'error.no_client': 'Sign-in is not available on this page.',
};

export default en;
