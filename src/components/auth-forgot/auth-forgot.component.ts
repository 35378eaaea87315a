import type { PropertyDeclarations } from 'lit';
import type { AuthClient } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FooterLink, type FormValue } from '../auth-form/auth-form.js';
import { email } from '../auth-form/fields.js';
import { AuthResetRequestedEvent } from '../events/auth-reset-requested.js';
import { AuthUsernameRequestedEvent } from '../events/auth-username-requested.js';
import styles from './auth-forgot.styles.js';

/**
 * Asks the server to send a mail, in one of two modes:
 *
 * - `mode="password"` (default), "Forgot password": a username or email; the server mails a reset
 *   link and code (for `<auth-reset-password>`). Calls `requestPasswordReset({login})`.
 * - `mode="username"`, "Forgot username": an email; the server mails the username to it. Calls
 *   `requestUsernameReminder({email})`.
 *
 * Both answer with the same message whether or not an account matches ("If an account matches, we
 * have sent an email with the next steps."), so the form does not reveal who has an account. The
 * username is never shown on the page: it is only mailed.
 *
 * The form is a light-DOM child, like `<auth-login>`'s (see there why). Values are read at submit
 * time. Shown only while nobody is signed in; a placeholder keeps the place while the session is being
 * restored.
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * CSS properties: its own `--auth-<element>-*`, else `--auth-form-*` (every form element), else the kit
 * tokens; custom-elements.json lists them all.
 *
 * @summary Forgot password / forgot username form.
 *
 * @slot footer - Content under the form, e.g. a link back to the login.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @fires {AuthResetRequestedEvent} auth-reset-requested - `mode="password"`: the server accepted the request (whether or
 *   not an account matches); `detail` is `{login}`, as typed.
 * @fires {AuthUsernameRequestedEvent} auth-username-requested - `mode="username"`: the server accepted the request
 *   (whether or not an account matches); `detail` is `{email}`, as typed.
 * @fires {AuthErrorEvent} auth-error - The request failed; `detail` is
 *   `{code, message, operation: 'forgot-password' | 'forgot-username'}` (e.g. `rate_limited`,
 *   `invalid_input`, `network_error`).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Forgot password" or "Forgot username"), an `<h2>` (see `heading-level`).
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - The confirmation (role=status); empty until the request was accepted.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart form - (light DOM, select with `auth-forgot [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) the `<label>`.
 * @csspart input - (light DOM) the `<input>`.
 * @csspart login-input - (light DOM) the username-or-email input (`mode="password"`).
 * @csspart email-input - (light DOM) the email input (`mode="username"`).
 * @csspart spinner - (light DOM) the spinner inside the submit button while a request is pending.
 * @csspart submit-button - (light DOM) the submit button.
 * @csspart footer - "Back to log in", shown when `login-href` is set.
 * @csspart link - The link in it.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (form shown).
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (element hidden).
 * @cssstate error - The session could not be checked (form shown).
 *
 * @attr mode - `password` (default) or `username`. Reflected.
 * @attr login-href - Address of the login page: a "Back to log in" link under the form. None by default.
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr heading-level - Level of the title's heading, 1 to 6. Default 2 (anything else: 2, with a warning).
 * @attr hide-heading - Hide the title visually; screen readers still read it as the form's heading.
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Lost your password?","Submit":"Send me a link"}`
 *   (`title`, `submit`, `success` of the current mode, `usernameOrEmail`, `email`,
 *   `forgotPassword.title`, `forgotUsername.title`, `error.*`, …).
 */
export class AuthForgot extends AuthForm {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    mode: { reflect: true },
    loginHref: { attribute: 'login-href' },
  };

  /** The login page's address (`login-href`); none: no link. */
  declare loginHref: string | undefined;

  /** `password` (send a reset link) or `username` (send the username). */
  declare mode: 'password' | 'username';

  constructor() {
    super();
    this.mode = 'password';
  }

  #username(): boolean {
    return this.mode === 'username';
  }

  protected get operation() {
    return this.#username() ? 'forgot-username' : 'forgot-password';
  }

  protected override get scope(): string {
    return this.#username() ? 'forgotUsername' : 'forgotPassword';
  }

  protected override links(): FooterLink[] {
    return [[this.loginHref, 'backToLogin']];
  }

  protected inputs(): FieldSpec[] {
    return this.#username()
      ? [email([])]
      : [{ name: 'login', label: 'usernameOrEmail', autocomplete: 'username', verbatim: true }];
  }

  protected async send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<Event> {
    const [email, login] = [value('email'), value('login')];
    if (this.#username()) {
      await client.requestUsernameReminder({ email }, { signal });
      return new AuthUsernameRequestedEvent(email);
    }
    await client.requestPasswordReset({ login }, { signal });
    return new AuthResetRequestedEvent(login);
  }
}
