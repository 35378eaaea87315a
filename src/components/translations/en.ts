import type { AuthErrorCode } from '../../core/index.js';

/** The user message for each AuthError code, plus codes the elements add themselves. */
type ErrorMessages = {
  readonly [K in `error.${AuthErrorCode | 'unknown' | 'config' | 'no_client'}`]: string;
};

/**
 * Every visible string of the kit. Other languages must satisfy this type; `fields` on any element
 * overrides single keys. `{name}` and `{roles}` are placeholders filled with text (never HTML).
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
} & ErrorMessages;

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
  'error.unknown': 'Something went wrong. Please try again.',
  'error.config': 'Sign-in is not available: the configuration is invalid.',
  'error.no_client': 'Sign-in is not available on this page.',
};

export default en;
