import type { PropertyDeclarations, PropertyValues } from 'lit';
import type { AuthClient, AuthError, AuthStateStatus } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FooterLink, type FormError, type FormValue } from '../auth-form/auth-form.js';
import { email, name, newPassword, reasonText, takeUrlParam } from '../auth-form/fields.js';
import { StrengthMeter } from '../auth-form/strength.js';
import { AuthRegisteredEvent } from '../events/auth-registered.js';
import { AuthVerificationSentEvent } from '../events/auth-verification-sent.js';
import styles from './auth-register.styles.js';

/** The query parameter of the link in the registration mail. */
const PARAM = 'verify_token';

/**
 * The registration form: name, email, username, password and its repetition. Registering does not
 * sign in; on success the element says so, empties the form and dispatches `auth-registered`, and the
 * user logs in next (as with Streamlit-Authenticator). The server decides who may register (open,
 * pre-authorized emails, allowed domains) and refuses with `registration_not_allowed`, which does not
 * tell whether an email exists.
 *
 * The form is a light-DOM child, like `<auth-login>`'s (see there why): style it with ordinary
 * selectors (`auth-register input`). Values are read at submit time. Two different passwords are
 * refused before anything is sent. The new password gets a hint that follows the policy's minimum
 * length (`password-min-length`) and a live strength indicator; the server stays the authority
 * (common passwords are checked there) and its reason is shown when it refuses one. Shown only
 * while nobody is signed in; a placeholder keeps the place while the session is being restored.
 *
 * **Proof of the address.** When the server mails a link and a code instead of creating the account
 * at once (the reference server does wherever mail is configured), the element says "Check your
 * email: we sent a link and a code to finish creating your account.", and shows a "Code from the
 * email" field (`verify-code`, `autocomplete="one-time-code"`); the account is created with the code
 * (`verifyRegistration`), then the usual success message shows and `auth-registered` fires. The link
 * in the mail leads to a page with this element: a `?verify_token=…` parameter is read when the
 * element connects, removed from the address bar at once with `history.replaceState` (as
 * `<auth-reset-password>` does with `reset_token`), and the registration finishes by itself. A code
 * the server refuses shows `verification_token_invalid` on the code field.
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * CSS properties: its own `--auth-<element>-*`, else `--auth-form-*` (every form element), else the kit
 * tokens; custom-elements.json lists them all.
 *
 * @summary Registration form (name, email, username, password).
 *
 * @slot footer - Content under the form, e.g. a link to the login.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @fires {AuthRegisteredEvent} auth-registered - The account was created; `detail` is `{username}`.
 * @fires {AuthVerificationSentEvent} auth-verification-sent - The server mailed a link and a code to prove the address
 *   (the account exists once the code is given); `detail` is `{username}`.
 * @fires {AuthErrorEvent} auth-error - Registration failed; `detail` is `{code, message, operation: 'register' |
 *   'verify-registration'}` (codes include `registration_not_allowed`, `username_taken`, `email_taken`,
 *   `weak_password`, `invalid_input`, `verification_token_invalid`, and `password_mismatch` found
 *   before sending).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Register"), an `<h2>` (see `heading-level`).
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - The success message (role=status); empty until the account is created.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart form - (light DOM, select with `auth-register [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) each `<label>`.
 * @csspart input - (light DOM) each `<input>`.
 * @csspart name-input - (light DOM) the name input.
 * @csspart email-input - (light DOM) the email input.
 * @csspart username-input - (light DOM) the username input.
 * @csspart password-input - (light DOM) the new password input.
 * @csspart password-repeat-input - (light DOM) the repeated password input.
 * @csspart verify-code-input - (light DOM) the code from the registration mail (after it was sent).
 * @csspart hint - (light DOM) the password policy hint.
 * @csspart strength - (light DOM) the strength meter under the new password: a bar (`::before`) and its text, with
 *   `data-level` = `too-short`, `common` (in the server's common-password list, or the username or email), `weak`
 *   (accepted, but few different characters or a repeated pattern), `ok` or `strong`; hidden while empty.
 * @csspart strength-status - (light DOM) the meter's polite live region (role=status, visually hidden): the reading
 *   is announced once typing pauses for a second, not on every keystroke.
 * @csspart field-error - (light DOM) the message of an error that concerns a field (role=alert), after that
 * field and named by its `aria-describedby` and `aria-errormessage`; other errors show in `error`.
 * @csspart password-field - (light DOM) the box around each password input and its toggle.
 * @csspart password-toggle - (light DOM) the show-password button of each password input
 *   (`type="button"`, named "Show password", `aria-pressed`, `aria-controls` the input; back to dots before every submit).
 * @csspart spinner - (light DOM) the spinner inside the submit button while a request is pending
 *   (still under `prefers-reduced-motion: reduce`).
 * @csspart submit-button - (light DOM) the submit button.
 * @csspart footer - "Already have an account? Log in", shown when `login-href` is set.
 * @csspart link - The link in it.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (form shown).
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (element hidden).
 * @cssstate error - The session could not be checked (form shown).
 *
 * @attr token - A registration token to finish with (else taken from `?verify_token=` in the address); empty
 *   once the server mailed a code: the form asks for it. Not reflected.
 * @attr password-min-length - The policy's minimum password length for the hint, the indicator and
 *   `minlength`. Default 15 (the server's default); never below 8.
 * @attr login-href - Address of the login page: "Already have an account? Log in" under the form. None by default.
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr heading-level - Level of the title's heading, 1 to 6. Default 2 (anything else: 2, with a warning).
 * @attr hide-heading - Hide the title visually; screen readers still read it as the form's heading.
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Sign up","Register":"Create account"}`
 *   (`title`, `submit`, `success`, `name`, `email`, `username`, `password`, `passwordRepeat`,
 *   `passwordHint`, `working`, `verifyCode`, `verifyRegistration.title`, `verifyRegistration.submit`,
 *   `verifyRegistration.success` ("Check your email…"), `error.*`, …).
 */
export class AuthRegister extends AuthForm {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    passwordMinLength: { attribute: 'password-min-length', type: Number },
    token: {},
    loginHref: { attribute: 'login-href' },
  };

  /** The login page's address (`login-href`); none: no link. */
  declare loginHref: string | undefined;
  protected override readonly meter = new StrengthMeter(this);

  /**
   * The second step: a registration token to finish with (from `?verify_token=` when the element
   * connects; used once), or '' once the server mailed a code: the form asks for it.
   */
  declare token: string | undefined;
  /** The token came from the address: finish without waiting for a click. */
  #finishFromLink = false;
  /** The username typed at the first step, for `auth-registered`. */
  #username = '';
  /** Move the focus to the code field once it is there (after the first step). */
  #focusCode = false;

  override connectedCallback(): void {
    super.connectedCallback();
    const token = takeUrlParam(PARAM);
    if (token !== null) {
      this.token ||= token;
      this.#finishFromLink = true;
    }
  }

  /** The second step: a code was mailed, or a token is at hand. */
  #verifying(): boolean {
    return this.token != null;
  }

  protected get operation() {
    return this.#verifying() ? 'verify-registration' : 'register';
  }

  protected override get scope(): string {
    return this.#verifying() ? 'verifyRegistration' : 'register';
  }

  protected override links(): FooterLink[] {
    return this.#verifying() ? [] : [[this.loginHref, 'loginLink', 'haveAccount']];
  }

  /** Who follows the link finishes it whatever the session; the first step is for signed-out users. */
  protected override visible(status: AuthStateStatus): boolean {
    return this.#verifying() ? status !== 'unknown' : super.visible(status);
  }

  /** Which password rule failed, translated from the server's reason. */
  protected override detail(error: FormError): string | undefined {
    return reasonText(this.localize, error) ?? super.detail(error);
  }

  protected inputs(): FieldSpec[] {
    if (this.#verifying()) {
      if (this.token) return [];
      return [{ name: 'verify-code', label: 'verifyCode', autocomplete: 'one-time-code', verbatim: true, errors: ['verification_token_invalid'] }];
    }
    return [
      name,
      email(['email_taken', 'registration_not_allowed']),
      { name: 'username', label: 'username', autocomplete: 'username', verbatim: true, errors: ['username_taken'] },
      ...newPassword('password'),
    ];
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // The code field replaces the form the user just sent: keep the focus in the form, on it.
    const code = this.#focusCode ? this.querySelector<HTMLInputElement>('input[name="verify-code"]:enabled') : null;
    if (code) {
      this.#focusCode = false;
      code.focus();
    }
    if (this.#finishFromLink && this.token && this.auth.client) {
      this.#finishFromLink = false;
      this.submit();
    }
  }

  protected async send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<Event> {
    let username: string | null = value('username');
    if (this.#verifying()) {
      ({ username } = await client.verifyRegistration({ token: this.token || value('verify-code').trim() }, { signal }).catch((err: AuthError) => {
        // A refused token is dropped: the code field appears for the code of a newer mail.
        if (err.code === 'verification_token_invalid') this.token = '';
        throw err;
      }));
      this.token = undefined; // used up
      username ??= this.#username;
    } else if ((await client.register({ name: value('name'), email: value('email'), username, password: value('password') }, { signal })).verificationSent) {
      this.#username = username;
      this.#focusCode = true;
      this.token = '';
      return new AuthVerificationSentEvent(username);
    }
    return new AuthRegisteredEvent(username);
  }
}
