import { html } from 'lit';
import { adoptSheet } from '../auth-form/auth-form.form-styles.js';
import en from '../translations/en.js';
import type { LoginView } from './auth-login.component.js';

/**
 * `<auth-login>`'s "Continue with <provider>" button, for OIDC backends. Loaded on demand (its own
 * chunk, like focus.ts) by the first `<auth-login>` that finds an OIDC backend, so pages with a
 * password form carry none of it; its English string joins the table with it.
 *
 * It lives in the login's shadow root, not in the light-DOM form: no password manager needs to see
 * it, and only a shadow root can take the page's logo (`<img slot="logo">`) into the button.
 */
Object.assign(en, { continueWith: 'Continue with {provider}' });

/**
 * Its styles, adopted into each login's shadow root. Full width like the submit button in a narrow
 * card, and as tall, with the same space above (the placeholder shown while the session is restored
 * holds the empty form's submit button: nothing moves when this one replaces it; hence the flex box
 * around it, where its top margin does not collapse with the heading's, as in the form); the logo
 * does not make the line taller (negative block margins); a neutral, outlined button (the usual look of a sign-in-with button, so the provider's logo
 * shows on the surface colour) whose border is the fields' (3:1 against the card with the kit
 * tokens); the logo at 1.25em, centred on the text's line; the kit's focus ring.
 */
const STYLES = `
[part~='provider'] {
  display: flex;
  flex-direction: column;
}
[part~='provider-button'] {
  display: flex;
  align-items: center;
  justify-content: center;
  box-sizing: border-box;
  width: 100%;
  margin-top: var(--_spacing);
  padding: 0.5em 1.25em;
  font: inherit;
  font-weight: 600;
  text-wrap: balance;
  color: var(--_color);
  background: var(--_input-background);
  border: var(--_input-border);
  border-radius: var(--_input-radius);
  cursor: pointer;
  overflow-wrap: anywhere;
  &:hover:enabled {
    background: color-mix(in srgb, var(--_color) 6%, var(--_background));
    border-color: color-mix(in srgb, var(--_border), var(--_color));
  }
  &:active:enabled {
    background: color-mix(in srgb, var(--_color) 12%, var(--_background));
  }
  &:focus-visible {
    outline: var(--_focus-ring);
    outline-offset: 2px;
  }
  &:disabled {
    cursor: progress;
    opacity: 0.75;
  }
}
[part~='logo'] {
  display: flex;
  flex: none;
}
::slotted([slot='logo']),
[part~='provider-button'] [part~='spinner'] {
  flex: none;
  width: 1.25em;
  height: 1.25em;
  margin-block: -0.25em;
  margin-inline-end: 0.625em;
  object-fit: contain;
}
[part~='provider-button'] [part~='spinner'] {
  box-sizing: border-box;
  border: 0.15em solid;
  border-inline-end-color: transparent;
  border-radius: 50%;
  animation: auth-elements-spin 0.8s linear infinite;
}
@keyframes auth-elements-spin {
  to {
    transform: rotate(1turn);
  }
}
@media (prefers-reduced-motion: reduce) {
  [part~='provider-button'] [part~='spinner'] {
    animation: none;
  }
}
`;

/**
 * The button: the logo slot (replaced by a spinner while pending, so the text does not move), then
 * "Continue with <provider>" (`provider-name`, else the backend's name). A `type=button` outside the
 * form; its click submits the login's (empty) light-DOM form, whose submit handler calls
 * `client.login()` synchronously: in the click's task, so a popup the backend opens there is allowed.
 */
export function providerButton(login: LoginView) {
  adoptSheet(login.renderRoot, STYLES);
  const name = login.providerName || login.auth.client.backend.providerName || '';
  return html`<div part="provider"><button part="provider-button" type="button" ?disabled=${login.isBusy()} @click=${() => login.submit()}>
    ${login.isBusy()
      ? html`<span part="spinner" aria-hidden="true"></span>`
      : html`<span part="logo"><slot name="logo"></slot></span>`}<span part="provider-label">${login.localize.term('continueWith', { provider: name })}</span>
  </button></div>`;
}
