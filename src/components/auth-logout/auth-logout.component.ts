import { html, nothing, type PropertyDeclarations, type PropertyValues } from 'lit';
import { AuthError, type AuthState } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { AuthController } from '../controller.js';
import { actingFor } from '../events/origin.js';
import { settleFocus } from '../focus.js';
import styles from './auth-logout.styles.js';

/**
 * A logout button. It is shown only while a user is signed in, and stays to show the error when a
 * logout fails (e.g. `logout_incomplete`: signed out here, but the server could not be told). The
 * button goes away with the session: the focus then moves to the login form's heading, else to
 * `<auth-provider>`'s announcement ("Logged out").
 *
 * Its strings follow the global `lang` attribute: its own, else the closest ancestor's, else the
 * document's.
 *
 * @summary Logout button.
 *
 * @fires {AuthLogoutEvent} auth-logout - Signed out with this button; `detail` is `{}`. Also when the server could not
 *   be told (`logout_incomplete`): the user is signed out here all the same.
 * @fires {AuthErrorEvent} auth-error - A logout failed; `detail` is `{code, message, operation: 'logout'}`.
 *
 * @csspart base - Wrapper of the button and the error.
 * @csspart button - The `<button>`.
 * @csspart error - The error message (role=alert); hidden when empty.
 *
 * @cssproperty --auth-logout-color - Button text. Default `--auth-color-text`.
 * @cssproperty --auth-logout-background - Button background. Default `--auth-color-surface`.
 * @cssproperty --auth-logout-border - Button border colour. Default `--auth-color-border`.
 * @cssproperty --auth-logout-danger - Error colour. Default `--auth-color-danger`.
 * @cssproperty --auth-logout-radius - Corner radius. Default `--auth-input-radius`, else half of `--auth-radius`.
 * @cssproperty --auth-logout-spacing - Gap between button and error. Default `--auth-spacing`.
 * @cssproperty --auth-logout-focus-ring - Focus outline. Default `--auth-focus-ring`.
 * @cssproperty --auth-font
 * @cssproperty --auth-font-size
 * @cssproperty --auth-input-radius
 * @cssproperty --auth-color-scheme
 * @cssproperty --auth-color-text
 * @cssproperty --auth-color-surface
 * @cssproperty --auth-color-border
 * @cssproperty --auth-color-accent
 * @cssproperty --auth-color-danger
 * @cssproperty --auth-radius
 * @cssproperty --auth-spacing
 * @cssproperty --auth-focus-ring
 *
 * @cssstate unknown - The session is being restored.
 * @cssstate anonymous - Nobody is signed in (nothing shown unless an error is).
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (button shown).
 * @cssstate error - The session could not be checked.
 *
 * @attr button-name - The button's text. Default "Log out" (fr "Se déconnecter").
 * @attr location - `main` (default) or `sidebar` (full-width button). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"Logout":"Leave"}`.
 */
export class AuthLogout extends AuthElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    buttonName: { attribute: 'button-name' },
    location: { reflect: true },
    operationError: { state: true },
    busy: { state: true },
  };

  /** The button's text; when unset, the translated "Log out". */
  declare buttonName: string | undefined;
  /** `main` or `sidebar`. */
  declare location: 'main' | 'sidebar';
  declare protected operationError: AuthError | null;
  declare protected busy: boolean;

  protected readonly auth = new AuthController(this, {
    onChange: (state) => {
      if (state.status === 'authenticated') this.operationError = null;
    },
  });

  #abort: AbortController | null = null;

  constructor() {
    super();
    this.buttonName = undefined;
    this.location = 'main';
    this.operationError = null;
    this.busy = false;
  }

  /** The current state of the shared client. */
  get state(): AuthState {
    return this.auth.state;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort();
    this.#abort = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.setStatusState(this.auth.state.status);
  }

  protected override render() {
    const authenticated = this.auth.state.status === 'authenticated';
    const message = this.operationError ? this.localize.errorMessage(this.operationError.code) : '';
    if ((!authenticated && !message && !this.busy) || !this.localize.ready()) return nothing;
    const label = this.buttonName || this.localize.term('logout');
    return html`
      <div part="base">
        ${authenticated || this.busy
          ? html`<button part="button" type="button" ?disabled=${this.busy} aria-busy=${this.busy ? 'true' : 'false'} @click=${this.#onClick}>
              ${this.busy ? this.localize.term('loggingOut') : label}
            </button>`
          : nothing}
        <div part="error" role="alert" ?hidden=${!message}>${message}</div>
      </div>
    `;
  }

  async #onClick(): Promise<void> {
    if (this.busy) return;
    const client = this.auth.client;
    if (!client) {
      this.dispatchAuthError(Object.assign(new Error('No <auth-provider> above this element.'), { code: 'no_client' }), 'logout');
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    this.operationError = null;
    this.busy = true;
    try {
      await actingFor(client, this, () => client.logout({ signal: abort.signal }));
    } catch (err) {
      if (abort.signal.aborted) return;
      const error = err instanceof AuthError ? err : new AuthError('network_error', 'Something went wrong.', { cause: err });
      this.operationError = error;
      this.dispatchAuthError(error, 'logout');
    } finally {
      if (this.#abort === abort) this.#abort = null;
      this.busy = false;
    }
    // Logged out here, even when the server could not be told: the button is gone.
    void settleFocus(this, 'logout');
  }
}
