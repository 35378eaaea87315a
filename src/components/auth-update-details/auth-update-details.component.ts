import type { PropertyValues } from 'lit';
import type { AuthClient, AuthStateStatus } from '../../core/index.js';
import { AuthForm, type FieldSpec, type FormValue } from '../auth-form/auth-form.js';
import { currentPassword, email, fillUsername, name, username } from '../auth-form/fields.js';
import { AuthDetailsUpdatedEvent } from '../events/auth-details-updated.js';
import styles from './auth-update-details.styles.js';

/**
 * The signed-in user's name and email. The fields are filled from the session once per user (and
 * again after a successful save), never while the user is typing. Changing the email needs the
 * current password: the element sends it only when the email changed, and refuses before sending
 * when it is missing (`password_required_for_email`); the server tells the old address.
 *
 * The form is a light-DOM child, like `<auth-login>`'s (see there why). Values are read at submit
 * time. Shown only while a user is signed in; a placeholder keeps the place while the session is
 * being restored.
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * CSS properties: its own `--auth-<element>-*`, else `--auth-form-*` (every form element), else the kit
 * tokens; custom-elements.json lists them all.
 *
 * @summary Update the signed-in user's name and email.
 *
 * @slot footer - Content under the form.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @fires {AuthDetailsUpdatedEvent} auth-details-updated - The server saved the details; `detail` is `{user}`, the updated
 *   user.
 * @fires {AuthErrorEvent} auth-error - The update failed; `detail` is `{code, message, operation: 'update-details'}`
 *   (codes include `invalid_credentials` for a wrong current password, `email_taken`,
 *   `invalid_input`, `session_expired`, and `password_required_for_email` found before sending).
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Update details"), an `<h2>` (see `heading-level`).
 * @csspart error - The error message of no particular field (role=alert); hidden when empty.
 * @csspart success - The success message (role=status); empty until the details were saved.
 * @csspart placeholder - Shown while the session is being restored: the form laid out but invisible, so it keeps its size.
 * @csspart form - (light DOM, select with `auth-update-details [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) each `<label>`.
 * @csspart input - (light DOM) each `<input>`.
 * @csspart username-input - (light DOM) the signed-in username, read-only (autocomplete=username, for
 *   password managers: the form has a password field).
 * @csspart name-input - (light DOM) the name input.
 * @csspart email-input - (light DOM) the email input.
 * @csspart current-password-input - (light DOM) the current password input.
 * @csspart hint - (light DOM) the hint under the current password.
 * @csspart field-error - (light DOM) the message of an error that concerns a field (role=alert), after that
 * field and named by its `aria-describedby` and `aria-errormessage`; other errors show in `error`.
 * @csspart password-field - (light DOM) the box around each password input and its toggle.
 * @csspart password-toggle - (light DOM) the show-password button of each password input
 *   (`type="button"`, named "Show password", `aria-pressed`, `aria-controls` the input; back to dots before every submit).
 * @csspart spinner - (light DOM) the spinner inside the submit button while a request is pending
 *   (still under `prefers-reduced-motion: reduce`).
 * @csspart submit-button - (light DOM) the submit button.
 *
 * @cssstate unknown - The session is being restored (placeholder).
 * @cssstate anonymous - Nobody is signed in (element hidden).
 * @cssstate pending - A login is in progress (element hidden).
 * @cssstate authenticated - A user is signed in (form shown).
 * @cssstate error - The session could not be checked (element hidden).
 *
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr heading-level - Level of the title's heading, 1 to 6. Default 2 (anything else: 2, with a warning).
 * @attr hide-heading - Hide the title visually; screen readers still read it as the form's heading.
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Your profile","Update":"Save"}`
 *   (`title`, `submit`, `success`, `name`, `email`, `currentPassword`, `emailHint`, `error.*`, …).
 */
export class AuthUpdateDetails extends AuthForm {
  static override styles = styles;

  protected readonly operation = 'update-details';

  /** The user whose details the fields were last filled with. */
  #filledFor: string | null = '';

  protected override get scope(): string {
    return 'updateDetails';
  }

  protected override visible(status: AuthStateStatus): boolean {
    return status === 'authenticated';
  }

  protected inputs(): FieldSpec[] {
    return [
      username,
      name,
      email(['email_taken']),
      { ...currentPassword, required: false, hint: 'emailHint' },
    ];
  }

  protected override check(value: FormValue): string | null {
    return this.#emailChanged(value) && !value('current-password') ? 'password_required_for_email' : null;
  }

  protected async send(client: AuthClient, value: FormValue, signal: AbortSignal): Promise<Event> {
    const input: { name: string; email?: string; currentPassword?: string } = { name: value('name') };
    if (this.#emailChanged(value)) {
      input.email = value('email');
      input.currentPassword = value('current-password');
    }
    const { user } = await client.updateDetails(input, { signal });
    return new AuthDetailsUpdatedEvent(user!);
  }

  /** Emptied after a save: fill again from the updated session. */
  protected override formReset(): void {
    this.#filledFor = '';
    this.requestUpdate();
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // A new user (or none: signed out) gets their own values, the previous user's are gone.
    const user = this.auth.state.user;
    fillUsername(this, user?.username);
    if ((user?.id ?? null) !== this.#filledFor) {
      this.#filledFor = user?.id ?? null;
      this.setValues({ name: user?.name, email: user?.email });
    }
  }

  #emailChanged(value: FormValue): boolean {
    return value('email').trim().toLowerCase() !== (this.auth.state.user?.email ?? '').toLowerCase();
  }
}
