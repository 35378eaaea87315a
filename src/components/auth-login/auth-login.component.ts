import { html, nothing, render, type PropertyDeclarations, type PropertyValues } from 'lit';
import { AuthError, type AuthState } from '../../core/index.js';
import { AuthElement } from '../auth-element.js';
import { AuthController } from '../controller.js';
import type { TranslationKey } from '../localize.js';
import { adoptFormStyles } from './auth-login.form-styles.js';
import styles from './auth-login.styles.js';

let instances = 0;

/**
 * The username and password login form.
 *
 * **Why the form is in the light DOM.** Browsers' autofill and password-manager extensions do not
 * reliably see inputs inside shadow roots. So the `<form>` with its labels, inputs and submit button
 * is created by the element as a light-DOM child (`<form slot="form" part="form">`, rendered with
 * lit's `render()`), and slotted into the shadow root, which only holds the chrome: `base`, `header`,
 * `error`. The form's default styles come from one constructable stylesheet adopted once into the
 * element's root (document or enclosing shadow root), inside `@layer auth-elements` and scoped under
 * `auth-login`, so any page rule overrides them. Style the light-DOM pieces with ordinary selectors
 * (`auth-login input`, `auth-login [part~="submit-button"]`) or the custom properties below; style
 * the shadow parts with `::part()`. Do not put your own children in the element except in the
 * `footer` slot; the element owns its form.
 *
 * Values are read from the form (FormData) at submit time. While the session is being restored
 * (status `unknown`, e.g. right after a reload) the form is not shown, so it never flashes; an empty
 * placeholder keeps the layout. When a user is signed in the element shows nothing.
 *
 * @summary Login form (username and password) that password managers can fill.
 *
 * @slot footer - Content under the form, e.g. links to register or reset a password.
 * @slot form - Internal: the light-DOM form the element creates. Do not use.
 *
 * @event auth-error - {AuthErrorEvent} A login failed; `detail` is `{code, message, operation: 'login'}`.
 *
 * @csspart base - The card around everything.
 * @csspart header - The title ("Login").
 * @csspart error - The error message (role=alert); hidden when empty.
 * @csspart placeholder - The empty box shown while the session is being restored.
 * @csspart form - (light DOM, select with `auth-login [part~="form"]`) the `<form>`.
 * @csspart label - (light DOM) each `<label>`.
 * @csspart input - (light DOM) each `<input>`.
 * @csspart username-input - (light DOM) the username input.
 * @csspart password-input - (light DOM) the password input.
 * @csspart submit-button - (light DOM) the submit button.
 *
 * @cssproperty --auth-login-color - Text colour. Default `--auth-color-text`.
 * @cssproperty --auth-login-muted - Secondary text. Default `--auth-color-muted`.
 * @cssproperty --auth-login-background - Card and input background. Default `--auth-color-surface`.
 * @cssproperty --auth-login-border - Card and input border colour. Default `--auth-color-border`.
 * @cssproperty --auth-login-accent - Submit button background. Default `--auth-color-accent`.
 * @cssproperty --auth-login-on-accent - Submit button text. Default `--auth-color-on-accent`.
 * @cssproperty --auth-login-danger - Error colour. Default `--auth-color-danger`.
 * @cssproperty --auth-login-radius - Corner radius. Default `--auth-radius`.
 * @cssproperty --auth-login-spacing - Padding and gaps. Default `--auth-spacing`.
 * @cssproperty --auth-login-focus-ring - Focus outline. Default `--auth-focus-ring`.
 * @cssproperty --auth-login-max-width - Maximum width of the card. Default `26rem`.
 * @cssproperty --auth-login-placeholder-height - Height kept while restoring. Default `15rem`.
 *
 * @cssstate unknown - The session is being restored (no form shown).
 * @cssstate anonymous - Nobody is signed in (form shown).
 * @cssstate pending - A login is in progress.
 * @cssstate authenticated - A user is signed in (element hidden).
 * @cssstate error - The session could not be checked (form shown with the reason).
 *
 * @attr location - `main` (default) or `sidebar` (forces the compact layout). Reflected.
 * @attr fields - JSON object overriding strings, e.g. `{"Form name":"Sign in","Login":"Go"}`.
 * @attr lang - Language of the strings (else the closest ancestor's, else the document's).
 */
export class AuthLogin extends AuthElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    location: { reflect: true },
    operationError: { state: true },
    busy: { state: true },
  };

  /** `main` or `sidebar`. */
  declare location: 'main' | 'sidebar';
  /** The last login error, shown until the next attempt. */
  declare protected operationError: AuthError | null;
  declare protected busy: boolean;

  protected readonly auth = new AuthController(this, {
    onChange: (state) => {
      if (state.status === 'authenticated') this.operationError = null;
    },
  });

  readonly #id = `auth-login-${++instances}`;
  #form: HTMLFormElement | null = null;
  #abort: AbortController | null = null;

  constructor() {
    super();
    this.location = 'main';
    this.operationError = null;
    this.busy = false;
  }

  /** The current state of the shared client. */
  get state(): AuthState {
    return this.auth.state;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.#form) {
      const form = document.createElement('form');
      form.method = 'post';
      form.slot = 'form';
      form.setAttribute('part', 'form');
      form.addEventListener('submit', (event) => void this.#onSubmit(event));
      this.#form = form;
    }
    if (this.#form.parentNode !== this) this.append(this.#form);
    adoptFormStyles(this.getRootNode());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A login in flight for a form that is gone: cancel it.
    this.#abort?.abort();
    this.#abort = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.setStatusState(this.auth.state.status);
  }

  protected override render() {
    const state = this.auth.state;
    const showForm = state.status === 'anonymous' || state.status === 'pending' || state.status === 'error';
    const message = this.#errorMessage();
    return html`
      <div part="base" aria-busy=${this.#isBusy() ? 'true' : 'false'}>
        ${showForm
          ? html`
              <div part="header">${this.localize.term('title')}</div>
              <div part="error" role="alert" ?hidden=${!message}>${message}</div>
              <slot name="form"></slot>
              <slot name="footer"></slot>
            `
          : html`<div part="placeholder" aria-hidden="true"></div>`}
      </div>
    `;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (this.#form) render(this.#formTemplate(), this.#form, { host: this });
    this.#syncForm();
  }

  #isBusy(): boolean {
    return this.busy || this.auth.state.status === 'pending';
  }

  #errorMessage(): string {
    if (this.operationError) return this.localize.errorMessage(this.operationError.code);
    const state = this.auth.state;
    if ((state.status === 'anonymous' || state.status === 'error') && state.error) {
      return this.localize.errorMessage(state.error.code);
    }
    return '';
  }

  #formTemplate() {
    const busy = this.#isBusy();
    const invalid = this.operationError?.code === 'invalid_credentials';
    const t = (key: TranslationKey) => this.localize.term(key);
    return html`
      <label part="label" for="${this.#id}-username">${t('username')}</label>
      <input
        part="input username-input"
        id="${this.#id}-username"
        name="username"
        type="text"
        autocomplete="username"
        autocapitalize="none"
        spellcheck="false"
        required
        aria-invalid=${invalid ? 'true' : nothing}
        ?disabled=${busy}
      />
      <label part="label" for="${this.#id}-password">${t('password')}</label>
      <input
        part="input password-input"
        id="${this.#id}-password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        aria-invalid=${invalid ? 'true' : nothing}
        ?disabled=${busy}
      />
      <button part="submit-button" type="submit" ?disabled=${busy}>${busy ? t('submitting') : t('submit')}</button>
    `;
  }

  /** Keep the form's accessible name and busy flag in step (the form is not part of the template). */
  #syncForm(): void {
    if (!this.#form) return;
    this.#form.setAttribute('aria-label', this.localize.term('title'));
    if (this.#isBusy()) this.#form.setAttribute('aria-busy', 'true');
    else this.#form.removeAttribute('aria-busy');
  }

  async #onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = this.#form;
    if (!form || this.#isBusy()) return;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '');
    const password = String(data.get('password') ?? '');
    const client = this.auth.client;
    if (!client) {
      this.operationError = null;
      this.dispatchAuthError(Object.assign(new Error('No <auth-provider> above this element.'), { code: 'no_client' }), 'login');
      return;
    }
    const abort = new AbortController();
    this.#abort?.abort();
    this.#abort = abort;
    this.operationError = null;
    this.busy = true;
    try {
      await client.login({ username, password }, { signal: abort.signal });
      const input = form.elements.namedItem('password');
      if (input instanceof HTMLInputElement) input.value = '';
    } catch (err) {
      if (abort.signal.aborted) return; // cancelled because the element left the page
      const error = err instanceof AuthError ? err : new AuthError('network_error', 'Something went wrong.', { cause: err });
      this.operationError = error;
      this.dispatchAuthError(error, 'login');
      const input = form.elements.namedItem('password');
      if (input instanceof HTMLInputElement) input.value = '';
      this.busy = false;
      await this.updateComplete;
      if (input instanceof HTMLInputElement && this.isConnected) input.focus();
    } finally {
      if (this.#abort === abort) this.#abort = null;
      this.busy = false;
    }
  }
}
