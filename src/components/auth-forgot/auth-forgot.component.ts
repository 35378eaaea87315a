import type { PropertyDeclarations } from 'lit';
import type { AuthClient } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FormValue } from '../auth-form/auth-form.js';
import { email } from '../auth-form/fields.js';
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
 * @summary Forgot password / forgot username form.
 *
 * @slot footer - Content under the form, e.g. a link back to the login.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @event auth-error - {AuthErrorEvent} The request failed; `detail` is
 *   `{code, message, operation: 'forgot-password' | 'forgot-username'}` (e.g. `rate_limited`,
 *   `invalid_input`, `network_error`).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Forgot password" or "Forgot username").
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - The confirmation (role=status); empty until the request was accepted.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart form - (light DOM, select with `auth-forgot [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) the `<label>`.
 * @csspart input - (light DOM) the `<input>`.
 * @csspart login-input - (light DOM) the username-or-email input (`mode="password"`).
 * @csspart email-input - (light DOM) the email input (`mode="username"`).
 * @csspart field-error - (light DOM) the message of an error that concerns a field (role=alert), after that
 * field and named by its `aria-describedby` and `aria-errormessage`; other errors show in `error`.
 * @csspart submit-button - (light DOM) the submit button.
 *
 * @cssproperty --auth-form-color - Text colour (all form elements). Default `--auth-color-text`.
 * @cssproperty --auth-form-muted - Secondary text. Default `--auth-color-muted`.
 * @cssproperty --auth-form-background - Card and input background. Default `--auth-color-surface`.
 * @cssproperty --auth-form-border - Card and input border colour. Default `--auth-color-border`.
 * @cssproperty --auth-form-accent - Submit button background, success mark. Default `--auth-color-accent`.
 * @cssproperty --auth-form-on-accent - Submit button text. Default `--auth-color-on-accent`.
 * @cssproperty --auth-form-danger - Error colour. Default `--auth-color-danger`.
 * @cssproperty --auth-form-radius - Corner radius. Default `--auth-radius`.
 * @cssproperty --auth-form-spacing - Padding and gaps. Default `--auth-spacing`.
 * @cssproperty --auth-form-focus-ring - Focus outline. Default `--auth-focus-ring`.
 * @cssproperty --auth-form-max-width - Maximum width of the card. Default `26rem`.
 * @cssproperty --auth-form-placeholder-height - Minimum height kept while restoring (the invisible form already keeps its size). Default `auto`.
 * @cssproperty --auth-forgot-color - Each `--auth-form-*` property also exists as `--auth-forgot-*`
 *   (`-color`, `-muted`, `-accent`, …), for this element only; it wins.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (form shown).
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (element hidden).
 * @cssstate error - The session could not be checked (form shown).
 *
 * @attr mode - `password` (default) or `username`. Reflected.
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Lost your password?","Submit":"Send me a link"}`
 *   (`title`, `submit`, `success` of the current mode, `usernameOrEmail`, `email`,
 *   `forgotPassword.title`, `forgotUsername.title`, `error.*`, …).
 * @attr lang - Language of the strings (else the closest ancestor's, else the document's).
 */
export class AuthForgot extends AuthForm {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    mode: { reflect: true },
  };

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

  protected inputs(): FieldSpec[] {
    return this.#username()
      ? [email([])]
      : [{ name: 'login', label: 'usernameOrEmail', autocomplete: 'username', verbatim: true }];
  }

  protected send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<unknown> {
    return this.#username()
      ? client.requestUsernameReminder({ email: value('email') }, { signal })
      : client.requestPasswordReset({ login: value('login') }, { signal });
  }
}
